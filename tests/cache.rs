//! The result cache against real databases and a real Redis.
//!
//! Without features: L1 + L3 on SQLite (a temp file per test). With `--features services`:
//! L2 on the Redis named by `NETPULSE_TEST_REDIS` (each test under its own namespace), L3 on
//! the PostgreSQL named by `NETPULSE_TEST_POSTGRES` (each test in its own schema), and Redis
//! outages on a `redis-server` child process the test starts, stops and kills.

use std::time::Duration;

use netpulse::cache::{Budgets, Cache, CredentialHasher, Entry, Key, Level, Settings};
use netpulse::config::Database;
use netpulse::store::Store;

/// Budgets loose enough for a loaded CI machine; tests about slowness set their own.
fn relaxed() -> Budgets {
    Budgets {
        l2_op_timeout: Duration::from_millis(500),
        l2_circuit_open: Duration::from_millis(300),
        l3_read_timeout: Duration::from_secs(2),
        l3_write_timeout: Duration::from_secs(5),
    }
}

fn settings(ttl: Duration, max_size: usize, redis_url: Option<String>) -> Settings {
    Settings {
        ttl,
        max_size,
        redis_url,
    }
}

async fn sqlite() -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("netpulse.db").display());
    let store = Store::connect(&Database {
        url,
        ..Database::default()
    })
    .await
    .expect("open sqlite store");
    (store, dir)
}

/// The credential-hash key every test node shares (the gateway derives it from the sealing
/// key, which every node of a deployment shares too).
fn hasher() -> CredentialHasher {
    CredentialHasher::from_key([42; 32])
}

async fn cache(store: &Store, settings: Settings, namespace: &str) -> Cache {
    Cache::with_budgets(settings, store.clone(), namespace, relaxed(), hasher())
        .await
        .expect("cache starts")
}

fn key(cache: &Cache, host: &str, port: u16, command: &str, user: &str, password: &str) -> Key {
    Key {
        host: host.into(),
        port,
        device_type: "cisco_ios".into(),
        command: command.into(),
        credential: cache.credential_hasher().hash(user, password),
    }
}

fn entry(text: &str) -> Entry {
    Entry::new(text, Some(serde_json::json!([{"version": text}])))
}

const HOUR: Duration = Duration::from_secs(3600);

#[tokio::test]
async fn miss_then_l1_hit_keeps_parsed_output() {
    let (store, _dir) = sqlite().await;
    let cache = cache(&store, settings(HOUR, 100, None), "t").await;
    let k = key(&cache, "10.0.0.1", 22, "show version", "admin", "pw");
    assert!(cache.get(&k).await.is_none());
    let stored = entry("IOS 15.2");
    cache.put(&k, &stored, None).await;
    let (found, level) = cache.get(&k).await.expect("hit");
    assert_eq!(level, Level::L1);
    assert_eq!(
        found, stored,
        "stdout, parsed and stored_at come back as stored"
    );
}

#[tokio::test]
async fn second_node_on_same_database_reads_l3_then_l1() {
    let (store, _dir) = sqlite().await;
    let a = cache(&store, settings(HOUR, 100, None), "t").await;
    let b = cache(&store, settings(HOUR, 100, None), "t").await;
    assert_eq!(
        a.credential_hasher().hash("admin", "pw"),
        b.credential_hasher().hash("admin", "pw"),
        "nodes on one database share the hash key"
    );
    let k = key(&a, "10.0.0.1", 22, "show version", "admin", "pw");
    a.put(&k, &entry("v1"), None).await;
    let (found, level) = b.get(&k).await.expect("hit at L3");
    assert_eq!((found.stdout.as_str(), level), ("v1", Level::L3));
    assert_eq!(
        b.get(&k).await.map(|(_, l)| l),
        Some(Level::L1),
        "promoted to L1"
    );
    let stats = b.stats();
    assert_eq!((stats.l3.hits, stats.l1.hits, stats.l1.misses), (1, 1, 1));
}

