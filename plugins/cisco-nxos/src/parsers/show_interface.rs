//! NX-OS `show interface`: one record per interface, from its `X is up` heading to the next.
//!
//! Layouts differ by interface type and release (`Hardware is` vs `Hardware:`, `admin state`
//! on its own line, Rx/Tx counter blocks on 9000s vs one-line counters on SVIs and mgmt0),
//! so each line is tried against every known layout in turn and the first match wins.

use serde::Serialize;

use netpulse_vendor_kit::regexes;
use netpulse_vendor_kit::scan::{cap, lines};

/// ntc-templates' `cisco_nxos_show_interface` record; counters are kept as printed.
#[derive(Debug, Default, Serialize)]
#[allow(missing_docs)] // field names are ntc-templates' keys and say what they hold
pub struct Record {
    interface: String,
    link_status: String,
    admin_state: String,
    hardware_type: String,
    mac_address: String,
    bia: String,
    description: String,
    ip_address: String,
    prefix_length: String,
    mtu: String,
    mode: String,
    duplex: String,
    speed: String,
    input_packets: String,
    output_packets: String,
    input_errors: String,
    output_errors: String,
    bandwidth: String,
    delay: String,
    encapsulation: String,
    last_link_flapped: String,
    vlan_id: String,
    packet_input_rate: String,
    packet_output_rate: String,
    bandwidth_input_rate: String,
    bandwidth_output_rate: String,
    media_type: String,
    short_frame: String,
    overrun: String,
    underrun: String,
    ignored: String,
    watchdog: String,
    bad_etype_drop: String,
    bad_proto_drop: String,
    interface_down_drop: String,
    dribble: String,
    input_discards: String,
    rx_pause: String,
    stomped_crc: String,
    rx_jumbo_packets: String,
    storm_suppression_bytes: String,
    runts: String,
    giants: String,
    crc: String,
    no_buffer: String,
    tx_jumbo_packets: String,
    collisions: String,
    deferred: String,
    late_collisions: String,
    lost_carrier: String,
    no_carrier: String,
    babble: String,
    output_discards: String,
    tx_pause: String,
}

