//! What `netpulse serve` and `netpulse demo` do once the command line is parsed: logging,
//! binding, graceful shutdown, and the demo's lab + gateway with printed curl examples.

use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use rand::Rng;
use tracing_subscriber::EnvFilter;

use crate::config::{self, Config, LogFormat, Logging};
use crate::gateway;
use crate::lab;

/// How long in-flight requests and jobs get after a shutdown signal before we exit anyway.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Installs the tracing subscriber (`RUST_LOG` overrides `logging.level`).
pub fn init_logging(logging: &Logging) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new(format!("{},russh=warn", logging.level)));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match logging.format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

/// Runs the gateway until SIGINT/SIGTERM, then drains within [`SHUTDOWN_GRACE`]. The config
/// file is watched: valid edits apply live, restart-only keys are reported as pending.
pub async fn serve(config: Config, path: &Path, base: &Path) -> anyhow::Result<()> {
    let listen = config.server.listen.clone();
    let metrics = crate::metrics::Metrics::new();
    let (live, _watch) =
        crate::config::watch::watch(path.to_path_buf(), config, metrics.reload_counter())
            .await
            .with_context(|| format!("watch {}", path.display()))?;
    let gw = gateway::start(live, metrics, base).await?;
    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .with_context(|| format!("listen on {listen}"))?;
    tracing::info!(address = %listen, "netpulse listening");
    run_until_signal(listener, gw).await
}

