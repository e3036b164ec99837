//! The mode machine shared by the IOS-family CLIs (IOS/IOS-XE, NX-OS, EOS): user and privileged exec,
//! `enable` with its secret, `configure terminal` with interface and VLAN sub-modes, saving. What differs
//! per dialect (banners, error wording, outputs) is looked up from the dialect's renderer module.

use std::sync::LazyLock;

use super::arista_eos::{self, Eos};
use super::cisco_ios::Ios;
use super::cisco_nxos::Nxos;
use super::{CliMode, Pager, Reply, Session, Typed, pad};
use crate::lab::grammar::{Grammar, Match};
use crate::lab::model::{Device, IfKind};

/// Which IOS-family CLI this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// IOS and IOS-XE.
    Ios,
    /// NX-OS.
    Nxos,
    /// Arista EOS.
    Eos,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Mode {
    User,
    Enable,
    Config,
    Interface(String),
    Vlan(u16),
}

/// A question the device asked and is waiting an answer for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pending {
    /// `enable` asked `Password: `; the count is how many tries are left (IOS gives three).
    Secret(u8),
    /// `copy running-config startup-config` asked for the destination.
    CopyDestination,
}

/// Common exec commands; each dialect adds its `show` commands.
const EXEC: &[&str] = &[
    "enable",
    "disable",
    "exit",
    "quit",
    "logout",
    "terminal length WORD",
    "terminal width WORD",
    "terminal no monitor",
    "terminal monitor",
];
const PRIV: &[&str] = &[
    "configure terminal",
    "write memory",
    "write",
    "copy running-config startup-config",
    "show running-config LINE?",
    "show startup-config",
];
const CONFIG: &[&str] = &[
    "hostname WORD",
    "interface LINE",
    "vlan WORD",
    "no vlan WORD",
    "end",
    "exit",
    "do LINE",
    "ntp server LINE",
    "logging host LINE",
    "logging LINE",
    "snmp-server LINE",
    "ip route LINE",
    "ip domain-name WORD",
    "ip domain name WORD",
    "username LINE",
    "feature WORD",
];
const CONFIG_IF: &[&str] = &[
    "description LINE",
    "no description",
    "ip address WORD WORD",
    "ip address WORD",
    "no ip address LINE?",
    "shutdown",
    "no shutdown",
    "mtu WORD",
    "switchport access vlan WORD",
    "switchport mode WORD",
    "switchport",
    "no switchport",
    "end",
    "exit",
    "do LINE",
];
const CONFIG_VLAN: &[&str] = &["name WORD", "end", "exit", "do LINE"];

/// Renders one show command of a dialect from the device model, given the command's
/// argument (`""` without one); `None` for an argument the device would reject.
pub type Render = fn(&str, &Device) -> Option<String>;

/// What a dialect prints: the outputs of the show commands every IOS-family CLI has, which
/// the mode machine dispatches, and the dialect's own show commands.
pub trait Outputs {
    /// The dialect's other show commands (grammar specs) and how each renders.
    const SHOW: &'static [(&'static str, Render)];
    /// What `show clock` prints.
    const CLOCK: &'static str;
    /// Shown at login.
    fn banner(dev: &Device) -> String;
    /// `show version`.
    fn version(dev: &Device) -> String;
    /// `show ip interface brief`.
    fn ip_brief(dev: &Device) -> String;
    /// `show inventory`.
    fn inventory(dev: &Device) -> String;
    /// `show lldp neighbors`.
    fn lldp(dev: &Device) -> String;
    /// `show running-config` (and `show startup-config`: the lab saves what runs).
    fn running_config(dev: &Device) -> String;
}

/// The show commands every dialect answers through [`Outputs`] (privileged ones aside).
const SHARED_SHOW: &[&str] = &[
    "show version",
    "show ip interface brief",
    "show inventory",
    "show lldp neighbors",
    "show clock",
];

/// A dialect's answer to show command `spec` with argument `arg`; `None` for a command or
/// argument it rejects.
fn show<O: Outputs>(spec: &str, arg: &str, dev: &Device) -> Option<String> {
    Some(match spec {
        "show version" => O::version(dev),
        "show ip interface brief" => O::ip_brief(dev),
        "show inventory" => O::inventory(dev),
        "show lldp neighbors" => O::lldp(dev),
        "show clock" => O::CLOCK.to_string(),
        "show running-config LINE?" | "show startup-config" => O::running_config(dev),
        _ => {
            let (_, render) = O::SHOW.iter().find(|(known, _)| *known == spec)?;
            return render(arg, dev);
        }
    })
}

