//! IOS-XR: no user mode, a timestamp line before most outputs, and a candidate configuration that only
//! reaches the device model on `commit`.

use std::net::Ipv4Addr;
use std::sync::LazyLock;

use super::ios_like::short_if;
use super::{CliMode, Pager, Reply, Session, Typed, cisco_uptime, pad};
use crate::lab::grammar::{Grammar, Match};
use crate::lab::model::{Change, Device, IfKind, mask_to_prefix, prefix_to_mask};

static EXEC: LazyLock<Grammar> = LazyLock::new(|| {
    Grammar::new(&[
        "show version",
        "show inventory",
        "admin show inventory",
        "show ip interface brief",
        "show ipv4 interface brief",
        "show interfaces brief",
        "show lldp neighbors",
        "show running-config LINE?",
        "show clock",
        "terminal length WORD",
        "terminal width WORD",
        "terminal exec prompt no-timestamp",
        "terminal exec prompt timestamp",
        "configure terminal",
        "configure exclusive",
        "configure",
        "exit",
        "quit",
        "logout",
    ])
});
static CONFIG: LazyLock<Grammar> = LazyLock::new(|| {
    let anywhere: &[&'static str] = &[
        "hostname WORD",
        "interface LINE",
        "commit LINE?",
        "abort",
        "end",
        "exit",
        "show configuration",
        "do LINE",
    ];
    Grammar::new(&[anywhere, IF_ONLY].concat())
});

/// Commands that only make sense under `interface`.
const IF_ONLY: &[&str] = &[
    "description LINE",
    "no description",
    "ipv4 address WORD WORD",
    "ipv4 address WORD",
    "no ipv4 address LINE?",
    "shutdown",
    "no shutdown",
    "mtu WORD",
];

#[derive(Debug, Clone, PartialEq, Eq)]
enum Mode {
    Exec,
    Config,
    Interface(String),
}

/// One XR session.
pub struct Xr {
    mode: Mode,
    /// Changes typed since `configure`, applied on `commit`.
    candidate: Vec<Change>,
    /// `end` with uncommitted changes asked whether to commit.
    asking: bool,
    paging: bool,
    timestamps: bool,
    /// Counts commits for the commit ids XR prints.
    commits: u64,
}

impl Xr {
    /// A session at the exec prompt.
    pub fn new() -> Box<Xr> {
        Box::new(Xr {
            mode: Mode::Exec,
            candidate: Vec::new(),
            asking: false,
            paging: true,
            timestamps: true,
            commits: 1_000_000_000,
        })
    }

    fn stamp(&self) -> String {
        if self.timestamps {
            "Mon Jan  1 12:00:00.000 UTC\n".into()
        } else {
            String::new()
        }
    }

    fn error(&self, m: &Match, typed: Typed) -> Reply {
        let (line, prompt_len) = (typed.line, typed.column);
        Reply::text(match m {
            Match::Invalid(off) => format!(
                "{}^\n% Invalid input detected at '^' marker.\n",
                " ".repeat(prompt_len + off)
            ),
            Match::Ambiguous(_) => format!("% Ambiguous command:  \"{}\"\n", line.trim()),
            _ => "% Incomplete command.\n".into(),
        })
    }

    fn commit(&mut self, dev: &mut Device) -> String {
        let mut out = self.stamp();
        for c in self.candidate.drain(..) {
            if let Err(e) = dev.apply(&c) {
                out += &format!(
                    "% Failed to commit one or more configuration items during a pseudo-atomic operation. All changes made have been reverted. ({e})\n"
                );
                return out;
            }
        }
        self.commits += 1;
        out
    }

