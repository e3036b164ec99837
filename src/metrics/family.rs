//! Metric families and their Prometheus text exposition (format 0.0.4).
//!
//! Hand-written rather than a crate: three series kinds over atomics and a renderer are a
//! couple of hundred lines, and the gateway needs no push, no protobuf and no global registry.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

/// Distinct label sets one family keeps. Labels come from our own code (routes, statuses,
/// plugin names), so this only guards against a bug turning an unbounded value into a label;
/// past it, new label sets are folded into one whose values are all [`OVERFLOW_LABEL`].
const MAX_SERIES: usize = 512;

/// The label value that absorbs series past [`MAX_SERIES`].
const OVERFLOW_LABEL: &str = "other";

/// A monotonically increasing count.
#[derive(Debug, Default)]
pub(crate) struct Counter(AtomicU64);

impl Counter {
    pub(crate) fn inc(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn value(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// A value that goes up and down; an `f64` kept as its bits so it stays one atomic.
#[derive(Debug, Default)]
pub(crate) struct Gauge(AtomicU64);

impl Gauge {
    pub(crate) fn set(&self, value: f64) {
        self.0.store(value.to_bits(), Ordering::Relaxed);
    }

    pub(crate) fn get(&self) -> f64 {
        f64::from_bits(self.0.load(Ordering::Relaxed))
    }
}

/// Observations counted into fixed buckets. Buckets are stored per interval (one atomic
/// increment per observation) and made cumulative when rendered.
#[derive(Debug)]
pub(crate) struct Histogram {
    /// Upper bounds, ascending; the implicit last bucket is `+Inf`.
    bounds: &'static [f64],
    /// One count per bound plus one for `+Inf`.
    counts: Box<[AtomicU64]>,
    /// Sum of observations, as `f64` bits.
    sum: AtomicU64,
}

impl Histogram {
    pub(crate) fn observe(&self, value: f64) {
        // A NaN or infinite duration is a caller bug; it would poison `_sum` for good.
        if !value.is_finite() {
            return;
        }
        let slot = self
            .bounds
            .iter()
            .position(|bound| value <= *bound)
            .unwrap_or(self.bounds.len());
        if let Some(count) = self.counts.get(slot) {
            count.fetch_add(1, Ordering::Relaxed);
        }
        let mut current = self.sum.load(Ordering::Relaxed);
        loop {
            let next = (f64::from_bits(current) + value).to_bits();
            match self.sum.compare_exchange_weak(
                current,
                next,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => break,
                Err(actual) => current = actual,
            }
        }
    }
}

/// What every series kind offers a [`Family`].
pub(crate) trait Series: Send + Sync + 'static {
    /// The `# TYPE` word.
    const KIND: &'static str;
    /// A zeroed series; only histograms use the bounds.
    fn new(bounds: &'static [f64]) -> Self;
    /// Appends this series' sample lines; `labels` is the rendered `k="v",…` list, maybe empty.
    fn render(&self, name: &str, labels: &str, out: &mut String);
}

impl Series for Counter {
    const KIND: &'static str = "counter";
    fn new(_: &'static [f64]) -> Self {
        Self::default()
    }
    fn render(&self, name: &str, labels: &str, out: &mut String) {
        sample(
            out,
            name,
            labels,
            None,
            self.0.load(Ordering::Relaxed) as f64,
        );
    }
}

impl Series for Gauge {
    const KIND: &'static str = "gauge";
    fn new(_: &'static [f64]) -> Self {
        Self::default()
    }
    fn render(&self, name: &str, labels: &str, out: &mut String) {
        sample(out, name, labels, None, self.get());
    }
}

impl Series for Histogram {
    const KIND: &'static str = "histogram";
    fn new(bounds: &'static [f64]) -> Self {
        Self {
            bounds,
            counts: (0..=bounds.len()).map(|_| AtomicU64::new(0)).collect(),
            sum: AtomicU64::new(0f64.to_bits()),
        }
    }
    fn render(&self, name: &str, labels: &str, out: &mut String) {
        let bucket = format!("{name}_bucket");
        let mut cumulative = 0u64;
        for (i, count) in self.counts.iter().enumerate() {
            cumulative += count.load(Ordering::Relaxed);
            let le = self.bounds.get(i).copied().unwrap_or(f64::INFINITY);
            sample(out, &bucket, labels, Some(le), cumulative as f64);
        }
        let sum = f64::from_bits(self.sum.load(Ordering::Relaxed));
        sample(out, &format!("{name}_sum"), labels, None, sum);
        // `_count` is the `+Inf` bucket itself, so the two agree even under concurrent updates.
        sample(
            out,
            &format!("{name}_count"),
            labels,
            None,
            cumulative as f64,
        );
    }
}

/// Joined label values → (label values, series).
type SeriesMap<S> = BTreeMap<String, (Vec<String>, Arc<S>)>;

/// One metric family: a name, its help, fixed label names, and a series per label set.
pub(crate) struct Family<S: Series> {
    name: &'static str,
    help: &'static str,
    label_names: &'static [&'static str],
    bounds: &'static [f64],
    /// Keyed by label values joined with `\u{1f}` (which no label value of ours contains);
    /// a BTreeMap so the exposition is stable from one scrape to the next.
    series: RwLock<SeriesMap<S>>,
    /// When the family has labels whose values are only known at run time (routes, plugins),
    /// a zero series without labels is rendered until the first real one exists, so the
    /// family is visible from the first scrape. An empty label value means "absent" in
    /// Prometheus, so this is the family's honest "nothing yet".
    placeholder: Option<S>,
}

impl<S: Series> Family<S> {
    /// A family whose series appear as they are first used.
    pub(crate) fn new(
        name: &'static str,
        help: &'static str,
        label_names: &'static [&'static str],
        bounds: &'static [f64],
    ) -> Self {
        let family = Self {
            name,
            help,
            label_names,
            bounds,
            series: RwLock::new(BTreeMap::new()),
            placeholder: (!label_names.is_empty()).then(|| S::new(bounds)),
        };
        if label_names.is_empty() {
            family.get(&[]);
        }
        family
    }

    /// A family whose label values are a known, closed set: every combination is created now
    /// and rendered at zero until used, so no placeholder is needed.
    pub(crate) fn with_values(
        name: &'static str,
        help: &'static str,
        label_names: &'static [&'static str],
        presets: &[&[&str]],
    ) -> Self {
        let mut family = Self::new(name, help, label_names, &[]);
        family.placeholder = None;
        for values in presets {
            family.get(values);
        }
        family
    }

