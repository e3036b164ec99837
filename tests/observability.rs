//! Observability and live config: the `/metrics` exposition parsed by a Prometheus parser,
//! the alert rules under synthetic load (time driven with `tokio::time::pause`), and the
//! config watcher against real files and a real SIGHUP.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use netpulse::config::watch::{self, Live, Outcome, Trigger};
use netpulse::config::{self, Config};
use netpulse::metrics::{Alert, Metrics, Severity};
use prometheus_parse::{Scrape, Value};

// ---------------------------------------------------------------------------------------
// /metrics
// ---------------------------------------------------------------------------------------

/// Every family the issue asks for, with its Prometheus type.
const FAMILIES: &[(&str, &str)] = &[
    ("netpulse_http_request_duration_seconds", "histogram"),
    ("netpulse_pool_sessions", "gauge"),
    ("netpulse_pool_sessions_active", "gauge"),
    ("netpulse_pool_sessions_idle", "gauge"),
    ("netpulse_pool_waiters", "gauge"),
    ("netpulse_pool_utilization", "gauge"),
    ("netpulse_pool_resizes_total", "counter"),
    ("netpulse_connect_latency_seconds", "histogram"),
    ("netpulse_ssh_logins_waiting", "gauge"),
    ("netpulse_ssh_logins_in_flight", "gauge"),
    ("netpulse_ssh_login_duration_seconds", "histogram"),
    ("netpulse_cache_lookups_total", "counter"),
    ("netpulse_cache_hit_rate", "gauge"),
    ("netpulse_queue_depth", "gauge"),
    ("netpulse_queue_rejections_total", "counter"),
    ("netpulse_workers_busy", "gauge"),
    ("netpulse_jobs_total", "counter"),
    ("netpulse_plugin_call_duration_seconds", "histogram"),
    ("netpulse_plugin_traps_total", "counter"),
    ("netpulse_db_query_duration_seconds", "histogram"),
    ("netpulse_config_reloads_total", "counter"),
    ("netpulse_alerts_active", "gauge"),
];

/// Checks the text format 0.0.4 grammar line by line (prometheus-parse silently skips lines
/// it cannot read, and its sample regex stops at the first `}`, so a route label such as
/// `/jobs/{id}` is beyond it), then parses with `prometheus-parse`.
fn parse(text: &str) -> Scrape {
    let mut families: HashMap<String, String> = HashMap::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# ") {
            let mut words = rest.splitn(3, ' ');
            let (keyword, name, tail) = (words.next(), words.next(), words.next());
            let name = name.unwrap_or_else(|| panic!("comment without a name: {line:?}"));
            assert!(valid_name(name), "bad metric name in {line:?}");
            match keyword {
                Some("HELP") => assert!(tail.is_some_and(|t| !t.is_empty()), "{line:?}"),
                Some("TYPE") => {
                    let kind = tail.unwrap_or_default();
                    assert!(
                        ["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind),
                        "{line:?}"
                    );
                    assert!(
                        families
                            .insert(name.to_string(), kind.to_string())
                            .is_none(),
                        "TYPE twice: {line:?}"
                    );
                }
                _ => panic!("unknown comment {line:?}"),
            }
            continue;
        }
        let (name, labels, value) = split_sample(line);
        let family = families
            .iter()
            .find(|(f, kind)| {
                name == f.as_str()
                    || (kind.as_str() == "histogram"
                        && ["_bucket", "_sum", "_count"]
                            .iter()
                            .any(|s| name.strip_suffix(s) == Some(f.as_str())))
            })
            .unwrap_or_else(|| panic!("sample before its TYPE: {line:?}"));
        if family.1 == "histogram" && name.ends_with("_bucket") {
            assert!(
                labels.iter().any(|(k, _)| k == "le"),
                "bucket without le: {line:?}"
            );
        }
        let ok = ["NaN", "+Inf", "-Inf"].contains(&value) || value.parse::<f64>().is_ok();
        assert!(ok, "bad value in {line:?}");
    }
    Scrape::parse(text.lines().map(|l| Ok(l.to_string()))).expect("scrape parses")
}

fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

