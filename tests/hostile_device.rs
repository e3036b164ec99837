//! Hostile devices: an SSH server written here (russh's server API) that floods escapes,
//! blank lines and bytes, never opens its window, or a TCP port that accepts and says
//! nothing. Each must fail only its own job with a clear error, or give bounded output, and
//! leave the gateway serving the lab device next to it.
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use common::*;
use russh::keys::ssh_key::PrivateKey;
use russh::keys::ssh_key::private::Ed25519Keypair;
use russh::server::{Auth, Msg, Session};
use russh::{Channel, ChannelId, ChannelMsg};
use serde_json::{Value, json};

/// SSH window of a device that reads the one return the login sends to see its prompt, and
/// then no more: russh tops a window up only once it falls below half its size, which a
/// window of one byte never does.
const STUCK_WINDOW: u32 = 1;

/// The prompt every hostile shell shows; the cisco_ios and linux profiles both take it.
const PROMPT: &str = "hostile#";

/// What a hostile device sends: its banner before the first prompt, and each command's
/// output (before the next prompt). `window` is the SSH window it grants the gateway.
/// A command's output, from the command.
type Reply = Arc<dyn Fn(&str) -> Vec<u8> + Send + Sync>;

#[derive(Clone)]
struct Behaviour {
    banner: Arc<Vec<u8>>,
    reply: Reply,
    window: u32,
}

impl Behaviour {
    fn replying(reply: impl Fn(&str) -> Vec<u8> + Send + Sync + 'static) -> Self {
        Self {
            banner: Arc::new(Vec::new()),
            reply: Arc::new(reply),
            window: 2 * 1024 * 1024,
        }
    }
}

struct Hostile {
    behaviour: Behaviour,
}

impl russh::server::Handler for Hostile {
    type Error = russh::Error;

    async fn auth_password(&mut self, _user: &str, _password: &str) -> Result<Auth, Self::Error> {
        Ok(Auth::Accept)
    }

    async fn channel_open_session(
        &mut self,
        channel: Channel<Msg>,
        reply: russh::server::ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        reply.accept().await;
        tokio::spawn(shell(channel, self.behaviour.clone()));
        Ok(())
    }

    async fn pty_request(
        &mut self,
        channel: ChannelId,
        _term: &str,
        _col_width: u32,
        _row_height: u32,
        _pix_width: u32,
        _pix_height: u32,
        _modes: &[(russh::Pty, u32)],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_success(channel)
    }

    async fn shell_request(
        &mut self,
        channel: ChannelId,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_success(channel)
    }
}

/// The hostile shell: banner and prompt on `shell`, then per line its reply and a prompt.
async fn shell(channel: Channel<Msg>, b: Behaviour) {
    let (mut read, write) = channel.split();
    let mut line = Vec::new();
    while let Some(msg) = read.wait().await {
        match msg {
            ChannelMsg::RequestShell { .. } => {
                let mut first = b.banner.to_vec();
                first.extend_from_slice(format!("\r\n{PROMPT}").as_bytes());
                if write.data(&first[..]).await.is_err() {
                    return;
                }
            }
            ChannelMsg::Data { data } => {
                for byte in data.iter() {
                    if *byte != b'\n' && *byte != b'\r' {
                        line.push(*byte);
                        continue;
                    }
                    let command = String::from_utf8_lossy(&line).into_owned();
                    line.clear();
                    let mut out = format!("{command}\r\n").into_bytes();
                    // A bare return gets the prompt again, as on any CLI: that is how a
                    // client learns the prompt. Hostility is in what commands answer.
                    if !command.trim().is_empty() {
                        out.extend((b.reply)(command.trim()));
                    }
                    out.extend_from_slice(format!("\r\n{PROMPT}").as_bytes());
                    if write.data(&out[..]).await.is_err() {
                        return;
                    }
                }
            }
            ChannelMsg::Eof | ChannelMsg::Close => return,
            _ => {}
        }
    }
}

/// Starts a hostile device on loopback; it serves until the test's runtime ends.
async fn hostile(behaviour: Behaviour) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let config = Arc::new(russh::server::Config {
        keys: vec![PrivateKey::from(Ed25519Keypair::from_seed(&[9u8; 32]))],
        window_size: behaviour.window,
        auth_rejection_time: Duration::ZERO,
        auth_rejection_time_initial: Some(Duration::ZERO),
        nodelay: true,
        ..Default::default()
    });
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let handler = Hostile {
                behaviour: behaviour.clone(),
            };
            let config = config.clone();
            tokio::spawn(async move {
                if let Ok(session) = russh::server::run_stream(config, socket, handler).await {
                    let _ = session.await;
                }
            });
        }
    });
    addr
}

