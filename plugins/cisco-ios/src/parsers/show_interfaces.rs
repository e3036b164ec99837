//! `show interfaces`: one record per interface, from its `X is up, line protocol is up`
//! heading to the next one.

use serde::Serialize;

use netpulse_vendor_kit::regexes;
use netpulse_vendor_kit::scan::{cap, flush, lines};

/// ntc-templates' `cisco_ios_show_interfaces` record; counters are kept as printed.
#[derive(Debug, Default, Serialize)]
pub struct Record {
    /// Interface name as the heading prints it (`GigabitEthernet0/1`).
    interface: String,
    /// Administrative/physical state (`up`, `administratively down`).
    link_status: String,
    /// Line protocol state, with any `(connected)` note.
    protocol_status: String,
    hardware_type: String,
    mac_address: String,
    bia: String,
    description: String,
    ip_address: String,
    prefix_length: String,
    mtu: String,
    duplex: String,
    speed: String,
    media_type: String,
    bandwidth: String,
    delay: String,
    encapsulation: String,
    last_input: String,
    last_output: String,
    last_output_hang: String,
    queue_strategy: String,
    input_rate: String,
    output_rate: String,
    input_pps: String,
    output_pps: String,
    input_packets: String,
    output_packets: String,
    runts: String,
    giants: String,
    input_errors: String,
    crc: String,
    frame: String,
    overrun: String,
    abort: String,
    output_errors: String,
    vlan_id: String,
    vlan_id_inner: String,
    vlan_id_outer: String,
    queue_size: String,
    queue_max: String,
    queue_drops: String,
    queue_flushes: String,
    queue_output_drops: String,
}

regexes! {
    HEADING = r"^(\S+)\s+is\s+(.+?),\s+line\s+protocol\s+is\s+(.+?)\s*$";
    ANY_HEADING = r"^\S+\s+is\s+.+?,\s+line\s+protocol.*$";
    HARDWARE = r"^\s+Hardware\s+is\s+([\w \-]+)";
    ADDRESS = r"^.+address\s+is\s+([a-fA-F0-9]{4}\.[a-fA-F0-9]{4}\.[a-fA-F0-9]{4})\s+\(bia\s+([a-fA-F0-9]{4}\.[a-fA-F0-9]{4}\.[a-fA-F0-9]{4})\)\s*$";
    DESCRIPTION = r"^\s+Description:\s+(.+?)\s*$";
    INET = r"^\s+Internet\s+address\s+is\s+(\d+\.\d+\.\d+\.\d+)/(\d+)\s*$";
    MTU = r"^\s+MTU\s+(\d+).*BW\s+(\d+\s+\w+).*DLY\s+(\d+\s+\S+),\s*$";
    ENCAP_VLAN = r"^\s+Encapsulation\s+(.+?),\s+Vlan\s+ID\s+(\d+)";
    ENCAP_QINQ = r"^\s+Encapsulation\s+(.+?),\s+outer\s+ID\s+(\d+),\s+inner\s+ID\s+(\d+)";
    ENCAP = r"^\s+Encapsulation\s+(.+?),.+$";
    LAST_IO = r"^\s+Last\s+input\s+(.+?),\s+output\s+(.+?),\s+output\s+hang\s+(.+?)\s*$";
    QUEUE = r"^\s+Input\s+queue:\s+(\d+)/(\d+)/(\d+)/(\d+)\s+\(size/max/drops/flushes\);\s+Total output\s+drops:\s+(\d+)\s*$";
    STRATEGY = r"^\s+Queueing\s+strategy:\s+(.+)\s*$";
    DUPLEX_MEDIA = r"^\s+(([Ff]ull|[Aa]uto|[Hh]alf|[Aa]-).*?),\s+(.*?),.+media\s+type\s+is\s*(\S+.*)?$";
    DUPLEX_TXFX = r"^\s+(([Ff]ull|[Aa]uto|[Hh]alf|[Aa]-).*?),\s+(.*?),.+TX/FX$";
    DUPLEX_ONLY = r"^\s+(([Ff]ull|[Aa]uto|[Hh]alf|[Aa]-).*?),\s+(.*?)$";
    IN_RATE = r"^.*input\s+rate\s+(\d+)\s+\w+/sec,\s+(\d+)\s+packets.+$";
    OUT_RATE = r"^.*output\s+rate\s+(\d+)\s+\w+/sec,\s+(\d+)\s+packets.+$";
    IN_PACKETS = r"^\s+(\d+)\s+packets\s+input,\s+\d+\s+bytes,\s+\d+\s+no\s+buffer\s*$";
    RUNTS = r"^\s+(\d+)\s+runts,\s+(\d+)\s+giants,\s+\d+\s+throttles\s*$";
    IN_ERRORS = r"^\s+(\d+)\s+input\s+errors,\s+(\d+)\s+CRC,\s+(\d+)\s+frame,\s+(\d+)\s+overrun,\s+\d+\s+ignored\s*$";
    IN_ERRORS_ABORT = r"^\s+(\d+)\s+input\s+errors,\s+(\d+)\s+CRC,\s+(\d+)\s+frame,\s+(\d+)\s+overrun,\s+\d+\s+ignored,\s+(\d+)\s+abort\s*$";
    OUT_PACKETS = r"^\s+(\d+)\s+packets\s+output,\s+\d+\s+bytes,\s+\d+\s+underruns\s*$";
    OUT_ERRORS = r"^\s+(\d+)\s+output\s+errors,\s+\d+\s+collisions,\s+\d+\s+interface\s+resets\s*$";
}

