//! Junos `show` outputs, rendered from the device model in the layouts ntc-templates parse.

use std::net::Ipv4Addr;

use super::pad;
use crate::lab::model::{Device, IfKind, mac_colon};

/// `show version`.
pub fn version(dev: &Device) -> String {
    let mut s = format!("Hostname: {}\nModel: vmx\nJunos: 21.2R3.8\n", dev.hostname);
    for p in [
        "JUNOS OS Kernel 64-bit",
        "JUNOS OS libs",
        "JUNOS OS runtime",
        "JUNOS OS time zone information",
        "JUNOS network stack and utilities",
        "JUNOS Packet Forwarding Engine Simulation Package",
        "JUNOS Routing Software Suite",
    ] {
        s += &format!("{p}  [20220113.5a4c2b0_builder_stable_12_212]\n");
    }
    s
}

fn status(dev: &Device, i: usize) -> (&'static str, &'static str) {
    let itf = &dev.interfaces[i];
    (
        if itf.enabled { "up" } else { "down" },
        if itf.oper_up() { "up" } else { "down" },
    )
}

/// `show interfaces terse`.
pub fn terse(dev: &Device) -> String {
    let mut s =
        "Interface               Admin Link Proto    Local                 Remote\n".to_string();
    for (n, i) in dev.interfaces.iter().enumerate() {
        let (a, l) = status(dev, n);
        s += &format!("{}{}{}\n", pad(&i.name, 24), pad(a, 6), l);
        let (proto, local) = match (i.ipv4, i.access_vlan) {
            (Some((ip, len)), _) => ("inet", format!("{ip}/{len}")),
            (None, Some(_)) => ("eth-switch", String::new()),
            _ => continue,
        };
        s += format!(
            "{}{}{}{}{}\n",
            pad(&format!("{}.0", i.name), 24),
            pad(a, 6),
            pad(l, 5),
            pad(proto, 9),
            local
        )
        .trim_end();
        s += "\n";
    }
    s
}

/// One interface of `show interfaces`.
pub fn interface(dev: &Device, n: usize) -> String {
    let i = &dev.interfaces[n];
    let (a, l) = status(dev, n);
    let mut s = format!(
        "Physical interface: {}, {}, Physical link is {}\n",
        i.name,
        if a == "up" {
            "Enabled"
        } else {
            "Administratively down"
        },
        if l == "up" { "Up" } else { "Down" }
    );
    s += &format!(
        "  Interface index: {}, SNMP ifIndex: {}\n",
        148 + n,
        526 + n
    );
    if !i.description.is_empty() {
        s += &format!("  Description: {}\n", i.description);
    }
    if i.kind == IfKind::Loopback {
        s += "  Type: Loopback, MTU: Unlimited\n";
    } else {
        s += &format!(
            "  Link-level type: Ethernet, MTU: {}, MRU: 1522, LAN-PHY mode, Speed: 1000mbps, BPDU Error: None,\n",
            i.mtu + 14
        );
        s += "  Loop Detect PDU Error: None, Loopback: Disabled, Source filtering: Disabled, Flow control: Enabled\n";
        s += "  Device flags   : Present Running\n  Interface flags: SNMP-Traps Internal: 0x4000\n  Link flags     : None\n  CoS queues     : 8 supported, 8 maximum usable queues\n";
        s += &format!(
            "  Current address: {}, Hardware address: {}\n",
            mac_colon(&i.mac),
            mac_colon(&i.mac)
        );
        s += "  Last flapped   : 2023-12-01 08:00:00 UTC (4w2d 04:17 ago)\n  Input rate     : 0 bps (0 pps)\n  Output rate    : 0 bps (0 pps)\n  Active alarms  : None\n  Active defects : None\n";
    }
    if let Some((ip, len)) = i.ipv4 {
        let net = u32::from(ip) & u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0);
        s += &format!(
            "\n  Logical interface {}.0 (Index {}) (SNMP ifIndex {})\n    Flags: Up SNMP-Traps 0x4004000 Encapsulation: ENET2\n",
            i.name,
            330 + n,
            540 + n
        );
        s += &format!(
            "    Input packets : {}\n    Output packets: {}\n    Protocol inet, MTU: {}\n",
            i.packets_in, i.packets_out, i.mtu
        );
        s += &format!(
            "      Flags: Sendbcast-pkt-to-re\n      Addresses, Flags: Is-Preferred Is-Primary\n        Destination: {}/{len}, Local: {ip}\n",
            Ipv4Addr::from(net)
        );
    }
    s
}

