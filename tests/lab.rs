//! The device lab, driven over real SSH by a small russh client written here (it shares no code with the
//! gateway's client, nor with the lab's internals).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use netpulse::lab::{Lab, LabOptions};
use regex::Regex;
use russh::ChannelMsg;
use russh::client;
use russh::keys::{PrivateKey, PublicKey};

/// Every await in these tests is bounded by this.
const STEP: Duration = Duration::from_secs(10);

struct Client {
    /// When set, the server key must equal it; otherwise the first key seen is recorded here.
    known: Arc<Mutex<Option<PublicKey>>>,
}

impl client::Handler for Client {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        key: &russh::keys::PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        let key = key.public_key();
        let mut known = self.known.lock().expect("lock");
        match &*known {
            Some(k) => Ok(k.key_data() == key.key_data()),
            None => {
                *known = Some(key.clone());
                Ok(true)
            }
        }
    }
}

fn opts(dir: &tempfile::TempDir, vendors: &[&str], devices: usize) -> LabOptions {
    LabOptions {
        devices,
        base_port: 0,
        vendors: vendors.iter().map(|s| s.to_string()).collect(),
        state_dir: dir.path().to_path_buf(),
        ..LabOptions::default()
    }
}

async fn connect_with(
    addr: std::net::SocketAddr,
    known: Arc<Mutex<Option<PublicKey>>>,
) -> client::Handle<Client> {
    let config = Arc::new(client::Config {
        nodelay: true,
        ..Default::default()
    });
    tokio::time::timeout(STEP, client::connect(config, addr, Client { known }))
        .await
        .expect("connect timeout")
        .expect("connect")
}

async fn login(
    addr: std::net::SocketAddr,
    user: &str,
    password: &str,
) -> (client::Handle<Client>, bool) {
    let mut h = connect_with(addr, Arc::new(Mutex::new(None))).await;
    let ok = tokio::time::timeout(STEP, h.authenticate_password(user, password))
        .await
        .expect("auth timeout")
        .expect("auth")
        .success();
    (h, ok)
}

/// An interactive PTY shell with a read buffer.
struct Term {
    ch: russh::Channel<client::Msg>,
    buf: String,
    closed: bool,
}

impl Term {
    async fn open(h: &client::Handle<Client>) -> Term {
        let ch = tokio::time::timeout(STEP, h.channel_open_session())
            .await
            .expect("open timeout")
            .expect("open");
        ch.request_pty(true, "vt100", 511, 1000, 0, 0, &[])
            .await
            .expect("pty");
        ch.request_shell(true).await.expect("shell");
        Term {
            ch,
            buf: String::new(),
            closed: false,
        }
    }

    async fn send(&self, s: &str) {
        self.ch.data(s.as_bytes()).await.expect("send");
    }

    /// Reads until `re` matches; returns everything up to the end of the match and keeps the rest.
    async fn until(&mut self, re: &str) -> String {
        self.until_within(re, STEP)
            .await
            .unwrap_or_else(|| panic!("timed out waiting for {re:?}; got {:?}", self.buf))
    }

    async fn until_within(&mut self, re: &str, limit: Duration) -> Option<String> {
        let re = Regex::new(re).expect("regex");
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            if let Some(m) = re.find(&self.buf) {
                let out = self.buf[..m.end()].to_string();
                self.buf = self.buf[m.end()..].to_string();
                return Some(out);
            }
            if self.closed {
                return None;
            }
            match tokio::time::timeout_at(deadline, self.ch.wait()).await {
                Err(_) => return None,
                Ok(Some(ChannelMsg::Data { data })) => {
                    self.buf.push_str(&String::from_utf8_lossy(&data))
                }
                Ok(Some(ChannelMsg::Eof | ChannelMsg::Close)) | Ok(None) => self.closed = true,
                Ok(Some(_)) => {}
            }
        }
    }

    async fn cmd(&mut self, line: &str, prompt: &str) -> String {
        self.send(&format!("{line}\n")).await;
        self.until(prompt).await
    }
}

async fn ios_enabled(lab: &Lab) -> (client::Handle<Client>, Term) {
    let (h, ok) = login(lab.devices()[0].addr, "admin", "admin").await;
    assert!(ok);
    let mut t = Term::open(&h).await;
    t.until(r"r1>$").await;
    t.send("enable\n").await;
    t.until("Password: $").await;
    t.send("enable\n").await;
    t.until(r"\r\nr1#$").await;
    (h, t)
}