/// `name{k="v",...} value` → parts, unescaping label values; panics on a malformed line.
fn split_sample(line: &str) -> (&str, Vec<(String, String)>, &str) {
    let end = line
        .find(['{', ' '])
        .unwrap_or_else(|| panic!("no value: {line:?}"));
    let name = &line[..end];
    assert!(valid_name(name), "bad name in {line:?}");
    let mut rest = &line[end..];
    let mut labels = Vec::new();
    if let Some(mut inner) = rest.strip_prefix('{') {
        loop {
            if let Some(after) = inner.strip_prefix('}') {
                rest = after;
                break;
            }
            let eq = inner
                .find("=\"")
                .unwrap_or_else(|| panic!("bad label in {line:?}"));
            let key = &inner[..eq];
            assert!(valid_name(key), "bad label name in {line:?}");
            let mut value = String::new();
            let mut chars = inner[eq + 2..].char_indices();
            let close = loop {
                match chars.next() {
                    Some((i, '"')) => break i,
                    Some((_, '\\')) => match chars.next() {
                        Some((_, '\\')) => value.push('\\'),
                        Some((_, '"')) => value.push('"'),
                        Some((_, 'n')) => value.push('\n'),
                        other => panic!("bad escape {other:?} in {line:?}"),
                    },
                    Some((_, c)) => value.push(c),
                    None => panic!("unterminated label value in {line:?}"),
                }
            };
            labels.push((key.to_string(), value));
            inner = &inner[eq + 2 + close + 1..];
            inner = inner.strip_prefix(',').unwrap_or(inner);
        }
    }
    let value = rest
        .strip_prefix(' ')
        .unwrap_or_else(|| panic!("no space before value: {line:?}"));
    (name, labels, value.split(' ').next().unwrap_or_default())
}

#[test]
fn every_family_has_help_type_and_a_sample_before_any_event() {
    let text = Metrics::new().render();
    let scrape = parse(&text);
    for (name, kind) in FAMILIES {
        assert!(
            scrape.docs.contains_key(*name),
            "no HELP for {name}\n{text}"
        );
        assert!(
            text.contains(&format!("# TYPE {name} {kind}\n")),
            "no TYPE {kind} for {name}"
        );
        assert!(
            scrape.samples.iter().any(|s| s.metric == *name),
            "no sample for {name}\n{text}"
        );
    }
    // Closed label sets are listed in full at zero.
    for level in ["l1", "l2", "l3", "miss"] {
        assert!(text.contains(&format!(
            "netpulse_cache_lookups_total{{level=\"{level}\"}} 0\n"
        )));
    }
    assert!(text.contains("netpulse_config_reloads_total{result=\"invalid\"} 0\n"));
    assert!(
        text.contains("netpulse_alerts_active{alert=\"cache_hit_rate\",severity=\"critical\"} 0\n")
    );
    assert!(
        text.contains("netpulse_cache_hit_rate NaN\n"),
        "no lookups yet: NaN"
    );
}

#[test]
fn every_handle_lands_in_its_family() {
    let m = Metrics::new();
    m.http_request("/jobs/{id}", 200, 0.02);
    m.pool_sessions(10, 4, 6, 2);
    m.pool_utilization(0.4);
    m.pool_resize("grow");
    m.connect_latency(0.003);
    m.cache_lookup("l1");
    m.cache_lookup("miss");
    m.queue_depth(7);
    m.queue_rejected();
    m.busy_workers(3);
    m.job_outcome("finished");
    m.plugin_call("cisco_ios", 0.0004);
    m.plugin_trap("cisco_ios");
    m.db_query(0.001);
    m.config_reload("ok");
    let text = m.render();
    parse(&text);
    for line in [
        "netpulse_http_request_duration_seconds_count{route=\"/jobs/{id}\",status=\"200\"} 1",
        "netpulse_pool_sessions 10",
        "netpulse_pool_sessions_active 4",
        "netpulse_pool_sessions_idle 6",
        "netpulse_pool_waiters 2",
        "netpulse_pool_utilization 0.4",
        "netpulse_pool_resizes_total{direction=\"grow\"} 1",
        "netpulse_connect_latency_seconds_count 1",
        "netpulse_cache_lookups_total{level=\"l1\"} 1",
        "netpulse_cache_hit_rate 0.5",
        "netpulse_queue_depth 7",
        "netpulse_queue_rejections_total 1",
        "netpulse_workers_busy 3",
        "netpulse_jobs_total{status=\"finished\"} 1",
        "netpulse_plugin_call_duration_seconds_count{plugin=\"cisco_ios\"} 1",
        "netpulse_plugin_traps_total{plugin=\"cisco_ios\"} 1",
        "netpulse_db_query_duration_seconds_count 1",
        "netpulse_config_reloads_total{result=\"ok\"} 1",
    ] {
        assert!(
            text.contains(&format!("{line}\n")),
            "missing {line:?}\n{text}"
        );
    }
    // Once a real plugin series exists, the unlabelled placeholder is gone.
    assert!(!text.contains("netpulse_plugin_traps_total 0\n"));
}