fn grammar<O: Outputs>(base: &[&[&'static str]]) -> Grammar {
    let mut all: Vec<&'static str> = base.iter().flat_map(|b| b.iter().copied()).collect();
    all.extend_from_slice(SHARED_SHOW);
    all.extend(O::SHOW.iter().map(|(spec, _)| *spec));
    Grammar::new(&all)
}

static IOS_USER: LazyLock<Grammar> = LazyLock::new(|| grammar::<Ios>(&[EXEC]));
static IOS_PRIV: LazyLock<Grammar> = LazyLock::new(|| grammar::<Ios>(&[EXEC, PRIV]));
static NXOS_PRIV: LazyLock<Grammar> = LazyLock::new(|| grammar::<Nxos>(&[EXEC, PRIV]));
static EOS_USER: LazyLock<Grammar> = LazyLock::new(|| grammar::<Eos>(&[EXEC]));
static EOS_PRIV: LazyLock<Grammar> = LazyLock::new(|| grammar::<Eos>(&[EXEC, PRIV]));
pub(super) static G_CONFIG: LazyLock<Grammar> = LazyLock::new(|| Grammar::new(CONFIG));
pub(super) static G_CONFIG_IF: LazyLock<Grammar> = LazyLock::new(|| Grammar::new(CONFIG_IF));
pub(super) static G_CONFIG_VLAN: LazyLock<Grammar> = LazyLock::new(|| Grammar::new(CONFIG_VLAN));

/// One session on an IOS-family device.
pub struct IosLike {
    pub(super) dialect: Dialect,
    pub(super) mode: Mode,
    pending: Option<Pending>,
    /// What `enable` wants.
    secret: String,
    /// `terminal length 0` turns it off.
    paging: bool,
}

impl IosLike {
    /// NX-OS admins land in privileged mode; IOS and EOS users start in user exec.
    pub fn new(dialect: Dialect, secret: &str) -> IosLike {
        let mode = if dialect == Dialect::Nxos {
            Mode::Enable
        } else {
            Mode::User
        };
        IosLike {
            dialect,
            mode,
            pending: None,
            secret: secret.to_string(),
            paging: true,
        }
    }

    fn exec_grammar(&self) -> &'static Grammar {
        let privileged = self.mode != Mode::User;
        match (self.dialect, privileged) {
            (Dialect::Ios, false) => &IOS_USER,
            (Dialect::Ios, true) => &IOS_PRIV,
            (Dialect::Nxos, _) => &NXOS_PRIV,
            (Dialect::Eos, false) => &EOS_USER,
            (Dialect::Eos, true) => &EOS_PRIV,
        }
    }

    /// The vendor's error for a line that did not match, with the caret under the bad token.
    pub(super) fn error(&self, m: &Match, typed: Typed, exec_mode: bool) -> Reply {
        let (line, prompt_len) = (typed.line, typed.column);
        let caret = |off: usize| format!("{}^\n", " ".repeat(prompt_len + off));
        let text = match (self.dialect, m) {
            (Dialect::Ios, Match::Invalid(0)) if exec_mode && !line.trim().contains(' ') => {
                format!(
                    "Translating \"{}\"\n% Unknown command or computer name, or unable to find computer address\n",
                    line.trim()
                )
            }
            (Dialect::Ios, Match::Invalid(off)) => {
                format!("{}% Invalid input detected at '^' marker.\n\n", caret(*off))
            }
            (Dialect::Ios, Match::Ambiguous(_)) => {
                format!("% Ambiguous command:  \"{}\"\n", line.trim())
            }
            (Dialect::Ios, _) => "% Incomplete command.\n\n".to_string(),
            (Dialect::Nxos, Match::Invalid(off)) => {
                format!("{}% Invalid command at '^' marker.\n", caret(*off))
            }
            (Dialect::Nxos, Match::Ambiguous(off)) => {
                format!("{}% Ambiguous command at '^' marker.\n", caret(*off))
            }
            (Dialect::Nxos, _) => format!(
                "{}% Incomplete command at '^' marker.\n",
                caret(line.trim_end().len())
            ),
            (Dialect::Eos, Match::Invalid(off)) => {
                let idx = line[..*off].split_whitespace().count();
                let tok = line[*off..].split_whitespace().next().unwrap_or("");
                format!("% Invalid input (at token {idx}: '{tok}')\n")
            }
            (Dialect::Eos, Match::Ambiguous(_)) => "% Ambiguous command\n".to_string(),
            (Dialect::Eos, _) => "% Incomplete command\n".to_string(),
        };
        Reply::text(text)
    }

    pub(super) fn config_banner(&self) -> &'static str {
        match self.dialect {
            Dialect::Ios => "Enter configuration commands, one per line.  End with CNTL/Z.\n",
            Dialect::Nxos => "Enter configuration commands, one per line. End with CNTL/Z.\n",
            Dialect::Eos => "",
        }
    }

    pub(super) fn save(&self, dev: &mut Device) -> String {
        dev.saved = true;
        match self.dialect {
            Dialect::Ios => "Building configuration...\n[OK]\n".into(),
            Dialect::Nxos => {
                "[########################################] 100%\nCopy complete.\n".into()
            }
            Dialect::Eos => "Copy completed successfully.\n".into(),
        }
    }

    pub(super) fn exec_line(&mut self, typed: Typed, dev: &mut Device) -> Reply {
        let line = typed.line;
        let m = self.exec_grammar().parse(line);
        let Match::Command { spec, args } = m else {
            return if m == Match::Empty {
                Reply::none()
            } else {
                self.error(&m, typed, true)
            };
        };
        match spec {
            "enable" => {
                if self.mode == Mode::User {
                    self.pending = Some(Pending::Secret(3));
                }
                Reply::none()
            }
            "disable" => {
                if self.dialect != Dialect::Nxos {
                    self.mode = Mode::User;
                }
                Reply::none()
            }
            "exit" | "quit" | "logout" => Reply::close(),
            "terminal length WORD" => {
                let Ok(n) = args[0].parse::<u32>() else {
                    return self.error(&Match::Invalid(line.len() - args[0].len()), typed, true);
                };
                self.paging = n != 0;
                match (self.dialect, n) {
                    (Dialect::Eos, 0) => Reply::text("Pagination disabled.\n"),
                    (Dialect::Eos, n) => Reply::text(format!("Pagination set to {n} lines.\n")),
                    _ => Reply::none(),
                }
            }
            "terminal width WORD" => match self.dialect {
                Dialect::Eos => Reply::text(format!("Width set to {} columns.\n", args[0])),
                _ => Reply::none(),
            },
            "terminal monitor" | "terminal no monitor" => Reply::none(),
            "configure terminal" => {
                self.mode = Mode::Config;
                Reply::text(self.config_banner())
            }
            "write memory" | "write" => Reply::text(self.save(dev)),
            "copy running-config startup-config" => {
                if self.dialect == Dialect::Ios {
                    self.pending = Some(Pending::CopyDestination);
                    Reply::none()
                } else {
                    Reply::text(self.save(dev))
                }
            }
            _ => {
                let arg = args.first().map_or("", String::as_str);
                let text = match self.dialect {
                    Dialect::Ios => show::<Ios>(spec, arg, dev),
                    Dialect::Nxos => show::<Nxos>(spec, arg, dev),
                    Dialect::Eos => show::<Eos>(spec, arg, dev),
                };
                match text {
                    Some(t) => Reply::page(t),
                    None => self.error(&Match::Invalid(line.trim_end().len()), typed, false),
                }
            }
        }
    }

    fn mode_prompt(&self, dev: &Device) -> String {
        let h = &dev.hostname;
        match (&self.mode, self.dialect) {
            (Mode::User, _) => format!("{h}>"),
            (Mode::Enable, Dialect::Nxos) => format!("{h}# "),
            (Mode::Enable, _) => format!("{h}#"),
            (Mode::Config, _) => format!("{h}(config)#"),
            (Mode::Interface(n), Dialect::Eos) => {
                format!("{h}(config-if-{})#", arista_eos::short_if(n))
            }
            (Mode::Interface(_), _) => format!("{h}(config-if)#"),
            (Mode::Vlan(id), Dialect::Eos) => format!("{h}(config-vlan-{id})#"),
            (Mode::Vlan(_), _) => format!("{h}(config-vlan)#"),
        }
    }
}