#[tokio::test]
async fn ios_echo_crlf_paging_and_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lab = Lab::start(opts(&dir, &["cisco_ios"], 2))
        .await
        .expect("start");
    assert_eq!(lab.devices()[0].name, "r1");
    assert_eq!(lab.devices()[1].name, "r2");
    let (_h, mut t) = ios_enabled(&lab).await;
    assert_eq!(lab.open_connections(), 1);

    // Echo, CRLF, and the pager on a long output; NUL is ignored.
    t.send("\0").await;
    t.send("show interfaces\r").await;
    let first = t.until(" --More-- $").await;
    assert!(first.starts_with("show interfaces\r\n"), "{first:?}");
    assert!(first.contains("GigabitEthernet0/0 is up, line protocol is up"));
    assert!(
        !first.replace("\r\n", "").contains('\n'),
        "bare LF in {first:?}"
    );
    t.send(" ").await;
    t.until(" --More-- $").await;
    t.send("q").await;
    t.until(r"r1#$").await;

    // `terminal length 0` prints only the echo and the prompt, then output is not paged.
    let out = t.cmd("terminal length 0", r"r1#$").await;
    assert_eq!(out, "terminal length 0\r\nr1#");
    let out = t.cmd("sh int", r"r1#$").await;
    assert!(!out.contains("--More--") && out.contains("Loopback0 is up"));

    // Abbreviations, invalid input and ambiguity.
    let out = t.cmd("sh ip int br", r"r1#$").await;
    assert!(
        out.contains("GigabitEthernet0/0     10.10.0.1       YES NVRAM  up                    up"),
        "{out}"
    );
    let out = t.cmd("show bogus", r"r1#$").await;
    assert_eq!(
        out,
        "show bogus\r\n        ^\r\n% Invalid input detected at '^' marker.\r\n\r\nr1#"
    );
    let out = t.cmd("sh i", r"r1#$").await;
    assert!(out.contains("% Ambiguous command:  \"sh i\""), "{out}");
    let out = t.cmd("show ip", r"r1#$").await;
    assert!(out.contains("% Incomplete command."), "{out}");
    let out = t.cmd("sh ver | include uptime", r"r1#$").await;
    assert!(
        out.contains("r1 uptime is") && !out.contains("Cisco IOS"),
        "{out}"
    );

    // Enter as \r\n is one Enter, not two.
    t.send("show clock\r\n").await;
    t.until(r"r1#$").await;
    assert!(
        t.until_within(r"r1#", Duration::from_millis(300))
            .await
            .is_none(),
        "extra prompt: {:?}",
        t.buf
    );
    lab.shutdown().await;
}

