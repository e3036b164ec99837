//! Huawei VRP: `<host>` user view, `system-view` → `[host]`, interface and VLAN views, `undo` instead of
//! `no`, `save` with its `[Y/N]` question, and the `  ---- More ----` pager.

use std::net::Ipv4Addr;
use std::sync::LazyLock;

use super::huawei_display::display;
use super::{CliMode, Pager, Reply, Session};
use crate::lab::grammar::{Grammar, Match};
use crate::lab::model::{Change, Device, mask_to_prefix};

/// Commands available in every view (VRP lets `display` run anywhere).
const ANY: &[&str] = &[
    "display version",
    "display interface brief",
    "display interface LINE?",
    "display ip interface brief",
    "display vlan",
    "display device",
    "display lldp neighbor brief",
    "display lldp neighbor",
    "display current-configuration LINE?",
    "display clock",
    "screen-length WORD temporary",
    "screen-width WORD",
    "quit",
    "return",
    "save",
];
const USER: &[&str] = &["system-view"];
const SYSTEM: &[&str] = &[
    "sysname WORD",
    "interface LINE",
    "vlan WORD",
    "vlan batch LINE",
    "undo vlan WORD",
    "ntp-service LINE",
    "info-center LINE",
    "snmp-agent LINE",
    "ip route-static LINE",
];
const IFACE: &[&str] = &[
    "description LINE",
    "undo description",
    "ip address WORD WORD",
    "undo ip address LINE?",
    "shutdown",
    "undo shutdown",
    "mtu WORD",
    "port link-type WORD",
    "port default vlan WORD",
];
const VLAN: &[&str] = &["name WORD", "description LINE"];

