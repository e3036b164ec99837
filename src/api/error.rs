//! The API's one error type: every failure a handler can return, its status code in one
//! match, and the JSON shape `{"error": {"code", "message"}}`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::jobs;

/// A failed request. Messages name the field or thing at fault; 5xx details go to the log,
/// never to the client.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The body is not JSON (400); the message names line and column.
    #[error("{0}")]
    BadJson(String),
    /// No API key was sent (401).
    #[error("missing API key: send X-API-KEY or Authorization: Bearer")]
    MissingKey,
    /// The API key is not one of the configured keys (403).
    #[error("invalid API key")]
    WrongKey,
    /// The key's role is below what the route or the request's kind needs (403); the
    /// message names the role needed.
    #[error("{0}")]
    Forbidden(String),
    /// Over `security.rate_limit` (429 with `Retry-After: retry_after`).
    #[error("{message}")]
    RateLimited {
        /// Which limit, and its rate.
        message: String,
        /// Whole seconds until a retry can pass.
        retry_after: u64,
    },
    /// No such job or batch (404).
    #[error("{0}")]
    NotFound(String),
    /// The request conflicts with the resource's state (409).
    #[error("{0}")]
    Conflict(String),
    /// The body is larger than `server.body_limit` (413).
    #[error("request body is larger than the limit of {0} bytes")]
    TooLarge(usize),
    /// The body did not arrive within the server's body deadline (408).
    #[error("the request body did not arrive within {0}s; send it at once")]
    BodyTimeout(u64),
    /// A well-formed body that breaks a rule (422).
    #[error("{0}")]
    Invalid(String),
    /// The request names a device outside `security.allowed_targets` (403); the message
    /// names the rule and the address at fault.
    #[error("{0}")]
    TargetRefused(String),
    /// The queue is full (429 with Retry-After).
    #[error("{0}")]
    QueueFull(String),
    /// A plugin failed while serving the request (502): trap, deadline, memory cap or an
    /// invalid return. The message names the plugin; the gateway itself is fine.
    #[error("{0}")]
    Plugin(String),
    /// The gateway is shutting down (503).
    #[error("the gateway is shutting down; retry on another instance")]
    ShuttingDown,
    /// Anything else (500); the detail is logged, not returned.
    #[error("internal error")]
    Internal(String),
}

/// The body of every error answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// What went wrong.
    pub error: ErrorDetail,
}

/// `error` of an [`ErrorBody`].
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// A stable word for programs: `invalid_json`, `missing_api_key`, `invalid_api_key`,
    /// `forbidden`, `rate_limited`, `not_found`, `conflict`, `body_too_large`, `body_timeout`,
    /// `validation_failed`, `target_not_allowed`, `queue_full`, `plugin_failed`,
    /// `shutting_down`, `too_many_connections` or `internal`.
    pub code: &'static str,
    /// A sentence for people, naming the field or thing at fault.
    pub message: String,
}

/// Seconds a client should wait after a 429: roughly one job's time on a busy worker.
const RETRY_AFTER_SECS: &str = "1";

impl ApiError {
    /// The status for this error: the one place codes are decided.
    pub fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadJson(_) => StatusCode::BAD_REQUEST,
            ApiError::MissingKey => StatusCode::UNAUTHORIZED,
            ApiError::WrongKey => StatusCode::FORBIDDEN,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::BodyTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            ApiError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::TargetRefused(_) => StatusCode::FORBIDDEN,
            ApiError::QueueFull(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Plugin(_) => StatusCode::BAD_GATEWAY,
            ApiError::ShuttingDown => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            ApiError::BadJson(_) => "invalid_json",
            ApiError::MissingKey => "missing_api_key",
            ApiError::WrongKey => "invalid_api_key",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::RateLimited { .. } => "rate_limited",
            ApiError::NotFound(_) => "not_found",
            ApiError::Conflict(_) => "conflict",
            ApiError::TooLarge(_) => "body_too_large",
            ApiError::BodyTimeout(_) => "body_timeout",
            ApiError::Invalid(_) => "validation_failed",
            ApiError::TargetRefused(_) => "target_not_allowed",
            ApiError::QueueFull(_) => "queue_full",
            ApiError::Plugin(_) => "plugin_failed",
            ApiError::ShuttingDown => "shutting_down",
            ApiError::Internal(_) => "internal",
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(detail) = &self {
            tracing::error!(%detail, "request failed");
        }
        let status = self.status_code();
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code(),
                message: self.to_string(),
            },
        };
        let mut response = (status, axum::Json(body)).into_response();
        if let ApiError::RateLimited { retry_after, .. } = &self {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(*retry_after));
        } else if status == StatusCode::TOO_MANY_REQUESTS {
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from_static(RETRY_AFTER_SECS),
            );
        }
        response
    }
}

impl From<jobs::Error> for ApiError {
    fn from(e: jobs::Error) -> Self {
        match e {
            jobs::Error::QueueFull(_) => ApiError::QueueFull(e.to_string()),
            jobs::Error::ShuttingDown => ApiError::ShuttingDown,
            jobs::Error::NotFound(_) | jobs::Error::BatchNotFound(_) => {
                ApiError::NotFound(e.to_string())
            }
            jobs::Error::NotQueued { .. } | jobs::Error::NotPaused { .. } => {
                ApiError::Conflict(e.to_string())
            }
            jobs::Error::Store(e) => ApiError::Internal(e.to_string()),
            jobs::Error::Seal(e) => ApiError::Internal(e.to_string()),
            jobs::Error::Webhook(e) => ApiError::Invalid(e.to_string()),
        }
    }
}

impl From<jobs::targets::Refused> for ApiError {
    fn from(e: jobs::targets::Refused) -> Self {
        ApiError::TargetRefused(e.0)
    }
}

impl From<crate::plugin::Error> for ApiError {
    fn from(e: crate::plugin::Error) -> Self {
        use crate::plugin::Error as P;
        match e {
            P::NotFound { .. } | P::Declined { .. } => ApiError::Invalid(e.to_string()),
            P::Call { .. } => ApiError::Plugin(e.to_string()),
            P::Engine(_) | P::Bundled { .. } => ApiError::Internal(e.to_string()),
        }
    }
}
