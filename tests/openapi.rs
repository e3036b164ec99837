//! `GET /openapi.json` against the router it describes: every route the router mounts is in
//! the document (a route added without its documentation fails here), every documented
//! operation is routed, and real answers of every route — jobs run on the lab, a bulk, a
//! login check, a parse, the figures, and the errors — validate against the schema the
//! document gives for their status.
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use std::collections::BTreeSet;

use axum::http::StatusCode;
use serde_json::{Value, json};

use common::{call, call_raw, exec_body, harness};

/// `(METHOD, path)` of every `.route(...)` in `src/api/mod.rs`, read from the source: the
/// router offers no list of its routes.
fn routed() -> BTreeSet<(String, String)> {
    let source = include_str!("../src/api/mod.rs");
    let route =
        regex::Regex::new(r#"\.route\(\s*"([^"]+)",\s*((?:\.?\s*[a-z]+\([^()]*\))+)"#).unwrap();
    let method = regex::Regex::new(r"([a-z]+)\(").unwrap();
    let mut out = BTreeSet::new();
    for found in route.captures_iter(source) {
        for m in method.captures_iter(&found[2]) {
            out.insert((m[1].to_uppercase(), found[1].to_string()));
        }
    }
    out
}

/// `(METHOD, path)` of every operation in the document.
fn documented(doc: &Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            out.insert((method.to_uppercase(), path.clone()));
        }
    }
    out
}

/// Validates `body` against the schema `doc` gives for `method path` answering `status`;
/// fails naming every error. A status the operation does not document fails too.
fn conforms(doc: &Value, method: &str, path: &str, status: StatusCode, body: &Value) {
    let operation = &doc["paths"][path][method.to_lowercase()];
    assert!(operation.is_object(), "{method} {path} is not documented");
    let response = &operation["responses"][status.as_str()];
    assert!(
        response.is_object(),
        "{method} {path} answered {status}, which it does not document: {body}"
    );
    let Some(schema) = response["content"]["application/json"].get("schema") else {
        return;
    };
    // The component schemas as `$defs` of one JSON Schema document, so `$ref`s resolve.
    let defs = serde_json::to_string(&doc["components"]["schemas"])
        .unwrap()
        .replace("#/components/schemas/", "#/$defs/");
    let schema_text = serde_json::to_string(schema)
        .unwrap()
        .replace("#/components/schemas/", "#/$defs/");
    let mut root: Value = serde_json::from_str(&schema_text).unwrap();
    if let Value::Object(map) = &mut root {
        map.insert("$defs".into(), serde_json::from_str(&defs).unwrap());
    }
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(&root)
        .unwrap_or_else(|e| panic!("{method} {path} {status}: schema does not compile: {e}"));
    let errors: Vec<String> = validator
        .iter_errors(body)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{method} {path} {status} breaks its schema:\n{}\n{body:#}",
        errors.join("\n")
    );
}