    /// The series for these label values (in `label_names` order), created on first use.
    pub(crate) fn get(&self, values: &[&str]) -> Arc<S> {
        let key = values.join("\u{1f}");
        if let Some((_, series)) = self.read().get(&key) {
            return Arc::clone(series);
        }
        let mut map = self
            .series
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let (key, values) = if map.len() >= MAX_SERIES && !map.contains_key(&key) {
            let values = vec![OVERFLOW_LABEL.to_string(); values.len()];
            (values.join("\u{1f}"), values)
        } else {
            (key, values.iter().map(|v| (*v).to_string()).collect())
        };
        let (_, series) = map
            .entry(key)
            .or_insert_with(|| (values, Arc::new(S::new(self.bounds))));
        Arc::clone(series)
    }

    /// Every series with its label values, for readers such as the alert gauge's tests.
    pub(crate) fn snapshot(&self) -> Vec<(Vec<String>, Arc<S>)> {
        self.read()
            .values()
            .map(|(v, s)| (v.clone(), Arc::clone(s)))
            .collect()
    }

    /// Appends the family's HELP, TYPE and samples.
    pub(crate) fn render(&self, out: &mut String) {
        let _ = writeln!(out, "# HELP {} {}", self.name, escape_help(self.help));
        let _ = writeln!(out, "# TYPE {} {}", self.name, S::KIND);
        let map = self.read();
        if map.is_empty() {
            if let Some(placeholder) = &self.placeholder {
                placeholder.render(self.name, "", out);
            }
            return;
        }
        for (values, series) in map.values() {
            let labels = self
                .label_names
                .iter()
                .zip(values)
                .map(|(k, v)| format!("{k}=\"{}\"", escape_label(v)))
                .collect::<Vec<_>>()
                .join(",");
            series.render(self.name, &labels, out);
        }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, SeriesMap<S>> {
        // A panic while holding the lock cannot leave the map half-updated (insert is one
        // call), so a poisoned lock is still safe to read.
        self.series
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Writes one sample line, adding `le` after the other labels for histogram buckets.
fn sample(out: &mut String, name: &str, labels: &str, le: Option<f64>, value: f64) {
    out.push_str(name);
    match (labels.is_empty(), le) {
        (true, None) => {}
        (false, None) => {
            let _ = write!(out, "{{{labels}}}");
        }
        (true, Some(le)) => {
            let _ = write!(out, "{{le=\"{}\"}}", number(le));
        }
        (false, Some(le)) => {
            let _ = write!(out, "{{{labels},le=\"{}\"}}", number(le));
        }
    }
    let _ = writeln!(out, " {}", number(value));
}

/// Prometheus spells the special floats `+Inf`, `-Inf` and `NaN`; Rust's `Display` does not.
pub(crate) fn number(value: f64) -> String {
    if value.is_nan() {
        "NaN".into()
    } else if value == f64::INFINITY {
        "+Inf".into()
    } else if value == f64::NEG_INFINITY {
        "-Inf".into()
    } else {
        format!("{value}")
    }
}

/// Label values escape backslash, double quote and line feed (format 0.0.4).
pub(crate) fn escape_label(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// HELP text escapes only backslash and line feed.
fn escape_help(value: &str) -> String {
    value.replace('\\', "\\\\").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn special_floats_use_prometheus_spelling() {
        assert_eq!(number(f64::INFINITY), "+Inf");
        assert_eq!(number(f64::NAN), "NaN");
        assert_eq!(number(0.005), "0.005");
        assert_eq!(number(3.0), "3");
    }

    #[test]
    fn labels_escape_quote_backslash_newline() {
        assert_eq!(escape_label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }

    #[test]
    fn series_past_the_cap_fold_into_other() {
        let family: Family<Counter> = Family::new("x_total", "x", &["k"], &[]);
        for i in 0..MAX_SERIES + 10 {
            family.get(&[&i.to_string()]).inc();
        }
        assert_eq!(family.snapshot().len(), MAX_SERIES + 1);
        let mut out = String::new();
        family.render(&mut out);
        assert!(out.contains("x_total{k=\"other\"} 10"), "{out}");
    }
}