#[test]
fn histogram_buckets_are_cumulative() {
    let m = Metrics::new();
    let observations = [0.00005, 0.0003, 0.0003, 0.02, 0.7, 3.0, 100.0];
    for v in observations {
        m.db_query(v);
    }
    let text = m.render();
    let scrape = parse(&text);
    let sample = scrape
        .samples
        .iter()
        .find(|s| s.metric == "netpulse_db_query_duration_seconds")
        .expect("histogram sample");
    let Value::Histogram(buckets) = &sample.value else {
        panic!("not a histogram: {:?}", sample.value);
    };
    let mut last = 0.0;
    for b in buckets {
        assert!(
            b.count >= last,
            "bucket le={} went down: {buckets:?}",
            b.less_than
        );
        last = b.count;
    }
    let inf = buckets.last().expect("buckets");
    assert!(inf.less_than.is_infinite());
    assert_eq!(inf.count, observations.len() as f64);
    let le_0005 = buckets
        .iter()
        .find(|b| b.less_than == 0.0005)
        .expect("0.0005");
    assert_eq!(le_0005.count, 3.0);
    let count = format!(
        "netpulse_db_query_duration_seconds_count {}\n",
        observations.len()
    );
    assert!(text.contains(&count), "{text}");
    let sum: f64 = observations.iter().sum();
    let sum_line = text
        .lines()
        .find(|l| l.starts_with("netpulse_db_query_duration_seconds_sum "))
        .expect("sum");
    let got: f64 = sum_line
        .rsplit(' ')
        .next()
        .and_then(|v| v.parse().ok())
        .expect("sum value");
    assert!((got - sum).abs() < 1e-9, "{got} != {sum}");
}

#[test]
fn label_values_are_escaped() {
    let m = Metrics::new();
    m.plugin_trap("we\"ird\\name\nx");
    m.http_request("/a\"b", 404, 0.001);
    let text = m.render();
    assert!(
        text.contains("netpulse_plugin_traps_total{plugin=\"we\\\"ird\\\\name\\nx\"} 1\n"),
        "{text}"
    );
    assert!(
        text.contains("route=\"/a\\\"b\",status=\"404\",le=\"0.001\"} 1\n"),
        "{text}"
    );
    // Still one line per sample: the newline did not break the exposition.
    parse(&text);
}

#[tokio::test]
async fn middleware_labels_by_matched_route_and_status() {
    use axum::Router;
    use axum::body::Body;
    use axum::http::Request;
    use axum::routing::get;
    use tower::ServiceExt;

    let metrics = Metrics::new();
    let app = Router::new()
        .route("/jobs/{id}", get(|| async { "job" }))
        .layer(axum::middleware::from_fn_with_state(
            metrics.clone(),
            netpulse::metrics::http::track,
        ));
    for uri in ["/jobs/1", "/jobs/2", "/nowhere"] {
        let request = Request::builder()
            .uri(uri)
            .body(Body::empty())
            .expect("request");
        app.clone().oneshot(request).await.expect("response");
    }
    let text = metrics.render();
    parse(&text);
    assert!(
        text.contains(
            "netpulse_http_request_duration_seconds_count{route=\"/jobs/{id}\",status=\"200\"} 2\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("{route=\"unmatched\",status=\"404\"} 1\n"),
        "{text}"
    );
}

// ---------------------------------------------------------------------------------------
// Alerts
// ---------------------------------------------------------------------------------------

/// Collects `(message, alert)` of every alert transition logged while installed.
#[derive(Clone, Default)]
struct Transitions(Arc<Mutex<Vec<(String, String)>>>);

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Transitions {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        #[derive(Default)]
        struct Fields {
            message: String,
            alert: String,
        }
        impl tracing::field::Visit for Fields {
            fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
                if field.name() == "alert" {
                    self.alert = value.to_string();
                }
            }
            fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                if field.name() == "message" {
                    self.message = format!("{value:?}");
                }
            }
        }
        let mut fields = Fields::default();
        event.record(&mut fields);
        if fields.message.starts_with("alert ") {
            self.0
                .lock()
                .expect("log lock")
                .push((fields.message, fields.alert));
        }
    }
}