fn grammar(parts: &[&[&'static str]]) -> Grammar {
    Grammar::new(
        &parts
            .iter()
            .flat_map(|p| p.iter().copied())
            .collect::<Vec<_>>(),
    )
}

static G_USER: LazyLock<Grammar> = LazyLock::new(|| grammar(&[ANY, USER]));
static G_SYSTEM: LazyLock<Grammar> = LazyLock::new(|| grammar(&[ANY, SYSTEM]));
static G_IFACE: LazyLock<Grammar> = LazyLock::new(|| grammar(&[ANY, IFACE, SYSTEM]));
static G_VLAN: LazyLock<Grammar> = LazyLock::new(|| grammar(&[ANY, VLAN, SYSTEM]));

#[derive(Debug, Clone, PartialEq, Eq)]
enum View {
    User,
    System,
    Interface(String),
    Vlan(u16),
}

/// One VRP session.
pub struct Vrp {
    view: View,
    /// `save` asked `[Y/N]`.
    asking_save: bool,
    paging: bool,
}

impl Vrp {
    /// A session in user view.
    pub fn new() -> Box<Vrp> {
        Box::new(Vrp {
            view: View::User,
            asking_save: false,
            paging: true,
        })
    }

    fn error(&self, m: &Match, line: &str, prompt_len: usize) -> Reply {
        let caret = |off: usize| format!("{}^\n", " ".repeat(prompt_len + off));
        Reply::text(match m {
            Match::Invalid(off) => format!(
                "{}Error: Unrecognized command found at '^' position.\n",
                caret(*off)
            ),
            Match::Ambiguous(off) => format!(
                "{}Error: Ambiguous command found at '^' position.\n",
                caret(*off)
            ),
            _ => format!(
                "{}Error: Incomplete command found at '^' position.\n",
                caret(line.trim_end().len())
            ),
        })
    }

    fn change(dev: &mut Device, c: Change) -> Reply {
        match dev.apply(&c) {
            Ok(()) => Reply::none(),
            Err(e) => Reply::text(format!("Error: {e}\n")),
        }
    }
}

impl Session for Vrp {
    fn banner(&self, _dev: &Device) -> String {
        "\nInfo: The max number of VTY users is 10, and the number\n      of current VTY users on line is 1.\n      The current login time is 2024-01-01 12:00:00.\n".into()
    }

    fn prompt(&self, dev: &Device) -> String {
        if self.asking_save {
            return "Warning: The current configuration will be written to the device. Continue? [Y/N]:".into();
        }
        let h = &dev.hostname;
        match &self.view {
            View::User => format!("<{h}>"),
            View::System => format!("[{h}]"),
            View::Interface(n) => format!("[{h}-{n}]"),
            View::Vlan(id) => format!("[{h}-vlan{id}]"),
        }
    }

    fn mode(&self) -> Option<CliMode> {
        if self.asking_save {
            return None;
        }
        Some(match self.view {
            View::User => CliMode::Exec,
            View::System => CliMode::Config("config"),
            View::Interface(_) => CliMode::Config("config-if"),
            View::Vlan(_) => CliMode::Config("config-vlan"),
        })
    }

    fn paging(&self) -> bool {
        self.paging
    }

    fn pager(&self) -> Option<Pager> {
        Some(Pager {
            prompt: "  ---- More ----",
            erase: "\x1b[16D                \x1b[16D",
        })
    }

    fn line(&mut self, line: &str, dev: &mut Device) -> Reply {
        if self.asking_save {
            self.asking_save = false;
            if line.trim().eq_ignore_ascii_case("y") {
                dev.saved = true;
                return Reply::text(
                    "Now saving the current configuration to the slot 0.\nInfo: Save the configuration successfully.\n",
                );
            }
            return Reply::none();
        }
        let prompt_len = self.prompt(dev).len();
        let g: &Grammar = match self.view {
            View::User => &G_USER,
            View::System => &G_SYSTEM,
            View::Interface(_) => &G_IFACE,
            View::Vlan(_) => &G_VLAN,
        };
        let m = g.parse(line);
        let Match::Command { spec, args } = m else {
            return if m == Match::Empty {
                Reply::none()
            } else {
                self.error(&m, line, prompt_len)
            };
        };
        let bad = |s: &Vrp, a: &str| {
            s.error(
                &Match::Invalid(line.rfind(a).unwrap_or(0)),
                line,
                prompt_len,
            )
        };
        match spec {
            "quit" => {
                self.view = match self.view {
                    View::User => return Reply::close(),
                    View::System => View::User,
                    _ => View::System,
                };
                Reply::none()
            }
            "return" => {
                self.view = View::User;
                Reply::none()
            }
            "system-view" => {
                self.view = View::System;
                Reply::text("Enter system view, return user view with return command.\n")
            }
            "save" => {
                self.asking_save = true;
                Reply::none()
            }
            "screen-length WORD temporary" => {
                self.paging = args[0] != "0";
                Reply::text(
                    "Info: The configuration takes effect on the current user terminal interface only.\n",
                )
            }
            "screen-width WORD" => Reply::none(),
            "sysname WORD" => Vrp::change(dev, Change::Hostname(args[0].clone())),
            "interface LINE" => match dev.resolve_or_create(&args[0], "LoopBack", "Vlanif") {
                Some((name, created)) => {
                    if let Some(kind) = created {
                        let _ = dev.apply(&Change::CreateInterface(name.clone(), kind));
                    }
                    self.view = View::Interface(name);
                    Reply::none()
                }
                None => bad(self, &args[0]),
            },
            "vlan WORD" | "undo vlan WORD" | "vlan batch LINE" => {
                let ids: Result<Vec<u16>, _> = args[0]
                    .split_whitespace()
                    .map(|v| v.parse::<u16>())
                    .collect();
                let Ok(ids) = ids else {
                    return bad(self, &args[0]);
                };
                if ids.is_empty() || ids.iter().any(|v| !(1..=4094).contains(v)) {
                    return bad(self, &args[0]);
                }
                for id in &ids {
                    let c = if spec.starts_with("undo") {
                        Change::RemoveVlan(*id)
                    } else {
                        Change::Vlan(*id, None)
                    };
                    let _ = dev.apply(&c);
                }
                if spec == "vlan WORD" {
                    self.view = View::Vlan(ids[0]);
                }
                Reply::none()
            }
            "name WORD" | "description LINE" if matches!(self.view, View::Vlan(_)) => {
                let View::Vlan(id) = self.view else {
                    return Reply::none();
                };
                Vrp::change(dev, Change::Vlan(id, Some(args[0].clone())))
            }
            s if IFACE.contains(&s) => {
                let View::Interface(n) = self.view.clone() else {
                    return Reply::none();
                };
                let c = match s {
                    "description LINE" => Change::Description(n, args[0].clone()),
                    "undo description" => Change::Description(n, String::new()),
                    "shutdown" => Change::Enabled(n, false),
                    "undo shutdown" => Change::Enabled(n, true),
                    "undo ip address LINE?" => Change::Address(n, None),
                    "ip address WORD WORD" => {
                        let a = args[0].parse::<Ipv4Addr>();
                        let l = args[1]
                            .parse::<Ipv4Addr>()
                            .ok()
                            .and_then(mask_to_prefix)
                            .or_else(|| args[1].parse::<u8>().ok().filter(|l| *l <= 32));
                        match (a, l) {
                            (Ok(a), Some(l)) => Change::Address(n, Some((a, l))),
                            _ => {
                                return self.error(
                                    &Match::Invalid(line.len() - args[1].len()),
                                    line,
                                    prompt_len,
                                );
                            }
                        }
                    }
                    "mtu WORD" => match args[0].parse::<u32>() {
                        Ok(m) if (46..=9600).contains(&m) => Change::Mtu(n, m),
                        _ => return bad(self, &args[0]),
                    },
                    "port default vlan WORD" => match args[0].parse::<u16>() {
                        Ok(v) if (1..=4094).contains(&v) => Change::AccessVlan(n, v),
                        _ => return bad(self, &args[0]),
                    },
                    _ => return Reply::none(),
                };
                Vrp::change(dev, c)
            }
            s if SYSTEM.contains(&s) => {
                let l = line.trim().to_string();
                if !dev.extra_config.contains(&l) {
                    dev.extra_config.push(l);
                }
                Reply::none()
            }
            _ => match display(spec, &args, dev) {
                Some(t) => Reply::page(t),
                None => Reply::text("Error: Wrong parameter found at '^' position.\n"),
            },
        }
    }
}
