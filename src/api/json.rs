//! A JSON body extractor that answers in the API's own error shape: 400 naming line and
//! column for broken JSON, 422 naming the field for a wrong type, 413 past the body limit.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;

use super::ApiError;

/// Like `axum::Json`, with our errors.
pub struct Json<T>(pub T);

impl<S, T> FromRequest<S> for Json<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        parse(&body(req, state).await?).map(Json)
    }
}

/// The whole body, or 413 naming the configured limit (408 when the server's body deadline
/// passed first).
async fn body<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, ApiError> {
    let limit = req
        .extensions()
        .get::<BodyLimit>()
        .map_or(usize::MAX, |l| l.0);
    Bytes::from_request(req, state).await.map_err(|e| {
        if timed_out(&e) {
            ApiError::BodyTimeout(super::server::BODY_READ_TIMEOUT.as_secs())
        } else {
            ApiError::TooLarge(limit)
        }
    })
}

/// Whether the body failed on [`super::server`]'s deadline (a `TimedOut` I/O error below).
fn timed_out(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(e);
    while let Some(err) = cause {
        if err
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::TimedOut)
        {
            return true;
        }
        cause = err.source();
    }
    false
}

/// [`Json`] that also keeps the body as sent, for a caller that stores the request: the
/// text it parsed from costs nothing to keep, where serializing the parsed value back costs
/// a cache hit about 1.5% of its CPU.
pub struct JsonWithText<T>(pub T, pub String);

impl<S, T> FromRequest<S> for JsonWithText<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = body(req, state).await?;
        let value = parse(&bytes)?;
        // A body serde_json accepted is UTF-8 (it rejects invalid bytes in strings, and
        // JSON's structure is ASCII).
        let text = String::from_utf8_lossy(&bytes).into_owned();
        Ok(JsonWithText(value, text))
    }
}

/// The configured body limit, put in request extensions so the rejection can name it.
#[derive(Clone, Copy, Debug)]
pub struct BodyLimit(pub usize);

/// Parses a body: syntax errors are 400 with position, shape errors 422 with the field path.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // Tracking the path costs every well-formed body about a third of its parse; only a
    // body that fails needs it, so parse again with it then.
    if let Ok(value) = serde_json::from_slice(bytes) {
        return Ok(value);
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value: T = match serde_path_to_error::deserialize(&mut de) {
        Ok(value) => value,
        Err(err) => {
            let path = err.path().to_string();
            let inner = err.into_inner();
            return Err(classify(inner, &path));
        }
    };
    de.end().map_err(|e| classify(e, "."))?;
    Ok(value)
}

fn classify(e: serde_json::Error, path: &str) -> ApiError {
    use serde_json::error::Category;
    match e.classify() {
        Category::Syntax | Category::Eof | Category::Io => ApiError::BadJson(format!(
            "invalid JSON at line {} column {}: {}",
            e.line(),
            e.column(),
            strip_position(&e.to_string())
        )),
        Category::Data => {
            let field = if path == "." {
                "body".to_string()
            } else {
                path.to_string()
            };
            ApiError::Invalid(format!("{field}: {}", strip_position(&e.to_string())))
        }
    }
}

/// serde_json appends " at line L column C"; we state the position once, up front.
fn strip_position(message: &str) -> &str {
    message.split(" at line ").next().unwrap_or(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    struct Body {
        #[allow(dead_code)]
        n: u32,
    }

    #[test]
    fn syntax_error_names_position() {
        let err = parse::<Body>(b"{\n  \"n\": 1,,\n}").expect_err("broken");
        assert!(matches!(err, ApiError::BadJson(_)));
        assert!(err.to_string().contains("line 2 column"), "{err}");
    }

    #[test]
    fn type_error_names_field() {
        let err = parse::<Body>(br#"{"n": "x"}"#).expect_err("wrong type");
        assert!(matches!(err, ApiError::Invalid(_)));
        assert!(err.to_string().starts_with("n: invalid type"), "{err}");
    }
}