fn body(vendor: &str, addr: SocketAddr, command: Value) -> Value {
    let mut b = exec_body(vendor, &addr.ip().to_string(), addr.port(), command);
    b["execution_timeout"] = json!(5.0);
    b
}

/// The lab device still answers: the gateway was not harmed by whatever came before.
async fn lab_still_serves(h: &Harness) {
    let (host, port) = h.device("cisco_ios");
    let job = exec_wait(
        h,
        exec_body("cisco_ios", &host, port, json!("show version")),
    )
    .await;
    assert_eq!(
        job["status"], "finished",
        "the lab device after a hostile one: {job}"
    );
}

fn stdout(job: &Value) -> &str {
    job["result"]["retval"][0]["stdout"]
        .as_str()
        .unwrap_or_default()
}

#[tokio::test]
async fn escape_floods_render_bounded() {
    let h = harness(&["cisco_ios"]).await;
    let mut b = Behaviour::replying(|_| {
        let mut out = b"\x1b[99999999999Cx\r\n".to_vec();
        out.extend(b"\x1b[4000Cy\r\n".repeat(5_000));
        out.extend(b"\x1b[1;31m\x1b[?25l\x1b(B\x07\x08\x1b[99999999999D\x1b[K".repeat(5_000));
        out.extend(b"\r\nend");
        out
    });
    b.banner =
        Arc::new(b"\x1b[99999999999Cwelcome\r\n\x1b[2J\x1b[99999999999;99999999999H".to_vec());
    let addr = hostile(b).await;
    let sent = 18 + 5_000 * 10 + 5_000 * 44 + 5;
    let job = exec_wait(&h, body("cisco_ios", addr, json!("show flood"))).await;
    assert_eq!(job["status"], "finished", "{job}");
    let out = stdout(&job);
    assert!(
        out.ends_with("end"),
        "{:?}",
        &out[out.len().saturating_sub(80)..]
    );
    assert!(
        out.len() <= 2 * sent + 8192,
        "rendered {} bytes from {sent} sent",
        out.len()
    );
    let first = out.lines().next().unwrap();
    assert!(
        first.len() <= 4097 && first.ends_with('x'),
        "{}",
        first.len()
    );
    lab_still_serves(&h).await;
}

#[tokio::test]
async fn a_million_blank_lines_clean_and_finish() {
    let h = harness(&["cisco_ios"]).await;
    let addr = hostile(Behaviour::replying(|_| {
        let mut out = b"\r\n".repeat(1_000_000);
        out.extend(b"last line");
        out.extend(b"\r\n".repeat(1_000_000));
        out
    }))
    .await;
    let mut request = body("cisco_ios", addr, json!("show blank"));
    request["execution_timeout"] = json!(30.0);
    let job = exec_wait(&h, request).await;
    assert_eq!(job["status"], "finished", "{job}");
    assert_eq!(stdout(&job), "last line");
    lab_still_serves(&h).await;
}

#[tokio::test]
async fn output_past_the_job_budget_fails_the_job_and_drops_the_session() {
    const LIMIT: u64 = 1024 * 1024;
    let h = harness_with(&["cisco_ios"], |c| c.worker.max_output_bytes = LIMIT).await;
    // 600 KiB per command: each fits alone, two do not, so the budget is the job's.
    let addr = hostile(Behaviour::replying(|command| {
        if command.starts_with("show big") {
            b"0123456789abcdef\r\n".repeat(600 * 1024 / 18)
        } else {
            b"ok".to_vec()
        }
    }))
    .await;
    let one = exec_wait(&h, body("cisco_ios", addr, json!("show big 1"))).await;
    assert_eq!(
        one["status"], "finished",
        "one command within the budget: {one}"
    );
    let two = exec_wait(
        &h,
        body("cisco_ios", addr, json!(["show big 1", "show big 2"])),
    )
    .await;
    assert_eq!(two["status"], "failed", "{two}");
    assert_eq!(
        two["result"]["error"]["message"],
        format!("output over worker.max_output_bytes ({LIMIT} bytes)")
    );
    assert_eq!(two["result"]["error"]["type"], "output_limit");
    assert_eq!(
        two["result"]["retval"].as_array().map(Vec::len),
        Some(0),
        "nothing half-written: {}",
        two["result"]["retval"]
    );
    // The flooded session was discarded: the next job logs in anew.
    let next = exec_wait(&h, body("cisco_ios", addr, json!("show small"))).await;
    assert_eq!(next["status"], "finished", "{next}");
    assert_eq!(
        next["result"]["retval"][0]["metadata"]["session_reused"], false,
        "{next}"
    );
    // A flood with no end in one command fails the same way.
    let flood = hostile(Behaviour::replying(|_| vec![b'z'; 3 * 1024 * 1024])).await;
    let job = exec_wait(&h, body("cisco_ios", flood, json!("show flood"))).await;
    assert_eq!(job["result"]["error"]["type"], "output_limit", "{job}");
    lab_still_serves(&h).await;
}

