//! Vendor CLIs: one module per platform family renders the device model and handles that vendor's
//! commands and modes. The line discipline (echo, Enter, pager, faults) lives in `shell` and is shared.

pub mod arista_eos;
pub mod cisco_ios;
pub mod cisco_nxos;
pub mod cisco_xr;
pub mod huawei;
mod huawei_display;
mod ios_config;
pub mod ios_like;
pub mod juniper_junos;
mod junos_show;
pub mod linux;

use super::model::{Device, Interface, Platform};

/// What the device prints at its pager, and how it wipes the pager line when the user goes on.
#[derive(Debug, Clone, Copy)]
pub struct Pager {
    /// The pager text, sent without a line ending (`{pct}` is replaced by the percentage shown so far).
    pub prompt: &'static str,
    /// Sent after a key at the pager, to erase it before the next line.
    pub erase: &'static str,
}

/// Where a session is, in the terms of a plain `host>` / `host#` / `host(config)#` prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CliMode {
    /// `host>`.
    Exec,
    /// `host#`.
    Privileged,
    /// `host(NAME)#`, or `host#` when NAME is empty.
    Config(&'static str),
}

/// The answer to one line of input.
#[derive(Debug, Default)]
pub struct Reply {
    /// Output, lines separated by `\n` (the shell sends CRLF); printed before the next prompt.
    pub text: String,
    /// Whether the pager applies (command output does; config-mode chatter does not).
    pub pageable: bool,
    /// The session ends after the text (`exit` at the top level).
    pub close: bool,
}

impl Reply {
    /// Output that goes through the pager.
    pub fn page(text: String) -> Reply {
        Reply {
            text,
            pageable: true,
            close: false,
        }
    }
    /// Output that does not page: mode changes, confirmations, errors.
    pub fn text(text: impl Into<String>) -> Reply {
        Reply {
            text: text.into(),
            pageable: false,
            close: false,
        }
    }
    /// No output, just the next prompt.
    pub fn none() -> Reply {
        Reply::default()
    }
    /// Ends the session.
    pub fn close() -> Reply {
        Reply {
            close: true,
            ..Reply::default()
        }
    }
}

/// One interactive CLI session on a device. The shell calls it with a locked device model, so handlers
/// must be quick and must not block.
pub trait Session: Send + Sync {
    /// Printed once before the first prompt.
    fn banner(&self, dev: &Device) -> String;
    /// The current prompt, or the pending question (`Password: `, `[Y/N]:`) while one is open.
    fn prompt(&self, dev: &Device) -> String;
    /// The mode the prompt stands for, for prompts the lab draws itself (quirks); `None`
    /// while a question is open, or for a CLI without modes to draw.
    fn mode(&self) -> Option<CliMode> {
        None
    }
    /// Whether typed characters are echoed: not while a password is being read.
    fn echo(&self) -> bool {
        true
    }
    /// What Enter echoes: CRLF almost everywhere, `\r\r\n` on NX-OS.
    fn newline(&self) -> &'static str {
        "\r\n"
    }
    /// Whether long output stops at the pager (until `terminal length 0` and friends).
    fn paging(&self) -> bool;
    /// The vendor's pager; `None` for CLIs that never page.
    fn pager(&self) -> Option<Pager>;
    /// Handles one line (without its line ending).
    fn line(&mut self, line: &str, dev: &mut Device) -> Reply;
    /// Runs one command for an exec channel (`ssh host 'show version'`): output and exit status.
    fn exec(&mut self, command: &str, dev: &mut Device) -> (String, String, u32) {
        let reply = self.line(command, dev);
        (reply.text, String::new(), 0)
    }
}

/// Creates the session for a platform; `enable_secret` is what `enable` asks for.
pub fn session(platform: Platform, user: &str, enable_secret: &str) -> Box<dyn Session> {
    match platform {
        Platform::CiscoIos | Platform::CiscoXe => Box::new(ios_like::IosLike::new(
            ios_like::Dialect::Ios,
            enable_secret,
        )),
        Platform::CiscoNxos => Box::new(ios_like::IosLike::new(
            ios_like::Dialect::Nxos,
            enable_secret,
        )),
        Platform::AristaEos => Box::new(ios_like::IosLike::new(
            ios_like::Dialect::Eos,
            enable_secret,
        )),
        Platform::CiscoXr => cisco_xr::Xr::new(),
        Platform::JuniperJunos => juniper_junos::Junos::new(user),
        Platform::Huawei => huawei::Vrp::new(),
        Platform::Linux => Box::new(linux::Shell::new(user)),
    }
}