#[tokio::test]
async fn ios_enable_config_and_save() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lab = Lab::start(opts(&dir, &["cisco_ios"], 1))
        .await
        .expect("start");
    let (h, ok) = login(lab.devices()[0].addr, "admin", "admin").await;
    assert!(ok);
    let mut t = Term::open(&h).await;
    let banner = t.until(r"r1>$").await;
    assert!(banner.contains("r1"));
    t.send("enable\n").await;
    t.until("Password: $").await;
    // The secret is not echoed; three wrong tries give `% Access denied`.
    for _ in 0..2 {
        t.send("wrong\n").await;
        let out = t.until("Password: $").await;
        assert!(!out.contains("wrong"));
    }
    t.send("wrong\n").await;
    let out = t.until(r"r1>$").await;
    assert!(out.contains("% Access denied"), "{out}");
    t.send("enable\n").await;
    t.until("Password: $").await;
    t.send("enable\n").await;
    t.until(r"r1#$").await;

    let out = t.cmd("conf t", r"r1\(config\)#$").await;
    assert!(out.contains("Enter configuration commands, one per line.  End with CNTL/Z."));
    t.cmd("hostname core1", r"core1\(config\)#$").await;
    t.cmd("interface Gi0/3", r"core1\(config-if\)#$").await;
    t.cmd("description uplink to dist", r"core1\(config-if\)#$")
        .await;
    t.cmd("no switchport", r"core1\(config-if\)#$").await;
    t.cmd(
        "ip address 192.0.2.1 255.255.255.0",
        r"core1\(config-if\)#$",
    )
    .await;
    t.cmd("shutdown", r"core1\(config-if\)#$").await;
    t.cmd("vlan 30", r"core1\(config-vlan\)#$").await;
    t.cmd("name voice", r"core1\(config-vlan\)#$").await;
    let out = t
        .cmd("ip address 1.2.3.4 255.0.255.0", r"core1\(config-vlan\)#$")
        .await;
    assert!(out.contains("% Invalid input"), "{out}");
    t.cmd("end", r"core1#$").await;
    t.cmd("terminal length 0", r"core1#$").await;
    let out = t.cmd("show ip interface brief", r"core1#$").await;
    assert!(
        out.contains(
            "GigabitEthernet0/3     192.0.2.1       YES NVRAM  administratively down down"
        ),
        "{out}"
    );
    let out = t.cmd("show interfaces gi0/3", r"core1#$").await;
    assert!(
        out.contains("Description: uplink to dist")
            && out.contains("Internet address is 192.0.2.1/24"),
        "{out}"
    );
    let out = t.cmd("show vlan brief", r"core1#$").await;
    assert!(
        out.contains("30   voice                            active"),
        "{out}"
    );
    let out = t.cmd("show running-config", r"core1#$").await;
    assert!(
        out.contains("hostname core1")
            && out.contains(" ip address 192.0.2.1 255.255.255.0\r\n shutdown"),
        "{out}"
    );
    let out = t.cmd("write memory", r"core1#$").await;
    assert!(out.contains("Building configuration...\r\n[OK]"), "{out}");
    t.send("copy running-config startup-config\n").await;
    t.until(r"Destination filename \[startup-config\]\? $")
        .await;
    let out = t.cmd("", r"core1#$").await;
    assert!(out.contains("[OK]"), "{out}");

    // The change is in the device, not the session: a second session sees it.
    let (h2, _) = login(lab.devices()[0].addr, "admin", "admin").await;
    let mut t2 = Term::open(&h2).await;
    t2.until(r"core1>$").await;
    t2.cmd("disable", r"core1>$").await;
    t.cmd("exit", "$").await;
    lab.shutdown().await;
}

#[tokio::test]
async fn wrong_password_refused_and_public_key_accepted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = PrivateKey::from(russh::keys::ssh_key::private::Ed25519Keypair::from_seed(
        &[7; 32],
    ));
    let keys_file = dir.path().join("authorized_keys");
    std::fs::write(
        &keys_file,
        format!(
            "# test\n{}\n",
            key.public_key().to_openssh().expect("openssh")
        ),
    )
    .expect("write");
    let mut o = opts(&dir, &["cisco_ios"], 1);
    o.authorized_keys = Some(keys_file);
    let lab = Lab::start(o).await.expect("start");
    let addr = lab.devices()[0].addr;

    let (_h, ok) = login(addr, "admin", "nope").await;
    assert!(!ok, "wrong password accepted");
    let (_h, ok) = login(addr, "root", "admin").await;
    assert!(!ok, "wrong user accepted");

    let mut h = connect_with(addr, Arc::new(Mutex::new(None))).await;
    let hash = h.best_supported_rsa_hash().await.expect("hash").flatten();
    let res = tokio::time::timeout(
        STEP,
        h.authenticate_publickey(
            "admin",
            russh::keys::PrivateKeyWithHashAlg::new(Arc::new(key), hash),
        ),
    )
    .await
    .expect("timeout")
    .expect("auth");
    assert!(res.success());
    let mut t = Term::open(&h).await;
    t.until(r"r1>$").await;
    lab.shutdown().await;
}

#[tokio::test]
async fn host_key_persists_across_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lab = Lab::start(opts(&dir, &["cisco_ios"], 2))
        .await
        .expect("start");
    let known = Arc::new(Mutex::new(None));
    let _h = connect_with(lab.devices()[1].addr, known.clone()).await;
    lab.shutdown().await;
    assert!(known.lock().expect("lock").is_some());

    let lab = Lab::start(opts(&dir, &["cisco_ios"], 2))
        .await
        .expect("restart");
    // The same key for device 2 is accepted; device 1's key is a different one.
    let _h = connect_with(lab.devices()[1].addr, known.clone()).await;
    let config = Arc::new(client::Config::default());
    let r = tokio::time::timeout(
        STEP,
        client::connect(config, lab.devices()[0].addr, Client { known }),
    )
    .await
    .expect("timeout");
    assert!(r.is_err(), "device 1 presented device 2's key");
    lab.shutdown().await;
}

