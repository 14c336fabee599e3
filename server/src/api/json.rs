//! Request bodies and query strings as the API reads them: a reading failure is a problem
//! document naming what is wrong, like every other refusal (axum's own are plain text).

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::error::Category;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::problem::Problem;

/// A JSON body. An empty body reads as `{}`, so endpoints whose properties are all optional
/// (resend, revoke) can be called without one.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<ApiJson<T>, Problem> {
        let json_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|v| v.trim().to_ascii_lowercase())
            .is_some_and(|v| v == "application/json" || v.ends_with("+json"));
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            Problem::bad_request(format!("The body could not be read: {}.", e.body_text()))
        })?;
        // `null` too: a client that serialises "no options" as null means none.
        let text: &[u8] =
            if bytes.iter().all(u8::is_ascii_whitespace) || bytes.trim_ascii() == b"null" {
                b"{}"
            } else if json_type {
                &bytes
            } else {
                return Err(Problem::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported-media-type",
                    "Send the body as JSON, with Content-Type: application/json.",
                ));
            };
        serde_json::from_slice(text)
            .map(ApiJson)
            .map_err(|e| match e.classify() {
                Category::Data => Problem::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid",
                    format!("The JSON body does not fit this endpoint: {e}."),
                ),
                _ => Problem::bad_request(format!("The body is not valid JSON: {e}.")),
            })
    }
}

/// A query string.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<ApiQuery<T>, Problem> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(ApiQuery(v)),
            Err(QueryRejection::FailedToDeserializeQueryString(e)) => Err(Problem::bad_request(
                format!("The query string could not be read: {}.", e.body_text()),
            )),
            Err(other) => Err(Problem::bad_request(other.body_text())),
        }
    }
}

/// Milliseconds since the epoch as RFC 3339 in UTC (`2026-12-02T10:00:00.000Z`).
pub fn rfc3339(ms: i64) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
}

/// An RFC 3339 time from a request, as milliseconds; a problem naming `field` otherwise.
pub fn parse_rfc3339(field: &str, text: &str) -> Result<i64, Problem> {
    OffsetDateTime::parse(text.trim(), &Rfc3339)
        .map(|t| (t.unix_timestamp_nanos() / 1_000_000) as i64)
        .map_err(|_| {
            Problem::invalid(
                field,
                format!(
                    "{field} must be an RFC 3339 time such as 2026-12-24T18:00:00Z (got {text:?})."
                ),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_round_trip_through_rfc3339() {
        let ms = 1_796_000_000_123;
        let text = rfc3339(ms);
        assert!(text.ends_with('Z'), "{text}");
        assert_eq!(parse_rfc3339("at", &text).unwrap(), ms);
        assert_eq!(
            parse_rfc3339("at", "2026-12-24T19:00:00+01:00").unwrap(),
            parse_rfc3339("at", "2026-12-24T18:00:00Z").unwrap()
        );
        let bad = parse_rfc3339("expires_at", "tomorrow").unwrap_err();
        assert_eq!(bad.field.as_deref(), Some("expires_at"));
    }
}
