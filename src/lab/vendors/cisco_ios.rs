//! IOS and IOS-XE outputs, rendered from the device model in the layouts ntc-templates parse.

use super::ios_like::{Outputs, Render, cdp_if, inventory, is_switchport, short_if};
use super::{
    cells, cisco_uptime, each_interface, interface_head, pad, vlan_port_names, vlan_stanzas,
};
use crate::lab::model::{Device, IfKind, Platform, mac_cisco, prefix_to_mask};

/// IOS and IOS-XE, for the mode machine.
pub struct Ios;

impl Outputs for Ios {
    const SHOW: &'static [(&'static str, Render)] = &[
        ("show interfaces LINE?", |name, dev| {
            each_interface(dev, name, "", |i| interface(dev, i))
        }),
        ("show vlan brief", |_, dev| Some(vlan_brief(dev))),
        ("show vlan", |_, dev| Some(vlan_full(dev))),
        ("show vlans", |_, dev| Some(vlans_dot1q(dev))),
        ("show cdp neighbors", |_, dev| Some(cdp(dev))),
    ];

    const CLOCK: &'static str = "*12:00:00.000 UTC Mon Jan 1 2024\n";

    /// The MOTD shown at login.
    fn banner(dev: &Device) -> String {
        format!(
            "\n**************************************************************************\n* {} - NetPulse device lab (IOS emulation). Authorised access only.   *\n**************************************************************************\n\n",
            pad(&dev.hostname, 6)
        )
    }

    fn version(dev: &Device) -> String {
        let xe = dev.platform == Platform::CiscoXe;
        let mut s = String::new();
        if xe {
            s += "Cisco IOS XE Software, Version 17.03.04a\n";
            s += "Cisco IOS Software [Amsterdam], Virtual XE Software (X86_64_LINUX_IOSD-UNIVERSALK9-M), Version 17.3.4a, RELEASE SOFTWARE (fc3)\n";
        } else {
            s += "Cisco IOS Software, IOSv Software (VIOS-ADVENTERPRISEK9-M), Version 15.9(3)M4, RELEASE SOFTWARE (fc3)\n";
        }
        s += "Technical Support: http://www.cisco.com/techsupport\nCopyright (c) 1986-2021 by Cisco Systems, Inc.\nCompiled Thu 28-Oct-21 13:08 by prod_rel_team\n\n\n";
        s += if xe {
            "ROM: IOS-XE ROMMON\n\n"
        } else {
            "ROM: Bootstrap program is IOSv\n\n"
        };
        s += &format!("{} uptime is {}\n", dev.hostname, cisco_uptime(dev));
        if xe {
            s += &format!(
                "Uptime for this control processor is {}\n",
                cisco_uptime(dev)
            );
        }
        s += "System returned to ROM by reload\n";
        s += if xe {
            "System image file is \"bootflash:packages.conf\"\n"
        } else {
            "System image file is \"flash0:/vios-adventerprisek9-m\"\n"
        };
        s += "Last reload reason: Unknown reason\n\n\n\n";
        s += "This product contains cryptographic features and is subject to United\nStates and local country laws governing import, export, transfer and\nuse. Delivery of Cisco cryptographic products does not imply\nthird-party authority to import, export, distribute or use encryption.\nImporters, exporters, distributors and users are responsible for\ncompliance with U.S. and local country laws. By using this product you\nagree to comply with applicable laws and regulations. If you are unable\nto comply with U.S. and local laws, return this product immediately.\n\nA summary of U.S. laws governing Cisco cryptographic products may be found at:\nhttp://www.cisco.com/wwl/export/crypto/tool/stqrg.html\n\nIf you require further assistance please contact us by sending email to\nexport@cisco.com.\n\n";
        let eth = dev
            .interfaces
            .iter()
            .filter(|i| i.kind == IfKind::Ethernet)
            .count();
        if xe {
            s += "cisco CSR1000V (VXE) processor (revision VXE) with 715705K/3075K bytes of memory.\n";
            s += &format!(
                "Processor board ID {}\nRouter operating mode: Autonomous\n",
                dev.serial
            );
            s += &format!(
                "{eth} Gigabit Ethernet interfaces\n32768K bytes of non-volatile configuration memory.\n3978420K bytes of physical memory.\n6188032K bytes of virtual hard disk at bootflash:.\n\nConfiguration register is 0x2102\n"
            );
        } else {
            s += "Cisco IOSv (revision 1.0) with  with 460137K/62464K bytes of memory.\n";
            s += &format!(
                "Processor board ID {}\n{eth} Gigabit Ethernet interfaces\n",
                dev.serial
            );
            s += "DRAM configuration is 72 bits wide with parity disabled.\n256K bytes of non-volatile configuration memory.\n2097152K bytes of ATA System CompactFlash 0 (Read/Write)\n0K bytes of ATA CompactFlash 1 (Read/Write)\n\nConfiguration register is 0x0\n";
        }
        s + "\n"
    }

    fn ip_brief(dev: &Device) -> String {
        let mut s =
            "Interface              IP-Address      OK? Method Status                Protocol\n"
                .to_string();
        for (i, itf) in dev.interfaces.iter().enumerate() {
            let (status, proto) = status_words(dev, i);
            let (ip, method) = match itf.ipv4 {
                Some((a, _)) => (a.to_string(), "NVRAM"),
                None => ("unassigned".to_string(), "unset"),
            };
            let row = [
                (&itf.name[..], 23),
                (&ip, 16),
                ("YES ", 0),
                (method, 7),
                (status, 22),
            ];
            s += &(cells(&row) + proto + "\n");
        }
        s
    }

    fn inventory(dev: &Device) -> String {
        inventory(dev, 4)
    }

    fn lldp(dev: &Device) -> String {
        let mut s = "Capability codes:\n    (R) Router, (B) Bridge, (T) Telephone, (C) DOCSIS Cable Device\n    (W) WLAN Access Point, (P) Repeater, (S) Station, (O) Other\n\n".to_string();
        s += "Device ID           Local Intf     Hold-time  Capability      Port ID\n";
        for n in &dev.neighbors {
            s += &format!(
                "{}{}120        R               {}\n",
                pad(&n.remote_host, 20),
                pad(&short_if(&n.local_if), 15),
                n.remote_port
            );
        }
        s + &format!("\nTotal entries displayed: {}\n\n", dev.neighbors.len())
    }

    /// `show running-config`, whose byte count is that of the text after the header, as on a device.
    fn running_config(dev: &Device) -> String {
        let mut b =
            String::from("!\n! Last configuration change at 12:00:00 UTC Mon Jan 1 2024\n!\n");
        b += if dev.platform == Platform::CiscoXe {
            "version 17.3\n"
        } else {
            "version 15.9\n"
        };
        b += "service timestamps debug datetime msec\nservice timestamps log datetime msec\nno service password-encryption\n!\n";
        b += &format!(
            "hostname {}\n!\nboot-start-marker\nboot-end-marker\n!\n!\nno aaa new-model\n!\n",
            dev.hostname
        );
        b += &vlan_stanzas(dev, " ", "!\n");
        for itf in &dev.interfaces {
            b += &interface_head(itf, " ");
            if is_switchport(dev, &itf.name) {
                b += &format!(
                    " switchport access vlan {}\n switchport mode access\n",
                    itf.access_vlan.unwrap_or(1)
                );
            } else {
                match itf.ipv4 {
                    Some((a, len)) => b += &format!(" ip address {a} {}\n", prefix_to_mask(len)),
                    None => b += " no ip address\n",
                }
            }
            if itf.mtu != 1500 && itf.kind != IfKind::Loopback {
                b += &format!(" mtu {}\n", itf.mtu);
            }
            if !itf.enabled {
                b += " shutdown\n";
            }
            if itf.kind == IfKind::Ethernet {
                b += " duplex auto\n speed auto\n media-type rj45\n";
            }
            b += "!\n";
        }
        for l in &dev.extra_config {
            b += &format!("{l}\n!\n");
        }
        b += "line con 0\nline vty 0 4\n login local\n transport input ssh\n!\nend\n";
        format!(
            "Building configuration...\n\nCurrent configuration : {} bytes\n{b}\n",
            b.len()
        )
    }
}