#[tokio::test]
async fn linux_exec_channel() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lab = Lab::start(opts(&dir, &["linux"], 1)).await.expect("start");
    let (h, ok) = login(lab.devices()[0].addr, "admin", "admin").await;
    assert!(ok);
    async fn exec(h: &client::Handle<Client>, cmd: &str) -> (String, String, Option<u32>) {
        let mut ch = h.channel_open_session().await.expect("open");
        ch.exec(true, cmd).await.expect("exec");
        let (mut out, mut err, mut status) = (String::new(), String::new(), None);
        loop {
            match tokio::time::timeout(STEP, ch.wait())
                .await
                .expect("exec timeout")
            {
                Some(ChannelMsg::Data { data }) => out.push_str(&String::from_utf8_lossy(&data)),
                Some(ChannelMsg::ExtendedData { data, ext: 1 }) => {
                    err.push_str(&String::from_utf8_lossy(&data))
                }
                Some(ChannelMsg::ExitStatus { exit_status }) => status = Some(exit_status),
                Some(ChannelMsg::Close) | None => break,
                _ => {}
            }
        }
        (out, err, status)
    }
    let (out, _, st) = exec(&h, "uname -a").await;
    assert!(out.starts_with("Linux r1 ") && st == Some(0), "{out}");
    assert_eq!(
        exec(&h, "hostname").await,
        ("r1\n".into(), String::new(), Some(0))
    );
    assert_eq!(exec(&h, "echo hello world").await.0, "hello world\n");
    assert_eq!(exec(&h, "false").await.2, Some(1));
    assert!(
        exec(&h, "cat /etc/os-release")
            .await
            .0
            .contains("ID=debian")
    );
    assert_eq!(
        exec(&h, "frobnicate").await,
        (
            String::new(),
            "bash: frobnicate: command not found\n".into(),
            Some(127)
        )
    );
    let mut t = Term::open(&h).await;
    t.until(r"admin@r1:~\$ $").await;
    let out = t.cmd("hostname", r"admin@r1:~\$ $").await;
    assert_eq!(out, "hostname\r\nr1\r\nadmin@r1:~$ ");
    lab.shutdown().await;
}

#[tokio::test]
async fn faults_sleep_hang_drop_flood() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lab = Lab::start(opts(&dir, &["cisco_ios"], 1))
        .await
        .expect("start");
    let (h, mut t) = ios_enabled(&lab).await;

    // lab sleep answers after the delay, and meanwhile another channel of the same connection still works.
    let mut other = Term::open(&h).await;
    other.until(r"r1>$").await;
    let started = std::time::Instant::now();
    t.send("lab sleep 700\n").await;
    let quick = other.cmd("show clock", r"r1>$").await;
    assert!(
        quick.contains("UTC") && started.elapsed() < Duration::from_millis(600),
        "{:?}",
        started.elapsed()
    );
    t.until(r"r1#$").await;
    assert!(started.elapsed() >= Duration::from_millis(700));

    // lab flood prints KB kilobytes (paged until paging is off).
    t.send("lab flood 4\n").await;
    t.until(" --More-- $").await;
    t.send("q").await;
    t.until(r"r1#$").await;
    t.cmd("terminal length 0", r"r1#$").await;
    let out = t.cmd("lab flood 4", r"r1#$").await;
    assert_eq!(out.matches("lab flood 0123").count(), 64);

    // lab hang: no answer, but the connection stays up and other channels work.
    t.send("lab hang\n").await;
    assert!(
        t.until_within(r"r1#$", Duration::from_millis(500))
            .await
            .is_none()
    );
    other.cmd("show clock", r"r1>$").await;
    assert!(!h.is_closed());

    // lab drop: part of an output, then the connection closes.
    other.send("lab drop\n").await;
    let got = other.until_within("NEVER", STEP).await;
    assert!(
        got.is_none() && other.closed && other.buf.contains("lab flood"),
        "{:?}",
        other.buf.len()
    );
    tokio::time::timeout(STEP, async {
        while lab.open_connections() != 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("connection not dropped");
    assert_eq!(lab.total_connections(), 1);
    lab.shutdown().await;
}

#[tokio::test]
async fn latency_and_login_delay() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut o = opts(&dir, &["cisco_ios"], 1);
    o.latency_ms = 150;
    o.login_delay_ms = 300;
    let lab = Lab::start(o).await.expect("start");
    let (h, _) = login(lab.devices()[0].addr, "admin", "admin").await;
    let started = std::time::Instant::now();
    let mut t = Term::open(&h).await;
    t.until(r"r1>$").await;
    assert!(started.elapsed() >= Duration::from_millis(300));
    let started = std::time::Instant::now();
    t.cmd("show clock", r"r1>$").await;
    assert!(started.elapsed() >= Duration::from_millis(150));
    lab.shutdown().await;
}

