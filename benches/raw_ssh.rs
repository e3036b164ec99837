//! The ceiling for `benches/e2e.sh`: plain russh doing the same device work the gateway does
//! (PTY shell, wait for the prompt, `terminal length 0`, then `show version` until the
//! prompt), with no HTTP, no queue, no store. Prints one line:
//! `raw <mode> devices=N sessions=S: R cmds/s p50=X ms p99=Y ms (n=K)`.
//!
//! Usage: `raw_ssh --targets FILE --mode warm|connect --seconds S [--sessions-per-device K]`
//! where FILE has one `host:port` per line (the lab's ready lines work: the last field is used).
//! In warm mode every session logs in before the clock starts: the window holds commands only.
//!
//! `raw_ssh --targets FILE --mode once --concurrency C [--max-concurrent-logins L]
//! [--login-rate R]` is the ceiling for `benches/bulk.sh`: each device logged in to once and
//! `show version` run, at most C devices at a time and the logins under the gateway's own
//! login limit (`netpulse::ssh::LoginLimit`, the same rules as `connection_pool`), then closed.
//! Prints `raw once devices=N concurrency=C logins=L rate=R: W s wall (ok=K)`.
#![allow(missing_docs, clippy::unwrap_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use russh::ChannelMsg;
use russh::client;
use russh::keys::PublicKeyOrCertificate;

struct Accept;

impl client::Handler for Accept {
    type Error = russh::Error;
    // Benchmark against our own lab only: the key is not checked, on purpose.
    async fn check_server_key(&mut self, _: &PublicKeyOrCertificate) -> Result<bool, Self::Error> {
        Ok(true)
    }
}

struct Shell {
    _handle: client::Handle<Accept>,
    channel: russh::Channel<client::Msg>,
}

async fn read_prompt(channel: &mut russh::Channel<client::Msg>) -> Option<()> {
    let mut tail: Vec<u8> = Vec::new();
    loop {
        match tokio::time::timeout(Duration::from_secs(30), channel.wait())
            .await
            .ok()??
        {
            ChannelMsg::Data { data } => {
                tail.extend_from_slice(&data);
                if tail.len() > 256 {
                    tail.drain(..tail.len() - 256);
                }
                let last = tail.rsplit(|b| *b == b'\n').next().unwrap_or(&[]);
                let last = String::from_utf8_lossy(last);
                let t = last.trim_end();
                if t.ends_with('#') || t.ends_with('>') {
                    return Some(());
                }
            }
            ChannelMsg::Eof | ChannelMsg::Close => return None,
            _ => {}
        }
    }
}

async fn open(addr: &str) -> Option<Shell> {
    let config = Arc::new(client::Config {
        nodelay: true,
        ..Default::default()
    });
    let mut handle = client::connect(config, addr, Accept).await.ok()?;
    if !handle
        .authenticate_password("admin", "admin")
        .await
        .ok()?
        .success()
    {
        return None;
    }
    let mut channel = handle.channel_open_session().await.ok()?;
    channel
        .request_pty(false, "vt100", 511, 1000, 0, 0, &[])
        .await
        .ok()?;
    channel.request_shell(false).await.ok()?;
    read_prompt(&mut channel).await?;
    channel.data_bytes(&b"terminal length 0\n"[..]).await.ok()?;
    read_prompt(&mut channel).await?;
    Some(Shell {
        _handle: handle,
        channel,
    })
}

async fn command(shell: &mut Shell) -> Option<()> {
    shell
        .channel
        .data_bytes(&b"show version\n"[..])
        .await
        .ok()?;
    read_prompt(&mut shell.channel).await
}

/// One device of `--mode once`: a login under `logins` (held until the prompt is seen and
/// paging is off, as the gateway holds it), then the command.
async fn once(target: String, logins: netpulse::ssh::LoginLimit) -> Option<()> {
    let deadline = std::time::Instant::now() + Duration::from_secs(3600);
    let permit = logins.acquire(&target, deadline).await.ok()?;
    let mut shell = open(&target).await?;
    drop(permit);
    command(&mut shell).await
}