/// Applies an output filter (`| include X`, `| exclude X`, `| begin X`, Junos `| match X`/`| except X`/
/// `| count`) the way devices do: line by line, with the pattern as a regex. Unknown filters return `None`
/// so the vendor can report them as invalid input.
pub fn filter(text: &str, pipe: &str) -> Option<String> {
    let pipe = pipe.trim();
    let (verb, arg) = pipe.split_once(' ').unwrap_or((pipe, ""));
    let verb = verb.to_ascii_lowercase();
    let arg = arg.trim().trim_matches('"');
    let re = regex::Regex::new(arg).ok()?;
    let is = |full: &str| !verb.is_empty() && full.starts_with(verb.as_str());
    let lines = text.lines();
    let out: Vec<&str> = if is("include") || is("match") || is("grep") {
        lines.filter(|l| re.is_match(l)).collect()
    } else if is("exclude") || is("except") {
        lines.filter(|l| !re.is_match(l)).collect()
    } else if is("begin") {
        lines.skip_while(|l| !re.is_match(l)).collect()
    } else if is("count") {
        return Some(format!("Count: {} lines\n", text.lines().count()));
    } else if is("no-more") {
        return Some(text.to_string());
    } else {
        return None;
    };
    let mut s = out.join("\n");
    if !s.is_empty() {
        s.push('\n');
    }
    Some(s)
}

/// Formats an uptime like Cisco: `3 weeks, 2 days, 4 hours, 17 minutes`, leaving out leading zero units.
pub fn cisco_uptime(dev: &Device) -> String {
    let (w, d, h, m) = dev.uptime_parts();
    let unit = |n: u64, s: &str| format!("{n} {s}{}", if n == 1 { "" } else { "s" });
    let mut parts = Vec::new();
    if w > 0 {
        parts.push(unit(w, "week"));
    }
    if w > 0 || d > 0 {
        parts.push(unit(d, "day"));
    }
    if w > 0 || d > 0 || h > 0 {
        parts.push(unit(h, "hour"));
    }
    parts.push(unit(m, "minute"));
    parts.join(", ")
}

/// Pads `s` to `width` columns, IOS-table style (never truncating: devices widen the column instead).
pub fn pad(s: &str, width: usize) -> String {
    format!("{s:<width$}")
}

/// Concatenates a table row's cells, each padded to its width (0: as is), as device tables
/// align their columns.
pub fn cells(row: &[(&str, usize)]) -> String {
    row.iter().map(|(text, width)| pad(text, *width)).collect()
}

/// The access ports of VLAN `id` in a table's spelling (`short`: the dialect's port
/// abbreviation).
pub fn vlan_port_names(dev: &Device, id: u16, short: fn(&str) -> String) -> Vec<String> {
    dev.vlan_ports(id).iter().map(|i| short(&i.name)).collect()
}

/// One row of the `show vlan brief` table EOS and NX-OS print: id, name, `active`, the
/// ports, and no trailing spaces when there are none.
pub fn active_vlan_row(
    dev: &Device,
    id: u16,
    id_width: usize,
    name: &str,
    short: fn(&str) -> String,
) -> String {
    let ports = vlan_port_names(dev, id, short).join(", ");
    let row = cells(&[
        (&id.to_string(), id_width),
        (name, 33),
        ("active", 10),
        (&ports, 0),
    ]);
    row.trim_end().to_string() + "\n"
}

/// The `vlan N` stanzas of an IOS-style running config (VLAN 1 is implicit): the name
/// indented by `indent`, each stanza closed by `close` (`!` on IOS and EOS).
pub fn vlan_stanzas(dev: &Device, indent: &str, close: &str) -> String {
    dev.vlans
        .values()
        .filter(|v| v.id != 1)
        .map(|v| format!("vlan {}\n{indent}name {}\n{close}", v.id, v.name))
        .collect()
}

/// The first lines of an IOS-style `interface` stanza: its name, then its description (if
/// any) indented by `indent`.
pub fn interface_head(i: &Interface, indent: &str) -> String {
    let mut s = format!("interface {}\n", i.name);
    if !i.description.is_empty() {
        s += &format!("{indent}description {}\n", i.description);
    }
    s
}

/// `show interface [NAME]`: the named interface, or every one without a name, each
/// rendered and joined with `sep`; `None` for a name the device has no port for.
pub fn each_interface(
    dev: &Device,
    name: &str,
    sep: &str,
    render: impl Fn(usize) -> String,
) -> Option<String> {
    let which = dev.shown_interfaces(name)?;
    Some(which.into_iter().map(render).collect::<Vec<_>>().join(sep))
}

/// A line as typed at a prompt, and the screen column it starts at: an error's caret goes
/// under the offending word, so it must know where the line began.
#[derive(Clone, Copy, Debug)]
pub struct Typed<'a> {
    /// The line, without its line ending.
    pub line: &'a str,
    /// Width of what precedes the line on screen (the prompt).
    pub column: usize,
}

impl<'a> Typed<'a> {
    /// `rest`, the tail of this line (a `do LINE` argument), as typed where it stands.
    pub fn tail(&self, rest: &'a str) -> Typed<'a> {
        Typed {
            line: rest,
            column: self.column + self.line.len() - rest.len(),
        }
    }
}
