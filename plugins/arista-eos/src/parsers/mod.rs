//! One parser per command, each turning the CLI text into ntc-templates-shaped records.

mod show_interfaces;
mod show_inventory;
mod show_ip_interface_brief;
mod show_lldp_neighbors;
mod show_version;
mod show_vlan;

use netpulse_vendor_kit::Parser;

/// Normalised command → parser, in the order `info().commands` lists them.
pub(crate) const PARSERS: &[(&str, Parser)] = &[
    ("show version", |o| Ok(show_version::parse(o))),
    ("show interfaces", |o| Ok(show_interfaces::parse(o))),
    ("show ip interface brief", |o| {
        Ok(show_ip_interface_brief::parse(o))
    }),
    ("show vlan", |o| Ok(show_vlan::parse(o))),
    ("show inventory", |o| Ok(show_inventory::parse(o))),
    ("show lldp neighbors", |o| Ok(show_lldp_neighbors::parse(o))),
];
