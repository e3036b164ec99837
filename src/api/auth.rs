//! API-key authentication: `X-API-KEY: <key>` or `Authorization: Bearer <key>`, compared in
//! constant time against every configured key.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use subtle::ConstantTimeEq;

use super::{ApiError, AppState};

/// Rejects requests without a valid key (401 missing, 403 wrong). `/health` is routed
/// outside this layer.
pub async fn require_key(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let keys = state.api_keys();
    if keys.is_empty() && state.insecure_no_auth() {
        return Ok(next.run(request).await);
    }
    let headers = request.headers();
    let presented = headers
        .get("x-api-key")
        .and_then(|v| v.to_str().ok())
        .or_else(|| {
            headers
                .get(axum::http::header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| {
                    v.strip_prefix("Bearer ")
                        .or_else(|| v.strip_prefix("bearer "))
                })
        })
        .map(str::trim)
        .ok_or(ApiError::MissingKey)?;
    if key_matches(&keys, presented) {
        Ok(next.run(request).await)
    } else {
        Err(ApiError::WrongKey)
    }
}

/// True when `presented` equals one of `keys`. Every key is compared, each in constant time,
/// so timing reveals neither which key nor how much of it matched.
pub fn key_matches(keys: &[String], presented: &str) -> bool {
    let mut found = subtle::Choice::from(0);
    for key in keys {
        found |= key.as_bytes().ct_eq(presented.as_bytes());
    }
    found.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_any_configured_key() {
        let keys = vec![
            "first-key-0123456789".to_string(),
            "second-key-0123456789".to_string(),
        ];
        assert!(key_matches(&keys, "second-key-0123456789"));
        assert!(!key_matches(&keys, "second-key-012345678"));
        assert!(!key_matches(&[], "anything"));
    }
}
