//! The device model: one per simulated device, shared by all its sessions, so that every output is rendered
//! from the same facts and a config change made in one session shows in every later `show`.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::time::Instant;

/// The platforms the lab can emulate, under their canonical (Netmiko) names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    /// Classic IOS (IOSv).
    CiscoIos,
    /// IOS-XE: the IOS CLI with XE's version banner.
    CiscoXe,
    /// NX-OS.
    CiscoNxos,
    /// IOS-XR: candidate configuration and commit.
    CiscoXr,
    /// Arista EOS.
    AristaEos,
    /// Junos: set-style configuration and commit.
    JuniperJunos,
    /// Huawei VRP.
    Huawei,
    /// A Linux host, mostly driven over exec channels.
    Linux,
}

impl Platform {
    /// Every platform, in the order error messages list them.
    pub const ALL: [Platform; 8] = [
        Platform::CiscoIos,
        Platform::CiscoXe,
        Platform::CiscoNxos,
        Platform::CiscoXr,
        Platform::AristaEos,
        Platform::JuniperJunos,
        Platform::Huawei,
        Platform::Linux,
    ];

    /// The scrapli/ntc and NAPALM spellings of design §4, besides the canonical names.
    const ALIASES: &'static [(&'static str, Platform)] = &[
        ("ios", Platform::CiscoIos),
        ("cisco_iosxe", Platform::CiscoXe),
        ("iosxe", Platform::CiscoXe),
        ("nxos", Platform::CiscoNxos),
        ("cisco_iosxr", Platform::CiscoXr),
        ("iosxr", Platform::CiscoXr),
        ("eos", Platform::AristaEos),
        ("junos", Platform::JuniperJunos),
        ("juniper", Platform::JuniperJunos),
        ("huawei_vrp", Platform::Huawei),
        ("vrp", Platform::Huawei),
    ];

    /// Parses a platform name, canonical or an alias, in any case.
    pub fn parse(name: &str) -> Option<Platform> {
        let lower = name.to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|p| p.name() == lower)
            .or_else(|| {
                Self::ALIASES
                    .iter()
                    .find(|(alias, _)| *alias == lower)
                    .map(|(_, p)| *p)
            })
    }

    /// The canonical names, comma-separated, for error messages that list the known ones.
    pub fn names() -> String {
        Self::ALL.map(Platform::name).join(", ")
    }

    /// The canonical name, as printed in the `ready` lines.
    pub fn name(self) -> &'static str {
        match self {
            Platform::CiscoIos => "cisco_ios",
            Platform::CiscoXe => "cisco_xe",
            Platform::CiscoNxos => "cisco_nxos",
            Platform::CiscoXr => "cisco_xr",
            Platform::AristaEos => "arista_eos",
            Platform::JuniperJunos => "juniper_junos",
            Platform::Huawei => "huawei",
            Platform::Linux => "linux",
        }
    }
}

/// What an interface is, which decides how vendors render it (no MAC on a loopback, and so on).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IfKind {
    /// A physical Ethernet port.
    Ethernet,
    /// A loopback: always up, no MAC.
    Loopback,
    /// A VLAN interface created in config mode.
    Svi,
}

/// One interface of the device.
#[derive(Debug, Clone)]
pub struct Interface {
    /// Full vendor name (`GigabitEthernet0/1`); abbreviations resolve to it.
    pub name: String,
    /// Decides rendering details.
    pub kind: IfKind,
    /// Address and prefix length; `None` shows as `unassigned`.
    pub ipv4: Option<(Ipv4Addr, u8)>,
    /// Administrative state (`shutdown` clears it).
    pub enabled: bool,
    /// Whether a cable is plugged in; the line protocol is up only when both this and `enabled` hold.
    pub link: bool,
    /// Free text set with `description`.
    pub description: String,
    /// Bytes.
    pub mtu: u32,
    /// Kbit/s, as IOS prints BW.
    pub bandwidth_kbps: u64,
    /// Burned-in address.
    pub mac: [u8; 6],
    /// Access VLAN when the port is a switchport; routed ports have none.
    pub access_vlan: Option<u16>,
    /// Counters, so outputs are not all zeros.
    pub packets_in: u64,
    /// Counters, so outputs are not all zeros.
    pub packets_out: u64,
}

