//! What the vendor plugin crates share, so each crate holds only what is its own (its
//! names, profile values, normalisation table and parsers):
//!
//! - [`vendor`] — a plugin as data ([`Vendor`]): routing, normalise-then-dispatch, device
//!   error rejection, and the macros that turn it into the crate's native API and its WIT
//!   `vendor` exports ([`vendor_plugin!`], [`vendor_component!`]).
//! - [`normalize`] — command abbreviation expansion over a vendor's vocabulary.
//! - [`profile`] — the session conventions several CLIs share.
//! - [`record`] — ntc-style record building, for parsers that emit JSON records directly.
//! - [`scan`] — line, table and capture helpers for parsers that fill typed records.
//! - [`inventory`] — the `show inventory` entities IOS, NX-OS and IOS-XR print alike.
//! - [`vlan`] — the `show vlan` table IOS prints and NX-OS copies.
//! - [`types`] — plain Rust mirrors of the WIT records.

pub mod inventory;
pub mod normalize;
pub mod profile;
pub mod record;
pub mod scan;
pub mod types;
pub mod vendor;
pub mod vlan;

pub use vendor::{Parser, Vendor};
