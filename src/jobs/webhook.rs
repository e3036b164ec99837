//! Webhooks (NetPulse's `webhook` field): after a job or a batch ends, its JSON is sent to
//! the caller's URL, retried with backoff. Delivery happens after the end state is stored
//! and never changes it: a failed delivery is recorded beside the job, nothing more.
//!
//! Plain `http://` over a short-lived HTTP/1.1 connection: enough for the collectors these
//! usually are (a local relay, an automation controller) without a TLS stack in the gateway.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Longest response head read from a webhook receiver.
const MAX_RESPONSE_HEAD: usize = 16 * 1024;

/// Where and how to deliver, validated from the request.
#[derive(Debug, Clone, PartialEq)]
pub struct Webhook {
    /// `host:port` to connect to.
    pub authority: String,
    /// Path and query.
    pub path: String,
    /// The URL as given, without any user:password part (for records and logs).
    pub display_url: String,
    /// HTTP method (POST, PUT or PATCH).
    pub method: String,
    /// Extra headers (may carry tokens: sealed at rest, never shown).
    pub headers: BTreeMap<String, String>,
    /// Limit on each attempt.
    pub timeout: Duration,
    /// Attempts after the first.
    pub max_retries: u32,
    /// Pause before each retry; the last repeats. Empty means 1 s, 2 s, 4 s …
    pub retry_intervals: Vec<Duration>,
}

/// Why a webhook definition was refused (a 422 naming the field).
#[derive(Debug, thiserror::Error)]
#[error("webhook.{field}: {message}")]
pub struct Invalid {
    /// The field at fault.
    pub field: &'static str,
    /// What is wrong and what to do.
    pub message: String,
}

fn invalid(field: &'static str, message: impl Into<String>) -> Invalid {
    Invalid {
        field,
        message: message.into(),
    }
}

/// Most attempts a request may ask for, so a dead receiver cannot keep tasks forever.
const MAX_RETRIES: u32 = 10;
/// Longest per-attempt timeout or retry pause, seconds.
const MAX_SECONDS: f64 = 300.0;

