//! `netpulse lab` flags (design §3, contract).

use std::path::PathBuf;

use super::{LabOptions, Quirks};

/// Runs N simulated devices on loopback until killed.
#[derive(clap::Args, Debug, Clone)]
pub struct LabArgs {
    /// How many devices to start.
    #[arg(long, default_value_t = 1)]
    pub devices: usize,
    /// Port of the first device; device i listens on base-port + i (or on base-port of its own address
    /// with --spread-addrs).
    #[arg(long, default_value_t = 2200)]
    pub base_port: u16,
    /// Vendor platform; give it several times to assign vendors round-robin.
    #[arg(long = "vendor", value_name = "V")]
    pub vendors: Vec<String>,
    /// Milliseconds added to every command.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Milliseconds the first prompt is held after login.
    #[arg(long, default_value_t = 0)]
    pub login_delay_ms: u64,
    /// Login user.
    #[arg(long, default_value = "admin")]
    pub username: String,
    /// Login password.
    #[arg(long, default_value = "admin")]
    pub password: String,
    /// What `enable` asks for.
    #[arg(long, default_value = "enable")]
    pub enable_secret: String,
    /// OpenSSH authorized_keys file whose keys may log in.
    #[arg(long, value_name = "FILE")]
    pub authorized_keys: Option<PathBuf>,
    /// Where host keys persist between runs.
    #[arg(long, value_name = "DIR", default_value = ".netpulse/lab")]
    pub state_dir: PathBuf,
    /// Bind device i on its own loopback address 127.0.x.y at --base-port (for thousands of devices).
    #[arg(long)]
    pub spread_addrs: bool,
    /// Ways for every device to be awkward on purpose (all off: a faithful emulator).
    #[command(flatten)]
    pub quirks: Quirks,
}

impl LabArgs {
    /// Turns the flags into options; an empty `--vendor` list means the default vendor.
    pub fn into_options(self) -> LabOptions {
        let defaults = LabOptions::default();
        LabOptions {
            devices: self.devices,
            base_port: self.base_port,
            vendors: if self.vendors.is_empty() {
                defaults.vendors
            } else {
                self.vendors
            },
            latency_ms: self.latency_ms,
            login_delay_ms: self.login_delay_ms,
            username: self.username,
            password: self.password,
            enable_secret: self.enable_secret,
            authorized_keys: self.authorized_keys,
            state_dir: self.state_dir,
            spread_addrs: self.spread_addrs,
            quirks: self.quirks,
            device_quirks: Default::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::LabArgs;

    #[derive(Parser)]
    struct Cmd {
        #[command(flatten)]
        lab: LabArgs,
    }

    #[test]
    fn flags_fill_the_options() {
        let o = Cmd::parse_from([
            "lab",
            "--devices",
            "3",
            "--base-port",
            "2201",
            "--vendor",
            "ios",
            "--vendor",
            "junos",
            "--latency-ms",
            "5",
            "--spread-addrs",
            "--plain-prompt",
            "--needs-return",
        ])
        .lab
        .into_options();
        assert_eq!(
            (o.devices, o.base_port, o.latency_ms, o.spread_addrs),
            (3, 2201, 5, true)
        );
        assert_eq!(o.vendors, ["ios", "junos"]);
        assert!(o.quirks.plain_prompt && o.quirks.needs_return && !o.quirks.motd_pager);
        assert_eq!(
            (
                o.username.as_str(),
                o.password.as_str(),
                o.enable_secret.as_str()
            ),
            ("admin", "admin", "enable")
        );
        let o = Cmd::parse_from(["lab"]).lab.into_options();
        assert_eq!(o.vendors, ["cisco_ios"]);
        assert_eq!(o.quirks, super::Quirks::default());
        assert_eq!(o.state_dir, std::path::PathBuf::from(".netpulse/lab"));
    }
}
