//! A Linux host: a handful of commands for exec channels (`ssh host 'uname -a'`) and a plain bash-like shell.

use super::{Pager, Reply, Session};
use crate::lab::model::{Device, mac_colon};

/// One shell or exec session on the Linux host.
pub struct Shell {
    /// Shown in the prompt and by `whoami`.
    user: String,
    /// `$?` of the last command, for `echo $?`.
    last_status: u32,
}

impl Shell {
    /// A session logged in as `user`.
    pub fn new(user: &str) -> Shell {
        Shell {
            user: user.to_string(),
            last_status: 0,
        }
    }

    /// Runs one command line: (stdout, stderr, exit status), the way bash would answer.
    fn run(&mut self, line: &str, dev: &Device) -> (String, String, u32) {
        let line = line.trim();
        let (cmd, rest) = line.split_once(' ').unwrap_or((line, ""));
        let out = |s: String| (s, String::new(), 0);
        let result = match cmd {
            "" => out(String::new()),
            "uname" => match rest.trim() {
                "" | "-s" => out("Linux\n".into()),
                "-n" => out(format!("{}\n", dev.hostname)),
                "-r" => out("6.1.0-18-amd64\n".into()),
                "-a" => out(format!("Linux {} 6.1.0-18-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01) x86_64 GNU/Linux\n", dev.hostname)),
                other => (String::new(), format!("uname: invalid option -- '{}'\nTry 'uname --help' for more information.\n", other.trim_start_matches('-')), 1),
            },
            "hostname" => out(format!("{}\n", dev.hostname)),
            "whoami" => out(format!("{}\n", self.user)),
            "true" => out(String::new()),
            "false" => (String::new(), String::new(), 1),
            "echo" => out(format!("{}\n", rest.replace("$?", &self.last_status.to_string()).replace(['"', '\''], ""))),
            "uptime" => {
                let (w, d, h, m) = dev.uptime_parts();
                out(format!(" 12:00:00 up {} days, {h:2}:{m:02},  1 user,  load average: 0.00, 0.01, 0.00\n", w * 7 + d))
            }
            "cat" if rest.trim() == "/etc/os-release" => out("PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nVERSION=\"12 (bookworm)\"\nVERSION_CODENAME=bookworm\nID=debian\nHOME_URL=\"https://www.debian.org/\"\nSUPPORT_URL=\"https://www.debian.org/support\"\nBUG_REPORT_URL=\"https://bugs.debian.org/\"\n".into()),
            "cat" if rest.trim() == "/etc/hostname" => out(format!("{}\n", dev.hostname)),
            "cat" => (String::new(), format!("cat: {}: No such file or directory\n", rest.trim()), 1),
            "ip" if rest.trim().starts_with('a') => {
                let mut s = String::new();
                for (n, i) in dev.interfaces.iter().enumerate() {
                    let state = if i.oper_up() { "UP" } else { "DOWN" };
                    s += &format!("{}: {}: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu {} qdisc mq state {state} group default qlen 1000\n    link/ether {} brd ff:ff:ff:ff:ff:ff\n", n + 1, i.name, i.mtu, mac_colon(&i.mac));
                    if let Some((a, l)) = i.ipv4 {
                        s += &format!("    inet {a}/{l} scope global {}\n       valid_lft forever preferred_lft forever\n", i.name);
                    }
                }
                out(s)
            }
            _ => (String::new(), format!("bash: {cmd}: command not found\n"), 127),
        };
        self.last_status = result.2;
        result
    }
}

impl Session for Shell {
    fn banner(&self, _dev: &Device) -> String {
        "Linux lab 6.1.0-18-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01) x86_64\n\nThe programs included with the Debian GNU/Linux system are free software.\n\nLast login: Mon Jan  1 12:00:00 2024 from 10.10.0.254\n".into()
    }

    fn prompt(&self, dev: &Device) -> String {
        let sigil = if self.user == "root" { '#' } else { '$' };
        format!("{}@{}:~{sigil} ", self.user, dev.hostname)
    }

    fn paging(&self) -> bool {
        false
    }

    fn pager(&self) -> Option<Pager> {
        None
    }

    fn line(&mut self, line: &str, dev: &mut Device) -> Reply {
        if matches!(line.trim(), "exit" | "logout") {
            return Reply::close();
        }
        let (out, err, _) = self.run(line, dev);
        Reply::text(out + &err)
    }

    fn exec(&mut self, command: &str, dev: &mut Device) -> (String, String, u32) {
        self.run(command, dev)
    }
}