/// `--mode once`: every target once, at most `concurrency` at a time; the wall time.
async fn run_once(targets: Vec<String>, concurrency: usize, logins: netpulse::ssh::LoginLimit) {
    let settings = logins.settings();
    let began = Instant::now();
    let slots = Arc::new(tokio::sync::Semaphore::new(concurrency.max(1)));
    let tasks: Vec<_> = targets
        .iter()
        .map(|t| {
            let (t, slots, logins) = (t.clone(), slots.clone(), logins.clone());
            tokio::spawn(async move {
                let _slot = slots.acquire_owned().await.ok()?;
                once(t, logins).await
            })
        })
        .collect();
    let mut ok = 0;
    for t in tasks {
        if t.await.unwrap().is_some() {
            ok += 1;
        }
    }
    let rate = settings.rate.map_or("off".to_string(), |r| r.to_string());
    println!(
        "raw once devices={} concurrency={concurrency} logins={} rate={rate}: {:.2} s wall (ok={ok})",
        targets.len(),
        settings.max_concurrent,
        began.elapsed().as_secs_f64(),
    );
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let targets: Vec<String> = std::fs::read_to_string(arg("--targets").expect("--targets FILE"))
        .unwrap()
        .lines()
        .filter_map(|l| l.split_whitespace().last().map(String::from))
        .filter(|t| t.contains(':'))
        .collect();
    let mode = arg("--mode").unwrap_or_else(|| "warm".into());
    if mode == "once" {
        let number = |name: &str| arg(name).filter(|v| v != "off").map(|v| v.parse().unwrap());
        let logins = netpulse::ssh::LoginLimit::new(
            netpulse::ssh::LoginSettings {
                max_concurrent: number("--max-concurrent-logins").map_or(
                    netpulse::config::validate::MAX_CONCURRENT_LOGINS,
                    |n: f64| n as usize,
                ),
                rate: number("--login-rate"),
            },
            None,
        );
        let concurrency = arg("--concurrency").map_or(targets.len(), |c| c.parse().unwrap());
        return run_once(targets, concurrency, logins).await;
    }
    let seconds: f64 = arg("--seconds").map_or(5.0, |s| s.parse().unwrap());
    let per_device: usize = arg("--sessions-per-device").map_or(1, |s| s.parse().unwrap());
    // With --count, each session runs exactly that many commands (sequential mode).
    let count: Option<usize> = arg("--count").map(|s| s.parse().unwrap());
    let devices = targets.len();
    let targets: Vec<String> = targets
        .iter()
        .flat_map(|t| std::iter::repeat_n(t.clone(), per_device))
        .collect();
    // Warm mode times commands on sessions already logged in (the gateway is measured after
    // a warm-up pass, so the ceiling must not pay the login delay inside its window either).
    let mut shells: Vec<Option<Shell>> = Vec::new();
    if mode == "warm" {
        let opening: Vec<_> = targets
            .iter()
            .map(|t| {
                let t = t.clone();
                tokio::spawn(async move { open(&t).await })
            })
            .collect();
        for o in opening {
            shells.push(o.await.unwrap());
        }
    }
    let began = Instant::now();
    let stop = began + Duration::from_secs_f64(seconds);
    let mut tasks = Vec::new();
    let sessions = targets.len();
    let mut shells = shells.into_iter();
    for target in targets {
        let warm = if mode == "warm" {
            Some(shells.next().flatten())
        } else {
            None
        };
        tasks.push(tokio::spawn(async move {
            let mut samples = Vec::new();
            if let Some(shell) = warm {
                let Some(mut shell) = shell else {
                    return samples;
                };
                while count.map_or(Instant::now() < stop, |c| samples.len() < c) {
                    let t = Instant::now();
                    if command(&mut shell).await.is_none() {
                        break;
                    }
                    samples.push(t.elapsed());
                }
            } else {
                while count.map_or(Instant::now() < stop, |c| samples.len() < c) {
                    let t = Instant::now();
                    let Some(mut shell) = open(&target).await else {
                        break;
                    };
                    if command(&mut shell).await.is_none() {
                        break;
                    }
                    samples.push(t.elapsed());
                }
            }
            samples
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let elapsed = match count {
        Some(_) => began.elapsed().as_secs_f64(),
        None => began.elapsed().as_secs_f64().max(seconds),
    };
    all.sort();
    let pct = |p: f64| {
        if all.is_empty() {
            0.0
        } else {
            all[((all.len() as f64 * p) as usize).min(all.len() - 1)].as_secs_f64() * 1000.0
        }
    };
    println!(
        "raw {mode} devices={} sessions={}: {:.0} cmds/s p50={:.2} ms p99={:.2} ms (n={})",
        devices,
        sessions,
        all.len() as f64 / elapsed,
        pct(0.50),
        pct(0.99),
        all.len()
    );
}
