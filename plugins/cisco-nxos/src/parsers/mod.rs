//! One module per command; each turns CLI text into the records ntc-templates produces.
//!
//! Every parser scans lines top to bottom with anchored regexes compiled once
//! (`regexes!`), fills a record struct whose field names are ntc-templates' keys
//! and pushes it when the next record starts or the output ends. Absent fields stay `""` (or
//! `[]` for multi-valued ones), exactly as ntc-templates reports them.

use netpulse_vendor_kit::Parser;
use netpulse_vendor_kit::vendor::to_json;

mod show_cdp_neighbors;
mod show_interface;
mod show_interface_brief;
mod show_inventory;
mod show_ip_interface_brief;
mod show_lldp_neighbors;
mod show_version;
mod show_vlan;

/// Normalised command → parser, in the order `info().commands` lists them.
pub(crate) const PARSERS: &[(&str, Parser)] = &[
    ("show version", |o| to_json(show_version::parse(o))),
    ("show interface", |o| to_json(show_interface::parse(o))),
    ("show interface brief", |o| {
        to_json(show_interface_brief::parse(o))
    }),
    ("show ip interface brief", |o| {
        to_json(show_ip_interface_brief::parse(o))
    }),
    ("show vlan", |o| to_json(show_vlan::parse(o))),
    ("show inventory", |o| to_json(show_inventory::parse(o))),
    ("show lldp neighbors", |o| {
        to_json(show_lldp_neighbors::parse(o))
    }),
    ("show cdp neighbors", |o| {
        to_json(show_cdp_neighbors::parse(o))
    }),
];