#[tokio::test]
async fn open_connections_counts_and_vendors_round_robin() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lab = Lab::start(opts(&dir, &["ios", "linux"], 3))
        .await
        .expect("start");
    let v: Vec<&str> = lab.devices().iter().map(|d| d.vendor.as_str()).collect();
    assert_eq!(v, ["cisco_ios", "linux", "cisco_ios"]);
    let mut hs = Vec::new();
    for d in lab.devices() {
        hs.push(login(d.addr, "admin", "admin").await.0);
    }
    assert_eq!(lab.open_connections(), 3);
    for h in &hs {
        h.disconnect(russh::Disconnect::ByApplication, "", "en")
            .await
            .expect("disconnect");
    }
    drop(hs);
    tokio::time::timeout(STEP, async {
        while lab.open_connections() != 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("connections not closed");
    assert_eq!(lab.total_connections(), 3);
    assert!(Lab::start(opts(&dir, &["nokia"], 1)).await.is_err());
    lab.shutdown().await;
}

/// Logs in to device `i` and returns a shell that has seen its first prompt.
async fn shell_on(lab: &Lab, i: usize, first_prompt: &str) -> (client::Handle<Client>, Term) {
    let (h, ok) = login(lab.devices()[i].addr, "admin", "admin").await;
    assert!(ok);
    let mut t = Term::open(&h).await;
    t.until(first_prompt).await;
    (h, t)
}

#[tokio::test]
async fn nxos_and_eos_prompts_paging_and_config() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lab = Lab::start(opts(&dir, &["nxos", "arista_eos"], 2))
        .await
        .expect("start");

    // NX-OS: lands in `# ` with the long MOTD, echo is `cmd\r\r\n`, one-space config banner.
    let (_h, mut t) = shell_on(&lab, 0, r"r1# $").await;
    t.send("show interface\n").await;
    let out = t.until("\x1b\\[7m--More--\x1b\\[27m$").await;
    assert!(out.starts_with("show interface\r\r\n"), "{out:?}");
    t.send("q").await;
    t.until(r"r1# $").await;
    assert_eq!(
        t.cmd("terminal length 0", r"r1# $").await,
        "terminal length 0\r\r\nr1# "
    );
    let out = t.cmd("conf t", r"r1\(config\)#$").await;
    assert!(out.contains("Enter configuration commands, one per line. End with CNTL/Z."));
    t.cmd("interface e1/3", r"r1\(config-if\)#$").await;
    t.cmd("description to-server", r"r1\(config-if\)#$").await;
    t.cmd("no switchport", r"r1\(config-if\)#$").await;
    t.cmd("ip address 192.0.2.9/24", r"r1\(config-if\)#$").await;
    t.cmd("end", r"r1# $").await;
    let out = t.cmd("show ip interface brief", r"r1# $").await;
    assert!(
        out.contains("Eth1/3               192.0.2.9       protocol-down/link-down/admin-up"),
        "{out}"
    );
    let out = t.cmd("show interface brief", r"r1# $").await;
    assert!(out.contains("Eth1/1") && out.contains("mgmt0"), "{out}");
    let out = t.cmd("show bogus", r"r1# $").await;
    assert!(out.contains("% Invalid command at '^' marker."), "{out}");
    let out = t.cmd("show version", r"r1# $").await;
    assert!(
        out.contains("NXOS: version 9.3(10)") && out.contains("Device name: r1"),
        "{out}"
    );

    // EOS: `>` then enable, `Pagination disabled.`, `(config-if-Et2)#`, token-indexed errors.
    let (_h, mut t) = shell_on(&lab, 1, r"r2>$").await;
    let out = t.cmd("terminal length 0", r"r2>$").await;
    assert_eq!(out, "terminal length 0\r\nPagination disabled.\r\nr2>");
    t.send("enable\n").await;
    t.until("Password: $").await;
    t.cmd("enable", r"r2#$").await;
    t.cmd("configure terminal", r"r2\(config\)#$").await;
    t.cmd("interface Ethernet2", r"r2\(config-if-Et2\)#$").await;
    t.cmd("shutdown", r"r2\(config-if-Et2\)#$").await;
    t.cmd("end", r"r2#$").await;
    let out = t.cmd("show ip interface brief", r"r2#$").await;
    assert!(out.contains("admin down"), "{out}");
    let out = t.cmd("show bogus", r"r2#$").await;
    assert!(
        out.contains("% Invalid input (at token 1: 'bogus')"),
        "{out}"
    );
    let out = t.cmd("show version", r"r2#$").await;
    assert!(out.contains("Software image version: 4.28.3M"), "{out}");
    let out = t.cmd("show lldp neighbors", r"r2#$").await;
    assert!(out.contains("Et2           r1"), "{out}");
    lab.shutdown().await;
}