#[tokio::test]
async fn ttl_expires_at_every_level() {
    let (store, _dir) = sqlite().await;
    let a = cache(&store, settings(HOUR, 100, None), "t").await;
    let k = key(&a, "10.0.0.1", 22, "show clock", "admin", "pw");
    a.put(&k, &entry("12:00"), Some(Duration::from_millis(300)))
        .await;
    assert_eq!(a.get(&k).await.map(|(_, l)| l), Some(Level::L1));
    tokio::time::sleep(Duration::from_millis(450)).await;
    assert!(a.get(&k).await.is_none(), "expired in L1 and L3");
    let b = cache(&store, settings(HOUR, 100, None), "t").await;
    assert!(b.get(&k).await.is_none(), "expired row is not served by L3");
}

#[tokio::test]
async fn request_ttl_never_lengthens_configured_one() {
    let (store, _dir) = sqlite().await;
    let a = cache(&store, settings(Duration::from_millis(300), 100, None), "t").await;
    let k = key(&a, "10.0.0.1", 22, "show clock", "admin", "pw");
    a.put(&k, &entry("12:00"), Some(HOUR)).await;
    assert!(a.get(&k).await.is_some());
    tokio::time::sleep(Duration::from_millis(450)).await;
    assert!(a.get(&k).await.is_none());
}

#[tokio::test]
async fn promoted_value_keeps_its_remaining_ttl() {
    let (store, _dir) = sqlite().await;
    let a = cache(&store, settings(HOUR, 100, None), "t").await;
    let b = cache(&store, settings(HOUR, 100, None), "t").await;
    let k = key(&a, "10.0.0.1", 22, "show clock", "admin", "pw");
    a.put(&k, &entry("12:00"), Some(Duration::from_millis(800)))
        .await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(b.get(&k).await.map(|(_, l)| l), Some(Level::L3));
    tokio::time::sleep(Duration::from_millis(550)).await;
    assert!(
        b.get(&k).await.is_none(),
        "L1 copy expired with the original, not a fresh TTL later"
    );
}

#[tokio::test]
async fn zero_ttl_is_not_cached() {
    let (store, _dir) = sqlite().await;
    let a = cache(&store, settings(HOUR, 100, None), "t").await;
    let k = key(&a, "10.0.0.1", 22, "show clock", "admin", "pw");
    a.put(&k, &entry("12:00"), Some(Duration::ZERO)).await;
    assert!(a.get(&k).await.is_none());
}

#[tokio::test]
async fn credentials_scope_entries() {
    let (store, _dir) = sqlite().await;
    let a = cache(&store, settings(HOUR, 100, None), "t").await;
    let right = key(&a, "10.0.0.1", 22, "show run", "admin", "right");
    let wrong = key(&a, "10.0.0.1", 22, "show run", "admin", "wrong");
    let other_user = key(&a, "10.0.0.1", 22, "show run", "operator", "right");
    a.put(&right, &entry("secret config"), None).await;
    assert!(a.get(&right).await.is_some());
    assert!(
        a.get(&wrong).await.is_none(),
        "another password never sees it"
    );
    assert!(
        a.get(&other_user).await.is_none(),
        "another user never sees it"
    );

    let hasher = a.credential_hasher();
    assert_ne!(
        hasher.hash("ab", "c"),
        hasher.hash("a", "bc"),
        "fields are delimited"
    );
    assert_eq!(hasher.hash("admin", "right").len(), 64, "hex HMAC-SHA256");

    // The hash depends on the key (the deployment's), not only on the secret.
    assert_ne!(
        CredentialHasher::random().hash("admin", "right"),
        hasher.hash("admin", "right")
    );
    let fixed = CredentialHasher::from_key([7; 32]);
    assert_eq!(fixed.hash("admin", "right"), fixed.hash("admin", "right"));
}