/// Parses `show interfaces` output into one record per interface.
pub fn parse(output: &str) -> Vec<Record> {
    let mut out = Vec::new();
    let mut r = Record::default();
    for line in lines(output) {
        if ANY_HEADING.is_match(line) {
            flush(&mut out, &mut r, |r| &r.interface);
        }
        apply(&mut r, line);
    }
    flush(&mut out, &mut r, |r| &r.interface);
    out
}

/// Applies one line to the current record; the first matching pattern wins.
fn apply(r: &mut Record, line: &str) {
    if let Some(c) = HEADING.captures(line) {
        r.interface = cap(&c, 1);
        r.link_status = cap(&c, 2);
        r.protocol_status = cap(&c, 3);
        return;
    }
    // `Hardware is X, address is …` carries both the type and the addresses.
    if let Some(c) = HARDWARE.captures(line) {
        r.hardware_type = cap(&c, 1);
    }
    if let Some(c) = ADDRESS.captures(line) {
        r.mac_address = cap(&c, 1);
        r.bia = cap(&c, 2);
    } else if let Some(c) = DESCRIPTION.captures(line) {
        r.description = cap(&c, 1);
    } else if let Some(c) = INET.captures(line) {
        r.ip_address = cap(&c, 1);
        r.prefix_length = cap(&c, 2);
    } else if let Some(c) = MTU.captures(line) {
        r.mtu = cap(&c, 1);
        r.bandwidth = cap(&c, 2);
        r.delay = cap(&c, 3);
    } else if let Some(c) = ENCAP_VLAN.captures(line) {
        r.encapsulation = cap(&c, 1);
        r.vlan_id = cap(&c, 2);
    } else if let Some(c) = ENCAP_QINQ.captures(line) {
        r.encapsulation = cap(&c, 1);
        r.vlan_id_outer = cap(&c, 2);
        r.vlan_id_inner = cap(&c, 3);
    } else if let Some(c) = ENCAP.captures(line) {
        r.encapsulation = cap(&c, 1);
    } else if let Some(c) = LAST_IO.captures(line) {
        r.last_input = cap(&c, 1);
        r.last_output = cap(&c, 2);
        r.last_output_hang = cap(&c, 3);
    } else if let Some(c) = QUEUE.captures(line) {
        r.queue_size = cap(&c, 1);
        r.queue_max = cap(&c, 2);
        r.queue_drops = cap(&c, 3);
        r.queue_flushes = cap(&c, 4);
        r.queue_output_drops = cap(&c, 5);
    } else if let Some(c) = STRATEGY.captures(line) {
        r.queue_strategy = cap(&c, 1);
    } else if let Some(c) = DUPLEX_MEDIA.captures(line) {
        r.duplex = cap(&c, 1);
        r.speed = cap(&c, 3);
        r.media_type = cap(&c, 4);
    } else if let Some(c) = DUPLEX_TXFX
        .captures(line)
        .or_else(|| DUPLEX_ONLY.captures(line))
    {
        r.duplex = cap(&c, 1);
        r.speed = cap(&c, 3);
    } else if let Some(c) = IN_RATE.captures(line) {
        r.input_rate = cap(&c, 1);
        r.input_pps = cap(&c, 2);
    } else if let Some(c) = OUT_RATE.captures(line) {
        r.output_rate = cap(&c, 1);
        r.output_pps = cap(&c, 2);
    } else if let Some(c) = IN_PACKETS.captures(line) {
        r.input_packets = cap(&c, 1);
    } else if let Some(c) = RUNTS.captures(line) {
        r.runts = cap(&c, 1);
        r.giants = cap(&c, 2);
    } else if let Some(c) = IN_ERRORS.captures(line) {
        r.input_errors = cap(&c, 1);
        r.crc = cap(&c, 2);
        r.frame = cap(&c, 3);
        r.overrun = cap(&c, 4);
    } else if let Some(c) = IN_ERRORS_ABORT.captures(line) {
        r.input_errors = cap(&c, 1);
        r.crc = cap(&c, 2);
        r.frame = cap(&c, 3);
        r.overrun = cap(&c, 4);
        r.abort = cap(&c, 5);
    } else if let Some(c) = OUT_PACKETS.captures(line) {
        r.output_packets = cap(&c, 1);
    } else if let Some(c) = OUT_ERRORS.captures(line) {
        r.output_errors = cap(&c, 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routed_switched_and_subinterfaces() {
        let out = include_str!("../../tests/fixtures/show_interfaces.txt");
        let v = serde_json::to_value(parse(out)).unwrap();
        assert_eq!(v.as_array().unwrap().len(), 3);
        let gi = &v[0];
        assert_eq!(gi["interface"], "GigabitEthernet0/0/0");
        assert_eq!(gi["link_status"], "up");
        assert_eq!(gi["protocol_status"], "up");
        assert_eq!(gi["hardware_type"], "ISR4331-3x1GE");
        assert_eq!(gi["mac_address"], "00aa.bbcc.dd01");
        assert_eq!(gi["description"], "uplink to ISP");
        assert_eq!(gi["ip_address"], "192.0.2.1");
        assert_eq!(gi["prefix_length"], "30");
        assert_eq!(gi["bandwidth"], "1000000 Kbit");
        assert_eq!(gi["delay"], "10 usec");
        assert_eq!(gi["duplex"], "Full Duplex");
        assert_eq!(gi["speed"], "1000Mbps");
        assert_eq!(gi["media_type"], "RJ45");
        assert_eq!(gi["input_rate"], "2000");
        assert_eq!(gi["output_pps"], "3");
        assert_eq!(gi["crc"], "2");
        assert_eq!(gi["queue_output_drops"], "17");
        let sub = &v[1];
        assert_eq!(sub["link_status"], "administratively down");
        assert_eq!(sub["encapsulation"], "802.1Q Virtual LAN");
        assert_eq!(sub["vlan_id"], "100");
        assert_eq!(sub["description"], "");
        let qinq = &v[2];
        assert_eq!(qinq["vlan_id_outer"], "200");
        assert_eq!(qinq["vlan_id_inner"], "30");
    }
}
