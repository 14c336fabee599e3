//! The API's one error shape: RFC 9457 problem details (`application/problem+json`), with
//! the same messages the panel shows, and the request property at fault named in `field`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use domain::DomainError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A problem, as RFC 9457 describes it. `type` is a URN naming the kind of problem, so a
/// client can branch on it; `detail` is the human message.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Problem {
    /// The kind of problem, e.g. `urn:vestibule:problem:invalid`.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// The request property at fault (`email`, `role`, `team_ids`, `expires_at`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// With 429: seconds to wait before trying again (also in `Retry-After`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after_secs: Option<u64>,
}

impl Problem {
    pub fn new(status: StatusCode, kind: &str, detail: impl Into<String>) -> Problem {
        Problem {
            kind: format!("urn:vestibule:problem:{kind}"),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
            field: None,
            retry_after_secs: None,
        }
    }

    pub fn invalid(field: &str, detail: impl Into<String>) -> Problem {
        Problem {
            field: Some(field.to_owned()),
            ..Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", detail)
        }
    }

    pub fn bad_request(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::BAD_REQUEST, "bad-request", detail)
    }

    pub fn not_found() -> Problem {
        Problem::new(StatusCode::NOT_FOUND, "not-found", "Not found.")
    }

    pub fn unauthenticated(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::UNAUTHORIZED, "unauthenticated", detail)
    }

    pub fn rate_limited(retry_after_secs: u64, detail: impl Into<String>) -> Problem {
        Problem {
            retry_after_secs: Some(retry_after_secs),
            ..Problem::new(StatusCode::TOO_MANY_REQUESTS, "rate-limited", detail)
        }
    }

    fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

/// The domain's property names as the API spells them (the panel's form fields differ).
fn api_field(field: &str) -> &str {
    match field {
        "teams" => "team_ids",
        "expiry" => "expires_in_hours",
        other => other,
    }
}

impl From<DomainError> for Problem {
    fn from(e: DomainError) -> Problem {
        let detail = e.to_string();
        match e {
            DomainError::Invalid { field, message } => Problem::invalid(api_field(field), message),
            DomainError::Conflict(m) => Problem::new(StatusCode::CONFLICT, "conflict", m),
            DomainError::NotFound => Problem::not_found(),
            DomainError::BadCredentials | DomainError::Unauthenticated => {
                Problem::unauthenticated(detail)
            }
            DomainError::KeyRefused(m) => Problem::unauthenticated(m),
            DomainError::Forbidden | DomainError::ForbiddenBecause(_) => {
                Problem::new(StatusCode::FORBIDDEN, "forbidden", detail)
            }
            DomainError::AccountDeactivated => {
                Problem::new(StatusCode::FORBIDDEN, "forbidden", detail)
            }
            DomainError::RateLimited {
                retry_after_secs,
                message,
            } => Problem::rate_limited(retry_after_secs, message),
            DomainError::LinkInvalid | DomainError::InviteUnusable(_) => {
                Problem::new(StatusCode::GONE, "link-unusable", detail)
            }
            DomainError::Store(ref cause) => {
                tracing::error!(error = %cause, "database error");
                internal()
            }
            DomainError::Internal(ref cause) => {
                tracing::error!(error = %cause, "internal error");
                internal()
            }
        }
    }
}

fn internal() -> Problem {
    Problem::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "Something went wrong on our side. Please try again in a moment.",
    )
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = self.status();
        let retry = self.retry_after_secs;
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut res = (status, body).into_response();
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(secs) = retry {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"vestibule\""),
            );
        }
        res
    }
}

pub type ApiResult<T> = Result<T, Problem>;
