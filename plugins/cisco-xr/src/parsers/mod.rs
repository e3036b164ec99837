//! One module per command; each turns CLI text into the records ntc-templates produces.
//!
//! Every parser scans lines top to bottom with anchored regexes compiled once
//! (`regexes!`), fills a record struct whose field names are ntc-templates' keys
//! and pushes it when the next record starts or the output ends. Absent fields stay `""` (or
//! `[]` for multi-valued ones), exactly as ntc-templates reports them.

use netpulse_vendor_kit::Parser;
use netpulse_vendor_kit::vendor::to_json;

mod admin_show_inventory;
mod show_ip_interface_brief;
mod show_lldp_neighbors;
mod show_version;

/// Normalised command → parser, in the order `info().commands` lists them. XR prints the same
/// inventory format with and without `admin`.
pub(crate) const PARSERS: &[(&str, Parser)] = &[
    ("show version", |o| to_json(show_version::parse(o))),
    ("show inventory", |o| {
        to_json(admin_show_inventory::parse(o))
    }),
    ("admin show inventory", |o| {
        to_json(admin_show_inventory::parse(o))
    }),
    ("show ip interface brief", |o| {
        to_json(show_ip_interface_brief::parse(o))
    }),
    ("show lldp neighbors", |o| {
        to_json(show_lldp_neighbors::parse(o))
    }),
];