#[tokio::test]
async fn xr_timestamps_and_commit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lab = Lab::start(opts(&dir, &["cisco_xr"], 1))
        .await
        .expect("start");
    let (_h, mut t) = shell_on(&lab, 0, r"RP/0/RP0/CPU0:r1#$").await;
    t.cmd("terminal length 0", r"RP/0/RP0/CPU0:r1#$").await;
    let out = t.cmd("show version", r"RP/0/RP0/CPU0:r1#$").await;
    assert!(
        out.contains("UTC\r\n") && out.contains("Cisco IOS XR Software, Version 7.3.2"),
        "{out}"
    );
    t.cmd("configure terminal", r"RP/0/RP0/CPU0:r1\(config\)#$")
        .await;
    t.cmd("hostname pe1", r"RP/0/RP0/CPU0:r1\(config\)#$").await;
    // Not applied until commit.
    t.cmd(
        "do show ip interface brief",
        r"RP/0/RP0/CPU0:r1\(config\)#$",
    )
    .await;
    t.cmd("commit", r"RP/0/RP0/CPU0:pe1\(config\)#$").await;
    t.cmd(
        "interface GigabitEthernet0/0/0/3",
        r"RP/0/RP0/CPU0:pe1\(config-if\)#$",
    )
    .await;
    t.cmd(
        "ipv4 address 192.0.2.1 255.255.255.0",
        r"RP/0/RP0/CPU0:pe1\(config-if\)#$",
    )
    .await;
    t.send("end\n").await;
    t.until(
        r"Uncommitted changes found, commit them before exiting\(yes/no/cancel\)\? \[cancel\]:$",
    )
    .await;
    t.cmd("yes", r"RP/0/RP0/CPU0:pe1#$").await;
    let out = t
        .cmd("show ipv4 interface brief", r"RP/0/RP0/CPU0:pe1#$")
        .await;
    assert!(
        out.contains("GigabitEthernet0/0/0/3         192.0.2.1       Down"),
        "{out}"
    );
    let out = t.cmd("admin show inventory", r"RP/0/RP0/CPU0:pe1#$").await;
    assert!(out.contains("NAME: \"Rack 0\""), "{out}");
    t.cmd("terminal exec prompt no-timestamp", r"RP/0/RP0/CPU0:pe1#$")
        .await;
    let out = t.cmd("show running-config", r"RP/0/RP0/CPU0:pe1#$").await;
    assert!(
        !out.contains("UTC\r\nBuilding") && out.contains("hostname pe1"),
        "{out}"
    );
    let out = t.cmd("show bogus", r"RP/0/RP0/CPU0:pe1#$").await;
    assert!(
        out.contains("% Invalid input detected at '^' marker."),
        "{out}"
    );
    lab.shutdown().await;
}