#[tokio::test]
async fn invalidate_device_drops_every_command_and_credential() {
    let (store, _dir) = sqlite().await;
    let a = cache(&store, settings(HOUR, 100, None), "t").await;
    let doomed = [
        key(&a, "10.0.0.1", 22, "show version", "admin", "pw"),
        key(&a, "10.0.0.1", 22, "show interfaces", "admin", "pw"),
        key(&a, "10.0.0.1", 22, "show version", "operator", "pw2"),
    ];
    let kept = [
        key(&a, "10.0.0.1", 2222, "show version", "admin", "pw"),
        key(&a, "10.0.0.2", 22, "show version", "admin", "pw"),
    ];
    for k in doomed.iter().chain(&kept) {
        a.put(k, &entry("x"), None).await;
    }
    a.invalidate_device("10.0.0.1", 22).await;
    let b = cache(&store, settings(HOUR, 100, None), "t").await;
    for k in &doomed {
        assert!(a.get(k).await.is_none(), "L1 dropped {k}");
        assert!(b.get(k).await.is_none(), "L3 dropped {k}");
    }
    for k in &kept {
        assert_eq!(a.get(k).await.map(|(_, l)| l), Some(Level::L1), "{k} kept");
        assert_eq!(b.get(k).await.map(|(_, l)| l), Some(Level::L3), "{k} kept");
    }
}

#[tokio::test]
async fn stats_count_levels_hit_rate_and_evictions() {
    let (store, _dir) = sqlite().await;
    let a = cache(&store, settings(HOUR, 2, None), "t").await;
    let keys: Vec<Key> = ["one", "two", "three"]
        .iter()
        .map(|c| key(&a, "10.0.0.1", 22, c, "admin", "pw"))
        .collect();
    for k in &keys {
        a.put(k, &entry("x"), None).await;
    }
    assert_eq!(
        a.stats().evictions,
        1,
        "third put pushed the first out of L1"
    );
    assert_eq!(a.get(&keys[0]).await.map(|(_, l)| l), Some(Level::L3));
    assert_eq!(a.get(&keys[2]).await.map(|(_, l)| l), Some(Level::L1));
    let missing = key(&a, "10.0.0.9", 22, "show version", "admin", "pw");
    assert!(a.get(&missing).await.is_none());
    let stats = a.stats();
    assert_eq!(stats.requests, 3);
    assert_eq!((stats.l1.hits, stats.l1.misses), (1, 2));
    assert_eq!((stats.l3.hits, stats.l3.misses), (1, 1));
    assert_eq!(stats.misses, 1);
    assert!(
        (stats.hit_rate - 2.0 / 3.0).abs() < 1e-9,
        "{}",
        stats.hit_rate
    );
    assert!(!stats.l2_enabled && !stats.l2_available && stats.l2_errors == 0);
    let json = serde_json::to_value(&stats).expect("stats serialise");
    assert_eq!(json["l1"]["hits"], 1);
}

#[tokio::test]
async fn apply_resizes_l1_and_shortens_ttl() {
    let (store, _dir) = sqlite().await;
    let a = cache(&store, settings(HOUR, 10, None), "t").await;
    for c in ["a", "b", "c", "d"] {
        a.put(&key(&a, "h", 22, c, "u", "p"), &entry(c), None).await;
    }
    a.apply(&settings(Duration::from_millis(300), 2, None));
    let stats = a.stats();
    assert_eq!((stats.l1_entries, stats.evictions), (2, 2));
    assert!(!a.restart_needed(&settings(HOUR, 2, None)));
    assert!(a.restart_needed(&settings(HOUR, 2, Some("redis://127.0.0.1:1".into()))));
    let k = key(&a, "h", 22, "e", "u", "p");
    a.put(&k, &entry("e"), None).await;
    tokio::time::sleep(Duration::from_millis(450)).await;
    assert!(a.get(&k).await.is_none(), "new TTL applies to new entries");
}

#[test]
fn key_renders_the_documented_scheme() {
    let k = Key {
        host: "10.0.0.1".into(),
        port: 22,
        device_type: "cisco_ios".into(),
        command: "show version".into(),
        credential: "ab12".into(),
    };
    assert_eq!(k.render(), "cmd:10.0.0.1:22:cisco_ios:show version:ab12");
}