fn status_words(dev: &Device, i: usize) -> (&'static str, &'static str) {
    let itf = &dev.interfaces[i];
    match (itf.enabled, itf.oper_up()) {
        (false, _) => ("administratively down", "down"),
        (true, true) => ("up", "up"),
        (true, false) => ("down", "down"),
    }
}

fn interface(dev: &Device, i: usize) -> String {
    let itf = &dev.interfaces[i];
    let (status, proto) = status_words(dev, i);
    let mut s = format!("{} is {status}, line protocol is {proto} \n", itf.name);
    match itf.kind {
        IfKind::Loopback => s += "  Hardware is Loopback\n",
        IfKind::Svi => {
            s += &format!(
                "  Hardware is EtherSVI, address is {} (bia {})\n",
                mac_cisco(&itf.mac),
                mac_cisco(&itf.mac)
            )
        }
        IfKind::Ethernet => {
            s += &format!(
                "  Hardware is iGbE, address is {} (bia {})\n",
                mac_cisco(&itf.mac),
                mac_cisco(&itf.mac)
            )
        }
    }
    if !itf.description.is_empty() {
        s += &format!("  Description: {}\n", itf.description);
    }
    if let Some((a, len)) = itf.ipv4 {
        s += &format!("  Internet address is {a}/{len}\n");
    }
    let dly = if itf.kind == IfKind::Loopback {
        5000
    } else {
        10
    };
    s += &format!(
        "  MTU {} bytes, BW {} Kbit/sec, DLY {dly} usec, \n     reliability 255/255, txload 1/255, rxload 1/255\n",
        itf.mtu, itf.bandwidth_kbps
    );
    if itf.kind == IfKind::Loopback {
        s += "  Encapsulation LOOPBACK, loopback not set\n  Keepalive set (10 sec)\n";
    } else {
        s += "  Encapsulation ARPA, loopback not set\n  Keepalive set (10 sec)\n";
        s += if itf.oper_up() {
            "  Full Duplex, 1000Mbps, link type is auto, media type is RJ45\n"
        } else {
            "  Auto Duplex, Auto Speed, link type is auto, media type is RJ45\n"
        };
        s += "  output flow-control is unsupported, input flow-control is unsupported\n  ARP type: ARPA, ARP Timeout 04:00:00\n";
    }
    s += "  Last input 00:00:01, output 00:00:02, output hang never\n  Last clearing of \"show interface\" counters never\n";
    s += "  Input queue: 0/75/0/0 (size/max/drops/flushes); Total output drops: 0\n  Queueing strategy: fifo\n  Output queue: 0/40 (size/max)\n";
    s += "  5 minute input rate 1000 bits/sec, 1 packets/sec\n  5 minute output rate 1000 bits/sec, 1 packets/sec\n";
    s += &format!(
        "     {} packets input, {} bytes, 0 no buffer\n",
        itf.packets_in,
        itf.bytes_in()
    );
    s += "     Received 0 broadcasts (0 IP multicasts)\n     0 runts, 0 giants, 0 throttles \n     0 input errors, 0 CRC, 0 frame, 0 overrun, 0 ignored\n     0 watchdog, 0 multicast, 0 pause input\n";
    s += &format!(
        "     {} packets output, {} bytes, 0 underruns\n",
        itf.packets_out,
        itf.bytes_out()
    );
    s += "     0 output errors, 0 collisions, 1 interface resets\n     0 unknown protocol drops\n     0 babbles, 0 late collision, 0 deferred\n     0 lost carrier, 0 no carrier, 0 pause output\n     0 output buffer failures, 0 output buffers swapped out\n";
    s
}

