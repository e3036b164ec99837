//! NetPulse
pub mod api;
pub mod cache;
pub mod config;
pub mod jobs;
pub mod lab;
pub mod metrics;
pub mod plugin;
pub mod ssh;
pub mod store;