impl Transitions {
    fn install(&self) -> tracing::subscriber::DefaultGuard {
        use tracing_subscriber::layer::SubscriberExt;
        tracing::subscriber::set_default(tracing_subscriber::registry().with(self.clone()))
    }

    /// Drains what was logged so far.
    fn take(&self) -> Vec<(String, String)> {
        std::mem::take(&mut *self.0.lock().expect("log lock"))
    }
}

const WINDOW: u64 = 60;

fn severity_of(alerts: &[Alert], name: &str) -> Option<Severity> {
    alerts.iter().find(|a| a.name == name).map(|a| a.severity)
}

fn gauge_line(name: &str, severity: &str, on: bool) -> String {
    format!(
        "netpulse_alerts_active{{alert=\"{name}\",severity=\"{severity}\"}} {}\n",
        u8::from(on)
    )
}

/// Lets the window slide past everything recorded so far.
async fn window_passes() {
    tokio::time::advance(Duration::from_secs(WINDOW + 1)).await;
}

/// One measure through quiet → warning → critical → cleared, checking the logs and gauges.
async fn walk(
    m: &Metrics,
    log: &Transitions,
    name: &str,
    warning: impl Fn(&Metrics),
    critical: impl Fn(&Metrics),
    clear: impl Fn(&Metrics),
) {
    let t = default_thresholds();
    assert_eq!(
        severity_of(&m.alerts(&t, WINDOW), name),
        None,
        "{name} quiet at start"
    );
    assert!(log.take().is_empty());

    warning(m);
    assert_eq!(
        severity_of(&m.alerts(&t, WINDOW), name),
        Some(Severity::Warning),
        "{name}"
    );
    assert_eq!(
        severity_of(&m.alerts(&t, WINDOW), name),
        Some(Severity::Warning),
        "{name}"
    );
    assert_eq!(
        log.take(),
        vec![("alert raised".to_string(), name.to_string())]
    );
    let text = m.render();
    assert!(text.contains(&gauge_line(name, "warning", true)), "{text}");
    assert!(
        text.contains(&gauge_line(name, "critical", false)),
        "{text}"
    );

    critical(m);
    let alerts = m.alerts(&t, WINDOW);
    assert_eq!(
        severity_of(&alerts, name),
        Some(Severity::Critical),
        "{name}: {alerts:?}"
    );
    m.alerts(&t, WINDOW);
    assert_eq!(
        log.take(),
        vec![("alert escalated".to_string(), name.to_string())]
    );
    let text = m.render();
    assert!(text.contains(&gauge_line(name, "critical", true)), "{text}");
    assert!(text.contains(&gauge_line(name, "warning", false)), "{text}");

    // Clearing: the level measures by a new reading, the windowed ones as the window slides
    // past their samples (and the 429 that made the queue critical).
    clear(m);
    window_passes().await;
    assert_eq!(
        severity_of(&m.alerts(&t, WINDOW), name),
        None,
        "{name} cleared"
    );
    m.alerts(&t, WINDOW);
    assert_eq!(
        log.take(),
        vec![("alert cleared".to_string(), name.to_string())]
    );
    let text = m.render();
    assert!(
        text.contains(&gauge_line(name, "critical", false)),
        "{text}"
    );
    assert!(text.contains(&gauge_line(name, "warning", false)), "{text}");
}