/// `show chassis hardware`.
pub fn hardware(dev: &Device) -> String {
    let mut s = "Hardware inventory:\nItem             Version  Part number  Serial number     Description\n".to_string();
    for (n, i) in dev.inventory.iter().enumerate() {
        let part = if n == 0 { "" } else { "BUILTIN" };
        s += format!(
            "{}{}{}{}{}\n",
            pad(&i.name, 17),
            pad(&i.vid, 9),
            pad(part, 13),
            pad(&i.serial, 18),
            i.descr
        )
        .as_str();
    }
    s
}

/// `show lldp neighbors`.
pub fn lldp(dev: &Device) -> String {
    let mut s = "Local Interface    Parent Interface    Chassis Id          Port info          System Name\n".to_string();
    for n in &dev.neighbors {
        let o = n.remote_ip.octets();
        let mac = mac_colon(&[0x52, 0x54, 0x00, o[2], o[3], 0]);
        s += &format!(
            "{}{}{}{}{}\n",
            pad(&n.local_if, 19),
            pad("-", 20),
            pad(&mac, 20),
            pad(&n.remote_port, 19),
            n.remote_host
        );
    }
    s
}

/// `show vlans`.
pub fn vlans(dev: &Device) -> String {
    let mut s =
        "\nRouting instance        VLAN name             Tag          Interfaces\n".to_string();
    for v in dev.vlans.values() {
        s += &format!("default-switch          {}{}\n", pad(&v.name, 22), v.id);
        for p in dev.vlan_ports(v.id) {
            s += &format!(
                "{}{}.0{}\n",
                " ".repeat(59),
                p.name,
                if p.oper_up() { "*" } else { "" }
            );
        }
    }
    s
}

/// `show configuration` in curly-brace form, rendered from the model; verbatim `set` lines are nested
/// word by word.
pub fn configuration(dev: &Device) -> String {
    let mut s = format!(
        "## Last commit: 2024-01-01 12:00:00 UTC by admin\nversion 21.2R3.8;\nsystem {{\n    host-name {};\n    services {{\n        ssh;\n        netconf {{\n            ssh;\n        }}\n    }}\n}}\ninterfaces {{\n",
        dev.hostname
    );
    for i in &dev.interfaces {
        s += &format!("    {} {{\n", i.name);
        if !i.description.is_empty() {
            s += &format!("        description \"{}\";\n", i.description);
        }
        if !i.enabled {
            s += "        disable;\n";
        }
        if i.mtu != 1500 && i.kind == IfKind::Ethernet {
            s += &format!("        mtu {};\n", i.mtu);
        }
        if let Some((a, l)) = i.ipv4 {
            s += &format!(
                "        unit 0 {{\n            family inet {{\n                address {a}/{l};\n            }}\n        }}\n"
            );
        } else if let Some(v) = i.access_vlan {
            let name = dev
                .vlans
                .get(&v)
                .map(|x| x.name.clone())
                .unwrap_or_else(|| v.to_string());
            s += &format!(
                "        unit 0 {{\n            family ethernet-switching {{\n                vlan {{\n                    members {name};\n                }}\n            }}\n        }}\n"
            );
        }
        s += "    }\n";
    }
    s += "}\nvlans {\n";
    for v in dev.vlans.values() {
        s += &format!("    {} {{\n        vlan-id {};\n    }}\n", v.name, v.id);
    }
    s += "}\n";
    for l in dev
        .extra_config
        .iter()
        .filter_map(|l| l.strip_prefix("set "))
    {
        let w: Vec<&str> = l.split_whitespace().collect();
        let depth = w.len().saturating_sub(2);
        for (d, word) in w.iter().take(depth).enumerate() {
            s += &format!("{}{word} {{\n", "    ".repeat(d));
        }
        s += &format!("{}{};\n", "    ".repeat(depth), w[depth..].join(" "));
        for d in (0..depth).rev() {
            s += &format!("{}}}\n", "    ".repeat(d));
        }
    }
    s
}