regexes! {
    ANY_HEADING = r"^\S+\s+is.+";
    HEADING_PROTO = r"^(\S+)\s+is\s+(.+?),\s+line\s+protocol\s+is\s+(.+?)$";
    HEADING = r"^(\S+)\s+is\s+(.+?)$";
    ADMIN_COMMA = r"^admin\s+state\s+is\s+(.+?),";
    // Unanchored lazy captures keep only the first character (`u`/`d`): that is what
    // ntc-templates reports for these layouts, and its records are the contract.
    ADMIN = r"^admin\s+state\s+is\s+(.+?)";
    ADMIN_INDENTED = r"^\s+[Aa]dmin\s+[Ss]tate:\s+(.+?)";
    HARDWARE_ADDR = r"^\s+Hardware(?::|\s+is)\s+(.*),\s+address(?::|\s+is)\s+([a-zA-Z0-9]+.[a-zA-Z0-9]+.[a-zA-Z0-9]+)(?:.*bia\s+([a-zA-Z0-9]+.[a-zA-Z0-9]+.[a-zA-Z0-9]+))*";
    HARDWARE = r"^\s+Hardware(?::|\s+is)\s+(.*)";
    DESCRIPTION = r"^\s+(?:Port\s+)?[Dd]escription(?::|\s+is)\s+(\S+(?:(?:\s+\S+)+)?)\s*$";
    INET = r"^\s+Internet\s+[aA]ddress\s+is\s+(\d+\.\d+\.\d+\.\d+)/(\d+)";
    MODE = r"^\s+Port\s+mode\s+is\s+(\S+)";
    DUPLEX = r"^\s+(.+duplex?),\s+(.+?)(?:,\s+media\s+type\s+is\s+(.+?))?\s*$";
    MTU = r"^\s+MTU\s+(\d+)(?:.*BW\s+(\d+\s+\w+).*DLY\s+(\d+\s+\w+))?";
    ENCAP = r"^\s+Encapsulation\s+([\w.]+),?(?:\s+Virtual\s+LAN,\s+Vlan\s+ID\s+(\d+),)?";
    IN_PKTS = r"^\s+(\d+)\s+input\s+packets\s+\d+\s+bytes\s*$";
    OUT_PKTS = r"^\s+(\d+)\s+output\s+packets\s+\d+\s+bytes\s*$";
    IN_PKTS_CAST = r"^\s+(\d+)\s+input\s+packets(?:\s+\d+\s+(?:unicast|multicast)+\s+packets){2}\s*$";
    OUT_PKTS_CAST = r"^\s+(\d+)\s+output\s+packets(?:\s+\d+\s+(?:unicast|multicast)+\s+packets){2}\s*$";
    PKTS_IN = r"^\s+(\d+)\s+packets\s+input,?\s+\d+\s+bytes\s*$";
    PKTS_OUT = r"^\s+(\d+)\s+packets\s+output,?\s+\d+\s+bytes(?:\s+(\d+)\s+underruns\s*)?$";
    IN_OUT_PKTS = r"^\s+input:\s+(\d+)\s+pkts,\s+\d+\s+bytes\s+-\s+output:\s+(\d+)\s+pkts,\s+\d+\s+bytes\s*$";
    FLAPPED = r"^\s+Last\s+link\s+flapped\s+(.+?)\s*$";
    IN_RATE = r"^\s+\d+\s+(?:second|minute)s?\s+input\s+rate\s+(.+?)\s+bits/sec(?:,\s+(.+?)\s+packets/sec)?";
    OUT_RATE = r"^\s+\d+\s+(?:second|minute)s?\s+output\s+rate\s+(.+?)\s+bits/sec(?:,\s+(.+?)\s+packets/sec)?";
    IN_ERRORS_SHORT = r"^\s+(\d+)\s+input\s+errors?\s+(\d+)\s+short\s+frame\s+(\d+)\s+overrun\s+(\d+)\s+underrun\s+(\d+)\s+ignored\s*$";
    IN_ERRORS_FIFO = r"^\s+(\d+)\s+input\s+errors\s+(\d+)\s+frame\s+(\d+)\s+overrun\s+\d+\s+fifo\s*$";
    WATCHDOG = r"^\s+(\d+)\s+watchdog\s+(\d+)\s+bad\s+etype\s+drop\s+(\d+)\s+bad\s+proto\s+drop\s+(\d+)\s+if\s+down\s+drop\s*$";
    DRIBBLE = r"^\s+(\d+)\s+input\s+with\s+dribble\s+(\d+)\s+input\s+discard\s*$";
    RX_PAUSE = r"^\s+(\d+)\s+Rx\s+pause\s*$";
    STOMPED = r"^\s+(\d+)\s+Stomped\s+CRC\s*$";
    RX_JUMBO_STORM_BYTES = r"^\s+(\d+)\s+jumbo\s+packets\s+(\d+)\s+storm\s+suppression\s+bytes\s*$";
    RX_JUMBO_STORM_PKTS = r"^\s+(\d+)\s+jumbo\s+packets\s+\d+\s+storm\s+suppression\s+packets\s*$";
    RX_JUMBO_ENCAP = r"^\s+(\d+)\s+jumbo\s+pa(?:ckets)?\s+Encapsulation\s+\S+,\s+medium\s+is\s+\S+";
    RUNTS = r"^\s+(\d+)\s+runts\s+(\d+)\s+giants\s+(\d+)\s+CRC(?:/FCS)?\s+(\d+)\s+no\s+buffer\s*$";
    CRC_UNKNOWN = r"^\s+(\d+)\s+CRC,\s+\d+\s+unknown\s+class";
    TX_JUMBO = r"^\s+(\d+)\s+jumbo\s+packets\s*$";
    OUT_ERRORS = r"^\s+(\d+)\s+output\s+errors?\s+(\d+)\s+collision\s+(\d+)\s+deferred\s+(\d+)\s+late\s+collision\s*$";
    OUT_ERRORS_FIFO = r"^\s+(\d+)\s+output\s+errors\s+(\d+)\s+collisions\s+\d+\s+fifo\s*$";
    CARRIER = r"^\s+(\d+)\s+lost\s+carrier\s+(\d+)\s+no\s+carrier\s+(\d+)\s+babble\s+(\d+)\s+output\s+discard\s*$";
    TX_PAUSE = r"^\s+(\d+)\s+Tx\s+pause\s*$";
}

/// Parses `show interface` output into one record per interface.
pub fn parse(output: &str) -> Vec<Record> {
    let mut out = Vec::new();
    let mut r = Record::default();
    for line in lines(output) {
        if ANY_HEADING.is_match(line) {
            let done = std::mem::take(&mut r);
            if !done.interface.is_empty() {
                out.push(done);
            }
        }
        apply(&mut r, line);
    }
    if !r.interface.is_empty() {
        out.push(r);
    }
    out
}

/// Sets `fields` from capture groups 1, 2, … of `re` if it matches `line`.
macro_rules! rule {
    ($line:expr, $re:expr => $($field:expr),+) => {
        if let Some(c) = $re.captures($line) {
            let mut _i = 0;
            $( _i += 1; $field = cap(&c, _i); )+
            return;
        }
    };
}

