//! Huawei VRP `display` outputs, rendered from the device model in the layouts ntc-templates parse.

use super::{each_interface, pad};
use crate::lab::model::{Device, IfKind, mac_huawei, prefix_to_mask};

/// Renders a `display` command; `None` for an argument the device would reject.
pub fn display(spec: &str, args: &[String], dev: &Device) -> Option<String> {
    Some(match spec {
        "display version" => version(dev),
        "display interface brief" => brief(dev),
        "display interface LINE?" => each_interface(dev, &args[0], "\n", |i| interface(dev, i))?,
        "display ip interface brief" => ip_brief(dev),
        "display vlan" => vlan(dev),
        "display device" => device(dev),
        "display lldp neighbor brief" => lldp_brief(dev),
        "display lldp neighbor" => lldp(dev),
        "display clock" => "2024-01-01 12:00:00\nMonday\nTime Zone(UTC) : UTC\n".into(),
        _ => current_config(dev),
    })
}

fn model_name(dev: &Device) -> &str {
    dev.inventory
        .first()
        .map(|i| i.pid.as_str())
        .unwrap_or("CE6850-48S6Q-HI")
}

fn version(dev: &Device) -> String {
    let (w, d, h, m) = dev.uptime_parts();
    format!(
        "Huawei Versatile Routing Platform Software\nVRP (R) software, Version 8.180 (CE6850 V200R005C10SPC800)\nCopyright (C) 2012-2018 Huawei Technologies Co., Ltd.\nHUAWEI {} uptime is {} days, {h} hours, {m} minutes\n\n{} version information:\n- - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - -\nBKP  version information:\n  PCB         Version : CE01BAK REV A\n  MPU  Slot  Quantity : 1\n  CARD Slot  Quantity : 1\n\n",
        model_name(dev),
        w * 7 + d,
        model_name(dev)
    )
}

fn states(dev: &Device, i: usize) -> (&'static str, &'static str) {
    let itf = &dev.interfaces[i];
    match (itf.enabled, itf.oper_up()) {
        (false, _) => ("*down", "down"),
        (true, true) => (
            "up",
            if itf.kind == IfKind::Loopback {
                "up(s)"
            } else {
                "up"
            },
        ),
        (true, false) => ("down", "down"),
    }
}

fn brief(dev: &Device) -> String {
    let mut s = "PHY: Physical\n*down: administratively down\n^down: standby\n(l): loopback\n(s): spoofing\n(E): E-Trunk down\n(b): BFD down\n(B): Bit-error-detection down\n(e): ETHOAM down\n(d): Dampening Suppressed\nInUti/OutUti: input utility/output utility\nInterface                   PHY   Protocol  InUti OutUti   inErrors  outErrors\n".to_string();
    for (n, i) in dev.interfaces.iter().enumerate() {
        let (phy, proto) = states(dev, n);
        s += &format!(
            "{}{}{}{:>5}{:>7}{:>11}{:>11}\n",
            pad(&i.name, 28),
            pad(phy, 6),
            pad(proto, 9),
            "0%",
            "0%",
            0,
            0
        );
    }
    s
}

fn ip_brief(dev: &Device) -> String {
    let mut s = "*down: administratively down\n^down: standby\n(l): loopback\n(s): spoofing\n(E): E-Trunk down\nThe number of interface that is UP in Physical is 3\nThe number of interface that is DOWN in Physical is 2\n\nInterface                         IP Address/Mask      Physical   Protocol  \n".to_string();
    for (n, i) in dev.interfaces.iter().enumerate() {
        let (phy, proto) = states(dev, n);
        let ip = i
            .ipv4
            .map(|(a, l)| format!("{a}/{l}"))
            .unwrap_or_else(|| "unassigned".into());
        s += &format!(
            "{}{}{}{}\n",
            pad(&i.name, 34),
            pad(&ip, 21),
            pad(phy, 11),
            proto
        );
    }
    s
}

fn interface(dev: &Device, n: usize) -> String {
    let i = &dev.interfaces[n];
    let state = match (i.enabled, i.oper_up()) {
        (false, _) => "Administratively DOWN",
        (true, true) => "UP",
        (true, false) => "DOWN",
    };
    let mut s = format!(
        "{} current state : {state}\nLine protocol current state : {}\n",
        i.name,
        if i.oper_up() { "UP" } else { "DOWN" }
    );
    s += &format!(
        "Description: {}\n",
        if i.description.is_empty() {
            format!("HUAWEI, {} Interface", i.name)
        } else {
            i.description.clone()
        }
    );
    if i.access_vlan.is_some() {
        s += &format!(
            "Switch Port, PVID : {}, TPID : 8100(Hex), The Maximum Frame Length is 9216\n",
            i.access_vlan.unwrap_or(1)
        );
    } else {
        s += &format!("Route Port,The Maximum Transmit Unit is {}\n", i.mtu);
    }
    match i.ipv4 {
        Some((a, l)) => s += &format!("Internet Address is {a}/{l}\n"),
        None => s += "Internet protocol processing : disabled\n",
    }
    if i.kind != IfKind::Loopback {
        s += &format!(
            "IP Sending Frames' Format is PKTFMT_ETHNT_2, Hardware address is {}\n",
            mac_huawei(&i.mac)
        );
        s += "Last physical up time   : 2023-12-01 08:00:00\nLast physical down time : 2023-12-01 07:59:00\nCurrent system time: 2024-01-01 12:00:00\n";
        s += "Port Mode: COMMON COPPER\nSpeed : 1000,  Loopback: NONE\nDuplex: FULL,  Negotiation: ENABLE\nMdi   : AUTO,  Flow-control: DISABLE\n";
        s += "Last 300 seconds input rate 0 bits/sec, 0 packets/sec\nLast 300 seconds output rate 0 bits/sec, 0 packets/sec\n";
        s += &format!(
            "Input:  {} packets, {} bytes\nOutput:  {} packets, {} bytes\n",
            i.packets_in,
            i.bytes_in(),
            i.packets_out,
            i.bytes_out()
        );
        s += "    Input bandwidth utilization  :    0%\n    Output bandwidth utilization :    0%\n";
    }
    s
}