#[tokio::test]
async fn junos_modes_pager_and_commit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lab = Lab::start(opts(&dir, &["junos"], 2)).await.expect("start");
    let (_h, mut t) = shell_on(&lab, 0, r"admin@r1> $").await;
    t.send("show interfaces\n").await;
    t.until(r"---\(more \d+%\)---$").await;
    t.send("q").await;
    t.until(r"admin@r1> $").await;
    let out = t.cmd("set cli screen-length 0", r"admin@r1> $").await;
    assert!(out.contains("Screen length set to 0"), "{out}");
    let out = t.cmd("configure", r"\[edit\]\r\nadmin@r1# $").await;
    assert!(out.contains("Entering configuration mode"), "{out}");
    t.cmd("set system host-name edge1", r"admin@r1# $").await;
    t.cmd(
        "set interfaces ge-0/0/3 description \"to printer\"",
        r"admin@r1# $",
    )
    .await;
    t.cmd("set vlans voice vlan-id 30", r"admin@r1# $").await;
    let out = t.cmd("set bogus thing", r"admin@r1# $").await;
    assert!(
        out.contains("unknown command.") || out.contains("syntax error"),
        "{out}"
    );
    let out = t.cmd("commit", r"admin@edge1# $").await;
    assert!(out.contains("commit complete"), "{out}");
    t.cmd("set interfaces ge-0/0/3 disable", r"admin@edge1# $")
        .await;
    t.send("exit\n").await;
    let out = t
        .until(r"Exit with uncommitted changes\? \[yes,no\] \(yes\) $")
        .await;
    assert!(out.contains("The configuration has been changed but not committed"));
    t.cmd("yes", r"admin@edge1> $").await;
    let out = t.cmd("show interfaces ge-0/0/3", r"admin@edge1> $").await;
    assert!(
        out.contains("Description: to printer") && out.contains("Enabled"),
        "{out}"
    );
    let out = t.cmd("show vlans", r"admin@edge1> $").await;
    assert!(out.contains("voice") && out.contains("30"), "{out}");
    let out = t.cmd("show version", r"admin@edge1> $").await;
    assert!(
        out.contains("Hostname: edge1\r\nModel: vmx\r\nJunos: 21.2R3.8"),
        "{out}"
    );
    let out = t.cmd("show chassis hardware", r"admin@edge1> $").await;
    assert!(
        out.starts_with("show chassis hardware\r\nHardware inventory:"),
        "{out}"
    );
    let out = t.cmd("show lldp neighbors", r"admin@edge1> $").await;
    assert!(out.contains("ge-0/0/1") && out.contains("r2"), "{out}");
    let out = t.cmd("show configuration", r"admin@edge1> $").await;
    assert!(out.contains("host-name edge1;"), "{out}");
    lab.shutdown().await;
}

#[tokio::test]
async fn huawei_views_pager_and_save() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lab = Lab::start(opts(&dir, &["huawei_vrp"], 1))
        .await
        .expect("start");
    let (_h, mut t) = shell_on(&lab, 0, r"<r1>$").await;
    t.send("display interface\n").await;
    t.until("  ---- More ----$").await;
    t.send(" ").await;
    t.until("\x1b\\[16D                \x1b\\[16D").await;
    t.send("\x03").await;
    t.until(r"<r1>$").await;
    let out = t.cmd("screen-length 0 temporary", r"<r1>$").await;
    assert!(out.contains(
        "Info: The configuration takes effect on the current user terminal interface only."
    ));
    t.cmd("system-view", r"\[r1\]$").await;
    t.cmd("sysname core-sw", r"\[core-sw\]$").await;
    t.cmd(
        "interface GigabitEthernet0/0/3",
        r"\[core-sw-GigabitEthernet0/0/3\]$",
    )
    .await;
    t.cmd("shutdown", r"\[core-sw-GigabitEthernet0/0/3\]$")
        .await;
    t.cmd("quit", r"\[core-sw\]$").await;
    t.cmd("vlan 30", r"\[core-sw-vlan30\]$").await;
    t.cmd("name voice", r"\[core-sw-vlan30\]$").await;
    let out = t.cmd("bogus", r"\[core-sw-vlan30\]$").await;
    assert!(
        out.contains("Error: Unrecognized command found at '^' position."),
        "{out}"
    );
    t.cmd("return", r"<core-sw>$").await;
    let out = t.cmd("display interface brief", r"<core-sw>$").await;
    assert!(out.contains("GigabitEthernet0/0/3        *down"), "{out}");
    let out = t.cmd("display vlan", r"<core-sw>$").await;
    assert!(
        out.contains("30   enable  default       enable  disable    voice"),
        "{out}"
    );
    assert!(
        t.cmd("display version", r"<core-sw>$")
            .await
            .contains("VRP (R) software, Version 8.180")
    );
    assert!(
        t.cmd("display lldp neighbor brief", r"<core-sw>$")
            .await
            .contains("Local Intf")
    );
    assert!(
        t.cmd("display device", r"<core-sw>$")
            .await
            .contains("Device status")
    );
    t.send("save\n").await;
    t.until(r"Continue\? \[Y/N\]:$").await;
    let out = t.cmd("y", r"<core-sw>$").await;
    assert!(
        out.contains("Info: Save the configuration successfully."),
        "{out}"
    );
    lab.shutdown().await;
}