impl Interface {
    /// Line protocol / oper state: a shut or unplugged port is down.
    pub fn oper_up(&self) -> bool {
        self.enabled && (self.link || self.kind != IfKind::Ethernet)
    }

    /// Bytes received: the lab's frames average 96 bytes in, so the byte counter follows
    /// the packet counter.
    pub fn bytes_in(&self) -> u64 {
        self.packets_in * 96
    }

    /// Bytes sent: frames average 88 bytes out.
    pub fn bytes_out(&self) -> u64 {
        self.packets_out * 88
    }
}

/// A VLAN and its name.
#[derive(Debug, Clone)]
pub struct Vlan {
    /// 1..=4094.
    pub id: u16,
    /// Shown by `show vlan`.
    pub name: String,
}

/// One line of `show inventory` and its vendor equivalents.
#[derive(Debug, Clone)]
pub struct InventoryItem {
    /// NAME.
    pub name: String,
    /// DESCR.
    pub descr: String,
    /// PID.
    pub pid: String,
    /// VID.
    pub vid: String,
    /// SN.
    pub serial: String,
}

/// An LLDP/CDP neighbor, derived from the chain the lab wires its devices in (r1 - r2 - r3 ...).
#[derive(Debug, Clone)]
pub struct Neighbor {
    /// Our port.
    pub local_if: String,
    /// The neighbor's hostname.
    pub remote_host: String,
    /// The neighbor's port, in its own vendor's spelling.
    pub remote_port: String,
    /// The neighbor's platform, for CDP's Platform column.
    pub remote_platform: Platform,
    /// Its management address.
    pub remote_ip: Ipv4Addr,
}

/// The whole device.
#[derive(Debug, Clone)]
pub struct Device {
    /// Which CLI this device speaks.
    pub platform: Platform,
    /// 1-based number, the `n` in `r<n>`; seeds every per-device value.
    pub number: usize,
    /// Set by `hostname`/`sysname`/`host-name`; every prompt shows it.
    pub hostname: String,
    /// Chassis serial number.
    pub serial: String,
    /// Chassis MAC; interface MACs count up from it.
    pub base_mac: [u8; 6],
    /// Uptime is this many seconds plus the time since `booted`, so devices look like they have run for days.
    pub uptime_base_secs: u64,
    /// When the lab started the device.
    pub booted: Instant,
    /// In vendor order.
    pub interfaces: Vec<Interface>,
    /// By id.
    pub vlans: BTreeMap<u16, Vlan>,
    /// Chassis first.
    pub inventory: Vec<InventoryItem>,
    /// LLDP/CDP neighbors.
    pub neighbors: Vec<Neighbor>,
    /// Whether the running config has been saved since the last change (`write memory`, `save`).
    pub saved: bool,
    /// Accepted global config lines the model has no field for (`ntp server ...`), kept so that
    /// running-config shows what was pushed.
    pub extra_config: Vec<String>,
}

/// A configuration change, vendor-neutral: IOS-like CLIs apply it at once, Junos and XR queue it until commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// `hostname X`.
    Hostname(String),
    /// `description X` under an interface; empty clears it.
    Description(String, String),
    /// `ip address A M`; `None` removes the address.
    Address(String, Option<(Ipv4Addr, u8)>),
    /// `shutdown` (false) / `no shutdown` (true).
    Enabled(String, bool),
    /// `mtu N`.
    Mtu(String, u32),
    /// `vlan N`, optionally with its name.
    Vlan(u16, Option<String>),
    /// `no vlan N`.
    RemoveVlan(u16),
    /// `switchport access vlan N`.
    AccessVlan(String, u16),
    /// `no switchport`: the port becomes routed.
    Routed(String),
    /// `interface Loopback9` / `Vlan10` creating a new logical interface.
    CreateInterface(String, IfKind),
}