#[tokio::test]
async fn a_window_that_never_opens_fails_the_job_with_a_timeout() {
    let h = harness(&["cisco_ios"]).await;
    // The linux profile needs no writes to log in, so the first write is the command, and
    // it meets a window of zero that the device never adjusts.
    let mut b = Behaviour::replying(|_| b"never".to_vec());
    b.window = 0;
    let addr = hostile(b).await;
    let mut request = body("linux", addr, json!("uname -a"));
    request["connection_args"]["driver"] = json!("netmiko");
    request["execution_timeout"] = json!(2.0);
    let job = exec_wait(&h, request).await;
    assert_eq!(job["status"], "failed", "{job}");
    assert_eq!(job["result"]["error"]["type"], "timeout", "{job}");
    // The cisco_ios profile writes while it logs in: the login step times out instead.
    let mut b = Behaviour::replying(|_| Vec::new());
    b.window = 0;
    let addr = hostile(b).await;
    let job = exec_wait(&h, body("cisco_ios", addr, json!("show version"))).await;
    assert_eq!(job["status"], "failed", "{job}");
    assert_eq!(job["result"]["error"]["type"], "timeout", "{job}");
    lab_still_serves(&h).await;
}

#[tokio::test]
async fn a_silent_tcp_port_fails_the_connect() {
    let h = harness_with(&["cisco_ios"], |c| c.connection_pool.connection_timeout = 1).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            open.push(socket); // accepted, never answered
        }
    });
    let job = exec_wait(&h, body("cisco_ios", addr, json!("show version"))).await;
    assert_eq!(job["status"], "failed", "{job}");
    assert_eq!(job["result"]["error"]["type"], "connection", "{job}");
    let message = job["result"]["error"]["message"].as_str().unwrap();
    assert!(message.contains("timed out"), "{message}");
    lab_still_serves(&h).await;
    held.abort();
}

mod pool_level {
    //! The pool API directly: keepalive nudges to a device that stopped reading, and
    //! acquire futures dropped mid-way.
    use super::*;
    use netpulse::config::HostKeyPolicy;
    use netpulse::ssh::hostkeys::HostKeys;
    use netpulse::ssh::pool::{Key, Pool, Session, Settings};
    use netpulse::ssh::{Auth, CliSession, Connector, Secret, SessionProfile, Target};

    fn settings(max_size: usize) -> Settings {
        Settings {
            max_size,
            min_size: 0,
            per_device: 4,
            max_idle: Duration::from_secs(3600),
            keepalive: Duration::ZERO,
            acquire_timeout: Duration::from_secs(10),
            adaptive: false,
            expand_above: 0.8,
            shrink_below: 0.2,
        }
    }

    fn target(addr: SocketAddr) -> Target {
        Target {
            host: addr.ip().to_string(),
            port: addr.port(),
            connect_addr: None,
            username: "admin".into(),
            auth: Auth::Password(Secret::new("admin")),
        }
    }

    fn key(addr: SocketAddr) -> Key {
        Key {
            host: addr.ip().to_string(),
            port: addr.port(),
            connect_addr: None,
            username: "admin".into(),
            credential: "c".into(),
            device_type: "linux".into(),
            driver: "cli",
            privileged: false,
        }
    }

    async fn open(
        connector: &Connector,
        addr: SocketAddr,
        platform: &str,
    ) -> Result<Session, netpulse::ssh::Error> {
        let conn = connector.connect(&target(addr)).await?;
        let spec = netpulse::ssh::profile::builtin(platform).unwrap();
        let profile = Arc::new(SessionProfile::compile(platform, &spec).unwrap());
        Ok(Session::Cli(
            CliSession::open(conn, profile, None, Duration::from_secs(5)).await?,
        ))
    }

