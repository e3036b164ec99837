//! The pool's figures for `/system/stats` and `/metrics`.

use std::sync::atomic::AtomicU64;

use serde::Serialize;

/// Pool figures for `/system/stats` and `/metrics` (the seed's ConnectionPoolMonitor).
#[derive(Debug, Clone, Serialize, Default)]
pub struct Stats {
    /// Sessions open (idle + active + connecting).
    pub total: usize,
    /// Sessions running a command.
    pub active: usize,
    /// Sessions waiting for work.
    pub idle: usize,
    /// Requests waiting for a slot.
    pub waiters: usize,
    /// Devices with at least one session or waiter.
    pub devices: usize,
    /// `total / max_size`.
    pub utilization: f64,
    /// Acquire calls since start.
    pub requests: u64,
    /// Acquires served by an idle session.
    pub reused: u64,
    /// New connections opened.
    pub connects: u64,
    /// Idle sessions closed to make room for another device.
    pub evictions: u64,
    /// Adaptive cap increases.
    pub grows: u64,
    /// Adaptive cap decreases.
    pub shrinks: u64,
    /// Total seconds spent waiting for a slot.
    pub wait_seconds: f64,
}

/// Event counts behind [`Stats`], bumped without the pool lock.
#[derive(Default)]
pub(super) struct Counters {
    pub(super) requests: AtomicU64,
    pub(super) reused: AtomicU64,
    pub(super) connects: AtomicU64,
    pub(super) evictions: AtomicU64,
    pub(super) grows: AtomicU64,
    pub(super) shrinks: AtomicU64,
    pub(super) wait_micros: AtomicU64,
}