#[tokio::test(start_paused = true)]
async fn api_response_time_raises_on_the_window_mean_and_clears() {
    let log = Transitions::default();
    let _guard = log.install();
    let m = Metrics::new();
    // Threshold 5 s: a mean of 6 s warns, 8 s (> 7.5) is critical.
    walk(
        &m,
        &log,
        "api_response_time",
        |m| (0..10).for_each(|_| m.http_request("/device/exec", 201, 6.0)),
        |m| (0..10).for_each(|_| m.http_request("/device/exec", 201, 10.0)),
        |_| {},
    )
    .await;
    // Clearing by fast traffic diluting the mean, then by the window sliding past.
    window_passes().await;
    let t = default_thresholds();
    (0..10).for_each(|_| m.http_request("/jobs", 200, 6.0));
    assert_eq!(
        severity_of(&m.alerts(&t, WINDOW), "api_response_time"),
        Some(Severity::Warning)
    );
    (0..50).for_each(|_| m.http_request("/jobs", 200, 0.01));
    assert_eq!(
        severity_of(&m.alerts(&t, WINDOW), "api_response_time"),
        None
    );
    assert_eq!(log.take().len(), 2, "raised once, cleared once");
}

#[tokio::test(start_paused = true)]
async fn database_query_time_warns_past_threshold_and_is_critical_past_one_and_a_half() {
    let log = Transitions::default();
    let _guard = log.install();
    let m = Metrics::new();
    walk(
        &m,
        &log,
        "database_query_time",
        |m| (0..4).for_each(|_| m.db_query(1.2)),
        // Mean of 8 × 1.2 and 8 × 2.0 = 1.6 > 1.5.
        |m| (0..8).for_each(|_| m.db_query(2.0)),
        |_| {},
    )
    .await;
}

#[tokio::test(start_paused = true)]
async fn pool_utilization_is_critical_when_exhausted() {
    let log = Transitions::default();
    let _guard = log.install();
    let m = Metrics::new();
    walk(
        &m,
        &log,
        "connection_pool_utilization",
        |m| m.pool_utilization(0.95),
        |m| m.pool_utilization(0.98),
        |m| m.pool_utilization(0.5),
    )
    .await;
}

#[tokio::test(start_paused = true)]
async fn cache_hit_rate_alerts_below_its_threshold() {
    let log = Transitions::default();
    let _guard = log.install();
    let m = Metrics::new();
    let t = default_thresholds();
    // 80% hits is above the 70% threshold: no alert, the rate alerts only below.
    (0..8).for_each(|_| m.cache_lookup("l1"));
    (0..2).for_each(|_| m.cache_lookup("miss"));
    assert_eq!(severity_of(&m.alerts(&t, WINDOW), "cache_hit_rate"), None);
    window_passes().await;
    walk(
        &m,
        &log,
        "cache_hit_rate",
        // 6 of 10: below 70%, above 70 / 1.5 = 46.7%.
        |m| {
            (0..3).for_each(|_| m.cache_lookup("l2"));
            (0..3).for_each(|_| m.cache_lookup("l3"));
            (0..4).for_each(|_| m.cache_lookup("miss"));
        },
        // 6 of 20: 30%, below 46.7%.
        |m| (0..10).for_each(|_| m.cache_lookup("miss")),
        // No lookups in the window: nothing to judge.
        |_| {},
    )
    .await;
}

#[tokio::test(start_paused = true)]
async fn worker_queue_is_critical_when_full() {
    let log = Transitions::default();
    let _guard = log.install();
    let m = Metrics::new();
    walk(
        &m,
        &log,
        "worker_queue_size",
        |m| m.queue_depth(900),
        |m| m.http_request("/device/exec", 429, 0.001),
        |m| m.queue_depth(10),
    )
    .await;
    // A refusal without HTTP (queue_rejected) counts too.
    let t = default_thresholds();
    m.queue_rejected();
    let alerts = m.alerts(&t, WINDOW);
    assert_eq!(
        severity_of(&alerts, "worker_queue_size"),
        Some(Severity::Critical)
    );
    let queue = alerts
        .iter()
        .find(|a| a.name == "worker_queue_size")
        .expect("queue alert");
    assert!(queue.message.contains("429"), "{alerts:?}");
}

/// `walk` leans on the window sliding for the time measures; make sure it really does.
async fn slide_then_check(m: &Metrics, name: &str) {
    window_passes().await;
    assert_eq!(
        severity_of(&m.alerts(&default_thresholds(), WINDOW), name),
        None
    );
}

