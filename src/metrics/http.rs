//! Times every HTTP request by matched route and status, for
//! `netpulse_http_request_duration_seconds` and the `api_response_time` alert.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;

use super::Metrics;

/// The route label of requests no route matched (404s from the fallback): one series for all
/// of them, so scanners probing random paths cannot grow the label set.
pub const UNMATCHED_ROUTE: &str = "unmatched";

/// Middleware for `axum::middleware::from_fn_with_state(metrics, track)`, layered on the
/// router with `Router::layer` so it runs after routing and sees the matched path.
///
/// The label is the route pattern (`/jobs/{id}`), never the URI, so ids do not become series.
/// The time covers the handler up to the response head; a streamed body's tail is not in it.
pub async fn track(
    State(metrics): State<Metrics>,
    matched: Option<MatchedPath>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let route = matched.map_or_else(|| UNMATCHED_ROUTE.to_string(), |m| m.as_str().to_string());
    let response = next.run(request).await;
    metrics.http_request(
        &route,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}