async fn run_until_signal(
    listener: tokio::net::TcpListener,
    gw: gateway::Gateway,
) -> anyhow::Result<()> {
    let jobs = gw.jobs.clone();
    if let Ok(addr) = listener.local_addr() {
        gw.jobs.webhooks().listening_on(addr);
    }
    let shutdown = async move {
        shutdown_signal().await;
        tracing::info!("shutting down: refusing new jobs, finishing in-flight requests");
        jobs.begin_shutdown();
    };
    crate::api::server::serve(
        listener,
        gw.router.clone(),
        gw.live.clone(),
        gw.metrics.clone(),
        crate::api::server::Timeouts::default(),
        shutdown,
        SHUTDOWN_GRACE,
    )
    .await;
    let drain = async {
        while gw.jobs.busy_workers() > 0 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    if tokio::time::timeout(SHUTDOWN_GRACE, drain).await.is_err() {
        tracing::warn!(
            grace_secs = SHUTDOWN_GRACE.as_secs(),
            "jobs still running after the grace period; exiting anyway"
        );
    }
    gw.store.close().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

/// `netpulse demo`: a lab of `devices` simulated routers plus the gateway on embedded
/// defaults (SQLite under `.netpulse/`), with a generated API key and curl examples.
pub async fn demo(devices: usize, port: u16) -> anyhow::Result<()> {
    init_logging(&Logging::default());
    let state_dir = Path::new(".netpulse");
    std::fs::create_dir_all(state_dir)
        .with_context(|| format!("create {}", state_dir.display()))?;
    let vendors = ["cisco_ios", "linux"];
    let lab = lab::Lab::start(lab::LabOptions {
        devices: devices.max(1),
        base_port: 0,
        vendors: vendors.iter().map(|v| v.to_string()).collect(),
        state_dir: state_dir.join("lab"),
        ..lab::LabOptions::default()
    })
    .await
    .context("start the device lab")?;
    let key: String = rand::thread_rng()
        .sample_iter(&rand::distributions::Alphanumeric)
        .take(32)
        .map(char::from)
        .collect();
    let mut config = Config::default();
    config.server.listen = format!("127.0.0.1:{port}");
    config.server.api_keys = vec![key.clone().into()];
    config.database.url = format!("sqlite://{}", state_dir.join("demo.db").display());
    config.ssh.known_hosts = state_dir.join("demo_known_hosts").display().to_string();
    config.ssh.host_key_policy = config::HostKeyPolicy::AcceptNew;
    let base = std::env::current_dir().context("read the current directory")?;
    let listen = config.server.listen.clone();
    let gw = gateway::build(config, &base).await?;
    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .with_context(|| format!("listen on {listen} (pass --port to pick another)"))?;
    println!("NetPulse demo: gateway on http://{listen}, API key {key}");
    println!("Lab devices (username admin, password admin, enable secret enable):");
    for device in lab.devices() {
        println!(
            "  {:<10} {:<10} {}",
            device.name, device.vendor, device.addr
        );
    }
    if let Some(ios) = lab.devices().iter().find(|d| d.vendor == "cisco_ios") {
        println!("\nRun `show version` and wait for the result:");
        println!(
            "  curl -s -X POST 'http://{listen}/device/exec?wait=30' -H 'X-API-KEY: {key}' -H 'Content-Type: application/json' \\\n    -d '{{\"connection_args\": {{\"device_type\": \"cisco_ios\", \"host\": \"{}\", \"port\": {}, \"username\": \"admin\", \"password\": \"admin\"}}, \"command\": \"show version\"}}'",
            ios.addr.ip(),
            ios.addr.port()
        );
        println!("\nCheck that a device answers:");
        println!(
            "  curl -s -X POST 'http://{listen}/device/test' -H 'X-API-KEY: {key}' -H 'Content-Type: application/json' \\\n    -d '{{\"connection_args\": {{\"device_type\": \"cisco_ios\", \"host\": \"{}\", \"port\": {}, \"username\": \"admin\", \"password\": \"admin\", \"secret\": \"enable\"}}}}'",
            ios.addr.ip(),
            ios.addr.port()
        );
    }
    if let Some(linux) = lab.devices().iter().find(|d| d.vendor == "linux") {
        println!("\nRun a command on a Linux host over the exec channel:");
        println!(
            "  curl -s -X POST 'http://{listen}/device/exec?wait=30' -H 'X-API-KEY: {key}' -H 'Content-Type: application/json' \\\n    -d '{{\"connection_args\": {{\"device_type\": \"linux\", \"host\": \"{}\", \"port\": {}, \"username\": \"admin\", \"password\": \"admin\"}}, \"command\": [\"uname -a\", \"hostname\"]}}'",
            linux.addr.ip(),
            linux.addr.port()
        );
    }
    println!("\nList jobs:\n  curl -s 'http://{listen}/jobs?limit=5' -H 'X-API-KEY: {key}'\n");
    println!(
        "Stop the demo with Ctrl-C (or SIGTERM): running jobs get a short grace period to finish, then the gateway and the lab exit.\n"
    );
    let result = run_until_signal(listener, gw).await;
    lab.shutdown().await;
    result
}

/// What `netpulse plugin conformance` runs the corpus through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Engine {
    /// The bundled TextFSM plugin with the corpus's own templates (`DIR/templates`).
    Textfsm,
    /// The bundled vendor plugins' own parsers.
    Bundled,
}

/// Memory cap for plugins during `plugin conformance` (see there).
const CONFORMANCE_MEMORY_MB: u64 = 1024;

/// `netpulse plugin list`: loaded plugins, one per line.
pub fn plugin_list(config: &Config, base: &Path) -> anyhow::Result<()> {
    let host = gateway::plugin_host(config, base, crate::metrics::Metrics::new())?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let host = std::sync::Arc::new(host);
    rt.block_on(crate::plugin::watch::rescan(&host));
    let (plugins, refused) = host.describe();
    println!(
        "{:<16} {:<10} {:<9} {:<40} source",
        "name", "version", "kind", "platforms"
    );
    for p in plugins {
        println!(
            "{:<16} {:<10} {:<9} {:<40} {}",
            p.name,
            p.version,
            format!("{:?}", p.kind).to_lowercase(),
            p.platforms.join(","),
            p.source
        );
    }
    for r in refused {
        println!("refused {}: {}", r.file, r.reason);
    }
    Ok(())
}

/// `netpulse plugin parse`: run a parser over a file and print JSON.
pub fn plugin_parse(
    config: &Config,
    base: &Path,
    platform: &str,
    command: &str,
    parser: &str,
    file: &Path,
) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(file).with_context(|| format!("read {}", file.display()))?;
    let host = gateway::plugin_host(config, base, crate::metrics::Metrics::new())?;
    let parsed = host.parse(parser, platform, command, &text)?;
    println!("{}", serde_json::to_string_pretty(&parsed)?);
    Ok(())
}