    fn exec_line(&mut self, typed: Typed, dev: &mut Device) -> Reply {
        let line = typed.line;
        let m = EXEC.parse(line);
        let Match::Command { spec, args } = m else {
            return if m == Match::Empty {
                Reply::none()
            } else {
                self.error(&m, typed)
            };
        };
        let out = match spec {
            "exit" | "quit" | "logout" => return Reply::close(),
            "terminal length WORD" => {
                self.paging = args[0] != "0";
                return Reply::none();
            }
            "terminal width WORD" => return Reply::none(),
            "terminal exec prompt no-timestamp" | "terminal exec prompt timestamp" => {
                self.timestamps = spec.ends_with(" timestamp");
                return Reply::none();
            }
            "configure terminal" | "configure exclusive" | "configure" => {
                self.mode = Mode::Config;
                return Reply::text(self.stamp());
            }
            "show version" => version(dev),
            "show inventory" | "admin show inventory" => super::ios_like::inventory(dev, 0),
            "show ip interface brief" | "show ipv4 interface brief" => ip_brief(dev),
            "show interfaces brief" => interfaces_brief(dev),
            "show lldp neighbors" => lldp(dev),
            "show clock" => "12:00:00.000 UTC Mon Jan 1 2024\n".into(),
            _ => running_config(dev),
        };
        Reply::page(self.stamp() + &out)
    }

    fn config_line(&mut self, typed: Typed, dev: &mut Device) -> Reply {
        let line = typed.line;
        let m = CONFIG.parse(line);
        let Match::Command { spec, args } = m else {
            return if m == Match::Empty {
                Reply::none()
            } else {
                self.error(&m, typed)
            };
        };
        let Mode::Interface(ifname) = self.mode.clone() else {
            if IF_ONLY.contains(&spec) {
                return self.error(&Match::Invalid(0), typed);
            }
            return self.global(spec, &args, typed, dev);
        };
        if !IF_ONLY.contains(&spec) {
            if spec == "exit" {
                self.mode = Mode::Config;
                return Reply::none();
            }
            return self.global(spec, &args, typed, dev);
        }
        let bad = |s: &Xr| {
            s.error(
                &Match::Invalid(line.len() - args.last().map(|a| a.len()).unwrap_or(0)),
                typed,
            )
        };
        let change = match spec {
            "description LINE" => Change::Description(ifname, args[0].clone()),
            "no description" => Change::Description(ifname, String::new()),
            "shutdown" => Change::Enabled(ifname, false),
            "no shutdown" => Change::Enabled(ifname, true),
            "no ipv4 address LINE?" => Change::Address(ifname, None),
            "ipv4 address WORD WORD" => match (
                args[0].parse::<Ipv4Addr>(),
                args[1].parse::<Ipv4Addr>().ok().and_then(mask_to_prefix),
            ) {
                (Ok(a), Some(l)) => Change::Address(ifname, Some((a, l))),
                _ => return bad(self),
            },
            "ipv4 address WORD" => match args[0].split_once('/').and_then(|(a, l)| {
                Some((
                    a.parse::<Ipv4Addr>().ok()?,
                    l.parse::<u8>().ok().filter(|l| *l <= 32)?,
                ))
            }) {
                Some(p) => Change::Address(ifname, Some(p)),
                None => return bad(self),
            },
            _ => match args[0].parse::<u32>() {
                Ok(m) if (64..=65535).contains(&m) => Change::Mtu(ifname, m),
                _ => return bad(self),
            },
        };
        self.candidate.push(change);
        Reply::none()
    }

    fn global(&mut self, spec: &str, args: &[String], typed: Typed, dev: &mut Device) -> Reply {
        let line = typed.line;
        match spec {
            "hostname WORD" => self.candidate.push(Change::Hostname(args[0].clone())),
            "interface LINE" => match dev.resolve_or_create(&args[0], "Loopback", "BVI") {
                Some((name, created)) => {
                    if let Some(kind) = created {
                        self.candidate
                            .push(Change::CreateInterface(name.clone(), kind));
                    }
                    self.mode = Mode::Interface(name);
                }
                None => {
                    return self.error(&Match::Invalid(line.len() - args[0].len()), typed);
                }
            },
            "commit LINE?" => return Reply::text(self.commit(dev)),
            "abort" => {
                self.candidate.clear();
                self.mode = Mode::Exec;
            }
            "end" | "exit" => {
                if self.candidate.is_empty() {
                    self.mode = Mode::Exec;
                } else {
                    self.asking = true;
                }
            }
            "show configuration" => {
                let mut s =
                    self.stamp() + "Building configuration...\n!! IOS XR Configuration 7.3.2\n";
                for c in &self.candidate {
                    s += &candidate_line(c);
                }
                return Reply::page(s + "end\n");
            }
            "do LINE" => {
                return self.exec_line(typed.tail(&args[0]), dev);
            }
            _ => {}
        }
        Reply::none()
    }
}

