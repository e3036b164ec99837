//! `src/ssh/clean.rs` compiled into the bench itself, beside `before.rs`, so both get the
//! same compiler flags (`cargo rustc --bench clean -- -C opt-level=3` optimises the bench
//! crate only, not the whole dependency tree).
#![allow(dead_code, missing_docs, unused_imports)]

pub use netpulse::ssh::{SessionProfile, profile};

#[path = "../../src/ssh/clean.rs"]
pub mod clean;
