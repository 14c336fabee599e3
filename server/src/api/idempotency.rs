//! The `Idempotency-Key` header on the API's POSTs (the rules are in `domain::idempotency`):
//! the body is read once to fingerprint the request, the answer is kept, and a retry gets
//! the kept answer with `Idempotent-Replayed: true`. A link shown once (a create or resend
//! without email) is not kept: a link lives only as a digest in the database, so the replay
//! says `"link": null` (and likewise `"secret": null` for a webhook's signing secret).

use app::state::AppState;
use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use domain::idempotency::{fingerprint, Begin};

use super::auth::ApiCaller;
use super::problem::Problem;
use crate::request_text::MAX_BODY_BYTES;

pub const HEADER: &str = "idempotency-key";

pub async fn idempotency(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if req.method() != Method::POST {
        return next.run(req).await;
    }
    let Some(key) = req.headers().get(HEADER) else {
        return next.run(req).await;
    };
    let Ok(key) = key.to_str().map(str::to_owned) else {
        return Problem::invalid(
            "Idempotency-Key",
            "The Idempotency-Key must be visible ASCII.",
        )
        .into_response();
    };
    let Some(caller) = req.extensions().get::<ApiCaller>().cloned() else {
        return Problem::unauthenticated("Send an API key.").into_response();
    };
    let (parts, body) = req.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_BODY_BYTES).await else {
        return Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too-large",
            "The request body is too large.",
        )
        .into_response();
    };
    let path = parts.uri.path_and_query().map_or("", |p| p.as_str());
    let print = fingerprint(parts.method.as_str(), path, &bytes);
    let services = &state.services;
    match services
        .idempotency_begin(caller.key_id(), &key, &print)
        .await
    {
        Err(e) => Problem::from(e).into_response(),
        Ok(Begin::Replay { status, body }) => {
            let mut res = stored_response(status, body);
            res.headers_mut()
                .insert("idempotent-replayed", HeaderValue::from_static("true"));
            res
        }
        Ok(Begin::Fresh) => {
            let res = next
                .run(Request::from_parts(parts, Body::from(bytes)))
                .await;
            if res.status().is_server_error() {
                if let Err(e) = services.idempotency_abandon(caller.key_id(), &key).await {
                    tracing::error!(error = %e, "cannot release an idempotency key");
                }
                return res;
            }
            let (parts, body) = res.into_parts();
            let Ok(bytes) = to_bytes(body, usize::MAX).await else {
                return Problem::from(domain::DomainError::Internal(
                    "cannot read a response body".into(),
                ))
                .into_response();
            };
            let text = without_link(&bytes);
            if let Err(e) = services
                .idempotency_finish(caller.key_id(), &key, parts.status.as_u16(), &text)
                .await
            {
                tracing::error!(error = %e, "cannot keep an idempotent answer");
            }
            Response::from_parts(parts, Body::from(bytes))
        }
    }
}

/// The answer as it is kept: any `link` or `secret` property emptied.
fn without_link(body: &[u8]) -> String {
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(serde_json::Value::Object(mut map)) => {
            for shown_once in ["link", "secret"] {
                if let Some(v) = map.get_mut(shown_once) {
                    *v = serde_json::Value::Null;
                }
            }
            serde_json::Value::Object(map).to_string()
        }
        _ => String::from_utf8_lossy(body).into_owned(),
    }
}

/// A kept answer: JSON, or a problem document for an error status.
fn stored_response(status: u16, body: String) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let kind = if status.is_success() {
        "application/json"
    } else {
        "application/problem+json"
    };
    let mut res = (status, body).into_response();
    res.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_static(kind),
    );
    res
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_kept_answer_holds_no_link() {
        let body = br#"{"invitation":{"id":"x"},"link":"http://h/invite/secret"}"#;
        let kept = super::without_link(body);
        assert!(!kept.contains("secret"), "{kept}");
        assert!(kept.contains(r#""link":null"#), "{kept}");
        assert_eq!(super::without_link(b"[1]"), "[1]");
    }
}