impl Session for IosLike {
    fn banner(&self, dev: &Device) -> String {
        match self.dialect {
            Dialect::Ios => Ios::banner(dev),
            Dialect::Nxos => Nxos::banner(dev),
            Dialect::Eos => Eos::banner(dev),
        }
    }

    fn prompt(&self, dev: &Device) -> String {
        match self.pending {
            Some(Pending::Secret(_)) => "Password: ".into(),
            Some(Pending::CopyDestination) => "Destination filename [startup-config]? ".into(),
            None => self.mode_prompt(dev),
        }
    }

    fn mode(&self) -> Option<CliMode> {
        if self.pending.is_some() {
            return None;
        }
        Some(match self.mode {
            Mode::User => CliMode::Exec,
            Mode::Enable => CliMode::Privileged,
            Mode::Config => CliMode::Config("config"),
            Mode::Interface(_) => CliMode::Config("config-if"),
            Mode::Vlan(_) => CliMode::Config("config-vlan"),
        })
    }

    fn echo(&self) -> bool {
        !matches!(self.pending, Some(Pending::Secret(_)))
    }

    fn newline(&self) -> &'static str {
        if self.dialect == Dialect::Nxos {
            "\r\r\n"
        } else {
            "\r\n"
        }
    }

    fn paging(&self) -> bool {
        self.paging
    }

    fn pager(&self) -> Option<Pager> {
        Some(match self.dialect {
            Dialect::Ios => Pager {
                prompt: " --More-- ",
                erase: "\x08\x08\x08\x08\x08\x08\x08\x08\x08\x08          \x08\x08\x08\x08\x08\x08\x08\x08\x08\x08",
            },
            Dialect::Nxos => Pager {
                prompt: "\x1b[7m--More--\x1b[27m",
                erase: "\r\x1b[K",
            },
            Dialect::Eos => Pager {
                prompt: "\x1b[7m --More-- \x1b[27m\x1b[K",
                erase: "\r\x1b[K",
            },
        })
    }

    fn line(&mut self, line: &str, dev: &mut Device) -> Reply {
        match self.pending.take() {
            Some(Pending::Secret(tries)) => {
                if line == self.secret {
                    self.mode = Mode::Enable;
                    return Reply::none();
                }
                if tries > 1 && !line.is_empty() {
                    self.pending = Some(Pending::Secret(tries - 1));
                    return Reply::none();
                }
                return Reply::text(match self.dialect {
                    Dialect::Eos => "% Authorization denied for command 'enable': Bad secret\n",
                    _ => "% Access denied\n",
                });
            }
            Some(Pending::CopyDestination) => {
                let dest = line.trim();
                if dest.is_empty() || dest == "startup-config" {
                    return Reply::text(format!("\n{}", self.save(dev)));
                }
                return Reply::text(
                    "%Error opening flash:".to_string() + dest + " (Permission denied)\n",
                );
            }
            None => {}
        }
        let typed = Typed {
            line,
            column: self.mode_prompt(dev).trim_end().len(),
        };
        match self.mode {
            Mode::User | Mode::Enable => self.exec_line(typed, dev),
            _ => self.config_line(typed, dev),
        }
    }

    fn exec(&mut self, command: &str, dev: &mut Device) -> (String, String, u32) {
        // An exec channel runs at the user's privilege with no pager, as `ssh r1 'show version'` does.
        self.mode = Mode::Enable;
        self.paging = false;
        let reply = self.line(command, dev);
        let failed = reply.text.contains("% ");
        (reply.text, String::new(), u32::from(failed))
    }
}

