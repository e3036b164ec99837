//! Junos: `user@host> ` operational mode, `configure` with `set`/`delete` into a candidate that only
//! reaches the device model on `commit`, and the `---(more N%)---` pager.

use std::net::Ipv4Addr;
use std::sync::LazyLock;

use super::junos_show::{configuration, hardware, interface, lldp, terse, version, vlans};
use super::{CliMode, Pager, Reply, Session};
use crate::lab::grammar::{Grammar, Match};
use crate::lab::model::{Change, Device};

static OPER: LazyLock<Grammar> = LazyLock::new(|| {
    Grammar::new(&[
        "show version",
        "show interfaces terse",
        "show interfaces LINE?",
        "show chassis hardware",
        "show lldp neighbors",
        "show vlans",
        "show configuration LINE?",
        "show system uptime",
        "set cli screen-length WORD",
        "set cli screen-width WORD",
        "set cli complete-on-space WORD",
        "set cli timestamp LINE",
        "configure LINE?",
        "exit",
        "quit",
    ])
});
static CONF: LazyLock<Grammar> = LazyLock::new(|| {
    Grammar::new(&[
        "set LINE",
        "delete LINE",
        "commit",
        "commit check",
        "commit and-quit",
        "commit confirmed WORD",
        "commit comment LINE",
        "rollback LINE?",
        "show LINE?",
        "run LINE",
        "exit configuration-mode",
        "exit",
        "quit",
        "top",
    ])
});

/// Hierarchies a `set` may name; anything else is a syntax error, as on a device.
const HIERARCHIES: &[&str] = &[
    "system",
    "interfaces",
    "vlans",
    "protocols",
    "routing-options",
    "snmp",
    "policy-options",
    "firewall",
    "security",
    "chassis",
    "services",
];

/// One Junos session.
pub struct Junos {
    /// Shown in the prompt.
    user: String,
    configuring: bool,
    /// Changes since `configure`, applied on commit.
    candidate: Vec<Change>,
    /// Accepted `set` lines the model has no field for.
    candidate_extra: Vec<String>,
    /// `exit` with uncommitted changes asked for confirmation.
    asking: bool,
    paging: bool,
}

impl Junos {
    /// A session in operational mode.
    pub fn new(user: &str) -> Box<Junos> {
        Box::new(Junos {
            user: user.to_string(),
            configuring: false,
            candidate: Vec::new(),
            candidate_extra: Vec::new(),
            asking: false,
            paging: true,
        })
    }

    fn error(&self, m: &Match, line: &str, prompt_len: usize) -> Reply {
        let caret = |off: usize| format!("{}^\n", " ".repeat(prompt_len + off));
        Reply::text(match m {
            Match::Invalid(0) => format!("{}unknown command.\n", caret(0)),
            Match::Invalid(off) => format!("{}syntax error, expecting <command>.\n", caret(*off)),
            Match::Ambiguous(off) => {
                let tok = line[*off..].split_whitespace().next().unwrap_or("");
                format!("{}'{tok}' is ambiguous.\n", caret(*off))
            }
            _ => format!(
                "{}syntax error, expecting <command>.\n",
                caret(line.trim_end().len())
            ),
        })
    }