impl Session for Xr {
    fn banner(&self, _dev: &Device) -> String {
        "\n\nIMPORTANT:  READ CAREFULLY\nWelcome to the NetPulse lab emulation of Cisco IOS XR.\n\n"
            .into()
    }

    fn prompt(&self, dev: &Device) -> String {
        if self.asking {
            return "Uncommitted changes found, commit them before exiting(yes/no/cancel)? [cancel]:".into();
        }
        let h = &dev.hostname;
        match self.mode {
            Mode::Exec => format!("RP/0/RP0/CPU0:{h}#"),
            Mode::Config => format!("RP/0/RP0/CPU0:{h}(config)#"),
            Mode::Interface(_) => format!("RP/0/RP0/CPU0:{h}(config-if)#"),
        }
    }

    fn mode(&self) -> Option<CliMode> {
        if self.asking {
            return None;
        }
        Some(match self.mode {
            Mode::Exec => CliMode::Privileged,
            Mode::Config => CliMode::Config("config"),
            Mode::Interface(_) => CliMode::Config("config-if"),
        })
    }

    fn paging(&self) -> bool {
        self.paging
    }

    fn pager(&self) -> Option<Pager> {
        Some(Pager {
            prompt: " --More-- ",
            erase: "\x08\x08\x08\x08\x08\x08\x08\x08\x08\x08          \x08\x08\x08\x08\x08\x08\x08\x08\x08\x08",
        })
    }

    fn line(&mut self, line: &str, dev: &mut Device) -> Reply {
        if self.asking {
            self.asking = false;
            return match line.trim().to_ascii_lowercase().as_str() {
                "yes" | "y" => {
                    let out = self.commit(dev);
                    self.mode = Mode::Exec;
                    Reply::text(out)
                }
                "no" | "n" => {
                    self.candidate.clear();
                    self.mode = Mode::Exec;
                    Reply::none()
                }
                _ => Reply::none(),
            };
        }
        let typed = Typed {
            line,
            column: self.prompt(dev).len(),
        };
        match self.mode {
            Mode::Exec => self.exec_line(typed, dev),
            _ => self.config_line(typed, dev),
        }
    }
}

fn version(dev: &Device) -> String {
    format!(
        "\nCisco IOS XR Software, Version 7.3.2\nCopyright (c) 2013-2021 by Cisco Systems, Inc.\n\nBuild Information:\n Built By     : ingunawa\n Built On     : Wed Oct 13 20:00:49 PDT 2021\n Built Host   : iox-ucs-017\n Workspace    : /auto/srcarchive17/prod/7.3.2/xrv9k/ws\n Version      : 7.3.2\n Location     : /opt/cisco/XR/packages/\n Label        : 7.3.2\n\ncisco IOS-XRv 9000 () processor\nSystem uptime is {}\n\n",
        cisco_uptime(dev)
    )
}

fn states(dev: &Device, i: usize) -> (&'static str, &'static str) {
    let itf = &dev.interfaces[i];
    match (itf.enabled, itf.oper_up()) {
        (false, _) => ("Shutdown", "Down"),
        (true, true) => ("Up", "Up"),
        (true, false) => ("Down", "Down"),
    }
}

fn ip_brief(dev: &Device) -> String {
    let mut s =
        "\nInterface                      IP-Address      Status          Protocol Vrf-Name\n"
            .to_string();
    for (n, i) in dev.interfaces.iter().enumerate() {
        let (st, pr) = states(dev, n);
        let ip = i
            .ipv4
            .map(|(a, _)| a.to_string())
            .unwrap_or_else(|| "unassigned".into());
        s += &format!(
            "{}{}{}{}default \n",
            pad(&i.name, 31),
            pad(&ip, 16),
            pad(st, 16),
            pad(pr, 9)
        );
    }
    s
}