#[test]
fn settings_follow_the_config() {
    let config = netpulse::config::Cache::default();
    let s = Settings::from_config(&config);
    assert_eq!((s.ttl, s.max_size, s.redis_url), (HOUR, 1000, None));
}

/// Tests against outside services: Redis and PostgreSQL.
#[cfg(feature = "services")]
mod services {
    use std::net::TcpListener;
    use std::process::{Child, Command, Stdio};
    use std::time::Instant;

    use super::*;

    fn env(name: &str, example: &str) -> String {
        std::env::var(name).unwrap_or_else(|_| {
            panic!("{name} is not set: --features services needs it (e.g. {name}={example})")
        })
    }

    fn redis_url() -> String {
        env("NETPULSE_TEST_REDIS", "redis://127.0.0.1:6379")
    }

    fn postgres_url() -> String {
        env(
            "NETPULSE_TEST_POSTGRES",
            "postgres://postgres@127.0.0.1:5432/test",
        )
    }

    /// A namespace no other test (or run) uses, so tests share one Redis safely.
    fn namespace() -> String {
        format!("t{}", uuid::Uuid::new_v4().simple())
    }

    async fn redis_conn(url: &str) -> redis::aio::MultiplexedConnection {
        redis::Client::open(url)
            .expect("redis url")
            .get_multiplexed_async_connection()
            .await
            .expect("connect to redis")
    }

    /// A `redis-server` child on a fixed port, killed on drop.
    struct RedisChild {
        port: u16,
        child: Option<Child>,
    }

    impl RedisChild {
        fn free_port() -> u16 {
            let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
            listener.local_addr().expect("local addr").port()
        }

        async fn start(port: u16) -> Self {
            let child = Command::new(
                std::env::var("NETPULSE_TEST_REDIS_SERVER").unwrap_or("redis-server".into()),
            )
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start redis-server (apt-get install redis-server)");
            let server = Self {
                port,
                child: Some(child),
            };
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                let up = redis::Client::open(server.url())
                    .expect("url")
                    .get_multiplexed_async_connection()
                    .await
                    .is_ok();
                if up {
                    return server;
                }
                assert!(
                    Instant::now() < deadline,
                    "redis-server on port {port} did not come up in 10s"
                );
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }

        fn url(&self) -> String {
            format!("redis://127.0.0.1:{}", self.port)
        }

        fn signal(&self, signal: &str) {
            let pid = self.child.as_ref().expect("running").id();
            let status = Command::new("kill")
                .args([signal, &pid.to_string()])
                .status()
                .expect("run kill");
            assert!(status.success(), "kill {signal} {pid}");
        }