    fn oper(&mut self, line: &str, dev: &mut Device, prompt_len: usize) -> Reply {
        let m = OPER.parse(line);
        let Match::Command { spec, args } = m else {
            return if m == Match::Empty {
                Reply::none()
            } else {
                self.error(&m, line, prompt_len)
            };
        };
        Reply::page(match spec {
            "exit" | "quit" => return Reply::close(),
            "set cli screen-length WORD" => {
                self.paging = args[0] != "0";
                return Reply::text(format!("Screen length set to {}\n", args[0]));
            }
            "set cli screen-width WORD" => {
                return Reply::text(format!("Screen width set to {}\n", args[0]));
            }
            "set cli complete-on-space WORD" => {
                return Reply::text(if args[0] == "off" {
                    "Disabling complete-on-space\n"
                } else {
                    "Enabling complete-on-space\n"
                });
            }
            "set cli timestamp LINE" => return Reply::none(),
            "configure LINE?" => {
                self.configuring = true;
                return Reply::text("Entering configuration mode\n");
            }
            "show version" => version(dev),
            "show interfaces terse" => terse(dev),
            "show interfaces LINE?" => {
                if args[0].is_empty() {
                    (0..dev.interfaces.len())
                        .map(|i| interface(dev, i))
                        .collect::<Vec<_>>()
                        .join("\n")
                } else {
                    match dev.interfaces.iter().position(|i| i.name == args[0]) {
                        Some(i) => interface(dev, i),
                        None => format!("error: device {} not found\n", args[0]),
                    }
                }
            }
            "show chassis hardware" => hardware(dev),
            "show lldp neighbors" => lldp(dev),
            "show vlans" => vlans(dev),
            "show system uptime" => {
                let (w, d, h, m) = dev.uptime_parts();
                format!(
                    "Current time: 2024-01-01 12:00:00 UTC\nSystem booted: 2023-12-01 08:00:00 UTC ({}w{}d {h:02}:{m:02} ago)\n",
                    w, d
                )
            }
            _ => configuration(dev),
        })
    }

    fn conf(&mut self, line: &str, dev: &mut Device, prompt_len: usize) -> Reply {
        let m = CONF.parse(line);
        let Match::Command { spec, args } = m else {
            return if m == Match::Empty {
                Reply::none()
            } else {
                self.error(&m, line, prompt_len)
            };
        };
        match spec {
            "set LINE" | "delete LINE" => match statement(spec.starts_with("set"), &args[0], dev) {
                Ok(Some(change)) => self.candidate.push(change),
                Ok(None) => self.candidate_extra.push(format!(
                    "{} {}",
                    if spec.starts_with("set") {
                        "set"
                    } else {
                        "delete"
                    },
                    args[0]
                )),
                Err(off) => {
                    return self.error(
                        &Match::Invalid(line.len() - args[0].len() + off),
                        line,
                        prompt_len,
                    );
                }
            },
            "commit" | "commit comment LINE" => return Reply::text(self.commit(dev)),
            "commit check" => return Reply::text("configuration check succeeds\n"),
            "commit confirmed WORD" => {
                let out = self.commit(dev);
                return Reply::text(format!(
                    "commit confirmed will be automatically rolled back in {} minutes unless confirmed\n{out}",
                    args[0]
                ));
            }
            "commit and-quit" => {
                let out = self.commit(dev);
                self.configuring = false;
                return Reply::text(format!("{out}Exiting configuration mode\n"));
            }
            "rollback LINE?" => {
                self.candidate.clear();
                self.candidate_extra.clear();
                return Reply::text("load complete\n");
            }
            "show LINE?" => {
                let mut preview = dev.clone();
                for c in &self.candidate {
                    let _ = preview.apply(c);
                }
                preview
                    .extra_config
                    .extend(self.candidate_extra.iter().cloned());
                return Reply::page(configuration(&preview));
            }
            "run LINE" => return self.oper(&args[0], dev, prompt_len + line.len() - args[0].len()),
            "top" => {}
            _ => {
                if self.candidate.is_empty() && self.candidate_extra.is_empty() {
                    self.configuring = false;
                    return Reply::text("Exiting configuration mode\n");
                }
                self.asking = true;
                return Reply::text("The configuration has been changed but not committed\n");
            }
        }
        Reply::none()
    }

    fn commit(&mut self, dev: &mut Device) -> String {
        for c in self.candidate.drain(..) {
            if let Err(e) = dev.apply(&c) {
                return format!("error: configuration check-out failed: {e}\n");
            }
        }
        dev.extra_config.append(&mut self.candidate_extra);
        dev.saved = true;
        "commit complete\n".into()
    }
}