/// IOS-style interface abbreviation for tables: `GigabitEthernet0/1` → `Gi0/1`, `Loopback0` → `Lo0`.
pub fn short_if(name: &str) -> String {
    let at = name
        .find(|c: char| c.is_ascii_digit())
        .unwrap_or(name.len());
    let (kind, num) = name.split_at(at);
    let short: String = kind.chars().take(2).collect();
    format!("{short}{num}")
}

/// IOS's `show inventory` layout, which classic IOS-XR prints too: the quoted name and
/// description, then PID, VID and serial. IOS pads the VID to `vid_width`; XR passes 0.
pub fn inventory(dev: &Device, vid_width: usize) -> String {
    dev.inventory
        .iter()
        .map(|i| {
            format!(
                "NAME: \"{}\", DESCR: \"{}\"\nPID: {}, VID: {}, SN: {}\n\n",
                i.name,
                i.descr,
                pad(&i.pid, 18),
                pad(&i.vid, vid_width),
                i.serial
            )
        })
        .collect()
}

/// CDP's spelling of a port: `Gig 0/1`, `Eth 1/1`, `Loo 0`.
pub fn cdp_if(name: &str) -> String {
    let at = name
        .find(|c: char| c.is_ascii_digit())
        .unwrap_or(name.len());
    let (kind, num) = name.split_at(at);
    let short: String = kind.chars().take(3).collect();
    format!("{short} {num}")
}

/// Is a port a switchport (has an access VLAN)? Routed ports print IP details instead.
pub fn is_switchport(dev: &Device, name: &str) -> bool {
    dev.interfaces
        .iter()
        .any(|i| i.name == name && i.access_vlan.is_some() && i.kind == IfKind::Ethernet)
}