        fn kill(&mut self) {
            if let Some(mut child) = self.child.take() {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }

    impl Drop for RedisChild {
        fn drop(&mut self) {
            if self.child.is_some() {
                self.signal("-CONT");
            }
            self.kill();
        }
    }

    #[tokio::test]
    async fn l2_serves_another_node_and_promotes_to_l1() {
        let url = redis_url();
        let ns = namespace();
        let (db_a, _da) = sqlite().await;
        let (db_b, _db) = sqlite().await;
        let a = cache(&db_a, settings(HOUR, 100, Some(url.clone())), &ns).await;
        let b = cache(&db_b, settings(HOUR, 100, Some(url.clone())), &ns).await;
        let k = key(&a, "10.0.0.1", 22, "show version", "admin", "pw");
        a.put(&k, &entry("v1"), Some(Duration::from_secs(60))).await;

        let mut conn = redis_conn(&url).await;
        let pttl: i64 = redis::cmd("PTTL")
            .arg(format!("{ns}:{}", k.render()))
            .query_async(&mut conn)
            .await
            .expect("pttl");
        assert!(
            pttl > 0 && pttl <= 60_000,
            "request TTL holds in Redis: {pttl}"
        );

        let (found, level) = b.get(&k).await.expect("hit");
        assert_eq!(
            (found.stdout.as_str(), level),
            ("v1", Level::L2),
            "other database, so Redis answered"
        );
        assert_eq!(b.get(&k).await.map(|(_, l)| l), Some(Level::L1));
        let stats = b.stats();
        assert!(stats.l2_enabled && stats.l2_available);
        assert_eq!((stats.l2.hits, stats.l2_errors), (1, 0));
    }

    #[tokio::test]
    async fn l3_hit_is_promoted_to_l2() {
        let url = redis_url();
        let ns = namespace();
        let (shared, _ds) = sqlite().await;
        let (other, _do) = sqlite().await;
        let writer = cache(&shared, settings(HOUR, 100, None), &ns).await;
        let k = key(&writer, "10.0.0.1", 22, "show version", "admin", "pw");
        writer.put(&k, &entry("v1"), None).await;
        let reader = cache(&shared, settings(HOUR, 100, Some(url.clone())), &ns).await;
        assert_eq!(reader.get(&k).await.map(|(_, l)| l), Some(Level::L3));
        let third = cache(&other, settings(HOUR, 100, Some(url)), &ns).await;
        assert_eq!(third.get(&k).await.map(|(_, l)| l), Some(Level::L2));
    }

    #[tokio::test]
    async fn l2_ttl_expires_and_invalidation_reaches_other_nodes() {
        let url = redis_url();
        let ns = namespace();
        let (db_a, _da) = sqlite().await;
        let a = cache(&db_a, settings(HOUR, 100, Some(url.clone())), &ns).await;
        let short = key(&a, "10.0.0.1", 22, "show clock", "admin", "pw");
        let long = key(&a, "10.0.0.1", 22, "show version", "admin", "pw");
        let elsewhere = key(&a, "10.0.0.2", 22, "show version", "admin", "pw");
        a.put(&short, &entry("12:00"), Some(Duration::from_millis(300)))
            .await;
        a.put(&long, &entry("v1"), None).await;
        a.put(&elsewhere, &entry("v1"), None).await;
        tokio::time::sleep(Duration::from_millis(450)).await;

        let fresh = |ns: String, url: String| async move {
            let (db, dir) = sqlite().await;
            (cache(&db, settings(HOUR, 100, Some(url)), &ns).await, dir)
        };
        let (b, _db) = fresh(ns.clone(), url.clone()).await;
        assert!(b.get(&short).await.is_none(), "expired in Redis");
        assert_eq!(b.get(&long).await.map(|(_, l)| l), Some(Level::L2));

        a.invalidate_device("10.0.0.1", 22).await;
        let (c, _dc) = fresh(ns.clone(), url.clone()).await;
        assert!(c.get(&long).await.is_none(), "gone from Redis");
        assert_eq!(
            c.get(&elsewhere).await.map(|(_, l)| l),
            Some(Level::L2),
            "other device kept"
        );
        let mut conn = redis_conn(&url).await;
        let set_exists: bool = redis::cmd("EXISTS")
            .arg(format!("{ns}:dev:10.0.0.1:22"))
            .query_async(&mut conn)
            .await
            .expect("exists");
        assert!(!set_exists, "the device's key set went with its keys");
    }

    #[tokio::test]
    async fn redis_outage_degrades_and_recovers_by_itself() {
        let port = RedisChild::free_port();
        let mut server = RedisChild::start(port).await;
        let ns = namespace();
        let (db_a, _da) = sqlite().await;
        let a = cache(&db_a, settings(HOUR, 100, Some(server.url())), &ns).await;
        let k1 = key(&a, "10.0.0.1", 22, "show version", "admin", "pw");
        a.put(&k1, &entry("v1"), None).await;
        assert_eq!(a.stats().l2_errors, 0);

        server.kill();
        let k2 = key(&a, "10.0.0.1", 22, "show clock", "admin", "pw");
        let started = Instant::now();
        a.put(&k2, &entry("12:00"), None).await;
        assert_eq!(
            a.get(&k2).await.map(|(_, l)| l),
            Some(Level::L1),
            "writes still land in L1"
        );
        // Another node on the same database: L1 empty, L2 down, L3 answers.
        let b = cache(&db_a, settings(HOUR, 100, Some(server.url())), &ns).await;
        assert_eq!(b.get(&k1).await.map(|(_, l)| l), Some(Level::L3));
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "outage cost {:?}",
            started.elapsed()
        );
        let stats = a.stats();
        assert!(stats.l2_errors >= 1 && !stats.l2_available, "{stats:?}");
        let errors_before = stats.l2_errors;
        let k3 = key(&a, "10.0.0.1", 22, "show users", "admin", "pw");
        a.put(&k3, &entry("none"), None).await;
        let stats = a.stats();
        assert!(
            stats.l2_skipped >= 1 || stats.l2_errors > errors_before,
            "{stats:?}"
        );

        let server = RedisChild::start(port).await;
        let deadline = Instant::now() + Duration::from_secs(10);
        let k4 = key(&a, "10.0.0.1", 22, "show inventory", "admin", "pw");
        loop {
            a.put(&k4, &entry("chassis"), None).await;
            let (db_c, _dc) = sqlite().await;
            let c = cache(&db_c, settings(HOUR, 100, Some(server.url())), &ns).await;
            if c.get(&k4).await.map(|(_, l)| l) == Some(Level::L2) {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "L2 did not resume: {:?}",
                a.stats()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(a.stats().l2_available);
    }

    #[tokio::test]
    async fn slow_redis_costs_at_most_the_budget_and_invalidations_wait_for_it() {
        let port = RedisChild::free_port();
        let server = RedisChild::start(port).await;
        let ns = namespace();
        let budgets = Budgets {
            l2_op_timeout: Duration::from_millis(50),
            l2_circuit_open: Duration::from_millis(300),
            ..relaxed()
        };
        let node = |budgets: Budgets| {
            let (ns, url) = (ns.clone(), server.url());
            async move {
                let (db, dir) = sqlite().await;
                let cache =
                    Cache::with_budgets(settings(HOUR, 100, Some(url)), db, &ns, budgets, hasher())
                        .await
                        .expect("cache starts");
                (cache, dir)
            }
        };
        let (a, _da) = node(budgets).await;
        let (b, _db) = node(relaxed()).await;
        let k = key(&a, "10.0.0.1", 22, "show version", "admin", "pw");
        a.put(&k, &entry("v1"), None).await;

        server.signal("-STOP");
        let (c, _dc) = node(budgets).await;
        let started = Instant::now();
        assert!(c.get(&k).await.is_none(), "stalled Redis, empty L3: a miss");
        let first = started.elapsed();
        let started = Instant::now();
        assert!(c.get(&k).await.is_none());
        let second = started.elapsed();
        assert!(
            first < Duration::from_millis(1000),
            "first read took {first:?}"
        );
        assert!(
            second < Duration::from_millis(100),
            "circuit open, read took {second:?}"
        );
        let stats = c.stats();
        assert!(stats.l2_errors >= 1 && stats.l2_skipped >= 1, "{stats:?}");

        // A config push while L2 is out: `a` learns Redis is stalled, so the invalidation is
        // not even sent; it is queued and applied before `a` uses L2 again.
        let probe = key(&a, "10.0.0.3", 22, "show version", "admin", "pw");
        assert!(a.get(&probe).await.is_none());
        a.invalidate_device("10.0.0.1", 22).await;
        server.signal("-CONT");
        let mut conn = redis_conn(&server.url()).await;
        let stored = format!("{ns}:{}", k.render());
        let exists = |conn: &mut redis::aio::MultiplexedConnection| {
            let stored = stored.clone();
            let mut conn = conn.clone();
            async move {
                redis::cmd("EXISTS")
                    .arg(&stored)
                    .query_async::<bool>(&mut conn)
                    .await
                    .expect("exists")
            }
        };
        assert!(exists(&mut conn).await, "not deleted while Redis was out");
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let _ = a.get(&probe).await;
            if a.stats().l2_available {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "L2 did not resume: {:?}",
                a.stats()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(
            !exists(&mut conn).await,
            "queued invalidation applied on recovery"
        );
        assert!(
            b.get(&k).await.is_none(),
            "no other node sees the stale entry"
        );
    }

    /// A store in a fresh PostgreSQL schema, and the admin URL to drop it.
    async fn postgres() -> (Store, String, String) {
        use sqlx::Connection;
        let base = postgres_url();
        let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
        let mut admin = sqlx::PgConnection::connect(&base)
            .await
            .expect("connect to NETPULSE_TEST_POSTGRES");
        sqlx::query(&format!("CREATE SCHEMA {schema}"))
            .execute(&mut admin)
            .await
            .expect("create schema");
        let sep = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{sep}options=-c%20search_path%3D{schema}");
        let store = Store::connect(&Database {
            url,
            pool_size: 4,
            max_overflow: 0,
            ..Database::default()
        })
        .await
        .expect("open postgres store");
        (store, base, schema)
    }

    async fn drop_schema(base: &str, schema: &str) {
        use sqlx::Connection;
        if let Ok(mut admin) = sqlx::PgConnection::connect(base).await {
            let _ = sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
                .execute(&mut admin)
                .await;
        }
    }

    #[tokio::test]
    async fn postgres_l3_shares_keys_expires_and_invalidates() {
        let (store, base, schema) = postgres().await;
        let a = cache(&store, settings(HOUR, 100, None), "t").await;
        let b = cache(&store, settings(HOUR, 100, None), "t").await;
        assert_eq!(
            a.credential_hasher().hash("u", "p"),
            b.credential_hasher().hash("u", "p")
        );
        let k = key(&a, "10.0.0.1", 22, "show version", "admin", "pw");
        let short = key(&a, "10.0.0.1", 22, "show clock", "admin", "pw");
        let kept = key(&a, "10.0.0.2", 22, "show version", "admin", "pw");
        a.put(&k, &entry("v1"), None).await;
        a.put(&k, &entry("v2"), None).await; // upsert
        a.put(&short, &entry("12:00"), Some(Duration::from_millis(300)))
            .await;
        a.put(&kept, &entry("v1"), None).await;
        let (found, level) = b.get(&k).await.expect("hit");
        assert_eq!((found.stdout.as_str(), level), ("v2", Level::L3));
        tokio::time::sleep(Duration::from_millis(450)).await;
        assert!(b.get(&short).await.is_none(), "expired row not served");

        a.invalidate_device("10.0.0.1", 22).await;
        let c = cache(&store, settings(HOUR, 100, None), "t").await;
        assert!(c.get(&k).await.is_none());
        assert_eq!(c.get(&kept).await.map(|(_, l)| l), Some(Level::L3));
        store.close().await;
        drop_schema(&base, &schema).await;
    }

    #[tokio::test]
    async fn locked_l3_is_a_miss_within_the_read_budget() {
        let (store, base, schema) = postgres().await;
        let budgets = Budgets {
            l3_read_timeout: Duration::from_millis(50),
            ..relaxed()
        };
        let a = Cache::with_budgets(
            settings(HOUR, 100, None),
            store.clone(),
            "t",
            budgets,
            hasher(),
        )
        .await
        .expect("cache starts");
        let k = key(&a, "10.0.0.1", 22, "show version", "admin", "pw");
        let mut tx = store.pool().begin().await.expect("begin");
        sqlx::query("LOCK TABLE cache_entries IN ACCESS EXCLUSIVE MODE")
            .execute(&mut *tx)
            .await
            .expect("lock");
        let started = Instant::now();
        assert!(a.get(&k).await.is_none());
        let took = started.elapsed();
        assert!(
            took < Duration::from_millis(500),
            "read waited {took:?} on a locked table"
        );
        assert_eq!(a.stats().l3_timeouts, 1);
        tx.rollback().await.expect("rollback");
        store.close().await;
        drop_schema(&base, &schema).await;
    }
}
