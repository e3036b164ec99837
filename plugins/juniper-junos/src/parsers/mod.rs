//! One parser per command, each turning the CLI text into ntc-templates-shaped records.

mod show_chassis_hardware;
mod show_interfaces;
mod show_lldp_neighbors;
mod show_version;
mod show_vlans;

use netpulse_vendor_kit::Parser;

/// Normalised command → parser, in the order `info().commands` lists them.
pub(crate) const PARSERS: &[(&str, Parser)] = &[
    ("show version", |o| Ok(show_version::parse(o))),
    ("show interfaces", |o| Ok(show_interfaces::parse(o))),
    ("show chassis hardware", |o| {
        Ok(show_chassis_hardware::parse(o))
    }),
    ("show lldp neighbors", |o| Ok(show_lldp_neighbors::parse(o))),
    ("show vlans", |o| Ok(show_vlans::parse(o))),
];
