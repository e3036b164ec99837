//! Arista EOS outputs, rendered from the device model in the layouts ntc-templates parse.

use super::ios_like::{Outputs, Render};
use super::{active_vlan_row, cells, each_interface, interface_head, pad, vlan_stanzas};
use crate::lab::model::{Device, IfKind, Interface, mac_cisco};

/// EOS, for the mode machine.
pub struct Eos;

impl Outputs for Eos {
    const SHOW: &'static [(&'static str, Render)] = &[
        ("show interfaces LINE?", |name, dev| {
            each_interface(dev, name, "", |i| interface(&dev.interfaces[i]))
        }),
        ("show vlan", |_, dev| Some(vlan(dev))),
        ("show vlan brief", |_, dev| Some(vlan(dev))),
    ];

    const CLOCK: &'static str = "Mon Jan  1 12:00:00 2024\nTimezone: UTC\nClock source: local\n";

    /// EOS greets with the last login.
    fn banner(_dev: &Device) -> String {
        "Last login: Mon Jan  1 12:00:00 2024 from 10.10.0.254\n".into()
    }

    fn version(dev: &Device) -> String {
        let chassis = dev
            .inventory
            .first()
            .map(|i| i.pid.as_str())
            .unwrap_or("DCS-7050SX3-48YC8");
        format!(
            "Arista {chassis}\nHardware version: 11.01\nSerial number: {}\nHardware MAC address: {}\nSystem MAC address: {}\n\nSoftware image version: 4.28.3M\nArchitecture: x86_64\nInternal build version: 4.28.3M-28837868.4283M\nInternal build ID: 2c7e4b6f-9d3b-4c7f-8a52-7a3c1c2a5b55\nImage format version: 3.0\nImage optimization: Strata-4GB\n\nUptime: {}\nTotal memory: 8099732 kB\nFree memory: 6129344 kB\n\n",
            dev.serial,
            mac_cisco(&dev.base_mac),
            mac_cisco(&dev.base_mac),
            uptime(dev)
        )
    }

    fn ip_brief(dev: &Device) -> String {
        let mut s = "                                                                              Address\nInterface         IP Address            Status       Protocol           MTU    Owner  \n----------------- --------------------- ------------ -------------- ---------- -------\n".to_string();
        for i in &dev.interfaces {
            let ip = i
                .ipv4
                .map(|(a, l)| format!("{a}/{l}"))
                .unwrap_or_else(|| "unassigned".into());
            let (st, pr) = match (i.enabled, i.oper_up()) {
                (false, _) => ("admin down", "down"),
                (true, true) => ("up", "up"),
                (true, false) => ("down", "lowerlayerdown"),
            };
            let mtu = if i.kind == IfKind::Loopback {
                65535
            } else {
                i.mtu
            };
            s += &cells(&[(&i.name, 18), (&ip, 22), (st, 13), (pr, 15)]);
            s += &format!("{mtu:>10}\n");
        }
        s + "\n"
    }

    fn inventory(dev: &Device) -> String {
        let chassis = dev.inventory.first();
        let (pid, vid) = chassis
            .map(|c| (c.pid.as_str(), c.vid.as_str()))
            .unwrap_or(("", ""));
        let mut s = format!(
            "System information\n  Model                    Description\n  ------------------------ ----------------------------------------------------\n  {} 48x25GbE (SFP) & 8x100GbE (QSFP) switch\n\n  HW Version  Serial Number  Mfg Date   Epoch\n  ----------- -------------- ---------- -----\n  {}       {}    2021-06-14 02.00\n\n",
            pad(pid, 25),
            pad(vid, 5),
            pad(&dev.serial, 11)
        );
        let psus: Vec<_> = dev.inventory.iter().skip(1).collect();
        s += &format!(
            "System has {} power supply slots\n  Slot Model                        Serial Number\n  ---- ---------------------------- ----------------\n",
            psus.len()
        );
        for (n, p) in psus.iter().enumerate() {
            s += &format!(
                "  {}{}{}\n",
                pad(&(n + 1).to_string(), 5),
                pad(&p.pid, 29),
                p.serial
            );
        }
        s + "\n"
    }

    fn lldp(dev: &Device) -> String {
        let mut s = "Last table change time   : 0:12:21 ago\nNumber of table inserts  : 2\nNumber of table deletes  : 0\nNumber of table drops    : 0\nNumber of table age-outs : 0\n\nPort          Neighbor Device ID       Neighbor Port ID    TTL\n------------- ------------------------ ------------------- ---\n".to_string();
        for n in &dev.neighbors {
            s += &format!(
                "{}{}{}120\n",
                pad(&short_if(&n.local_if), 14),
                pad(&n.remote_host, 25),
                pad(&n.remote_port, 20)
            );
        }
        s + "\n"
    }

    /// `show running-config` in EOS's layout.
    fn running_config(dev: &Device) -> String {
        let mut s = format!(
            "! Command: show running-config\n! device: {} (DCS-7050SX3-48YC8, EOS-4.28.3M)\n!\n! boot system flash:/EOS-4.28.3M.swi\n!\nno aaa root\n!\nusername admin privilege 15 role network-admin secret sha512 $6$lab\n!\ntransceiver qsfp default-mode 4x10G\n!\nservice routing protocols model multi-agent\n!\nhostname {}\n!\nspanning-tree mode mstp\n!\n",
            dev.hostname, dev.hostname
        );
        s += &vlan_stanzas(dev, "   ", "!\n");
        for i in &dev.interfaces {
            s += &interface_head(i, "   ");
            if !i.enabled {
                s += "   shutdown\n";
            }
            if i.mtu != 1500 && i.kind == IfKind::Ethernet {
                s += &format!("   mtu {}\n", i.mtu);
            }
            if let Some(v) = i.access_vlan {
                s += &format!("   switchport access vlan {v}\n");
            } else if i.kind == IfKind::Ethernet && !i.name.starts_with("Management") {
                s += "   no switchport\n";
            }
            if let Some((a, l)) = i.ipv4 {
                s += &format!("   ip address {a}/{l}\n");
            }
            s += "!\n";
        }
        for l in &dev.extra_config {
            s += &format!("{l}\n!\n");
        }
        s + "ip routing\n!\nmanagement api http-commands\n   no shutdown\n!\nend\n"
    }
}