/// `netpulse plugin conformance`: every corpus case through the chosen engine; prints each
/// mismatch and ends with `N passed, M failed`. Returns false when any case failed.
pub fn plugin_conformance(
    corpus_dir: &Path,
    engine: Engine,
    only_bundled: bool,
    bench: Option<usize>,
) -> anyhow::Result<bool> {
    use crate::plugin::conformance::{Corpus, Filter};
    let mut corpus = Corpus::load(corpus_dir)?;
    let mut config = Config::default();
    // An offline tool over a whole template library: a warm TextFSM instance keeps every
    // template it compiled, which outgrows the gateway's per-request default.
    config.plugins.memory_limit_mb = CONFORMANCE_MEMORY_MB;
    config.plugins.call_timeout_ms = 10_000;
    if engine == Engine::Textfsm {
        config.parsing.template_dirs = vec![corpus_dir.join("templates").display().to_string()];
    }
    // Conformance needs no drop-ins: point the plugin dir at a directory that has none.
    let scratch = std::env::temp_dir().join(format!("netpulse-conformance-{}", std::process::id()));
    config.plugins.dir = scratch.display().to_string();
    let base = std::env::current_dir().context("read the current directory")?;
    let host = gateway::plugin_host(&config, &base, crate::metrics::Metrics::new())?;
    let filter = Filter::default();
    if engine == Engine::Bundled && only_bundled {
        // Only (platform, command) pairs a bundled vendor claims: `display interface` is a
        // Huawei parser, not an HP Comware one; `show interface brief` is NX-OS's, not XR's.
        let snapshot = host.snapshot();
        corpus.cases.retain(|case| {
            config::platform::canonical(&case.platform)
                .and_then(|canonical| snapshot.vendor_for(canonical))
                .is_some_and(|vendor| vendor.info.commands.iter().any(|c| c == &case.command))
        });
    }
    let parser = match engine {
        Engine::Textfsm => crate::plugin::calls::TEXTFSM,
        Engine::Bundled => "bundled",
    };
    let mut parse =
        |case: &crate::plugin::conformance::Case, raw: &str| -> Result<serde_json::Value, String> {
            let snapshot = host.snapshot();
            let plugin = match engine {
                Engine::Textfsm => snapshot.by_name(parser),
                Engine::Bundled => snapshot.vendor_for(
                    config::platform::canonical(&case.platform).unwrap_or(case.platform.as_str()),
                ),
            }
            .ok_or_else(|| format!("no {parser} plugin for {}", case.platform))?;
            crate::plugin::calls::parse_with(plugin, &case.platform, &case.command, raw)
                .map_err(|e| e.to_string())
        };
    if let Some(iterations) = bench {
        let result = corpus.bench(&filter, iterations.max(1), &mut parse)?;
        // Wall time first (what a caller waits); the CPU time of the calling thread, which
        // runs the guest, is the steadier figure on a busy machine.
        match result.cpu_rate() {
            Some(cpu) => println!(
                "{:.0} parses/s ({cpu:.0} parses per CPU second of the calling thread)",
                result.rate()
            ),
            None => println!("{:.0} parses/s", result.rate()),
        }
        return Ok(true);
    }
    let report = corpus.run(&filter, &mut parse);
    println!("{report}");
    Ok(report.failed == 0)
}