    fn connector() -> Connector {
        let dir = std::env::temp_dir().join("netpulse-hostile-known-hosts");
        Connector::new(
            HostKeys::new(dir, HostKeyPolicy::AcceptAny),
            Duration::from_secs(5),
            None,
        )
    }

    /// A device whose window never opens sits idle in the pool next to a healthy one: the
    /// reaper's nudge to it fails within its bound, the reaper pass ends, and the healthy
    /// session is nudged and kept.
    #[tokio::test]
    async fn a_device_that_stopped_reading_does_not_stall_the_reaper() {
        let mut stuck = Behaviour::replying(|_| Vec::new());
        stuck.window = STUCK_WINDOW;
        let stuck = hostile(stuck).await;
        let healthy = hostile(Behaviour::replying(|_| b"fine".to_vec())).await;
        let pool = Pool::new(settings(8));
        let connector = connector();
        for addr in [stuck, healthy] {
            let lease = pool
                .acquire(&key(addr), || open(&connector, addr, "linux"))
                .await
                .unwrap();
            lease.release();
        }
        assert_eq!(pool.stats().idle, 2);
        // keepalive 0: both are due; the stuck one's NUL byte can never be sent.
        let reaped = tokio::time::timeout(Duration::from_secs(20), pool.reap()).await;
        assert!(
            reaped.is_ok(),
            "a reaper pass ends although one device never reads"
        );
        let stats = pool.stats();
        assert_eq!(
            stats.idle, 1,
            "the stuck session is closed, the healthy one kept: {stats:?}"
        );
        let mut lease = pool
            .acquire(&key(healthy), || async {
                unreachable!("the healthy session is reused")
            })
            .await
            .unwrap();
        assert!(lease.reused);
        if let Session::Cli(cli) = lease.session() {
            let out = cli.run("show x", Duration::from_secs(5)).await.unwrap();
            assert_eq!(out.output, "fine");
        }
        lease.release();
    }

    /// More than `max_size` acquires dropped while connecting, then more dropped while
    /// waiting: every count comes back, and a new acquire still gets a session.
    #[tokio::test]
    async fn dropped_acquires_give_their_counts_back() {
        const MAX: usize = 2;
        let addr = hostile(Behaviour::replying(|_| b"fine".to_vec())).await;
        let pool = Pool::new(settings(MAX));
        let connector = connector();
        // Connecting: each future is dropped by its timeout while `connect` hangs.
        for _ in 0..MAX * 3 {
            let k = key(addr);
            let attempt = pool.acquire(&k, std::future::pending::<Result<Session, _>>);
            assert!(
                tokio::time::timeout(Duration::from_millis(20), attempt)
                    .await
                    .is_err()
            );
        }
        assert_eq!(pool.stats().total, 0, "{:?}", pool.stats());
        let lease = pool
            .acquire(&key(addr), || open(&connector, addr, "linux"))
            .await
            .unwrap();
        assert!(
            !lease.reused,
            "a new connection is allowed after the dropped ones"
        );
        lease.release();
        // Waiting: one lease holds the only slot; the waiters are dropped mid-wait.
        let pool = Pool::new(settings(1));
        let held = pool
            .acquire(&key(addr), || open(&connector, addr, "linux"))
            .await
            .unwrap();
        for _ in 0..MAX * 3 {
            let k = key(addr);
            let attempt = pool.acquire(&k, std::future::pending::<Result<Session, _>>);
            assert!(
                tokio::time::timeout(Duration::from_millis(20), attempt)
                    .await
                    .is_err()
            );
        }
        assert_eq!(pool.stats().waiters, 0, "{:?}", pool.stats());
        held.release();
        let lease = pool
            .acquire(&key(addr), || open(&connector, addr, "linux"))
            .await
            .unwrap();
        assert!(lease.reused);
        drop(lease);
        // And with the slot free again, a fresh connect is allowed.
        let lease = pool
            .acquire(&key(addr), || open(&connector, addr, "linux"))
            .await
            .unwrap();
        assert!(!lease.reused);
        lease.release();
    }
}

