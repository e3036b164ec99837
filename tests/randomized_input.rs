//! Randomized hostile input (issue 18): the request validator and the YAML config loader
//! meet arbitrary bodies and texts. Whatever they are given, they answer (a spec or a 4xx
//! for requests; a config or an error for files) and never panic.
//!
//! Cases per property: proptest's default (256), or `PROPTEST_CASES` for a longer run
//! (`PROPTEST_CASES=20000 cargo test --test randomized_input`).
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use std::path::Path;

use proptest::prelude::*;
use serde_json::{Map, Value, json};

use netpulse::api::request::ExecutionRequest;
use netpulse::api::{ApiError, bulk, checks, json as api_json};
use netpulse::config::Config;

/// Field names the validator knows, so random bodies reach deep rules and not only the
/// unknown-field refusal.
const KEYS: &[&str] = &[
    "device",
    "driver",
    "connection_args",
    "command",
    "config",
    "parsing",
    "queue_strategy",
    "ttl",
    "execution_timeout",
    "result_ttl",
    "enable_mode",
    "save",
    "cache",
    "webhook",
    "retry_on_restart",
    "device_type",
    "host",
    "ip",
    "port",
    "username",
    "password",
    "private_key",
    "secret",
    "timeout",
    "name",
    "enabled",
    "refresh",
    "devices",
    "strategy",
    "params",
    "url",
    "proxy_host",
    "tags",
    "site",
];

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        prop_oneof![
            Just("cisco_ios".to_string()),
            Just("127.0.0.1".to_string()),
            Just("show version".to_string()),
            Just("core-1".to_string()),
            ".{0,24}",
            "[a-z \\n\\r\\t\\x00-\\x1f]{0,16}",
        ]
        .prop_map(Value::String),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop_oneof![prop::sample::select(KEYS).prop_map(String::from), ".{0,8}"],
                    inner
                ),
                0..8
            )
            .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// A valid exec body with some fields (top level or in connection_args) replaced by random
/// values, so the rules past the first are reached too.
fn mutated() -> impl Strategy<Value = Value> {
    prop::collection::vec((any::<bool>(), prop::sample::select(KEYS), value()), 0..4).prop_map(
        |changes| {
            let mut body = json!({
                "connection_args": {"device_type": "cisco_ios", "host": "127.0.0.1", "port": 1,
                                    "username": "admin", "password": "admin"},
                "command": ["show version"],
            });
            for (nested, key, value) in changes {
                let args = body
                    .get_mut("connection_args")
                    .and_then(Value::as_object_mut);
                match (nested, args) {
                    (true, Some(args)) => {
                        args.insert(key.to_string(), value);
                    }
                    _ => body[key] = value,
                }
            }
            body
        },
    )
}

