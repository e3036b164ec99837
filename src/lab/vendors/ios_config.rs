//! Configuration mode of the IOS-family CLIs: global config, interface and VLAN sub-modes, and how each
//! line turns into a model change. Split from `ios_like` so the mode machine and the config grammar each
//! read on their own.

use std::net::Ipv4Addr;

use super::ios_like::{Dialect, G_CONFIG, G_CONFIG_IF, G_CONFIG_VLAN, IosLike, Mode};
use super::{Reply, Typed};
use crate::lab::grammar::{Grammar, Match};
use crate::lab::model::{Change, Device, mask_to_prefix};

impl IosLike {
    pub(super) fn config_line(&mut self, typed: Typed, dev: &mut Device) -> Reply {
        let line = typed.line;
        let sub: Option<&Grammar> = match self.mode {
            Mode::Interface(_) => Some(&G_CONFIG_IF),
            Mode::Vlan(_) => Some(&G_CONFIG_VLAN),
            _ => None,
        };
        if let Some(g) = sub {
            let m = g.parse(line);
            if let Match::Command { spec, args } = m {
                return self.sub_command(spec, &args, typed, dev);
            }
            // As on IOS, a line the sub-mode does not know is tried in global config, which leaves the sub-mode.
            if let Match::Command { .. } = G_CONFIG.parse(line) {
                self.mode = Mode::Config;
            } else {
                return if m == Match::Empty {
                    Reply::none()
                } else {
                    self.error(&m, typed, false)
                };
            }
        }
        let m = G_CONFIG.parse(line);
        let Match::Command { spec, args } = m else {
            return if m == Match::Empty {
                Reply::none()
            } else {
                self.error(&m, typed, false)
            };
        };
        match spec {
            "hostname WORD" => self.change(dev, Change::Hostname(args[0].clone())),
            "interface LINE" => {
                let (svi, lo) = match self.dialect {
                    Dialect::Nxos => ("Vlan", "loopback"),
                    _ => ("Vlan", "Loopback"),
                };
                match dev.resolve_or_create(&args[0], lo, svi) {
                    Some((name, created)) => {
                        if let Some(kind) = created {
                            let _ = dev.apply(&Change::CreateInterface(name.clone(), kind));
                        }
                        self.mode = Mode::Interface(name);
                        Reply::none()
                    }
                    None => self.error(&Match::Invalid(line.len() - args[0].len()), typed, false),
                }
            }
            "vlan WORD" | "no vlan WORD" => match args[0].parse::<u16>() {
                Ok(id) if (1..=4094).contains(&id) => {
                    if spec == "vlan WORD" {
                        self.mode = Mode::Vlan(id);
                        self.change(dev, Change::Vlan(id, None))
                    } else {
                        self.change(dev, Change::RemoveVlan(id))
                    }
                }
                _ => self.error(&Match::Invalid(line.len() - args[0].len()), typed, false),
            },
            "end" => {
                self.mode = Mode::Enable;
                Reply::none()
            }
            "exit" => {
                self.mode = Mode::Enable;
                Reply::none()
            }
            "do LINE" => self.exec_line(typed.tail(&args[0]), dev),
            _ => {
                // Accepted global settings without a model of their own still show in running-config.
                let l = line.trim().to_string();
                if !dev.extra_config.contains(&l) {
                    dev.extra_config.push(l);
                }
                dev.saved = false;
                Reply::none()
            }
        }
    }

    fn sub_command(
        &mut self,
        spec: &str,
        args: &[String],
        typed: Typed,
        dev: &mut Device,
    ) -> Reply {
        let line = typed.line;
        let bad_arg = |s: &IosLike, a: &str| {
            s.error(&Match::Invalid(line.rfind(a).unwrap_or(0)), typed, false)
        };
        match (&self.mode.clone(), spec) {
            (_, "end") => {
                self.mode = Mode::Enable;
                Reply::none()
            }
            (_, "exit") => {
                self.mode = Mode::Config;
                Reply::none()
            }
            (_, "do LINE") => self.exec_line(typed.tail(&args[0]), dev),
            (Mode::Vlan(id), "name WORD") => {
                self.change(dev, Change::Vlan(*id, Some(args[0].clone())))
            }
            (Mode::Interface(n), _) => {
                let n = n.clone();
                let change = match spec {
                    "description LINE" => Change::Description(n, args[0].clone()),
                    "no description" => Change::Description(n, String::new()),
                    "shutdown" => Change::Enabled(n, false),
                    "no shutdown" => Change::Enabled(n, true),
                    "no ip address LINE?" => Change::Address(n, None),
                    "ip address WORD WORD" => {
                        let (Ok(a), Ok(m)) =
                            (args[0].parse::<Ipv4Addr>(), args[1].parse::<Ipv4Addr>())
                        else {
                            return bad_arg(self, &args[1]);
                        };
                        let Some(len) = mask_to_prefix(m) else {
                            return bad_arg(self, &args[1]);
                        };
                        Change::Address(n, Some((a, len)))
                    }
                    "ip address WORD" => {
                        let parsed = args[0].split_once('/').and_then(|(a, l)| {
                            Some((
                                a.parse::<Ipv4Addr>().ok()?,
                                l.parse::<u8>().ok().filter(|l| *l <= 32)?,
                            ))
                        });
                        match parsed {
                            Some(p) if self.dialect != Dialect::Ios => Change::Address(n, Some(p)),
                            _ => return self.error(&Match::Incomplete, typed, false),
                        }
                    }
                    "mtu WORD" => match args[0].parse::<u32>() {
                        Ok(m) if (576..=9216).contains(&m) => Change::Mtu(n, m),
                        _ => return bad_arg(self, &args[0]),
                    },
                    "switchport access vlan WORD" => match args[0].parse::<u16>() {
                        Ok(v) if (1..=4094).contains(&v) => {
                            let _ = dev.apply(&Change::Vlan(v, None));
                            Change::AccessVlan(n, v)
                        }
                        _ => return bad_arg(self, &args[0]),
                    },
                    "no switchport" => Change::Routed(n),
                    _ => return Reply::none(),
                };
                self.change(dev, change)
            }
            _ => Reply::none(),
        }
    }

    fn change(&self, dev: &mut Device, change: Change) -> Reply {
        match dev.apply(&change) {
            Ok(()) => Reply::none(),
            Err(e) => Reply::text(format!("% {e}\n")),
        }
    }
}