/// The VLAN table of `show vlan brief`; its first half is also the top of `show vlan`.
fn vlan_table(dev: &Device) -> String {
    let mut s = "\nVLAN Name                             Status    Ports\n---- -------------------------------- --------- -------------------------------\n".to_string();
    let mut rows: Vec<(u16, String, &str)> = dev
        .vlans
        .values()
        .map(|v| (v.id, v.name.clone(), "active"))
        .collect();
    for (id, name) in [
        (1002, "fddi-default"),
        (1003, "token-ring-default"),
        (1004, "fddinet-default"),
        (1005, "trnet-default"),
    ] {
        rows.push((id, name.to_string(), "act/unsup"));
    }
    for (id, name, status) in rows {
        let ports = vlan_port_names(dev, id, short_if);
        let mut chunks = ports.chunks(8);
        let first = chunks.next().map(|c| c.join(", ")).unwrap_or_default();
        s += &format!(
            "{}{}{}{}\n",
            pad(&id.to_string(), 5),
            pad(&name, 33),
            pad(status, 10),
            first
        );
        for c in chunks {
            s += &format!("{}{}\n", " ".repeat(48), c.join(", "));
        }
    }
    s
}

fn vlan_brief(dev: &Device) -> String {
    vlan_table(dev)
}

fn vlan_full(dev: &Device) -> String {
    let mut s = vlan_table(dev);
    s += "\nVLAN Type  SAID       MTU   Parent RingNo BridgeNo Stp  BrdgMode Trans1 Trans2\n---- ----- ---------- ----- ------ ------ -------- ---- -------- ------ ------\n";
    for v in dev.vlans.values() {
        s += &format!(
            "{}enet  {}1500  -      -      -        -    -        0      0   \n",
            pad(&v.id.to_string(), 5),
            pad(&(100_000 + u32::from(v.id)).to_string(), 11)
        );
    }
    s += "\nRemote SPAN VLANs\n------------------------------------------------------------------------------\n\n\nPrimary Secondary Type              Ports\n------- --------- ----------------- ------------------------------------------\n\n";
    s
}

