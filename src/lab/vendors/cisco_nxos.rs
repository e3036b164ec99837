//! NX-OS outputs, rendered from the device model in the layouts ntc-templates parse.

use super::cisco_ios::cdp_platform;
use super::ios_like::is_switchport;
use super::ios_like::{Outputs, Render};
use super::{active_vlan_row, each_interface, interface_head, pad, vlan_stanzas};
use crate::lab::model::{Device, IfKind, Interface, mac_cisco};

/// NX-OS, for the mode machine.
pub struct Nxos;

impl Outputs for Nxos {
    const SHOW: &'static [(&'static str, Render)] = &[
        ("show interface LINE?", |name, dev| {
            each_interface(dev, name, "\n", |i| interface(&dev.interfaces[i], dev))
        }),
        ("show interface brief", |_, dev| Some(brief(dev))),
        ("show vlan", |_, dev| Some(vlan(dev, true))),
        ("show vlan brief", |_, dev| Some(vlan(dev, false))),
        ("show cdp neighbors", |_, dev| Some(cdp(dev))),
    ];

    const CLOCK: &'static str = "12:00:00.000 UTC Mon Jan 01 2024\nTime source is NTP\n";

    /// The long MOTD NX-OS prints at login (GN).
    fn banner(_dev: &Device) -> String {
        "Cisco Nexus Operating System (NX-OS) Software\nTAC support: http://www.cisco.com/tac\nCopyright (C) 2002-2023, Cisco and/or its affiliates.\nAll rights reserved.\nThe copyrights to certain works contained in this software are\nowned by other third parties and used and distributed under their own\nlicenses, such as open source.  This software is provided \"as is,\" and unless\notherwise stated, there is no warranty, express or implied, including but not\nlimited to warranties of merchantability and fitness for a particular purpose.\n".into()
    }

    fn version(dev: &Device) -> String {
        let (w, d, h, m) = dev.uptime_parts();
        format!(
            "{}\nSoftware\n  BIOS: version \n  NXOS: version 9.3(10)\n  BIOS compile time:  \n  NXOS image file is: bootflash:///nxos.9.3.10.bin\n  NXOS compile time:  6/10/2022 18:00:00 [06/10/2022 21:12:41]\n\n\nHardware\n  cisco Nexus9000 C9300v Chassis \n  Intel(R) Xeon(R) CPU E5-2699 v4 @ 2.20GHz with 16409064 kB of memory.\n  Processor Board ID {}\n\n  Device name: {}\n  bootflash:    4287040 kB\nKernel uptime is {} day(s), {h} hour(s), {m} minute(s), 12 second(s)\n\nLast reset \n  Reason: Unknown\n  System version: \n  Service: \n\nplugin\n  Core Plugin, Ethernet Plugin\n\nActive Package(s):\n\n",
            Self::banner(dev).trim_end(),
            dev.serial,
            dev.hostname,
            w * 7 + d
        )
    }

    fn ip_brief(dev: &Device) -> String {
        let row = |i: &Interface| {
            let state = format!(
                "protocol-{}/link-{}/admin-{}",
                if i.oper_up() { "up" } else { "down" },
                if i.link || i.kind != IfKind::Ethernet {
                    "up"
                } else {
                    "down"
                },
                if i.enabled { "up" } else { "down" }
            );
            format!(
                "{}{}{}\n",
                pad(&short_if(&i.name), 21),
                pad(&i.ipv4.map(|(a, _)| a.to_string()).unwrap_or_default(), 16),
                state
            )
        };
        let mut s = "IP Interface Status for VRF \"default\"(1)\nInterface            IP Address      Interface Status\n".to_string();
        for i in dev
            .interfaces
            .iter()
            .filter(|i| i.ipv4.is_some() && i.name != "mgmt0")
        {
            s += &row(i);
        }
        s += "\nIP Interface Status for VRF \"management\"(2)\nInterface            IP Address      Interface Status\n";
        for i in dev
            .interfaces
            .iter()
            .filter(|i| i.ipv4.is_some() && i.name == "mgmt0")
        {
            s += &row(i);
        }
        s
    }

    /// `show inventory`: NX-OS's spacing of the IOS layout.
    fn inventory(dev: &Device) -> String {
        dev.inventory
            .iter()
            .map(|i| {
                format!(
                    "NAME: \"{}\",  DESCR: \"{}\"\nPID: {},  VID: {} ,  SN: {}\n\n",
                    i.name,
                    i.descr,
                    pad(&i.pid, 20),
                    pad(&i.vid, 3),
                    i.serial
                )
            })
            .collect()
    }

    fn lldp(dev: &Device) -> String {
        let mut s = "Capability codes:\n  (R) Router, (B) Bridge, (T) Telephone, (C) DOCSIS Cable Device\n  (W) WLAN Access Point, (P) Repeater, (S) Station, (O) Other\nDevice ID            Local Intf      Hold-time  Capability  Port ID  \n".to_string();
        for n in &dev.neighbors {
            s += &format!(
                "{}{}120        BR          {}\n",
                pad(&n.remote_host, 21),
                pad(&short_if(&n.local_if), 16),
                n.remote_port
            );
        }
        s + &format!("Total entries displayed: {}\n", dev.neighbors.len())
    }

    /// `show running-config` in NX-OS's layout (features first, `!Command:` header).
    fn running_config(dev: &Device) -> String {
        let mut s = format!(
            "\n!Command: show running-config\n!Running configuration last done at: Mon Jan  1 12:00:00 2024\n!Time: Mon Jan  1 12:00:00 2024\n\nversion 9.3(10) Bios:version  \nhostname {}\nvdc {} id 1\n\nfeature lldp\nfeature cdp\n\nno password strength-check\nusername admin password 5 $5$lab role network-admin\n\n",
            dev.hostname, dev.hostname
        );
        for v in dev.vlans.values() {
            if v.id == 1 {
                s += "vlan 1";
                continue;
            }
            s += &format!(",{}", v.id);
        }
        s += "\n";
        s += &vlan_stanzas(dev, "  ", "");
        s += "\nvrf context management\n\n";
        for i in &dev.interfaces {
            s += &interface_head(i, "  ");
            if let Some(v) = i.access_vlan {
                s += &format!("  switchport access vlan {v}\n");
            } else if i.name.starts_with("Ethernet") {
                s += "  no switchport\n";
            }
            if i.mtu != 1500 && i.kind == IfKind::Ethernet {
                s += &format!("  mtu {}\n", i.mtu);
            }
            if i.name == "mgmt0" {
                s += "  vrf member management\n";
            }
            if let Some((a, l)) = i.ipv4 {
                s += &format!("  ip address {a}/{l}\n");
            }
            s += if i.enabled {
                "  no shutdown\n"
            } else {
                "  shutdown\n"
            };
            s += "\n";
        }
        for l in &dev.extra_config {
            s += &format!("{l}\n");
        }
        s + "line console\nline vty\n\n"
    }
}