/// Parses the part after `set`/`delete`; `Ok(None)` for a statement kept verbatim, `Err(offset)` for a
/// syntax error at that byte offset.
fn statement(set: bool, s: &str, dev: &Device) -> Result<Option<Change>, usize> {
    let w: Vec<&str> = s.split_whitespace().collect();
    let first = *w.first().ok_or(0usize)?;
    if !HIERARCHIES.contains(&first) {
        return Err(0);
    }
    let rest = |n: usize| w[n..].join(" ").trim_matches('"').to_string();
    Ok(Some(match w.as_slice() {
        ["system", "host-name", h] if set => Change::Hostname(h.to_string()),
        ["interfaces", i, "description", ..] => Change::Description(
            known_if(dev, i, s)?,
            if set { rest(3) } else { String::new() },
        ),
        ["interfaces", i, "disable"] => Change::Enabled(known_if(dev, i, s)?, !set),
        ["interfaces", i, "mtu", m] if set => Change::Mtu(
            known_if(dev, i, s)?,
            m.parse().map_err(|_| s.len() - m.len())?,
        ),
        ["interfaces", i, "unit", "0", "family", "inet", "address", a] => {
            let parsed = a.split_once('/').and_then(|(a, l)| {
                Some((
                    a.parse::<Ipv4Addr>().ok()?,
                    l.parse::<u8>().ok().filter(|l| *l <= 32)?,
                ))
            });
            let p = parsed.ok_or(s.len() - a.len())?;
            Change::Address(known_if(dev, i, s)?, set.then_some(p))
        }
        [
            "interfaces",
            i,
            "unit",
            "0",
            "family",
            "ethernet-switching",
            "vlan",
            "members",
            v,
        ] if set => {
            let id = dev
                .vlans
                .values()
                .find(|x| x.name == *v)
                .map(|x| x.id)
                .or_else(|| v.parse().ok())
                .ok_or(s.len() - v.len())?;
            Change::AccessVlan(known_if(dev, i, s)?, id)
        }
        ["vlans", name, "vlan-id", id] if set => Change::Vlan(
            id.parse().map_err(|_| s.len() - id.len())?,
            Some(name.to_string()),
        ),
        ["vlans", name] if !set => Change::RemoveVlan(
            dev.vlans
                .values()
                .find(|x| x.name == *name)
                .map(|x| x.id)
                .ok_or(s.len() - name.len())?,
        ),
        _ => return Ok(None),
    }))
}

fn known_if(dev: &Device, name: &str, s: &str) -> Result<String, usize> {
    dev.interfaces
        .iter()
        .find(|i| i.name == name)
        .map(|i| i.name.clone())
        .ok_or_else(|| s.find(name).unwrap_or(0))
}

impl Session for Junos {
    fn banner(&self, _dev: &Device) -> String {
        "Last login: Mon Jan  1 12:00:00 2024 from 10.10.0.254\n--- JUNOS 21.2R3.8 Kernel 64-bit  JNPR-12.1-20220113.5a4c2b0_buil\n".into()
    }

    fn prompt(&self, dev: &Device) -> String {
        if self.asking {
            return "Exit with uncommitted changes? [yes,no] (yes) ".into();
        }
        if self.configuring {
            format!("\n[edit]\n{}@{}# ", self.user, dev.hostname)
        } else {
            format!("\n{}@{}> ", self.user, dev.hostname)
        }
    }

    fn mode(&self) -> Option<CliMode> {
        match (self.asking, self.configuring) {
            (true, _) => None,
            (false, true) => Some(CliMode::Config("")),
            (false, false) => Some(CliMode::Exec),
        }
    }

    fn paging(&self) -> bool {
        self.paging
    }

    fn pager(&self) -> Option<Pager> {
        Some(Pager {
            prompt: "---(more {pct}%)---",
            erase: "\r                                        \r",
        })
    }

    fn line(&mut self, line: &str, dev: &mut Device) -> Reply {
        if self.asking {
            self.asking = false;
            if matches!(line.trim(), "" | "yes" | "y") {
                self.candidate.clear();
                self.candidate_extra.clear();
                self.configuring = false;
                return Reply::text("Exiting configuration mode\n");
            }
            return Reply::none();
        }
        let prompt_len = self
            .prompt(dev)
            .rsplit('\n')
            .next()
            .map(str::len)
            .unwrap_or(0);
        if self.configuring {
            self.conf(line, dev, prompt_len)
        } else {
            self.oper(line, dev, prompt_len)
        }
    }
}