/// Converts a dotted mask to a prefix length; `None` if it is not contiguous.
pub fn mask_to_prefix(mask: Ipv4Addr) -> Option<u8> {
    let m = u32::from(mask);
    let len = m.leading_ones();
    (m.checked_shl(len).unwrap_or(0) == 0).then_some(len as u8)
}

/// Converts a prefix length to a dotted mask.
pub fn prefix_to_mask(len: u8) -> Ipv4Addr {
    Ipv4Addr::from(u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0))
}

impl Device {
    /// Seconds since "boot".
    pub fn uptime_secs(&self) -> u64 {
        self.uptime_base_secs + self.booted.elapsed().as_secs()
    }

    /// (weeks, days, hours, minutes) of uptime, as Cisco prints it.
    pub fn uptime_parts(&self) -> (u64, u64, u64, u64) {
        let s = self.uptime_secs();
        (
            s / 604_800,
            s % 604_800 / 86_400,
            s % 86_400 / 3600,
            s % 3600 / 60,
        )
    }

    /// Finds an interface by full name or abbreviation (`Gi0/1`, `gig 0/1`, `e1/1`), case-insensitively.
    pub fn find_interface(&self, name: &str) -> Option<usize> {
        let wanted = split_if_name(name)?;
        self.interfaces.iter().position(|i| {
            let (kind, num) = split_if_name(&i.name).unwrap_or_default();
            num == wanted.1
                && kind
                    .to_ascii_lowercase()
                    .starts_with(&wanted.0.to_ascii_lowercase())
        })
    }

    /// The interfaces a `show interface [NAME]` covers: every one without a name, else the
    /// one the name abbreviates; `None` for a name the device has no port for (it rejects
    /// the argument).
    pub fn shown_interfaces(&self, name: &str) -> Option<Vec<usize>> {
        if name.is_empty() {
            Some((0..self.interfaces.len()).collect())
        } else {
            Some(vec![self.find_interface(name)?])
        }
    }

    /// Resolves an interface argument for config mode, creating loopbacks and SVIs the way devices do;
    /// `None` when the name is neither an existing port nor a creatable logical interface.
    pub fn resolve_or_create(
        &self,
        name: &str,
        loopback: &str,
        svi: &str,
    ) -> Option<(String, Option<IfKind>)> {
        if let Some(i) = self.find_interface(name) {
            return Some((self.interfaces[i].name.clone(), None));
        }
        let (kind, num) = split_if_name(name)?;
        let kind_l = kind.to_ascii_lowercase();
        if !kind_l.is_empty()
            && loopback.to_ascii_lowercase().starts_with(&kind_l)
            && num.parse::<u32>().is_ok()
        {
            return Some((format!("{loopback}{num}"), Some(IfKind::Loopback)));
        }
        if !kind_l.is_empty()
            && svi.to_ascii_lowercase().starts_with(&kind_l)
            && num.parse::<u16>().is_ok_and(|v| (1..=4094).contains(&v))
        {
            return Some((format!("{svi}{num}"), Some(IfKind::Svi)));
        }
        None
    }