fn interfaces_brief(dev: &Device) -> String {
    let mut s = "\n               Intf       Intf        LineP              Encap  MTU        BW\n               Name       State       State               Type (byte)    (Kbps)\n--------------------------------------------------------------------------------\n".to_string();
    for (n, i) in dev.interfaces.iter().enumerate() {
        let (st, pr) = match states(dev, n) {
            ("Shutdown", _) => ("admin-down", "admin-down"),
            ("Up", _) => ("up", "up"),
            _ => ("down", "down"),
        };
        let encap = if i.kind == IfKind::Loopback {
            "Loopback"
        } else {
            "ARPA"
        };
        s += &format!(
            "{:>19}{:>12}{:>13}{:>19}{:>7}{:>10}\n",
            short_if(&i.name),
            st,
            pr,
            encap,
            i.mtu,
            i.bandwidth_kbps
        );
    }
    s + "\n"
}

fn lldp(dev: &Device) -> String {
    let mut s = "Capability codes:\n        (R) Router, (B) Bridge, (T) Telephone, (C) DOCSIS Cable Device\n        (W) WLAN Access Point, (P) Repeater, (S) Station, (O) Other\n\nDevice ID       Local Intf               Hold-time  Capability     Port ID\n".to_string();
    for n in &dev.neighbors {
        s += &format!(
            "{}{}120        R               {}\n",
            pad(&n.remote_host, 16),
            pad(&n.local_if, 25),
            n.remote_port
        );
    }
    s + &format!("\nTotal entries displayed: {}\n\n", dev.neighbors.len())
}

fn running_config(dev: &Device) -> String {
    let mut s = format!(
        "Building configuration...\n!! IOS XR Configuration 7.3.2\n!! Last configuration change at Mon Jan  1 12:00:00 2024 by admin\n!\nhostname {}\nusername admin\n group root-lr\n group cisco-support\n secret 10 $6$lab\n!\n",
        dev.hostname
    );
    let mut ifs: Vec<_> = dev.interfaces.iter().collect();
    ifs.sort_by(|a, b| a.name.cmp(&b.name));
    for i in ifs {
        s += &format!("interface {}\n", i.name);
        if !i.description.is_empty() {
            s += &format!(" description {}\n", i.description);
        }
        if let Some((a, l)) = i.ipv4 {
            s += &format!(" ipv4 address {a} {}\n", prefix_to_mask(l));
        }
        if i.mtu != 1500 && i.kind == IfKind::Ethernet {
            s += &format!(" mtu {}\n", i.mtu);
        }
        if !i.enabled {
            s += " shutdown\n";
        }
        s += "!\n";
    }
    for l in &dev.extra_config {
        s += &format!("{l}\n!\n");
    }
    s + "ssh server v2\nend\n\n"
}

/// One pending change as XR would list it in `show configuration`.
fn candidate_line(c: &Change) -> String {
    match c {
        Change::Hostname(h) => format!("hostname {h}\n"),
        Change::Description(i, d) if d.is_empty() => format!("interface {i}\n no description\n!\n"),
        Change::Description(i, d) => format!("interface {i}\n description {d}\n!\n"),
        Change::Address(i, Some((a, l))) => format!(
            "interface {i}\n ipv4 address {a} {}\n!\n",
            prefix_to_mask(*l)
        ),
        Change::Address(i, None) => format!("interface {i}\n no ipv4 address\n!\n"),
        Change::Enabled(i, true) => format!("interface {i}\n no shutdown\n!\n"),
        Change::Enabled(i, false) => format!("interface {i}\n shutdown\n!\n"),
        Change::Mtu(i, m) => format!("interface {i}\n mtu {m}\n!\n"),
        Change::CreateInterface(i, _) => format!("interface {i}\n!\n"),
        other => format!("! {other:?}\n"),
    }
}
