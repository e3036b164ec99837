//! A query-string extractor that answers in the API's own error shape: a value of the wrong
//! type (`?limit=ten`) is a 422 naming the parameter, where axum's `Query` would answer a
//! plain-text 400 that no client of this API expects.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::ApiError;

/// Like `axum::extract::Query`, with our errors.
pub struct Query<T>(pub T);

impl<S, T> FromRequestParts<S> for Query<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        axum::extract::Query::try_from_uri(&parts.uri)
            .map(|axum::extract::Query(value)| Query(value))
            .map_err(|e| ApiError::Invalid(format!("query: {}", e.body_text())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    struct Page {
        #[allow(dead_code)]
        limit: Option<i64>,
    }

    #[tokio::test]
    async fn a_wrong_type_is_a_422_naming_the_parameter() {
        let request = axum::http::Request::get("/jobs?limit=ten")
            .body(())
            .expect("request");
        let (mut parts, ()) = request.into_parts();
        let err = Query::<Page>::from_request_parts(&mut parts, &())
            .await
            .err()
            .expect("refused");
        assert!(matches!(err, ApiError::Invalid(_)), "{err:?}");
        assert!(err.to_string().contains("limit"), "{err}");
    }
}
