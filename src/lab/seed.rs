//! How the lab seeds its devices: interface names per platform, addresses, the r1 - r2 - r3 chain that
//! links and LLDP/CDP neighbors follow, serials and inventory. Everything derives from the device number,
//! so a restarted lab builds the same devices.

use std::net::Ipv4Addr;
use std::time::Instant;

use super::model::{Device, IfKind, Interface, InventoryItem, Neighbor, Platform, Vlan};

impl Platform {
    /// Interface names by role: management, link to the next device, link to the previous one, an access
    /// port, the loopback. Each platform spells them its own way.
    pub(super) fn interface_names(self) -> [&'static str; 5] {
        match self {
            Platform::CiscoIos | Platform::CiscoXe => [
                "GigabitEthernet0/0",
                "GigabitEthernet0/1",
                "GigabitEthernet0/2",
                "GigabitEthernet0/3",
                "Loopback0",
            ],
            Platform::CiscoNxos => [
                "mgmt0",
                "Ethernet1/1",
                "Ethernet1/2",
                "Ethernet1/3",
                "loopback0",
            ],
            Platform::CiscoXr => [
                "MgmtEth0/RP0/CPU0/0",
                "GigabitEthernet0/0/0/1",
                "GigabitEthernet0/0/0/2",
                "GigabitEthernet0/0/0/3",
                "Loopback0",
            ],
            Platform::AristaEos => [
                "Management1",
                "Ethernet1",
                "Ethernet2",
                "Ethernet3",
                "Loopback0",
            ],
            Platform::JuniperJunos => ["fxp0", "ge-0/0/1", "ge-0/0/2", "ge-0/0/3", "lo0"],
            Platform::Huawei => [
                "GigabitEthernet0/0/0",
                "GigabitEthernet0/0/1",
                "GigabitEthernet0/0/2",
                "GigabitEthernet0/0/3",
                "LoopBack0",
            ],
            Platform::Linux => ["eth0", "eth1", "eth2", "eth3", "lo"],
        }
    }
}

/// The management address of device `number`, so neighbors can name each other's addresses.
pub fn mgmt_ip(number: usize) -> Ipv4Addr {
    Ipv4Addr::new(10, 10, (number >> 8) as u8, (number & 0xff) as u8)
}

/// Address of the point-to-point link between device `n` and `n + 1` (a /31); `side` 0 is `n`'s end.
fn link_ip(n: usize, side: usize) -> Ipv4Addr {
    Ipv4Addr::from(u32::from(Ipv4Addr::new(172, 16, 0, 0)) + (2 * n + side) as u32)
}

impl Device {
    /// Builds device `number` (1-based) of a lab whose devices run `platforms` (index 0 is r1), so that links
    /// and neighbors name the right ports on both ends.
    pub fn generate(number: usize, platforms: &[Platform]) -> Device {
        let platform = platforms[number - 1];
        let names = platform.interface_names();
        let base_mac = [
            0x52,
            0x54,
            0x00,
            (number >> 8) as u8,
            (number & 0xff) as u8,
            0x00,
        ];
        let has_next = number < platforms.len();
        let has_prev = number > 1;
        let mut interfaces = Vec::new();
        for (role, name) in names.iter().enumerate() {
            let mut mac = base_mac;
            mac[5] = role as u8 + 1;
            let (kind, ipv4, link, access_vlan) = match role {
                0 => (IfKind::Ethernet, Some((mgmt_ip(number), 16)), true, None),
                1 => (
                    IfKind::Ethernet,
                    has_next.then(|| (link_ip(number, 0), 31)),
                    has_next,
                    None,
                ),
                2 => (
                    IfKind::Ethernet,
                    has_prev.then(|| (link_ip(number - 1, 1), 31)),
                    has_prev,
                    None,
                ),
                3 => (IfKind::Ethernet, None, false, Some(10)),
                _ => (
                    IfKind::Loopback,
                    Some((
                        Ipv4Addr::new(10, 255, (number >> 8) as u8, number as u8),
                        32,
                    )),
                    true,
                    None,
                ),
            };
            interfaces.push(Interface {
                name: (*name).to_string(),
                kind,
                ipv4,
                enabled: true,
                link,
                description: match role {
                    1 if has_next => format!("to r{}", number + 1),
                    2 if has_prev => format!("to r{}", number - 1),
                    _ => String::new(),
                },
                mtu: if kind == IfKind::Loopback { 1514 } else { 1500 },
                bandwidth_kbps: if kind == IfKind::Loopback {
                    8_000_000
                } else {
                    1_000_000
                },
                mac,
                access_vlan,
                packets_in: 1000 * number as u64 + 17 * role as u64,
                packets_out: 900 * number as u64 + 13 * role as u64,
            });
        }
        let mut neighbors = Vec::new();
        if has_next {
            neighbors.push(Neighbor {
                local_if: names[1].to_string(),
                remote_host: format!("r{}", number + 1),
                remote_port: platforms[number].interface_names()[2].to_string(),
                remote_platform: platforms[number],
                remote_ip: mgmt_ip(number + 1),
            });
        }
        if has_prev {
            neighbors.push(Neighbor {
                local_if: names[2].to_string(),
                remote_host: format!("r{}", number - 1),
                remote_port: platforms[number - 2].interface_names()[1].to_string(),
                remote_platform: platforms[number - 2],
                remote_ip: mgmt_ip(number - 1),
            });
        }
        let vlans = [(1, "default"), (10, "users"), (20, "servers")]
            .into_iter()
            .map(|(id, name)| {
                (
                    id,
                    Vlan {
                        id,
                        name: name.to_string(),
                    },
                )
            })
            .collect();
        let serial = format!("{}{:07}", serial_prefix(platform), 4_100_000 + number);
        Device {
            platform,
            number,
            hostname: format!("r{number}"),
            inventory: inventory(platform, &serial, number),
            serial,
            base_mac,
            uptime_base_secs: (3 + number as u64 % 40) * 86_400 + 4 * 3600 + 17 * 60,
            booted: Instant::now(),
            interfaces,
            vlans,
            neighbors,
            saved: true,
            extra_config: Vec::new(),
        }
    }
}