    /// Applies one change; the error is the vendor-neutral reason, which each CLI words its own way.
    pub fn apply(&mut self, change: &Change) -> Result<(), String> {
        self.saved = false;
        let find = |d: &mut Device, n: &str| {
            d.interfaces
                .iter()
                .position(|i| i.name == n)
                .ok_or_else(|| format!("no interface {n}"))
        };
        match change {
            Change::Hostname(h) => self.hostname = h.clone(),
            Change::Description(n, d) => {
                let i = find(self, n)?;
                self.interfaces[i].description = d.clone();
            }
            Change::Address(n, a) => {
                let i = find(self, n)?;
                self.interfaces[i].ipv4 = *a;
            }
            Change::Enabled(n, e) => {
                let i = find(self, n)?;
                self.interfaces[i].enabled = *e;
            }
            Change::Mtu(n, m) => {
                let i = find(self, n)?;
                self.interfaces[i].mtu = *m;
            }
            Change::Vlan(id, name) => {
                let vlan = self.vlans.entry(*id).or_insert_with(|| Vlan {
                    id: *id,
                    name: format!("VLAN{id:04}"),
                });
                if let Some(name) = name {
                    vlan.name = name.clone();
                }
            }
            Change::RemoveVlan(id) => {
                self.vlans.remove(id);
            }
            Change::AccessVlan(n, v) => {
                let i = find(self, n)?;
                self.interfaces[i].access_vlan = Some(*v);
                self.interfaces[i].ipv4 = None;
            }
            Change::Routed(n) => {
                let i = find(self, n)?;
                self.interfaces[i].access_vlan = None;
            }
            Change::CreateInterface(n, kind) => {
                if self.interfaces.iter().all(|i| &i.name != n) {
                    let mut mac = self.base_mac;
                    mac[5] = 0x40 + self.interfaces.len() as u8;
                    self.interfaces.push(Interface {
                        name: n.clone(),
                        kind: *kind,
                        ipv4: None,
                        enabled: true,
                        link: true,
                        description: String::new(),
                        mtu: 1500,
                        bandwidth_kbps: if *kind == IfKind::Loopback {
                            8_000_000
                        } else {
                            1_000_000
                        },
                        mac,
                        access_vlan: None,
                        packets_in: 0,
                        packets_out: 0,
                    });
                }
            }
        }
        Ok(())
    }

    /// Ports whose access VLAN is `id`, for `show vlan`.
    pub fn vlan_ports(&self, id: u16) -> Vec<&Interface> {
        self.interfaces
            .iter()
            .filter(|i| i.access_vlan == Some(id))
            .collect()
    }
}

/// Splits `GigabitEthernet0/1` into (`GigabitEthernet`, `0/1`), tolerating a space between them.
fn split_if_name(name: &str) -> Option<(String, String)> {
    let name = name.trim();
    let at = name.find(|c: char| c.is_ascii_digit())?;
    let (kind, num) = name.split_at(at);
    Some((kind.trim().to_string(), num.replace(' ', "")))
}

/// MAC in Cisco's dotted form `5254.0001.0001`.
pub fn mac_cisco(m: &[u8; 6]) -> String {
    format!(
        "{:02x}{:02x}.{:02x}{:02x}.{:02x}{:02x}",
        m[0], m[1], m[2], m[3], m[4], m[5]
    )
}

/// MAC in colon form `52:54:00:00:01:01`.
pub fn mac_colon(m: &[u8; 6]) -> String {
    format!(
        "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
        m[0], m[1], m[2], m[3], m[4], m[5]
    )
}

/// MAC in Huawei's dashed form `5254-0001-0001`.
pub fn mac_huawei(m: &[u8; 6]) -> String {
    mac_cisco(m).replace('.', "-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_round_trip() {
        assert_eq!(mask_to_prefix(Ipv4Addr::new(255, 255, 255, 0)), Some(24));
        assert_eq!(mask_to_prefix(Ipv4Addr::new(255, 0, 255, 0)), None);
        assert_eq!(prefix_to_mask(31), Ipv4Addr::new(255, 255, 255, 254));
        assert_eq!(prefix_to_mask(0), Ipv4Addr::new(0, 0, 0, 0));
    }

    #[test]
    fn interface_abbreviations_resolve() {
        let d = Device::generate(1, &[Platform::CiscoIos, Platform::CiscoIos]);
        assert_eq!(d.find_interface("gi0/1"), Some(1));
        assert_eq!(d.find_interface("Gig 0/3"), Some(3));
        assert_eq!(d.find_interface("lo0"), Some(4));
        assert_eq!(d.find_interface("Te0/1"), None);
        assert_eq!(d.neighbors.len(), 1);
    }
}