/// A body that is an object of known fields most of the time.
fn body() -> impl Strategy<Value = Value> {
    prop_oneof![
        mutated(),
        value(),
        prop::collection::vec((prop::sample::select(KEYS), value()), 0..10).prop_map(|pairs| {
            Value::Object(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
        }),
    ]
}

fn config() -> Config {
    let mut config = Config::default();
    config.inventory = vec![netpulse::config::InventoryDevice {
        name: "core-1".into(),
        host: "127.0.0.1".into(),
        device_type: "cisco_ios".into(),
        ..Default::default()
    }];
    config
}

fn client_error(e: &ApiError) -> bool {
    e.status_code().is_client_error()
}

proptest! {
    #[test]
    fn exec_bodies_become_a_spec_or_a_4xx(body in body()) {
        let config = config();
        let known = vec!["auto".to_string(), "textfsm".to_string()];
        let text = body.to_string();
        match api_json::parse::<ExecutionRequest>(text.as_bytes()) {
            Err(e) => prop_assert!(client_error(&e), "{e:?}"),
            Ok(request) => match request.into_spec(&config, &known) {
                Err(e) => prop_assert!(client_error(&e), "{e:?}"),
                Ok(spec) => {
                    // What was accepted keeps the rules: single-line commands, bounded times.
                    for line in spec.work.lines() {
                        prop_assert!(!line.contains(['\n', '\r', '\0']), "{line:?}");
                    }
                    prop_assert!(spec.execution_timeout.as_secs() <= checks::MAX_TTL_SECS);
                    prop_assert!(spec.ttl.is_none_or(|t| t.as_secs() <= checks::MAX_TTL_SECS));
                    prop_assert!(!spec.target.host.contains(char::is_whitespace));
                }
            },
        }
    }

    #[test]
    fn bulk_bodies_become_a_submission_or_a_4xx(body in body(), devices in prop::collection::vec(value(), 0..6)) {
        let mut body = body;
        if let Value::Object(map) = &mut body {
            map.insert("devices".into(), Value::Array(devices));
        }
        let config = config();
        match bulk::parse(body, &config, &["auto".to_string()], &["canary".to_string()]) {
            Err(e) => prop_assert!(client_error(&e), "{e:?}"),
            Ok(submission) => prop_assert!(!submission.devices.is_empty()),
        }
    }

    #[test]
    fn wait_values_parse_or_are_refused(text in ".{0,12}") {
        if let Ok(Some(wait)) = checks::wait(Some(&text)) {
            prop_assert!(wait.as_secs_f64() <= checks::MAX_WAIT_SECS);
        }
    }

    #[test]
    fn arbitrary_text_is_a_config_or_an_error(text in ".{0,400}") {
        let _ = netpulse::config::from_str(&text, Path::new("fuzz.yaml"));
    }

    #[test]
    fn yaml_shaped_text_is_a_config_or_an_error(text in yaml_text()) {
        let _ = netpulse::config::from_str(&text, Path::new("fuzz.yaml"));
    }
}

/// The same bodies through the router (exec, test and bulk, with and without `?wait`): the
/// answer is always 201/200 or a 4xx. Accepted jobs go to a closed loopback port and fail
/// at once; the allow-list keeps every other address out.
#[test]
fn the_router_answers_random_bodies_with_success_or_4xx() {
    use axum::http::StatusCode;
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let h = runtime.block_on(common::harness_with(&["cisco_ios"], |c| {
        c.security.allowed_targets = vec!["127.0.0.1/32".into()];
        c.connection_pool.connection_timeout = 1;
    }));
    let router = h.router();
    let routes = prop::sample::select(
        &[
            "/device/exec",
            "/device/exec?wait=0.05",
            "/device/exec?wait=junk",
            "/device/test",
            "/device/bulk",
        ][..],
    );
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        // Each case is an HTTP exchange (and maybe a job): a quarter of the default.
        cases: ProptestConfig::default().cases.div_ceil(4),
        ..ProptestConfig::default()
    });
    runner
        .run(&(routes, body()), |(route, body)| {
            let body = match (route, body) {
                ("/device/bulk", Value::Object(mut map)) => {
                    let args = map.remove("connection_args").unwrap_or(json!({}));
                    map.insert("devices".into(), json!([args]));
                    Value::Object(map)
                }
                (_, body) => body,
            };
            let (status, answer) =
                runtime.block_on(common::call(&router, "POST", route, Some(body.clone())));
            prop_assert!(
                status == StatusCode::CREATED
                    || status == StatusCode::OK
                    || status.is_client_error(),
                "{route} {body} -> {status} {answer}"
            );
            Ok(())
        })
        .unwrap();
    drop(router);
    runtime.block_on(async move { drop(h) });
}

/// Config-shaped YAML: real section and key names, hostile values and indentation.
fn yaml_text() -> impl Strategy<Value = String> {
    let section = prop::sample::select(
        &[
            "server",
            "connection_pool",
            "cache",
            "database",
            "worker",
            "plugins",
            "parsing",
            "monitoring",
            "ssh",
            "logging",
            "inventory",
            "security",
            "bogus",
        ][..],
    );
    let key = prop::sample::select(
        &[
            "listen",
            "api_keys",
            "max_size",
            "min_size",
            "ttl",
            "url",
            "pool_size",
            "queue_size",
            "timeout",
            "dir",
            "template_dirs",
            "window",
            "thresholds",
            "known_hosts",
            "host_key_policy",
            "level",
            "allowed_targets",
            "name",
            "host",
            "device_type",
            "adaptive",
            "expand_above",
            "warm",
            "hosts",
        ][..],
    );
    let scalar = prop_oneof![
        Just("-1".to_string()),
        Just("18446744073709551616".to_string()),
        Just("1e999".to_string()),
        Just(".nan".to_string()),
        Just("[]".to_string()),
        Just("{}".to_string()),
        Just("~".to_string()),
        Just("*anchor".to_string()),
        Just("&anchor x".to_string()),
        Just("!!binary aGk=".to_string()),
        Just("[10.0.0.0/8, \"*.lab\", \"10.0.0.0/99\"]".to_string()),
        "[ -~]{0,20}",
    ];
    let line = (0usize..6, key, scalar)
        .prop_map(|(indent, k, v)| format!("{}{k}: {v}", " ".repeat(indent)));
    let block =
        (section, prop::collection::vec(line, 0..6), any::<bool>()).prop_map(|(s, lines, list)| {
            let body: Vec<String> = lines
                .into_iter()
                .enumerate()
                .map(|(i, l)| {
                    if list && i == 0 {
                        format!("  - {}", l.trim_start())
                    } else {
                        format!("  {l}")
                    }
                })
                .collect();
            format!("{s}:\n{}\n", body.join("\n"))
        });
    prop::collection::vec(block, 0..5).prop_map(|blocks| blocks.concat())
}