/// A new password each time through `/device/test` meets the same per-device backoff as
/// any failed login: the second guess never reaches the device.
#[tokio::test]
async fn login_backoff_is_per_device_not_per_password() {
    let h = harness(&["cisco_ios"]).await;
    let (host, port) = h.device("cisco_ios");
    let guess = |password: &str| {
        let mut b = exec_body("cisco_ios", &host, port, json!("show version"));
        b["connection_args"]["password"] = json!(password);
        b
    };
    let (_, first) = call(
        &h.router(),
        "POST",
        "/device/test",
        Some(guess("guess-one")),
    )
    .await;
    assert_eq!(first["success"], false, "{first}");
    let reached = h.lab.total_connections();
    for password in ["guess-two", "guess-three", "admin"] {
        let (_, next) = call(&h.router(), "POST", "/device/test", Some(guess(password))).await;
        assert_eq!(next["success"], false, "{password}: {next}");
        assert!(
            next["error"]
                .as_str()
                .unwrap()
                .contains("authentication failed"),
            "{next}"
        );
    }
    assert_eq!(
        h.lab.total_connections(),
        reached,
        "no login reached the device while it was backed off"
    );
    // The job path meets the same backoff.
    let job = exec_wait(&h, guess("guess-four")).await;
    assert_eq!(job["result"]["error"]["type"], "authentication", "{job}");
    assert_eq!(h.lab.total_connections(), reached);
}

mod host_keys {
    use super::*;
    use netpulse::config::HostKeyPolicy;

    /// ssh-keygen's ECDSA key: another algorithm than the lab's ed25519 host keys.
    const ECDSA: &str = "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBNsVuljU03JQ7PgsAS55JVs172LU2FFwpTUtlbjg8CQMCUTzRrdgNku4PnH84Kb6VIEqZBVGXVAMXeIfe1tVCFM=";

    async fn job_with_known_hosts(policy: HostKeyPolicy, content: &str) -> (Value, String, String) {
        let h = harness_with(&["cisco_ios"], |c| c.ssh.host_key_policy = policy).await;
        let (host, port) = h.device("cisco_ios");
        let path = h.dir.path().join("known_hosts");
        std::fs::write(
            &path,
            content.replace("HOSTPORT", &format!("[{host}]:{port}")),
        )
        .unwrap();
        let before = std::fs::read_to_string(&path).unwrap();
        let job = exec_wait(
            &h,
            exec_body("cisco_ios", &host, port, json!("show version")),
        )
        .await;
        let after = std::fs::read_to_string(&path).unwrap();
        (job, before, after)
    }

    #[tokio::test]
    async fn a_key_of_another_algorithm_is_a_changed_key() {
        for policy in [HostKeyPolicy::AcceptNew, HostKeyPolicy::Strict] {
            let line = format!("HOSTPORT ecdsa-sha2-nistp256 {ECDSA}\n");
            let (job, before, after) = job_with_known_hosts(policy, &line).await;
            assert_eq!(job["status"], "failed", "{policy:?}: {job}");
            assert_eq!(job["result"]["error"]["type"], "host_key", "{job}");
            let message = job["result"]["error"]["message"].as_str().unwrap();
            assert!(message.contains("host key changed"), "{message}");
            assert_eq!(before, after, "nothing learned");
        }
    }

    #[tokio::test]
    async fn a_known_hosts_that_does_not_parse_refuses_and_learns_nothing() {
        for content in [
            "HOSTPORT ssh-ed25519\n",
            "# ok\nHOSTPORT ssh-ed25519 AAAA!!!!\n",
            "HOSTPORT ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIJdD7y3aLq454yWBdwLWbieU1ebz9/cu7/QEXn9OIeZJ\n",
        ] {
            let (job, before, after) =
                job_with_known_hosts(HostKeyPolicy::AcceptNew, content).await;
            assert_eq!(job["status"], "failed", "{content:?}: {job}");
            assert_eq!(job["result"]["error"]["type"], "host_key", "{job}");
            let message = job["result"]["error"]["message"].as_str().unwrap();
            assert!(message.contains("known_hosts cannot be used"), "{message}");
            assert_eq!(before, after, "a broken file is never a reason to learn");
        }
    }

    #[tokio::test]
    async fn accept_new_learns_once_into_a_whole_file() {
        let (job, _, after) =
            job_with_known_hosts(HostKeyPolicy::AcceptNew, "# operator's comment\n").await;
        assert_eq!(job["status"], "finished", "{job}");
        let lines: Vec<&str> = after.lines().collect();
        assert_eq!(lines.len(), 2, "{after}");
        assert_eq!(lines[0], "# operator's comment");
        assert!(lines[1].contains(" ssh-ed25519 "), "{after}");
    }
}