fn vlans_dot1q(dev: &Device) -> String {
    let mut s = String::new();
    for v in dev.vlans.values() {
        let ports = dev.vlan_ports(v.id);
        if ports.is_empty() && v.id != 1 {
            continue;
        }
        s += &format!("\nVLAN ID: {} (IEEE 802.1Q Encapsulation)\n\n", v.id);
        for p in ports {
            s += &format!(
                "   Protocols Configured:   Received:        Transmitted:\n   {}\n",
                p.name
            );
        }
    }
    s
}

/// CDP's platform column for a neighbor of the given platform.
pub fn cdp_platform(p: Platform) -> &'static str {
    match p {
        Platform::CiscoIos => "IOSv",
        Platform::CiscoXe => "CSR1000V",
        Platform::CiscoNxos => "N9K-C9300v",
        Platform::CiscoXr => "XRv 9000",
        Platform::AristaEos => "DCS-7050S",
        Platform::JuniperJunos => "VMX",
        Platform::Huawei => "CE6850",
        Platform::Linux => "Linux",
    }
}

fn cdp(dev: &Device) -> String {
    let mut s = "Capability Codes: R - Router, T - Trans Bridge, B - Source Route Bridge\n                  S - Switch, H - Host, I - IGMP, r - Repeater, P - Phone, \n                  D - Remote, C - CVTA, M - Two-port Mac Relay \n\n".to_string();
    s += "Device ID        Local Intrfce     Holdtme    Capability  Platform  Port ID\n";
    for n in &dev.neighbors {
        s += &format!(
            "{}{}{}{}{}{}\n",
            pad(&n.remote_host, 17),
            pad(&cdp_if(&n.local_if), 18),
            pad("163", 11),
            pad("R B", 12),
            pad(cdp_platform(n.remote_platform), 10),
            cdp_if(&n.remote_port)
        );
    }
    s + &format!("\nTotal cdp entries displayed : {}\n", dev.neighbors.len())
}