#[tokio::test]
async fn exec_on_network_platforms_and_spread_addrs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut o = opts(&dir, &["cisco_xe", "junos"], 2);
    o.spread_addrs = true;
    let lab = Lab::start(o).await.expect("start");
    assert_eq!(lab.devices()[0].addr.ip().to_string(), "127.0.0.1");
    assert_eq!(lab.devices()[1].addr.ip().to_string(), "127.0.0.2");
    let (h, ok) = login(lab.devices()[0].addr, "admin", "admin").await;
    assert!(ok);
    let mut ch = h.channel_open_session().await.expect("open");
    ch.exec(true, "show version").await.expect("exec");
    let mut out = String::new();
    let mut status = None;
    loop {
        match tokio::time::timeout(STEP, ch.wait())
            .await
            .expect("exec timeout")
        {
            Some(ChannelMsg::Data { data }) => out.push_str(&String::from_utf8_lossy(&data)),
            Some(ChannelMsg::ExitStatus { exit_status }) => status = Some(exit_status),
            Some(ChannelMsg::Close) | None => break,
            _ => {}
        }
    }
    assert!(
        out.contains("Cisco IOS XE Software, Version 17.03.04a") && !out.contains("--More--"),
        "{out}"
    );
    assert_eq!(status, Some(0));
    lab.shutdown().await;
}

#[tokio::test]
async fn quirks_make_devices_awkward_on_purpose() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut o = opts(&dir, &["cisco_xr", "huawei", "junos", "ios"], 4);
    o.quirks = netpulse::lab::Quirks {
        plain_prompt: true,
        refuse_setup: true,
        ..Default::default()
    };
    o.device_quirks.insert(
        3,
        netpulse::lab::Quirks {
            junos_master: true,
            needs_return: true,
            ..Default::default()
        },
    );
    o.device_quirks.insert(
        4,
        netpulse::lab::Quirks {
            password_change: true,
            ..Default::default()
        },
    );
    let lab = Lab::start(o).await.expect("start");

    // XR and VRP with a plain prompt; setup commands refused in the vendor's words.
    let (_h, mut t) = shell_on(&lab, 0, r"\r\nr1#$").await;
    let out = t.cmd("terminal length 0", r"\r\nr1#$").await;
    assert!(
        out.contains("% Invalid input detected at '^' marker."),
        "{out:?}"
    );
    t.cmd("configure", r"r1\(config\)#$").await;
    let (_h, mut t) = shell_on(&lab, 1, r"\r\nr2>$").await;
    let out = t.cmd("screen-length 0 temporary", r"\r\nr2>$").await;
    assert!(out.contains("Error: Unrecognized command"), "{out:?}");
    t.send("display interface\n").await;
    t.until("  ---- More ----$").await;

    // Junos waits for a return, then shows `{master:0}` above its prompt.
    let (h, ok) = login(lab.devices()[2].addr, "admin", "admin").await;
    assert!(ok);
    let mut t = Term::open(&h).await;
    assert_eq!(t.until_within(".+", Duration::from_millis(300)).await, None);
    t.send("\n").await;
    t.until(r"\{master:0\}\r\nadmin@r3> $").await;
    t.cmd("configure", r"\{master:0\}\[edit\]\r\nadmin@r3# $")
        .await;

    // A forced password change never gives a prompt.
    let (h, ok) = login(lab.devices()[3].addr, "admin", "admin").await;
    assert!(ok);
    let mut t = Term::open(&h).await;
    t.until(r"expired and must be changed\.\r\nNew password: $")
        .await;
    t.send("x\n").await;
    t.until(r"Password change failed\.\r\nNew password: $")
        .await;
    lab.shutdown().await;
}