/// One inventory part: (name, description, PID, VID). `{S}` in a description stands for
/// the chassis serial.
type Part = (&'static str, &'static str, &'static str, &'static str);

/// Each platform's chassis, then its line cards / power supplies.
#[rustfmt::skip]
fn parts(p: Platform) -> &'static [Part] {
    match p {
        Platform::CiscoIos => &[
            ("IOSv", "IOSv chassis, Hw Serial#: {S}, Hw Revision: 1.0", "IOSv", "1.0"),
        ],
        Platform::CiscoXe => &[
            ("Chassis", "Cisco CSR1000V Chassis", "CSR1000V", "V00"),
            ("module R0", "Cisco CSR1000V Route Processor", "CSR1000V", "V00"),
            ("module F0", "Cisco CSR1000V Embedded Services Processor", "CSR1000V", ""),
        ],
        Platform::CiscoNxos => &[
            ("Chassis", "Nexus9000 C9300v Chassis", "N9K-C9300v", ""),
            ("Slot 1", "Nexus 9000v 64 port Ethernet Module", "N9K-X9364v", ""),
            ("Slot 27", "Supervisor Module", "N9K-vSUP", ""),
        ],
        Platform::CiscoXr => &[
            ("Rack 0", "Cisco XRv9K Centralized Virtual Router", "R-IOSXRV9000-CC", "V01"),
            ("0/0/CPU0", "Cisco IOS-XRv 9000 Centralized Line Card", "R-IOSXRV9000-LC-C", "V01"),
            ("0/RP0/CPU0", "Cisco IOS-XRv 9000 Centralized Route Processor", "R-IOSXRV9000-RP-C", "V01"),
        ],
        Platform::AristaEos => &[
            ("Chassis", "DCS-7050SX3-48YC8", "DCS-7050SX3-48YC8", "11.01"),
            ("PowerSupply1", "PWR-500AC-F", "PWR-500AC-F", "02.00"),
            ("PowerSupply2", "PWR-500AC-F", "PWR-500AC-F", "02.00"),
        ],
        Platform::JuniperJunos => &[
            ("Chassis", "VMX", "VMX", ""),
            ("Routing Engine 0", "RE-VMX", "RE-VMX", "REV 01"),
            ("FPC 0", "Virtual FPC", "BUILTIN", "REV 01"),
        ],
        Platform::Huawei => &[
            ("Slot 0", "CE6850-48S6Q-HI", "CE6850-48S6Q-HI", "V100R005C10"),
            ("PWR1", "PAC-350WA", "PAC-350WA", ""),
            ("FAN1", "FAN-40SB-F", "FAN-40SB-F", ""),
        ],
        Platform::Linux => &[],
    }
}

/// The platform's [`parts`]: the chassis carries the device serial, every other part its
/// own one derived from it.
fn inventory(p: Platform, serial: &str, number: usize) -> Vec<InventoryItem> {
    let sub = |k: usize| {
        format!(
            "{}{:06}",
            &serial[..3.min(serial.len())],
            700_000 + number * 10 + k
        )
    };
    parts(p)
        .iter()
        .enumerate()
        .map(|(k, (name, descr, pid, vid))| InventoryItem {
            name: name.to_string(),
            descr: descr.replace("{S}", serial),
            pid: pid.to_string(),
            vid: vid.to_string(),
            serial: if k == 0 { serial.to_string() } else { sub(k) },
        })
        .collect()
}

fn serial_prefix(p: Platform) -> &'static str {
    match p {
        Platform::CiscoIos | Platform::CiscoXe => "FDO2",
        Platform::CiscoNxos => "SAL2",
        Platform::CiscoXr => "FOX2",
        Platform::AristaEos => "JPE1",
        Platform::JuniperJunos => "VM6",
        Platform::Huawei => "2102",
        Platform::Linux => "LNX",
    }
}