#[tokio::test(start_paused = true)]
async fn a_raised_alert_clears_when_the_window_slides_past_its_samples() {
    let log = Transitions::default();
    let _guard = log.install();
    let m = Metrics::new();
    let t = default_thresholds();
    (0..3).for_each(|_| m.db_query(5.0));
    (0..3).for_each(|_| m.http_request("/x", 200, 50.0));
    let alerts = m.alerts(&t, WINDOW);
    assert_eq!(alerts.len(), 2, "{alerts:?}");
    // Half a window later the samples still count.
    tokio::time::advance(Duration::from_secs(WINDOW / 2)).await;
    assert_eq!(m.alerts(&t, WINDOW).len(), 2);
    slide_then_check(&m, "database_query_time").await;
    slide_then_check(&m, "api_response_time").await;
    let logged: HashSet<_> = log.take().into_iter().collect();
    assert_eq!(logged.len(), 4, "raised and cleared, each once: {logged:?}");
}

// ---------------------------------------------------------------------------------------
// Config watcher
// ---------------------------------------------------------------------------------------

/// How long a test waits for the watcher before failing: generous for a loaded 2-core box.
const PATIENCE: Duration = Duration::from_secs(10);

struct Fixture {
    _dir: tempfile::TempDir,
    path: PathBuf,
    live: Live,
    metrics: Metrics,
    _guard: watch::WatchGuard,
}

async fn start(text: &str) -> Fixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("netpulse.yaml");
    std::fs::write(&path, text).expect("write config");
    let initial = config::load(&path).expect("initial config is valid");
    let metrics = Metrics::new();
    let (live, guard) = watch::watch(path.clone(), initial, metrics.reload_counter())
        .await
        .expect("watch");
    Fixture {
        _dir: dir,
        path,
        live,
        metrics,
        _guard: guard,
    }
}

/// Saves the way editors do: write a temp file beside it, then rename over the original.
fn save_by_rename(path: &Path, text: &str) {
    let tmp = path.with_file_name(".netpulse.yaml.swp");
    std::fs::write(&tmp, text).expect("write temp");
    std::fs::rename(&tmp, path).expect("rename");
}

