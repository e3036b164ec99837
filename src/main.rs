//! `netpulse`: the command line (design §3). Loads config, builds the gateway, logs where it
//! listens, and waits; everything else lives in the library.

#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};

use netpulse::config;

/// mimalloc: see `netpulse_allocator` for why, and how it is tuned.
#[global_allocator]
static GLOBAL: netpulse_allocator::MiMalloc = netpulse_allocator::MiMalloc;

#[derive(Parser)]
#[command(
    name = "netpulse",
    version,
    about = "Network-automation gateway over pooled SSH sessions"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the gateway.
    Serve {
        /// Tuning config file.
        #[arg(long, default_value = "config/netpulse.yaml")]
        config: PathBuf,
    },
    /// Run the gateway plus a lab of simulated devices on loopback, with embedded defaults.
    Demo {
        /// Simulated devices in the lab.
        #[arg(long, default_value_t = 3)]
        devices: usize,
        /// HTTP port of the gateway.
        #[arg(long, default_value_t = 9000)]
        port: u16,
    },
    /// Run simulated devices until killed.
    Lab(netpulse::lab::cli::LabArgs),
    /// Inspect and exercise plugins.
    #[command(subcommand)]
    Plugin(PluginCommand),
    /// Validate a config file: exit 0, or list every error and exit 2.
    CheckConfig {
        /// The file to check.
        path: PathBuf,
    },
    /// Client: run commands on one device through a running gateway and print the output.
    Exec(netpulse::client::ExecArgs),
    /// Client: one command set on every device of a CSV file, with progress per wave.
    Bulk(netpulse::client::BulkArgs),
    /// Client: list recent jobs, or show one.
    Jobs(netpulse::client::JobsArgs),
    /// Client: show a batch's waves.
    Batch(netpulse::client::BatchArgs),
}

#[derive(Subcommand)]
enum PluginCommand {
    /// List loaded plugins (bundled and dropped-in).
    List {
        /// Tuning config file (for the plugin directory).
        #[arg(long, default_value = "config/netpulse.yaml")]
        config: PathBuf,
    },
    /// Run a parser over a file and print the JSON records.
    Parse {
        /// Platform (Netmiko name or alias).
        #[arg(long)]
        platform: String,
        /// The command whose output the file holds.
        #[arg(long)]
        command: String,
        /// Parser: auto, textfsm, or a plugin name.
        #[arg(long, default_value = "auto")]
        parser: String,
        /// Tuning config file (plugin directory, template_dirs).
        #[arg(long, default_value = "config/netpulse.yaml")]
        config: PathBuf,
        /// The device output.
        file: PathBuf,
    },
    /// Run every case of DIR/manifest.json and compare with the expected records.
    Conformance {
        /// Corpus directory (manifest.json, tests/, templates/).
        #[arg(long)]
        corpus: PathBuf,
        /// Engine to judge.
        #[arg(long, value_enum, default_value = "bundled")]
        engine: netpulse::serve::Engine,
        /// With --engine bundled: only the commands the bundled plugins claim to parse.
        #[arg(long)]
        only_bundled: bool,
        /// Print `N parses/s` over the corpus (N passes) instead of checking.
        #[arg(long, num_args = 0..=1, default_missing_value = "20")]
        bench: Option<usize>,
    },
}

fn main() -> ExitCode {
    netpulse_allocator::return_freed_memory_at_once();
    let cli = Cli::parse();
    match cli.command {
        Command::CheckConfig { path } => check_config(&path),
        Command::Plugin(command) => match plugin_command(command) {
            Ok(true) => ExitCode::SUCCESS,
            Ok(false) => ExitCode::from(1),
            Err(e) => {
                eprintln!("error: {e:#}");
                ExitCode::FAILURE
            }
        },
        Command::Exec(args) => client(netpulse::client::exec::run(args)),
        Command::Bulk(args) => client(netpulse::client::bulk::run(args)),
        Command::Jobs(args) => client(netpulse::client::jobs::run_jobs(args)),
        Command::Batch(args) => client(netpulse::client::jobs::run_batch(args)),
        other => block_on(
            &mut tokio::runtime::Builder::new_multi_thread(),
            async move { run(other).await.map(|()| ExitCode::SUCCESS) },
        ),
    }
}

/// Runs a client command on a small runtime of its own: it waits on one gateway, not devices.
fn client(command: impl std::future::Future<Output = anyhow::Result<ExitCode>>) -> ExitCode {
    block_on(&mut tokio::runtime::Builder::new_current_thread(), command)
}

/// Runs `future` on a runtime from `builder`; an error is printed once, with its causes.
fn block_on(
    builder: &mut tokio::runtime::Builder,
    future: impl std::future::Future<Output = anyhow::Result<ExitCode>>,
) -> ExitCode {
    let runtime = match builder.enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(future) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn check_config(path: &std::path::Path) -> ExitCode {
    match config::load(path) {
        Ok(_) => {
            println!("{}: ok", path.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(2)
        }
    }
}

fn plugin_command(command: PluginCommand) -> anyhow::Result<bool> {
    let base = std::env::current_dir().context("read the current directory")?;
    let load = |path: &std::path::Path| -> anyhow::Result<config::Config> {
        if path.exists() {
            Ok(config::load(path)?)
        } else {
            Ok(config::Config::default())
        }
    };
    match command {
        PluginCommand::List { config } => {
            netpulse::serve::plugin_list(&load(&config)?, &base).map(|()| true)
        }
        PluginCommand::Parse {
            platform,
            command,
            parser,
            config,
            file,
        } => netpulse::serve::plugin_parse(
            &load(&config)?,
            &base,
            &platform,
            &command,
            &parser,
            &file,
        )
        .map(|()| true),
        PluginCommand::Conformance {
            corpus,
            engine,
            only_bundled,
            bench,
        } => netpulse::serve::plugin_conformance(&corpus, engine, only_bundled, bench),
    }
}

async fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Serve { config: path } => {
            let config = config::load(&path)?;
            netpulse::serve::init_logging(&config.logging);
            let base = std::env::current_dir().context("read the current directory")?;
            netpulse::serve::serve(config, &path, &base).await
        }
        Command::Demo { devices, port } => netpulse::serve::demo(devices, port).await,
        Command::Lab(args) => {
            netpulse::serve::init_logging(&config::Logging::default());
            netpulse::lab::run(args.into_options())
                .await
                .context("run the device lab")
        }
        Command::CheckConfig { .. }
        | Command::Plugin(_)
        | Command::Exec(_)
        | Command::Bulk(_)
        | Command::Jobs(_)
        | Command::Batch(_) => Ok(()),
    }
}
