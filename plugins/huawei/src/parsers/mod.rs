//! One parser per command, each turning the CLI text into ntc-templates-shaped records.

mod display_device;
mod display_interface;
mod display_interface_brief;
mod display_lldp_neighbor;
mod display_version;
mod display_vlan;

use netpulse_vendor_kit::Parser;

/// Normalised command → parser, in the order `info().commands` lists them.
pub(crate) const PARSERS: &[(&str, Parser)] = &[
    ("display version", |o| Ok(display_version::parse(o))),
    ("display interface", |o| Ok(display_interface::parse(o))),
    ("display interface brief", |o| {
        Ok(display_interface_brief::parse(o))
    }),
    ("display vlan", |o| Ok(display_vlan::parse(o))),
    ("display vlan brief", |o| Ok(display_vlan::parse_brief(o))),
    ("display device", |o| Ok(display_device::parse(o))),
    ("display lldp neighbor", |o| {
        Ok(display_lldp_neighbor::parse(o))
    }),
];
