//! The gateway's perimeter against hostile peers, over real sockets: slow and greedy HTTP
//! clients, hostile webhook receivers, webhooks aimed inside the network or at the gateway
//! itself, secrets in `/config`, key files others can read, and the cache key kept out of
//! the database.
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use common::{Harness, call, exec_body, exec_wait, harness, harness_with, test_config};
use netpulse::api::server::{self, Timeouts};
use netpulse::gateway;

/// Serves the harness's gateway on a real socket with `timeouts`; the address, and the
/// sender that shuts the server down.
async fn serve(
    gw: &gateway::Gateway,
    timeouts: Timeouts,
) -> (
    std::net::SocketAddr,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<()>,
) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    gw.jobs.webhooks().listening_on(addr);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(server::serve(
        listener,
        gw.router.clone(),
        gw.live.clone(),
        gw.metrics.clone(),
        timeouts,
        async move {
            let _ = stopped.await;
        },
        Duration::from_secs(5),
    ));
    (addr, stop, task)
}

/// A gateway with no lab (these tests need no device).
async fn bare(
    tweak: impl FnOnce(&mut netpulse::config::Config),
) -> (gateway::Gateway, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut config = test_config(dir.path());
    tweak(&mut config);
    let gw = gateway::build(config, dir.path()).await.unwrap();
    (gw, dir)
}

/// One `GET /health` on a fresh connection: the status line, or None when the server
/// closed without one.
async fn health(addr: std::net::SocketAddr) -> Option<String> {
    let mut s = TcpStream::connect(addr).await.ok()?;
    s.write_all(b"GET /health HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
        .await
        .ok()?;
    let mut out = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut out))
        .await
        .ok()?
        .ok()?;
    let text = String::from_utf8_lossy(&out);
    text.lines().next().map(String::from)
}

/// Reads until the peer closes (true) or `limit` passes (false).
async fn closed_within(s: &mut TcpStream, limit: Duration) -> (bool, Vec<u8>) {
    let mut got = Vec::new();
    let deadline = Instant::now() + limit;
    let mut buf = [0u8; 4096];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return (true, got),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
            Err(_) => return (false, got),
        }
    }
}