impl Webhook {
    /// Validates NetPulse's webhook object: `url`, `method`, `headers`, `timeout`,
    /// `max_retries`, `retry_intervals`, plus `name` (a label) and `auth` (`[user, password]`,
    /// sent as basic auth).
    pub fn from_json(value: &Value) -> Result<Self, Invalid> {
        let object = value
            .as_object()
            .ok_or_else(|| invalid("url", "the webhook must be an object with a url"))?;
        for key in object.keys() {
            if !matches!(
                key.as_str(),
                "name"
                    | "url"
                    | "method"
                    | "headers"
                    | "timeout"
                    | "max_retries"
                    | "retry_intervals"
                    | "auth"
                    | "cookies"
            ) {
                return Err(Invalid {
                    field: "url",
                    message: format!(
                        "unknown field {key:?}; known: name, url, method, headers, timeout, max_retries, retry_intervals, auth"
                    ),
                });
            }
        }
        if object
            .get("cookies")
            .is_some_and(|c| !c.is_null() && c != &json!({}))
        {
            return Err(invalid("cookies", "not supported; send them in headers"));
        }
        let url = object
            .get("url")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid("url", "required"))?;
        let rest = url.strip_prefix("http://").ok_or_else(|| {
            invalid(
                "url",
                "only http:// URLs are supported; point it at an http endpoint or a local relay",
            )
        })?;
        let (authority, path) = match rest.find(['/', '?']) {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        // user:password@ is dropped: it would be a secret in every record and log line.
        let authority = authority.rsplit('@').next().unwrap_or(authority);
        if authority.is_empty() || authority.chars().any(|c| c.is_whitespace()) {
            return Err(invalid("url", "the URL has no host"));
        }
        let display_url = format!("http://{authority}{path}");
        let authority = if authority
            .rsplit_once(':')
            .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
        {
            authority.to_string()
        } else {
            format!("{authority}:80")
        };
        let path = if path.starts_with('?') {
            format!("/{path}")
        } else {
            path.to_string()
        };
        if path.chars().any(|c| c.is_control() || c == ' ') {
            return Err(invalid(
                "url",
                "the path must not contain spaces or control characters",
            ));
        }
        let method = object
            .get("method")
            .and_then(Value::as_str)
            .unwrap_or("POST")
            .to_ascii_uppercase();
        if !matches!(method.as_str(), "POST" | "PUT" | "PATCH") {
            return Err(invalid(
                "method",
                format!("{method:?}; known: POST, PUT, PATCH"),
            ));
        }
        let mut headers = BTreeMap::new();
        if let Some(h) = object.get("headers").filter(|h| !h.is_null()) {
            let h = h
                .as_object()
                .ok_or_else(|| invalid("headers", "must be an object of strings"))?;
            for (name, value) in h {
                let value = value
                    .as_str()
                    .ok_or_else(|| invalid("headers", format!("{name}: must be a string")))?;
                let bad = |s: &str| s.chars().any(|c| c == '\r' || c == '\n');
                if name.is_empty() || bad(name) || bad(value) || name.contains(':') {
                    return Err(invalid("headers", format!("{name:?}: not a valid header")));
                }
                headers.insert(name.clone(), value.to_string());
            }
        }
        if let Some(auth) = object.get("auth").filter(|a| !a.is_null()) {
            let pair = auth
                .as_array()
                .filter(|a| a.len() == 2)
                .and_then(|a| Some((a[0].as_str()?, a[1].as_str()?)))
                .ok_or_else(|| invalid("auth", "must be [username, password]"))?;
            use base64::Engine;
            let token =
                base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", pair.0, pair.1));
            headers.insert("Authorization".into(), format!("Basic {token}"));
        }
        let seconds = |field: &'static str, v: &Value| -> Result<Duration, Invalid> {
            v.as_f64()
                .filter(|s| *s > 0.0 && *s <= MAX_SECONDS)
                .map(Duration::from_secs_f64)
                .ok_or_else(|| {
                    invalid(
                        field,
                        format!("must be seconds above 0 and at most {MAX_SECONDS}"),
                    )
                })
        };
        let timeout = match object.get("timeout").filter(|t| !t.is_null()) {
            Some(t) => seconds("timeout", t)?,
            None => Duration::from_secs(5),
        };
        let max_retries = match object.get("max_retries").filter(|t| !t.is_null()) {
            Some(n) => n
                .as_u64()
                .filter(|n| *n <= u64::from(MAX_RETRIES))
                .map(|n| n as u32)
                .ok_or_else(|| invalid("max_retries", format!("must be 0 to {MAX_RETRIES}")))?,
            None => 3,
        };
        let retry_intervals = match object.get("retry_intervals").filter(|t| !t.is_null()) {
            Some(list) => list
                .as_array()
                .ok_or_else(|| invalid("retry_intervals", "must be a list of seconds"))?
                .iter()
                .map(|v| seconds("retry_intervals", v))
                .collect::<Result<_, _>>()?,
            None => Vec::new(),
        };
        Ok(Self {
            authority,
            path,
            display_url,
            method,
            headers,
            timeout,
            max_retries,
            retry_intervals,
        })
    }

    /// What the stored request shows: no header values, no credentials.
    pub fn redacted(&self) -> Value {
        json!({
            "url": self.display_url,
            "method": self.method,
            "headers": self.headers.keys().collect::<Vec<_>>(),
            "timeout": self.timeout.as_secs_f64(),
            "max_retries": self.max_retries,
        })
    }

    fn pause_before(&self, retry: u32) -> Duration {
        if self.retry_intervals.is_empty() {
            return Duration::from_secs(1u64 << retry.min(6));
        }
        let i = (retry as usize).min(self.retry_intervals.len() - 1);
        self.retry_intervals[i]
    }

    /// Delivers `body`, retrying; returns the outcome to record (never an error: the job's
    /// end state is already stored and does not depend on this).
    pub async fn deliver(&self, body: &Value) -> Value {
        let payload = body.to_string();
        let mut last_error = String::new();
        let mut last_status = None;
        for attempt in 0..=self.max_retries {
            if attempt > 0 {
                tokio::time::sleep(self.pause_before(attempt - 1)).await;
            }
            match tokio::time::timeout(self.timeout, self.send(&payload)).await {
                Ok(Ok(status)) if (200..300).contains(&status) => {
                    return json!({"url": self.display_url, "delivered": true, "attempts": attempt + 1,
                        "status_code": status, "error": null, "at": super::model::now()});
                }
                Ok(Ok(status)) => {
                    last_status = Some(status);
                    last_error = format!("the receiver answered HTTP {status}");
                }
                Ok(Err(e)) => last_error = e.to_string(),
                Err(_) => last_error = format!("no answer within {}s", self.timeout.as_secs_f64()),
            }
            tracing::debug!(url = %self.display_url, attempt = attempt + 1, error = %last_error, "webhook delivery failed");
        }
        tracing::warn!(url = %self.display_url, attempts = self.max_retries + 1, error = %last_error, "webhook not delivered");
        json!({"url": self.display_url, "delivered": false, "attempts": self.max_retries + 1,
            "status_code": last_status, "error": last_error, "at": super::model::now()})
    }

    /// One attempt: the status code the receiver answered.
    async fn send(&self, payload: &str) -> std::io::Result<u16> {
        let mut stream = tokio::net::TcpStream::connect(&self.authority).await?;
        stream.set_nodelay(true)?;
        let mut head = format!(
            "{} {} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\nUser-Agent: netpulse\r\n",
            self.method,
            self.path,
            self.authority,
            payload.len()
        );
        for (name, value) in &self.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes()).await?;
        stream.write_all(payload.as_bytes()).await?;
        stream.flush().await?;
        let mut response = Vec::with_capacity(256);
        let mut chunk = [0u8; 1024];
        while !response.windows(2).any(|w| w == b"\r\n") {
            let n = stream.read(&mut chunk).await?;
            if n == 0 || response.len() > MAX_RESPONSE_HEAD {
                break;
            }
            response.extend_from_slice(&chunk[..n]);
        }
        let line = String::from_utf8_lossy(&response);
        line.split_whitespace()
            .nth(1)
            .and_then(|code| code.parse::<u16>().ok())
            .filter(|_| line.starts_with("HTTP/"))
            .ok_or_else(|| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    "the receiver did not answer with an HTTP status line",
                )
            })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn parses_netpulse_webhooks_and_refuses_what_it_cannot_send() {
        let hook = Webhook::from_json(&json!({
            "url": "http://127.0.0.1:8080/hooks?x=1", "method": "put",
            "headers": {"X-Token": "s3cret"}, "max_retries": 2, "retry_intervals": [0.5]
        }))
        .unwrap();
        assert_eq!(hook.authority, "127.0.0.1:8080");
        assert_eq!(hook.path, "/hooks?x=1");
        assert_eq!(hook.method, "PUT");
        assert!(!hook.redacted().to_string().contains("s3cret"));
        assert_eq!(hook.pause_before(3), Duration::from_millis(500));
        let plain = Webhook::from_json(&json!({"url": "http://collector"})).unwrap();
        assert_eq!(plain.authority, "collector:80");
        assert_eq!(plain.pause_before(2), Duration::from_secs(4));
        for (bad, field) in [
            (json!({"url": "https://x"}), "url"),
            (json!({"url": "http://x", "method": "DELETE"}), "method"),
            (
                json!({"url": "http://x", "headers": {"A": "b\r\nEvil: 1"}}),
                "headers",
            ),
            (json!({"url": "http://x", "max_retries": 99}), "max_retries"),
            (json!({"url": "http://x", "bogus": 1}), "url"),
        ] {
            let e = Webhook::from_json(&bad).unwrap_err();
            assert_eq!(e.field, field, "{bad}: {e}");
        }
    }

    #[test]
    fn credentials_in_the_url_never_reach_the_record() {
        let hook = Webhook::from_json(&json!({"url": "http://user:pw@127.0.0.1:9/x"})).unwrap();
        assert_eq!(hook.authority, "127.0.0.1:9");
        assert!(!hook.display_url.contains("pw"), "{}", hook.display_url);
    }
}