#[tokio::test]
async fn the_document_covers_every_route_and_real_answers_conform() {
    let h = harness(&["cisco_ios", "linux"]).await;
    let router = h.router();

    // Served without a key.
    let (status, _, doc) = call_raw(&router, "GET", "/openapi.json", None, None).await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"), "{doc}");
    let (status, headers, _) = call_raw(&router, "GET", "/docs", None, None).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers["location"], "/docs/");
    let (status, _, page) = call_raw(&router, "GET", "/docs/", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.as_str().unwrap().contains("swagger-ui"), "{page}");

    // Both ways: what the router mounts is documented, and what is documented is routed.
    let documented = documented(&doc);
    let routed = routed();
    assert!(routed.len() >= 13, "the route scan found only {routed:?}");
    let undocumented: Vec<_> = routed.difference(&documented).collect();
    assert!(
        undocumented.is_empty(),
        "routes missing from the document: {undocumented:?}"
    );
    for (method, path) in &documented {
        let uri = path.replace("{id}", "0190a0b0-0000-7000-8000-000000000000");
        let body = (method != "GET" && method != "DELETE").then(|| "{}".to_string());
        let (status, _, answer) = call_raw(&router, method, &uri, body, Some(common::KEY)).await;
        assert_ne!(
            status,
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path} is not routed"
        );
        assert_ne!(
            answer["error"]["message"], "no such route",
            "{method} {path} is not routed"
        );
    }

    // Each operation's role, from the auth table.
    assert!(
        doc["paths"]["/config"]["get"]["description"]
            .as_str()
            .unwrap()
            .starts_with("**Role:** `admin`"),
        "{}",
        doc["paths"]["/config"]["get"]
    );

    // A job on the lab, parsed, waited for.
    let (ios_host, ios_port) = h.device("cisco_ios");
    let mut body = exec_body("cisco_ios", &ios_host, ios_port, json!(["show version"]));
    body["parsing"] = json!({"name": "auto"});
    let (status, job) = call(&router, "POST", "/device/exec?wait=30", Some(body.clone())).await;
    assert_eq!(status, StatusCode::CREATED, "{job}");
    assert_eq!(job["status"], "finished", "{job}");
    conforms(&doc, "POST", "/device/exec", status, &job);
    let id = job["id"].as_str().unwrap().to_string();
    let (status, one) = call(&router, "GET", &format!("/jobs/{id}"), None).await;
    conforms(&doc, "GET", "/jobs/{id}", status, &one);
    let (status, list) = call(&router, "GET", "/jobs?limit=5", None).await;
    conforms(&doc, "GET", "/jobs", status, &list);
    let (status, answer) = call(&router, "DELETE", &format!("/jobs/{id}"), None).await;
    assert_eq!(status, StatusCode::CONFLICT, "{answer}");
    conforms(&doc, "DELETE", "/jobs/{id}", status, &answer);

    // A job that fails on the device (exec channel, a command that exits non-zero).
    let (linux_host, linux_port) = h.device("linux");
    let failing = exec_body("linux", &linux_host, linux_port, json!(["false"]));
    let (status, job) = call(&router, "POST", "/device/exec?wait=30", Some(failing)).await;
    conforms(&doc, "POST", "/device/exec", status, &job);

    // A login check, good and bad.
    let (status, test) = call(&router, "POST", "/device/test", Some(body.clone())).await;
    assert_eq!(test["success"], true, "{test}");
    conforms(&doc, "POST", "/device/test", status, &test);
    let mut wrong = body.clone();
    wrong["connection_args"]["password"] = json!("wrong");
    let (status, test) = call(&router, "POST", "/device/test", Some(wrong)).await;
    assert_eq!(test["success"], false, "{test}");
    conforms(&doc, "POST", "/device/test", status, &test);

    // A bulk and its batch.
    let bulk = json!({
        "connection_args": {"device_type": "cisco_ios", "username": "admin", "password": "admin"},
        "command": "show version",
        "devices": [{"host": ios_host, "port": ios_port}],
    });
    let (status, accepted) = call(&router, "POST", "/device/bulk", Some(bulk)).await;
    assert_eq!(status, StatusCode::CREATED, "{accepted}");
    conforms(&doc, "POST", "/device/bulk", status, &accepted);
    let batch_id = accepted["batch_id"].as_str().unwrap().to_string();
    let mut batch = Value::Null;
    for _ in 0..300 {
        let (status, now) = call(&router, "GET", &format!("/batches/{batch_id}"), None).await;
        conforms(&doc, "GET", "/batches/{id}", status, &now);
        batch = now;
        if batch["status"] != "running" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(batch["status"], "finished", "{batch}");
    let (status, answer) = call(
        &router,
        "POST",
        &format!("/batches/{batch_id}/resume"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{answer}");
    conforms(&doc, "POST", "/batches/{id}/resume", status, &answer);

    // A parse, no device.
    let output = job_stdout(&one);
    let parse = json!({"platform": "cisco_ios", "command": "show version", "context": output});
    let (status, parsed) = call(&router, "POST", "/template/parse", Some(parse)).await;
    assert_eq!(status, StatusCode::OK, "{parsed}");
    conforms(&doc, "POST", "/template/parse", status, &parsed);

    // The figures and the config.
    for path in ["/system/stats", "/plugins", "/config", "/health"] {
        let (status, answer) = call(&router, "GET", path, None).await;
        assert_eq!(status, StatusCode::OK, "{path}: {answer}");
        conforms(&doc, "GET", path, status, &answer);
    }

    // Errors, each in the one error shape and documented for its route.
    let (status, _, answer) = call_raw(&router, "GET", "/jobs", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    conforms(&doc, "GET", "/jobs", status, &answer);
    let (status, _, answer) = call_raw(&router, "GET", "/jobs", None, Some("not-a-key")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    conforms(&doc, "GET", "/jobs", status, &answer);
    let (status, answer) = call(&router, "GET", "/jobs?limit=ten", None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    conforms(&doc, "GET", "/jobs", status, &answer);
    let (status, answer) = call(&router, "GET", "/jobs/nope", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    conforms(&doc, "GET", "/jobs/{id}", status, &answer);
    let (status, _, answer) = call_raw(
        &router,
        "POST",
        "/device/exec",
        Some("{\"command\": ".into()),
        Some(common::KEY),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    conforms(&doc, "POST", "/device/exec", status, &answer);
    let (status, answer) = call(&router, "POST", "/device/exec", Some(json!({"ttl": 1}))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    conforms(&doc, "POST", "/device/exec", status, &answer);
}

/// The first command's stdout of a finished job.
fn job_stdout(job: &Value) -> String {
    job["result"]["retval"][0]["stdout"]
        .as_str()
        .unwrap()
        .to_string()
}