/// NX-OS abbreviates Ethernet ports in tables (`Eth1/1`) and keeps the rest.
pub fn short_if(name: &str) -> String {
    name.strip_prefix("Ethernet")
        .map(|n| format!("Eth{n}"))
        .unwrap_or_else(|| name.to_string())
}

fn interface(itf: &Interface, dev: &Device) -> String {
    let state = if itf.oper_up() {
        "up".to_string()
    } else if !itf.enabled {
        "down (Administratively down)".to_string()
    } else {
        "down (Link not connected)".to_string()
    };
    let mut s = format!("{} is {state}\n", itf.name);
    if itf.kind == IfKind::Ethernet {
        s += &format!(
            "admin state is {}, Dedicated Interface\n",
            if itf.enabled { "up" } else { "down" }
        );
        let hw = if itf.name == "mgmt0" {
            "GigabitEthernet"
        } else {
            "100/1000/10000 Ethernet"
        };
        s += &format!(
            "  Hardware: {hw}, address: {} (bia {})\n",
            mac_cisco(&itf.mac),
            mac_cisco(&itf.mac)
        );
    } else {
        s += &format!(
            "admin state is {},\n  Hardware: Loopback\n",
            if itf.enabled { "up" } else { "down" }
        );
    }
    if !itf.description.is_empty() {
        s += &format!("  Description: {}\n", itf.description);
    }
    if let Some((a, l)) = itf.ipv4 {
        s += &format!("  Internet Address is {a}/{l}\n");
    }
    s += &format!(
        "  MTU {} bytes, BW {} Kbit, DLY 10 usec\n  reliability 255/255, txload 1/255, rxload 1/255\n",
        itf.mtu, itf.bandwidth_kbps
    );
    if itf.kind == IfKind::Ethernet {
        s += "  Encapsulation ARPA, medium is broadcast\n";
        s += &format!(
            "  Port mode is {}\n",
            if is_switchport(dev, &itf.name) {
                "access"
            } else {
                "routed"
            }
        );
        s += "  full-duplex, 1000 Mb/s\n  Auto-Negotiation is turned on\n  Auto-mdix is turned off\n  EtherType is 0x8100 \n";
        s += "  1 minute input rate 744 bits/sec, 0 packets/sec\n  1 minute output rate 1608 bits/sec, 0 packets/sec\n";
        s += &format!(
            "  Rx\n    {} input packets {} unicast packets 0 multicast packets\n    0 broadcast packets {} bytes\n",
            itf.packets_in,
            itf.packets_in,
            itf.bytes_in()
        );
        s += &format!(
            "  Tx\n    {} output packets {} unicast packets 0 multicast packets\n    0 broadcast packets {} bytes\n",
            itf.packets_out,
            itf.packets_out,
            itf.bytes_out()
        );
    }
    s
}

