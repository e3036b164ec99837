//! A small HTTP/1.1 JSON client for the gateway's API, with a deadline on every call.
//!
//! hyper is already in the build (axum serves with it), so its client costs no new HTTP
//! stack; TLS is left to a reverse proxy, as for the gateway itself.

use std::time::Duration;

use anyhow::{Context, bail};
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::{Method, Request, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;

/// Longest answer read from the gateway: a page of jobs with their outputs fits many times
/// over, and a wrong URL pointing at something that streams forever cannot fill memory.
const MAX_ANSWER_BYTES: usize = 256 * 1024 * 1024;

/// Time allowed for a call beyond any `?wait` it asks the gateway to hold.
const CALL_SLACK: Duration = Duration::from_secs(30);

/// Where the gateway is and how to authenticate to it.
#[derive(Debug, Clone, clap::Args)]
pub struct Remote {
    /// The gateway's base URL.
    #[arg(long, env = "NETPULSE_URL", default_value = "http://127.0.0.1:9000")]
    pub url: String,
    /// API key (sent as X-API-KEY).
    #[arg(long, env = "NETPULSE_API_KEY", hide_env_values = true)]
    pub api_key: Option<String>,
}

/// The gateway's API over one pooled HTTP client.
#[derive(Clone)]
pub struct Api {
    base: String,
    key: Option<String>,
    client: Client<HttpConnector, Full<Bytes>>,
}

/// A gateway answer: status and JSON body (`Null` when empty).
pub struct Answer {
    /// HTTP status.
    pub status: StatusCode,
    /// Parsed body.
    pub body: Value,
}

impl Answer {
    /// The body when the status is a success, else an error quoting the gateway's message.
    pub fn ok(self, what: &str) -> anyhow::Result<Value> {
        if self.status.is_success() {
            return Ok(self.body);
        }
        let message = self.body["error"]["message"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| self.body.to_string());
        bail!("{what}: {} {message}", self.status.as_u16())
    }
}

impl Api {
    /// A client for `remote`.
    pub fn new(remote: &Remote) -> anyhow::Result<Self> {
        let base = remote.url.trim_end_matches('/').to_string();
        if !base.starts_with("http://") {
            bail!(
                "--url {base:?} must start with http:// (put a TLS proxy in front of the gateway and point this at its plain side, or use the proxy's own client)"
            );
        }
        let mut connector = HttpConnector::new();
        connector.set_connect_timeout(Some(Duration::from_secs(10)));
        connector.set_nodelay(true);
        let client = Client::builder(TokioExecutor::new()).build(connector);
        Ok(Self {
            base,
            key: remote.api_key.clone(),
            client,
        })
    }

    /// `GET path`, allowed `hold` beyond the usual slack (for `?wait`).
    pub async fn get(&self, path: &str) -> anyhow::Result<Answer> {
        self.call(Method::GET, path, None, Duration::ZERO).await
    }

    /// `POST path` with a JSON body; `hold` is how long the gateway may hold the answer.
    pub async fn post(&self, path: &str, body: &Value, hold: Duration) -> anyhow::Result<Answer> {
        self.call(Method::POST, path, Some(body), hold).await
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        hold: Duration,
    ) -> anyhow::Result<Answer> {
        let uri = format!("{}{path}", self.base);
        let mut request = Request::builder().method(method.clone()).uri(&uri);
        if let Some(key) = &self.key {
            request = request.header("x-api-key", key);
        }
        let payload = match body {
            Some(body) => {
                request = request.header("content-type", "application/json");
                Bytes::from(body.to_string())
            }
            None => Bytes::new(),
        };
        let request = request
            .body(Full::new(payload))
            .with_context(|| format!("build {method} {uri}"))?;
        let deadline = hold + CALL_SLACK;
        let exchange = async {
            let response = self.client.request(request).await?;
            let status = response.status();
            let bytes = Limited::new(response.into_body(), MAX_ANSWER_BYTES)
                .collect()
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?
                .to_bytes();
            anyhow::Ok((status, bytes))
        };
        let (status, bytes) = tokio::time::timeout(deadline, exchange)
            .await
            .with_context(|| format!("{method} {uri}: no answer within {}s", deadline.as_secs()))?
            .with_context(|| format!("{method} {uri}"))?;
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .with_context(|| format!("{method} {uri}: the answer ({status}) is not JSON"))?
        };
        Ok(Answer { status, body })
    }
}