/// EOS's short port names, used in prompts and tables: `Ethernet1` → `Et1`, `Management1` → `Ma1`.
pub fn short_if(name: &str) -> String {
    super::ios_like::short_if(name)
}

fn uptime(dev: &Device) -> String {
    let (w, d, h, m) = dev.uptime_parts();
    let days = w * 7 + d;
    format!(
        "{} weeks, {} days, {h} hours and {m} minutes",
        days / 7,
        days % 7
    )
}

fn interface(i: &Interface) -> String {
    let (status, proto) = match (i.enabled, i.oper_up()) {
        (false, _) => ("administratively down", "down (disabled)"),
        (true, true) => ("up", "up (connected)"),
        (true, false) => ("down", "down (notconnect)"),
    };
    let mut s = format!("{} is {status}, line protocol is {proto}\n", i.name);
    s += match i.kind {
        IfKind::Loopback => "  Hardware is Loopback\n".to_string(),
        _ => format!(
            "  Hardware is Ethernet, address is {} (bia {})\n",
            mac_cisco(&i.mac),
            mac_cisco(&i.mac)
        ),
    }
    .as_str();
    if !i.description.is_empty() {
        s += &format!("  Description: {}\n", i.description);
    }
    if let Some((a, l)) = i.ipv4 {
        s += &format!(
            "  Internet address is {a}/{l}\n  Broadcast address is 255.255.255.255\n  Address determined by manual configuration\n"
        );
    }
    s += &format!("  IP MTU {} bytes , BW {} kbit\n", i.mtu, i.bandwidth_kbps);
    if i.kind == IfKind::Ethernet {
        s += "  Full-duplex, 1Gb/s, auto negotiation: on, uni-link: n/a\n  Up 3 days, 4 hours, 17 minutes, 2 seconds\n  1 link status changes since last clear\n  Last clearing of \"show interface\" counters never\n";
        s += "  5 minutes input rate 0 bps (0.0% with framing overhead), 0 packets/sec\n  5 minutes output rate 0 bps (0.0% with framing overhead), 0 packets/sec\n";
        s += &format!(
            "     {} packets input, {} bytes\n     Received 3 broadcasts, 0 multicast\n     0 runts, 0 giants\n     0 input errors, 0 CRC, 0 alignment, 0 symbol, 0 input discards\n     0 PAUSE input\n",
            i.packets_in,
            i.bytes_in()
        );
        s += &format!(
            "     {} packets output, {} bytes\n     Sent 0 broadcasts, 32 multicast\n     0 output errors, 0 collisions\n     0 late collision, 0 deferred, 0 output discards\n     0 PAUSE output\n",
            i.packets_out,
            i.bytes_out()
        );
    }
    s
}

fn vlan(dev: &Device) -> String {
    let mut s = "VLAN  Name                             Status    Ports\n----- -------------------------------- --------- -------------------------------\n".to_string();
    for v in dev.vlans.values() {
        s += &active_vlan_row(dev, v.id, 6, &v.name, short_if);
    }
    s + "\n"
}