fn brief(dev: &Device) -> String {
    let mut s = String::from(
        "\n--------------------------------------------------------------------------------\nPort   VRF          Status IP Address                              Speed    MTU\n--------------------------------------------------------------------------------\n",
    );
    for i in dev.interfaces.iter().filter(|i| i.name == "mgmt0") {
        let ip = i
            .ipv4
            .map(|(a, _)| a.to_string())
            .unwrap_or_else(|| "--".into());
        s += &format!(
            "{}--           {}{}1000     {}\n",
            pad(&i.name, 7),
            pad(if i.oper_up() { "up" } else { "down" }, 7),
            pad(&ip, 40),
            i.mtu
        );
    }
    s += "\n--------------------------------------------------------------------------------\nEthernet      VLAN    Type Mode   Status  Reason                   Speed     Port\nInterface                                                                    Ch #\n--------------------------------------------------------------------------------\n";
    for i in dev
        .interfaces
        .iter()
        .filter(|i| i.name.starts_with("Ethernet"))
    {
        let (vlan, mode) = match i.access_vlan {
            Some(v) => (v.to_string(), "access"),
            None => ("--".into(), "routed"),
        };
        let (status, reason) = match (i.enabled, i.oper_up()) {
            (false, _) => ("down", "Administratively down"),
            (true, true) => ("up", "none"),
            (true, false) => ("down", "Link not connected"),
        };
        let speed = if i.oper_up() { "1000(D)" } else { "auto(D)" };
        s += &format!(
            "{}{}eth  {}{}{}{:>10} --\n",
            pad(&short_if(&i.name), 14),
            pad(&vlan, 8),
            pad(mode, 7),
            pad(status, 8),
            pad(reason, 24),
            speed
        );
    }
    let logical: Vec<_> = dev
        .interfaces
        .iter()
        .filter(|i| i.kind != IfKind::Ethernet)
        .collect();
    if !logical.is_empty() {
        s += "\n--------------------------------------------------------------------------------\nInterface     Status     Description\n--------------------------------------------------------------------------------\n";
        for i in logical {
            s += &format!(
                "{}{}{}\n",
                pad(&i.name, 14),
                pad(if i.oper_up() { "up" } else { "down" }, 11),
                if i.description.is_empty() {
                    "--"
                } else {
                    &i.description
                }
            );
        }
    }
    s + "\n"
}

fn vlan(dev: &Device, full: bool) -> String {
    let mut s = "\nVLAN Name                             Status    Ports\n---- -------------------------------- --------- -------------------------------\n".to_string();
    for v in dev.vlans.values() {
        s += &active_vlan_row(dev, v.id, 5, &v.name, short_if);
    }
    if full {
        s += "\nVLAN Type         Vlan-mode\n---- -----        ----------\n";
        for v in dev.vlans.values() {
            s += &format!("{}enet         CE     \n", pad(&v.id.to_string(), 5));
        }
        s += "\nRemote SPAN VLANs\n-------------------------------------------------------------------------------\n\nPrimary  Secondary  Type             Ports\n-------  ---------  ---------------  -------------------------------------------\n\n";
    }
    s
}

fn cdp(dev: &Device) -> String {
    let mut s = "Capability Codes: R - Router, T - Trans-Bridge, B - Source-Route-Bridge\n                  S - Switch, H - Host, I - IGMP, r - Repeater,\n                  V - VoIP-Phone, D - Remotely-Managed-Device,\n                  s - Supports-STP-Dispute\n\nDevice-ID          Local Intrfce  Hldtme Capability  Platform      Port ID\n".to_string();
    for n in &dev.neighbors {
        s += &format!(
            "{}{}{}{}{}{}\n",
            pad(&n.remote_host, 20),
            pad(&short_if(&n.local_if), 15),
            pad("133", 7),
            pad("R S s", 10),
            pad(cdp_platform(n.remote_platform), 14),
            short_if(&n.remote_port)
        );
    }
    s + &format!("\nTotal entries displayed: {}\n", dev.neighbors.len())
}