async fn until<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Some(found) = check() {
            return found;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn until_ttl(live: &Live, ttl: u64) -> Arc<Config> {
    let mut rx = live.subscribe();
    tokio::time::timeout(PATIENCE, rx.wait_for(|c| c.cache.ttl == ttl))
        .await
        .unwrap_or_else(|_| panic!("cache.ttl {ttl} not applied; status {}", live.status()))
        .map(|c| Arc::clone(&c))
        .expect("watch channel open")
}

#[tokio::test]
async fn valid_edits_apply_by_rename_and_in_place() {
    let f = start("cache: { ttl: 100 }\n").await;
    let mut rx = f.live.subscribe();
    save_by_rename(&f.path, "cache: { ttl: 200 }\nworker: { pool_size: 7 }\n");
    let applied = until_ttl(&f.live, 200).await;
    assert_eq!(applied.worker.pool_size, 7);
    assert!(rx.has_changed().expect("open"), "subscribers are woken");
    rx.mark_unchanged();

    std::fs::write(&f.path, "cache: { ttl: 300 }\n").expect("in-place write");
    let applied = until_ttl(&f.live, 300).await;
    assert_eq!(
        applied.worker.pool_size, 20,
        "a key removed from the file returns to its default"
    );

    let status = f.live.status();
    assert_eq!(status["last_reload"]["result"], "ok", "{status}");
    assert_eq!(status["effective"]["cache"]["ttl"], 300, "{status}");
    assert_eq!(status["file"], f.path.display().to_string());
    assert!(
        status["loaded_at"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z')),
        "{status}"
    );
    assert!(f.metrics.config_reloads("ok") >= 2);
}

#[tokio::test]
async fn invalid_edit_keeps_the_old_config_and_reports_every_error_with_its_line() {
    let f = start("cache: { ttl: 100 }\n").await;
    save_by_rename(
        &f.path,
        "cache:\n  ttl: 500\n  bogus: 1\nworker:\n  pool_size: many\n",
    );
    let reload = until("the invalid reload", || {
        f.live
            .last_reload()
            .filter(|r| r.result == Outcome::Invalid)
    })
    .await;
    assert_eq!(f.live.current().cache.ttl, 100, "nothing applied");
    let lines: Vec<_> = reload
        .errors
        .iter()
        .map(|e| (e.path.clone(), e.line))
        .collect();
    assert_eq!(
        lines,
        vec![
            (Some("cache.bogus".to_string()), Some(3)),
            (Some("worker.pool_size".to_string()), Some(5)),
        ]
    );
    let status = f.live.status();
    assert_eq!(status["last_reload"]["result"], "invalid", "{status}");
    assert_eq!(status["last_reload"]["errors"][0]["line"], 3, "{status}");
    assert_eq!(status["effective"]["cache"]["ttl"], 100);
    assert!(f.metrics.config_reloads("invalid") >= 1);

    // A YAML syntax error is reported with its line too.
    std::fs::write(&f.path, "cache: { ttl: 100\nworker: [\n").expect("write");
    let reload = until("the syntax error", || {
        f.live
            .last_reload()
            .filter(|r| r.result == Outcome::Invalid && r.errors[0].path.is_none())
    })
    .await;
    assert!(reload.errors[0].line.is_some(), "{reload:?}");

    // A valid file replaces the error.
    save_by_rename(&f.path, "cache: { ttl: 600 }\n");
    until_ttl(&f.live, 600).await;
    let status = f.live.status();
    assert_eq!(status["last_reload"]["result"], "ok", "{status}");
    assert_eq!(
        status["last_reload"]["errors"],
        serde_json::json!([]),
        "{status}"
    );
}

#[tokio::test]
async fn restart_only_keys_are_pending_and_never_half_applied() {
    let f = start("server: { listen: \"127.0.0.1:9000\" }\ncache: { ttl: 100 }\n").await;
    save_by_rename(
        &f.path,
        "server: { listen: \"127.0.0.1:9999\" }\ncache: { ttl: 200 }\n",
    );
    let applied = until_ttl(&f.live, 200).await;
    assert_eq!(
        applied.server.listen, "127.0.0.1:9000",
        "the running listener stays"
    );
    assert_eq!(f.live.pending_restart(), vec!["server.listen"]);
    let status = f.live.status();
    assert_eq!(
        status["pending_restart"],
        serde_json::json!(["server.listen"])
    );
    assert_eq!(status["effective"]["server"]["listen"], "127.0.0.1:9000");

    // Putting the old value back clears the pending restart.
    save_by_rename(
        &f.path,
        "server: { listen: \"127.0.0.1:9000\" }\ncache: { ttl: 300 }\n",
    );
    until_ttl(&f.live, 300).await;
    assert!(f.live.pending_restart().is_empty());
}

#[tokio::test]
async fn sighup_reloads() {
    let f = start("cache: { ttl: 100 }\n").await;
    let before = f.metrics.config_reloads("ok");
    let status = std::process::Command::new("kill")
        .args(["-HUP", &std::process::id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success());
    let reload = until("the SIGHUP reload", || {
        f.live
            .last_reload()
            .filter(|r| r.trigger == Trigger::Signal)
    })
    .await;
    assert_eq!(reload.result, Outcome::Ok);
    assert!(f.metrics.config_reloads("ok") > before);
    assert_eq!(f.live.current().cache.ttl, 100);
}

#[tokio::test]
async fn save_to_applied_latency_over_twenty_edits() {
    let f = start("cache: { ttl: 1000 }\n").await;
    let mut took = Vec::new();
    for i in 1..=20u64 {
        let ttl = 1000 + i;
        let started = Instant::now();
        save_by_rename(&f.path, &format!("cache: {{ ttl: {ttl} }}\n"));
        until_ttl(&f.live, ttl).await;
        took.push(started.elapsed());
    }
    took.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "config save -> applied over {} edits: p50 {:.1} ms, p90 {:.1} ms, max {:.1} ms",
        took.len(),
        ms(took[took.len() / 2]),
        ms(took[took.len() * 9 / 10]),
        ms(took[took.len() - 1]),
    );
}

/// The alert limits of the shipped defaults (`monitoring.thresholds`).
fn default_thresholds() -> netpulse::metrics::Thresholds {
    netpulse::api::handlers::alert_thresholds(&Config::default())
}
