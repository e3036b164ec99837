//! Webhooks (NetPulse's `webhook` field): after a job or a batch ends, its JSON is sent to
//! the caller's URL, retried with backoff. Delivery happens after the end state is stored
//! and never changes it: a failed delivery is recorded beside the job, nothing more.
//!
//! Plain `http://` over a short-lived HTTP/1.1 connection: enough for the collectors these
//! usually are (a local relay, an automation controller) without a TLS stack in the gateway.
//!
//! The receiver is untrusted: where it may be is [`super::webhook_target`]'s rule, checked
//! before every attempt; its answer is read no further than the status line (at most
//! [`MAX_STATUS_LINE`] bytes), every step has a deadline, and a redirect is not followed (a
//! 3xx is a failed delivery).

use std::collections::BTreeMap;
use std::time::Duration;

use std::net::SocketAddr;

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::webhook_target::Deliveries;

/// Longest status line read from a webhook receiver: `HTTP/1.1 200 OK` and a long reason
/// fit many times over; nothing past it (headers, body) is read at all.
const MAX_STATUS_LINE: usize = 1024;

/// Longest wait for a TCP connection to one address (the attempt's own `timeout` may be
/// shorter and then applies).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Headers the gateway writes itself: a request value for one of them would let the caller
/// reframe the request (smuggle a second one into a keep-alive relay) or retarget it.
const RESERVED_HEADERS: &[&str] = &["host", "content-length", "transfer-encoding", "connection"];

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
                let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
                if name.is_empty() || !name.chars().all(token) {
                    return Err(invalid(
                        "headers",
                        format!("{name:?}: not a valid header name"),
                    ));
                }
                if value.chars().any(|c| c.is_control() && c != '\t') {
                    return Err(invalid(
                        "headers",
                        format!("{name}: the value must not contain control characters"),
                    ));
                }
                if RESERVED_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
                    return Err(invalid(
                        "headers",
                        format!(
                            "{name}: set by the gateway itself; reserved: Host, Content-Length, Transfer-Encoding, Connection"
                        ),
                    ));
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
    /// end state is already stored and does not depend on this). Each attempt resolves the
    /// host again and checks it against `targets`.
    pub async fn deliver(&self, body: &Value, targets: &Deliveries) -> Value {
        let payload = body.to_string();
        let mut last_error = String::new();
        let mut last_status = None;
        for attempt in 0..=self.max_retries {
            if attempt > 0 {
                tokio::time::sleep(self.pause_before(attempt - 1)).await;
            }
            let addrs = match targets.resolve(self).await {
                Ok(addrs) => addrs,
                Err(refused) => {
                    // Refused now (DNS changed since submit, or the lists did): no retry
                    // would make it right.
                    tracing::warn!(url = %self.display_url, error = %refused, "webhook refused");
                    return json!({"url": self.display_url, "delivered": false, "attempts": attempt,
                        "status_code": last_status, "error": format!("refused: {refused}"), "at": crate::time::now()});
                }
            };
            match tokio::time::timeout(self.timeout, self.send(&addrs, &payload)).await {
                Ok(Ok(status)) if (200..300).contains(&status) => {
                    return json!({"url": self.display_url, "delivered": true, "attempts": attempt + 1,
                        "status_code": status, "error": null, "at": crate::time::now()});
                }
                Ok(Ok(status)) if (300..400).contains(&status) => {
                    last_status = Some(status);
                    last_error =
                        format!("the receiver answered HTTP {status}; redirects are not followed");
                    tracing::warn!(url = %self.display_url, status, "webhook receiver redirected; not followed");
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
            "status_code": last_status, "error": last_error, "at": crate::time::now()})
    }

    /// One attempt to the first of `addrs` that accepts: the status code the receiver
    /// answered. The caller bounds the whole attempt with the webhook's `timeout`.
    async fn send(&self, addrs: &[SocketAddr], payload: &str) -> std::io::Result<u16> {
        let mut stream = None;
        let mut last = None;
        for addr in addrs {
            match tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(addr)).await {
                Ok(Ok(s)) => {
                    stream = Some(s);
                    break;
                }
                Ok(Err(e)) => last = Some(e),
                Err(_) => {
                    last = Some(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        format!("connect to {addr} timed out"),
                    ))
                }
            }
        }
        let Some(mut stream) = stream else {
            return Err(last.unwrap_or_else(|| std::io::ErrorKind::NotConnected.into()));
        };
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
        read_status(&mut stream).await
    }
}

/// Reads the status line and no further (a receiver's headers and body may be anything, at
/// any size and pace): the code of `HTTP/1.x NNN ...`.
async fn read_status(stream: &mut (impl tokio::io::AsyncRead + Unpin)) -> std::io::Result<u16> {
    let mut line = Vec::with_capacity(64);
    let mut chunk = [0u8; 256];
    let end = loop {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            break None;
        }
        let room = MAX_STATUS_LINE.saturating_sub(line.len());
        line.extend_from_slice(&chunk[..n.min(room)]);
        if let Some(i) = line.iter().position(|b| *b == b'\n') {
            break Some(i);
        }
        if line.len() >= MAX_STATUS_LINE {
            break None;
        }
    };
    let bad = || {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "the receiver did not answer with an HTTP status line",
        )
    };
    let line = &line[..end.ok_or_else(bad)?];
    let text = std::str::from_utf8(line).map_err(|_| bad())?;
    let mut parts = text.split_whitespace();
    match (parts.next(), parts.next()) {
        (Some(version), Some(code)) if version.starts_with("HTTP/1.") && code.len() == 3 => code
            .parse::<u16>()
            .ok()
            .filter(|c| (100..600).contains(c))
            .ok_or_else(bad),
        _ => Err(bad()),
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
    fn headers_the_gateway_writes_itself_are_refused() {
        for name in [
            "Host",
            "content-length",
            "Transfer-Encoding",
            "CONNECTION",
            "Bad Name",
        ] {
            let e = Webhook::from_json(&json!({"url": "http://x", "headers": {name: "v"}}))
                .unwrap_err();
            assert_eq!(e.field, "headers", "{name}: {e}");
        }
        assert!(
            Webhook::from_json(&json!({"url": "http://x", "headers": {"X-Token": "a\tb"}})).is_ok()
        );
    }

    #[tokio::test]
    async fn only_the_status_line_is_read() {
        let mut huge = b"HTTP/1.1 204 No Content\r\n".to_vec();
        huge.extend(std::iter::repeat_n(b'x', 1 << 20));
        assert_eq!(read_status(&mut huge.as_slice()).await.unwrap(), 204);
        // A status line that never ends is cut at MAX_STATUS_LINE.
        let endless = vec![b'H'; 1 << 20];
        assert!(read_status(&mut endless.as_slice()).await.is_err());
        for bad in [&b"SSH-2.0-x\r\n"[..], b"HTTP/1.1 99999 x\r\n", b""] {
            assert!(read_status(&mut &bad[..]).await.is_err());
        }
    }

    #[test]
    fn credentials_in_the_url_never_reach_the_record() {
        let hook = Webhook::from_json(&json!({"url": "http://user:pw@127.0.0.1:9/x"})).unwrap();
        assert_eq!(hook.authority, "127.0.0.1:9");
        assert!(!hook.display_url.contains("pw"), "{}", hook.display_url);
    }
}