/// Applies one line to the current record; the first matching layout wins.
fn apply(r: &mut Record, line: &str) {
    rule!(line, HEADING_PROTO => r.interface, r.link_status, r.admin_state);
    rule!(line, HEADING => r.interface, r.link_status);
    rule!(line, ADMIN_COMMA => r.admin_state);
    rule!(line, ADMIN => r.admin_state);
    rule!(line, ADMIN_INDENTED => r.admin_state);
    rule!(line, HARDWARE_ADDR => r.hardware_type, r.mac_address, r.bia);
    rule!(line, HARDWARE => r.hardware_type);
    rule!(line, DESCRIPTION => r.description);
    rule!(line, INET => r.ip_address, r.prefix_length);
    rule!(line, MODE => r.mode);
    rule!(line, DUPLEX => r.duplex, r.speed, r.media_type);
    rule!(line, MTU => r.mtu, r.bandwidth, r.delay);
    rule!(line, ENCAP => r.encapsulation, r.vlan_id);
    rule!(line, IN_PKTS => r.input_packets);
    rule!(line, OUT_PKTS => r.output_packets);
    rule!(line, IN_PKTS_CAST => r.input_packets);
    rule!(line, OUT_PKTS_CAST => r.output_packets);
    rule!(line, PKTS_IN => r.input_packets);
    rule!(line, PKTS_OUT => r.output_packets, r.underrun);
    rule!(line, IN_OUT_PKTS => r.input_packets, r.output_packets);
    rule!(line, FLAPPED => r.last_link_flapped);
    rule!(line, IN_RATE => r.bandwidth_input_rate, r.packet_input_rate);
    rule!(line, OUT_RATE => r.bandwidth_output_rate, r.packet_output_rate);
    rule!(line, IN_ERRORS_SHORT => r.input_errors, r.short_frame, r.overrun, r.underrun, r.ignored);
    rule!(line, IN_ERRORS_FIFO => r.input_errors, r.short_frame, r.overrun);
    rule!(line, WATCHDOG => r.watchdog, r.bad_etype_drop, r.bad_proto_drop, r.interface_down_drop);
    rule!(line, DRIBBLE => r.dribble, r.input_discards);
    rule!(line, RX_PAUSE => r.rx_pause);
    rule!(line, STOMPED => r.stomped_crc);
    rule!(line, RX_JUMBO_STORM_BYTES => r.rx_jumbo_packets, r.storm_suppression_bytes);
    rule!(line, RX_JUMBO_STORM_PKTS => r.rx_jumbo_packets);
    rule!(line, RX_JUMBO_ENCAP => r.rx_jumbo_packets);
    rule!(line, RUNTS => r.runts, r.giants, r.crc, r.no_buffer);
    rule!(line, CRC_UNKNOWN => r.crc);
    rule!(line, TX_JUMBO => r.tx_jumbo_packets);
    rule!(line, OUT_ERRORS => r.output_errors, r.collisions, r.deferred, r.late_collisions);
    rule!(line, OUT_ERRORS_FIFO => r.output_errors, r.collisions);
    rule!(line, CARRIER => r.lost_carrier, r.no_carrier, r.babble, r.output_discards);
    rule!(line, TX_PAUSE => r.tx_pause);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ethernet_and_svi() {
        let out = include_str!("../../tests/fixtures/show_interface.txt");
        let v = serde_json::to_value(parse(out)).unwrap();
        assert_eq!(v.as_array().unwrap().len(), 2);
        let e = &v[0];
        assert_eq!(e["interface"], "Ethernet1/1");
        assert_eq!(e["link_status"], "up");
        assert_eq!(e["admin_state"], "up");
        assert_eq!(e["hardware_type"], "100/1000/10000/25000 Ethernet");
        assert_eq!(e["bia"], "00aa.bbcc.0101");
        assert_eq!(e["description"], "to spine-01");
        assert_eq!(e["mode"], "trunk");
        assert_eq!(e["duplex"], "full-duplex");
        assert_eq!(e["speed"], "25 Gb/s");
        assert_eq!(e["media_type"], "25G");
        assert_eq!(e["bandwidth_input_rate"], "4424");
        assert_eq!(e["packet_output_rate"], "6");
        assert_eq!(e["input_packets"], "3033");
        assert_eq!(e["output_packets"], "5663");
        assert_eq!(e["crc"], "5");
        assert_eq!(e["input_errors"], "5");
        assert_eq!(e["input_discards"], "7");
        assert_eq!(e["output_discards"], "9");
        assert_eq!(e["last_link_flapped"], "3week(s) 2day(s)");
        let svi = &v[1];
        assert_eq!(svi["admin_state"], "up, autostate enabled");
        assert_eq!(svi["hardware_type"], "EtherSVI");
        assert_eq!(svi["mac_address"], "00aa.bbcc.0a0a");
        assert_eq!(svi["ip_address"], "10.10.0.2");
        assert_eq!(svi["bandwidth"], "1000000 Kbit");
    }
}