fn short(name: &str) -> String {
    name.replace("GigabitEthernet", "GE")
}

fn vlan(dev: &Device) -> String {
    let mut s = format!(
        "The total number of VLANs is: {}\n--------------------------------------------------------------------------------\nU: Up;         D: Down;         TG: Tagged;         UT: Untagged;\nMP: Vlan-mapping;               ST: Vlan-stacking;\n#: ProtocolTransparent-vlan;    *: Management-vlan;\n--------------------------------------------------------------------------------\n\nVID  Type    Ports\n--------------------------------------------------------------------------------\n",
        dev.vlans.len()
    );
    for v in dev.vlans.values() {
        let ports: Vec<String> = dev
            .vlan_ports(v.id)
            .iter()
            .map(|p| {
                format!(
                    "{}({})",
                    short(&p.name),
                    if p.oper_up() { "U" } else { "D" }
                )
            })
            .collect();
        let ports = if ports.is_empty() {
            String::new()
        } else {
            format!("UT:{}", ports.join("     "))
        };
        s += format!("{}common  {ports}", pad(&v.id.to_string(), 5)).trim_end();
        s += "\n";
    }
    s += "\nVID  Status  Property      MAC-LRN Statistics Description\n--------------------------------------------------------------------------------\n";
    for v in dev.vlans.values() {
        s += &format!(
            "{}enable  default       enable  disable    {}\n",
            pad(&v.id.to_string(), 5),
            v.name
        );
    }
    s
}

fn device(dev: &Device) -> String {
    let mut s = format!(
        "{}'s Device status:\n-------------------------------------------------------------------------------\nSlot  Card   Type               Online   Power Register     Alarm     Primary\n-------------------------------------------------------------------------------\n",
        model_name(dev)
    );
    for (n, i) in dev.inventory.iter().enumerate() {
        let slot = if n == 0 {
            "1".to_string()
        } else {
            i.name.clone()
        };
        s += &format!(
            "{}-      {}Present  On    Registered   Normal    {}\n",
            pad(&slot, 6),
            pad(&i.pid, 19),
            if n == 0 { "Master" } else { "NA" }
        );
    }
    s
}

fn lldp_brief(dev: &Device) -> String {
    let mut s = "Local Intf       Neighbor Dev             Neighbor Intf             Exptime(s)\n"
        .to_string();
    for n in &dev.neighbors {
        s += &format!(
            "{}{}{}{}\n",
            pad(&short(&n.local_if), 17),
            pad(&n.remote_host, 25),
            pad(&n.remote_port, 26),
            104
        );
    }
    s
}

fn lldp(dev: &Device) -> String {
    let mut s = String::new();
    for i in dev.interfaces.iter().filter(|i| i.kind == IfKind::Ethernet) {
        let ns: Vec<_> = dev
            .neighbors
            .iter()
            .filter(|n| n.local_if == i.name)
            .collect();
        if ns.is_empty() {
            s += &format!("{} has 0 neighbor(s)\n\n", i.name);
            continue;
        }
        s += &format!("{} has {} neighbor(s):\n\n", i.name, ns.len());
        for (k, n) in ns.iter().enumerate() {
            let o = n.remote_ip.octets();
            s += &format!(
                "Neighbor index :{}\nChassis type   :MAC Address\nChassis ID     :{}\nPort ID type   :Interface Name\nPort ID        :{}\nPort description    :{}\nSystem name         :{}\nSystem description  :NetPulse lab device\nSystem capabilities supported   :bridge router\nSystem capabilities enabled     :bridge router\nManagement address type  :ipv4\nManagement address value :{}\nExpired time   :104s\n\n",
                k + 1,
                mac_huawei(&[0x52, 0x54, 0, o[2], o[3], 0]),
                n.remote_port,
                n.remote_port,
                n.remote_host,
                n.remote_ip
            );
        }
    }
    s
}

fn current_config(dev: &Device) -> String {
    let mut s = format!(
        "!Software Version V200R005C10SPC800\n#\nsysname {}\n#\n",
        dev.hostname
    );
    let ids: Vec<String> = dev
        .vlans
        .keys()
        .filter(|id| **id != 1)
        .map(|id| id.to_string())
        .collect();
    if !ids.is_empty() {
        s += &format!("vlan batch {}\n#\n", ids.join(" "));
    }
    for v in dev.vlans.values().filter(|v| v.id != 1) {
        s += &format!("vlan {}\n name {}\n#\n", v.id, v.name);
    }
    for i in &dev.interfaces {
        s += &format!("interface {}\n", i.name);
        if !i.description.is_empty() {
            s += &format!(" description {}\n", i.description);
        }
        if let Some(v) = i.access_vlan {
            s += &format!(" port link-type access\n port default vlan {v}\n");
        }
        if let Some((a, l)) = i.ipv4 {
            s += &format!(" ip address {a} {}\n", prefix_to_mask(l));
        }
        if i.mtu != 1500 && i.kind == IfKind::Ethernet {
            s += &format!(" mtu {}\n", i.mtu);
        }
        if !i.enabled {
            s += " shutdown\n";
        }
        s += "#\n";
    }
    for l in &dev.extra_config {
        s += &format!("{l}\n#\n");
    }
    s + "stelnet server enable\nssh user admin authentication-type password\n#\nreturn\n"
}