#[tokio::test]
async fn a_client_trickling_its_header_is_closed() {
    let (gw, _dir) = bare(|_| {}).await;
    let timeouts = Timeouts {
        header_read: Duration::from_millis(300),
        idle: Duration::from_millis(600),
        write_stall: Duration::from_secs(1),
        body_read: Duration::from_millis(500),
    };
    let (addr, _stop, _task) = serve(&gw, timeouts).await;
    assert_eq!(health(addr).await.as_deref(), Some("HTTP/1.1 200 OK"));

    // One header byte every 50 ms: each arrives well within any per-read timeout, but the
    // head never completes. The server must hang up; give up on it after 20 s.
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(b"GET /health HTTP/1.1\r\n").await.unwrap();
    let started = Instant::now();
    let mut closed = false;
    while started.elapsed() < Duration::from_secs(20) {
        if s.write_all(b"x").await.is_err() {
            closed = true;
            break;
        }
        let mut buf = [0u8; 256];
        match tokio::time::timeout(Duration::from_millis(50), s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => {
                closed = true;
                break;
            }
            Ok(Ok(_)) | Err(_) => {}
        }
    }
    assert!(closed, "a trickled header kept its connection for 20 s");

    // A body trickled after a prompt head: the request fails and the connection closes.
    let mut s = TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /device/exec HTTP/1.1\r\nhost: x\r\nx-api-key: {}\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{{",
        common::KEY
    );
    s.write_all(head.as_bytes()).await.unwrap();
    let started = Instant::now();
    let mut got = Vec::new();
    let mut closed = false;
    while started.elapsed() < Duration::from_secs(20) {
        if s.write_all(b" ").await.is_err() {
            closed = true;
            break;
        }
        let mut buf = [0u8; 1024];
        match tokio::time::timeout(Duration::from_millis(50), s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => {
                closed = true;
                break;
            }
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
            Err(_) => {}
        }
    }
    assert!(closed, "a trickled body kept its connection for 20 s");
    let text = String::from_utf8_lossy(&got);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");

    // A silent connection and an idle keep-alive connection are closed too.
    let mut silent = TcpStream::connect(addr).await.unwrap();
    assert!(closed_within(&mut silent, Duration::from_secs(20)).await.0);
    let mut kept = TcpStream::connect(addr).await.unwrap();
    kept.write_all(b"GET /health HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    let (closed, got) = closed_within(&mut kept, Duration::from_secs(20)).await;
    assert!(closed, "an idle keep-alive connection stayed open");
    assert!(
        String::from_utf8_lossy(&got).starts_with("HTTP/1.1 200"),
        "it was served first"
    );
    // And the server still serves.
    assert_eq!(health(addr).await.as_deref(), Some("HTTP/1.1 200 OK"));
}

#[tokio::test]
async fn connections_past_max_connections_are_refused_and_slots_come_back() {
    let (gw, _dir) = bare(|c| c.server.max_connections = 3).await;
    // Long deadlines: the idle sockets must hold their slots for the test's length.
    let (addr, stop, task) = serve(&gw, Timeouts::default()).await;
    let mut idle = Vec::new();
    for _ in 0..3 {
        idle.push(TcpStream::connect(addr).await.unwrap());
    }
    // Accepted connections are counted in the accept loop; a 4th must now be refused. The
    // loop allows for the accept of the first three not having run yet.
    let mut refused = None;
    for _ in 0..100 {
        let mut extra = TcpStream::connect(addr).await.unwrap();
        let (closed, got) = closed_within(&mut extra, Duration::from_secs(2)).await;
        if closed && String::from_utf8_lossy(&got).starts_with("HTTP/1.1 503") {
            refused = Some(String::from_utf8_lossy(&got).into_owned());
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let refused = refused.expect("a connection past the cap is refused with 503");
    assert!(refused.contains("retry-after"), "{refused}");
    // The body is the API's one error shape, and exactly as long as the head says.
    let (head, body) = refused.split_once("\r\n\r\n").expect("head and body");
    assert!(
        head.contains(&format!("content-length: {}", body.len())),
        "{refused}"
    );
    let body: serde_json::Value = serde_json::from_str(body).expect("JSON body");
    assert_eq!(body["error"]["code"], "too_many_connections", "{body}");
    assert!(body["error"]["message"].is_string(), "{body}");
    let (_, metrics) = call(&gw.router, "GET", "/metrics", None).await;
    let metrics = metrics.as_str().unwrap_or_default().to_string();
    assert!(
        metrics.contains("netpulse_http_connections_refused_total"),
        "{metrics}"
    );

    // Once the idle sockets close, their slots are released and requests are served again.
    drop(idle);
    let mut served = None;
    for _ in 0..100 {
        served = health(addr).await;
        if served.as_deref() == Some("HTTP/1.1 200 OK") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(served.as_deref(), Some("HTTP/1.1 200 OK"));

    // Shutdown closes the listener and returns.
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(10), task)
        .await
        .expect("serve returns after shutdown")
        .unwrap();
    assert!(TcpStream::connect(addr).await.is_err(), "listener closed");
}

#[tokio::test]
async fn shutdown_finishes_the_request_in_hand() {
    let h = harness(&["cisco_ios"]).await;
    let (addr, stop, task) = serve(&h.gw, Timeouts::default()).await;
    let (host, port) = h.device("cisco_ios");
    let body = exec_body("cisco_ios", &host, port, json!("lab sleep 1500")).to_string();
    let mut s = TcpStream::connect(addr).await.unwrap();
    let request = format!(
        "POST /device/exec?wait=20 HTTP/1.1\r\nhost: x\r\nx-api-key: {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        common::KEY,
        body.len()
    );
    s.write_all(request.as_bytes()).await.unwrap();
    // The job is under way (queued or started) before the server is told to stop.
    let deadline = Instant::now() + Duration::from_secs(10);
    while h.gw.jobs.busy_workers() == 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    stop.send(()).unwrap();
    let (closed, got) = closed_within(&mut s, Duration::from_secs(30)).await;
    let text = String::from_utf8_lossy(&got);
    assert!(closed, "the connection closed after its answer");
    assert!(text.starts_with("HTTP/1.1 201"), "{text}");
    assert!(text.contains("\"status\":\"finished\""), "{text}");
    tokio::time::timeout(Duration::from_secs(10), task)
        .await
        .expect("serve returns once the request is answered")
        .unwrap();
}

/// POSTs an exec with `webhook` to the lab device; the status and body.
async fn exec_with_hook(h: &Harness, webhook: Value) -> (StatusCode, Value) {
    let (host, port) = h.device("cisco_ios");
    let mut body = exec_body("cisco_ios", &host, port, json!("show version"));
    body["webhook"] = webhook;
    call(&h.router(), "POST", "/device/exec", Some(body)).await
}

fn message(e: &Value) -> String {
    e["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn webhooks_inside_the_perimeter_or_with_reserved_headers_are_refused_at_submit() {
    let h = harness(&["cisco_ios"]).await;
    let (addr, _stop, _task) = serve(&h.gw, Timeouts::default()).await;
    for url in [
        "http://169.254.169.254/latest/meta-data/".to_string(),
        "http://[::ffff:169.254.169.254]/".to_string(),
        "http://[fe80::1]:8080/".to_string(),
        "http://0.0.0.0:8080/".to_string(),
        // The gateway's own API, by the address it is bound to.
        format!("http://{addr}/device/exec"),
        format!("http://[::ffff:127.0.0.1]:{}/device/exec", addr.port()),
    ] {
        let (status, e) = exec_with_hook(&h, json!({"url": url})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{url}: {e}");
        assert!(message(&e).contains("webhook.url"), "{url}: {e}");
    }
    for header in ["Host", "content-length", "Transfer-Encoding", "CONNECTION"] {
        let (status, e) = exec_with_hook(
            &h,
            json!({"url": "http://127.0.0.1:9/x", "headers": {header: "x"}}),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{header}: {e}");
        assert!(message(&e).contains("webhook.headers"), "{header}: {e}");
    }
    // The same rule for a bulk's webhook.
    let (host, port) = h.device("cisco_ios");
    let bulk = json!({
        "devices": [{"host": host, "port": port}],
        "connection_args": {"device_type": "cisco_ios", "username": "admin", "password": "admin"},
        "command": "show version",
        "webhook": {"url": "http://169.254.169.254/"},
    });
    let (status, e) = call(&h.router(), "POST", "/device/bulk", Some(bulk)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert!(message(&e).contains("webhook.url"), "{e}");
}

#[tokio::test]
async fn webhooks_allow_reopens_and_deny_closes() {
    let h = harness_with(&["cisco_ios"], |c| {
        c.webhooks.allow = vec!["169.254.10.0/24".into()];
        c.webhooks.deny = vec!["127.0.0.0/8".into()];
    })
    .await;
    // Refused at submit: in webhooks.deny.
    let (status, e) = exec_with_hook(&h, json!({"url": "http://127.0.0.1:9/x"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert!(message(&e).contains("webhooks.deny"), "{e}");
    // Accepted: link-local, but listed in webhooks.allow (nothing answers there; the job
    // runs all the same).
    let (status, e) = exec_with_hook(
        &h,
        json!({"url": "http://169.254.10.9:9/x", "timeout": 0.2, "max_retries": 0}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{e}");
}

/// A raw TCP receiver: runs `answer` on every connection; the address and a count of
/// connections.
async fn raw_receiver<F, Fut>(
    answer: F,
) -> (
    std::net::SocketAddr,
    std::sync::Arc<std::sync::atomic::AtomicUsize>,
)
where
    F: Fn(TcpStream) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let hits = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = hits.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            tokio::spawn(answer(stream));
        }
    });
    (addr, hits)
}

/// Reads a request head (up to the blank line) so the answer comes after the request.
async fn read_head(s: &mut TcpStream) {
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    while !got.windows(4).any(|w| w == b"\r\n\r\n") && got.len() < 1 << 20 {
        match s.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
    }
}

/// The job's webhook outcome once recorded (bounded at 20 s).
async fn outcome(h: &Harness, id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (_, job) = call(&h.router(), "GET", &format!("/jobs/{id}"), None).await;
        if !job["webhook"].is_null() || Instant::now() > deadline {
            return job["webhook"].clone();
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

async fn job_with_hook(h: &Harness, webhook: Value) -> String {
    let (host, port) = h.device("cisco_ios");
    let mut body = exec_body("cisco_ios", &host, port, json!("show version"));
    body["webhook"] = webhook;
    let job = exec_wait(h, body).await;
    job["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn hostile_webhook_receivers_cannot_redirect_or_flood_the_gateway() {
    let h = harness(&["cisco_ios"]).await;

    // A redirect to another receiver is a failed delivery; the target is never contacted.
    let (target, target_hits) = raw_receiver(|mut s| async move {
        read_head(&mut s).await;
        let _ = s
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
            .await;
    })
    .await;
    let (redirector, _) = raw_receiver(move |mut s| async move {
        read_head(&mut s).await;
        let answer = format!(
            "HTTP/1.1 307 Temporary Redirect\r\nlocation: http://{target}/\r\ncontent-length: 0\r\n\r\n"
        );
        let _ = s.write_all(answer.as_bytes()).await;
    })
    .await;
    let id = job_with_hook(
        &h,
        json!({"url": format!("http://{redirector}/hook"), "max_retries": 1, "retry_intervals": [0.05]}),
    )
    .await;
    let got = outcome(&h, &id).await;
    assert_eq!(got["delivered"], false, "{got}");
    assert_eq!(got["status_code"], 307, "{got}");
    assert!(
        got["error"].as_str().unwrap().contains("not followed"),
        "{got}"
    );
    assert_eq!(
        target_hits.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "the redirect target was contacted"
    );

    // A receiver answering 200 with an endless body, slowly: the status is all the gateway
    // reads, and it hangs up (the receiver's writes then fail).
    let (hung_up_tx, mut hung_up) = tokio::sync::mpsc::unbounded_channel::<usize>();
    let (flood, _) = raw_receiver(move |mut s| {
        let hung_up_tx = hung_up_tx.clone();
        async move {
            read_head(&mut s).await;
            let _ = s
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 100000000000\r\n\r\n")
                .await;
            let chunk = vec![b'x'; 64 * 1024];
            let mut sent = 0usize;
            let started = Instant::now();
            while started.elapsed() < Duration::from_secs(30) {
                if s.write_all(&chunk).await.is_err() {
                    let _ = hung_up_tx.send(sent);
                    return;
                }
                sent += chunk.len();
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
    })
    .await;
    let id = job_with_hook(&h, json!({"url": format!("http://{flood}/hook")})).await;
    let got = outcome(&h, &id).await;
    assert_eq!(got["delivered"], true, "{got}");
    let sent = tokio::time::timeout(Duration::from_secs(30), hung_up.recv())
        .await
        .expect("the gateway hung up on the endless body")
        .unwrap();
    assert!(sent < 64 << 20, "the gateway took {sent} bytes of body");

    // A receiver that never finishes its status line: the attempt times out.
    let (slow, _) = raw_receiver(|mut s| async move {
        read_head(&mut s).await;
        for b in b"HTTP/1.1 200 OK\r\n".iter().cycle().take(10_000) {
            if s.write_all(&[*b]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    })
    .await;
    let id = job_with_hook(
        &h,
        json!({"url": format!("http://{slow}/hook"), "timeout": 0.5, "max_retries": 0}),
    )
    .await;
    let got = outcome(&h, &id).await;
    assert_eq!(got["delivered"], false, "{got}");
    assert!(
        got["error"].as_str().unwrap().contains("no answer within"),
        "{got}"
    );
}

#[tokio::test]
async fn the_destination_is_checked_again_at_delivery() {
    // Accepted at submit, refused when delivered: the lists changed in between (as a name's
    // address can). The receiver is never contacted.
    let h = harness(&["cisco_ios"]).await;
    let (receiver, hits) = raw_receiver(|mut s| async move {
        read_head(&mut s).await;
        let _ = s
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
            .await;
    })
    .await;
    let hook = netpulse::jobs::webhook::Webhook::from_json(
        &json!({"url": format!("http://{receiver}/hook")}),
    )
    .unwrap();
    let targets = h.gw.jobs.webhooks().clone();
    targets.admit(&hook).await.unwrap();
    let mut config = (*h.gw.live.current()).clone();
    config.webhooks.deny = vec![receiver.ip().to_string()];
    targets.apply(std::sync::Arc::new(config));
    let got = tokio::time::timeout(
        Duration::from_secs(20),
        hook.deliver(&json!({"id": "x"}), &targets),
    )
    .await
    .unwrap();
    assert_eq!(got["delivered"], false, "{got}");
    assert!(
        got["error"].as_str().unwrap().contains("webhooks.deny"),
        "{got}"
    );
    assert_eq!(hits.load(std::sync::atomic::Ordering::SeqCst), 0);
}

#[tokio::test]
async fn config_hides_redis_passwords_in_every_url_form() {
    for (url, secret) in [
        ("redis://:hunter2@127.0.0.1:1/0", "hunter2"),
        ("redis://user:hun%40ter2@127.0.0.1:1/0", "ter2"),
        ("redis://127.0.0.1:1/0?password=hunter2", "hunter2"),
        ("redis://127.0.0.1:1/0?db=0&password=hunter2", "hunter2"),
    ] {
        let (gw, _dir) = bare(|c| c.cache.redis_url = Some(url.into())).await;
        let (status, body) = call(&gw.router, "GET", "/config", None).await;
        assert_eq!(status, StatusCode::OK);
        let text = body.to_string();
        assert!(!text.contains(secret), "{url} leaked in {text}");
        assert!(text.contains("<redacted>"), "{text}");
    }
    // database.url: every form through the same redaction /config uses (a running gateway
    // needs a database it can open, so the forms are checked on the config itself).
    for url in [
        "postgres://netpulse:hunter2@db:5432/netpulse",
        "postgresql://netpulse:hun%40ter2@db/netpulse",
        "postgres://db/netpulse?user=netpulse&password=hunter2",
        "postgres://db/netpulse?password=hunter2&sslmode=require",
        "postgres://db/netpulse?%70assword=hunter2",
    ] {
        let mut config = test_config(std::path::Path::new("/tmp"));
        config.database.url = url.into();
        let text = config.redacted().to_string();
        assert!(
            !text.contains("hunter2") && !text.contains("ter2"),
            "{url}: {text}"
        );
    }
}

#[tokio::test]
async fn a_sealing_key_file_others_can_read_is_refused_at_start() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let mut config = test_config(dir.path());
    let key = dir.path().join("sealing.key");
    config.worker.sealing_key_file = key.display().to_string();
    // First start creates the key (0600).
    drop(gateway::build(config.clone(), dir.path()).await.unwrap());
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let e = match gateway::build(config, dir.path()).await {
        Ok(_) => panic!("a 0644 key file was accepted"),
        Err(e) => e.to_string(),
    };
    assert!(e.contains(&key.display().to_string()), "{e}");
    assert!(e.contains("0644"), "{e}");
}

#[tokio::test]
async fn the_cache_key_is_not_in_the_database_and_an_old_one_is_retired() {
    use netpulse::store::Store;
    let dir = tempfile::tempdir().unwrap();
    let config = test_config(dir.path());
    // A database as an earlier version left it: the credential-hash key and a cache row.
    {
        let store = Store::connect(&config.database).await.unwrap();
        sqlx::query("INSERT INTO netpulse_secrets (name, value) VALUES ($1, $2)")
            .bind(netpulse::cache::key::HASH_KEY_NAME)
            .bind("00".repeat(32))
            .execute(store.pool())
            .await
            .unwrap();
        sqlx::query(
            "INSERT INTO cache_entries (key, device, value, expires_at) VALUES ('k', 'd', 'v', '9999')",
        )
        .execute(store.pool())
        .await
        .unwrap();
        store.close().await;
    }
    let gw = gateway::build(config, dir.path()).await.unwrap();
    let count = |table: &'static str| {
        let pool = gw.store.pool().clone();
        async move {
            let row: (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM {table}"))
                .fetch_one(&pool)
                .await
                .unwrap();
            row.0
        }
    };
    assert_eq!(
        count("netpulse_secrets").await,
        0,
        "the key left the database"
    );
    assert_eq!(
        count("cache_entries").await,
        0,
        "rows hashed under it went too"
    );
    // The hasher is the sealing key's: another gateway with the same key file agrees.
    let hash = gw.cache.credential_hasher().hash("admin", "admin");
    let sealer = netpulse::jobs::seal::Sealer::load(
        &dir.path()
            .join(&test_config(dir.path()).worker.sealing_key_file),
    )
    .unwrap();
    assert_eq!(
        netpulse::cache::CredentialHasher::from_key(sealer.cache_hmac_key()).hash("admin", "admin"),
        hash
    );
}

/// Jobs/s through the SQLite store (insert, start, finish: what every job writes) with
/// `synchronous = NORMAL` and `FULL`, in the same run. A measurement, not a check:
/// `cargo test --test perimeter -- --ignored store_throughput --nocapture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement, not a check: timing belongs in the closing note, not in an assertion"]
async fn store_throughput_full_vs_normal() {
    use netpulse::config::SqliteSynchronous;
    use netpulse::store::{JobRow, Store};
    const JOBS: usize = 4000;
    const CONCURRENCY: usize = 32;
    let mut figures = Vec::new();
    for round in 0..8 {
        let mode = if round % 2 == 0 {
            SqliteSynchronous::Normal
        } else {
            SqliteSynchronous::Full
        };
        let dir = tempfile::tempdir().unwrap();
        let db = netpulse::config::Database {
            url: format!("sqlite://{}", dir.path().join("bench.db").display()),
            sqlite_synchronous: mode,
            ..netpulse::config::Database::default()
        };
        let store = Store::connect(&db).await.unwrap();
        let started = Instant::now();
        let mut tasks = Vec::new();
        for t in 0..CONCURRENCY {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                for i in 0..JOBS / CONCURRENCY {
                    let now = netpulse::time::now();
                    let row = JobRow {
                        id: format!("{t}-{i}"),
                        status: "queued".into(),
                        queue: netpulse::jobs::QueueStrategy::Fifo.as_str().into(),
                        worker: None,
                        created_at: now.clone(),
                        started_at: None,
                        ended_at: None,
                        host: "r1".into(),
                        port: 22,
                        device_type: "cisco_ios".into(),
                        kind: "command".into(),
                        command: "[\"show version\"]".into(),
                        request: "{}".into(),
                        result: None,
                        error_type: None,
                        error_message: None,
                        batch_id: None,
                        expires_at: None,
                        wave: None,
                        device_index: None,
                        retry_on_restart: false,
                        webhook: None,
                        result_expires_at: None,
                        submitted_by: None,
                    };
                    store.insert_job(&row, Some("sealed")).await.unwrap();
                    store.mark_started(&row.id, "w", &now).await.unwrap();
                    store
                        .finish_job(
                            &row.id,
                            netpulse::store::JobStatus::Finished,
                            &now,
                            "{\"ok\":1}",
                            None,
                            None,
                        )
                        .await
                        .unwrap();
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let rate = JOBS as f64 / started.elapsed().as_secs_f64();
        println!("synchronous={mode:?}: {rate:.0} jobs/s");
        figures.push((mode, rate));
        store.close().await;
    }
    // Medians over the rounds, alternating modes: the machine is shared and noisy.
    let median = |m: SqliteSynchronous| {
        let mut r: Vec<f64> = figures.iter().filter(|f| f.0 == m).map(|f| f.1).collect();
        r.sort_by(f64::total_cmp);
        r[r.len() / 2]
    };
    let (normal, full) = (
        median(SqliteSynchronous::Normal),
        median(SqliteSynchronous::Full),
    );
    println!(
        "median: NORMAL {normal:.0} jobs/s, FULL {full:.0} jobs/s ({:.0}% of NORMAL)",
        100.0 * full / normal
    );
}

/// `GET /health` requests/s through `axum::serve` and through our accept loop on the same
/// router, alternating, in the same run. A measurement, not a check:
/// `cargo test --test perimeter -- --ignored http_throughput --nocapture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement, not a check: timing belongs in the closing note, not in an assertion"]
async fn http_throughput_axum_serve_vs_ours() {
    const CLIENTS: usize = 8;
    const REQUESTS: usize = 4000;
    let (gw, _dir) = bare(|_| {}).await;
    async fn drive(addr: std::net::SocketAddr) -> f64 {
        let started = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..CLIENTS {
            tasks.push(tokio::spawn(async move {
                let mut s = TcpStream::connect(addr).await.unwrap();
                s.set_nodelay(true).unwrap();
                let mut buf = vec![0u8; 4096];
                for _ in 0..REQUESTS / CLIENTS {
                    s.write_all(b"GET /health HTTP/1.1\r\nhost: x\r\n\r\n")
                        .await
                        .unwrap();
                    // One small response per request; it arrives in one read on loopback.
                    let n = s.read(&mut buf).await.unwrap();
                    assert!(n > 0 && buf.starts_with(b"HTTP/1.1 200"));
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        REQUESTS as f64 / started.elapsed().as_secs_f64()
    }
    let mut axum_rates = Vec::new();
    let mut ours = Vec::new();
    for _ in 0..7 {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let router = gw.router.clone();
        let plain = tokio::spawn(async move { axum::serve(listener, router).await.ok() });
        axum_rates.push(drive(addr).await);
        plain.abort();
        let (addr, stop, task) = serve(&gw, Timeouts::default()).await;
        ours.push(drive(addr).await);
        let _ = stop.send(());
        let _ = task.await;
    }
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (a, o) = (median(axum_rates), median(ours));
    println!(
        "GET /health: axum::serve {a:.0} req/s, api::server {o:.0} req/s ({:.0}%)",
        100.0 * o / a
    );
}
