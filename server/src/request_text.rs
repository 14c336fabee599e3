//! Request bodies must be text. The form decoder Leptos uses replaces bytes that are not
//! UTF-8 with U+FFFD, so `%FF%FE@example.com` would reach the rules as "��@example.com" and
//! could be stored. Refusing such bodies here, before any handler, means no code downstream
//! ever sees text the client did not send.

use axum::body::{to_bytes, Body};
use axum::extract::Request;
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::startup::MAX_BODY_BYTES;

pub async fn require_utf8(req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
    let (parts, body) = req.into_parts();
    let bytes = match to_bytes(body, MAX_BODY_BYTES).await {
        Ok(b) => b,
        Err(_) => {
            return refuse(
                StatusCode::PAYLOAD_TOO_LARGE,
                "The request is too large (at most 4 MiB).",
            )
        }
    };
    let text_ok = if form {
        std::str::from_utf8(&percent_decode(&bytes)).is_ok()
    } else {
        std::str::from_utf8(&bytes).is_ok()
    };
    if !text_ok {
        return refuse(
            StatusCode::BAD_REQUEST,
            "The request is not valid UTF-8 text. Save the file or text as UTF-8 and try again.",
        );
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// The bytes a form body stands for: `%XX` escapes decoded, everything else as is. (The
/// separators `&` and `=` are ASCII, so the whole body is UTF-8 exactly when every name and
/// value is.)
fn percent_decode(body: &[u8]) -> Vec<u8> {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        if body[i] == b'%' && i + 2 < body.len() {
            if let (Some(h), Some(l)) = (hex(body[i + 1]), hex(body[i + 2])) {
                out.push(h << 4 | l);
                i += 3;
                continue;
            }
        }
        out.push(body[i]);
        i += 1;
    }
    out
}

/// The same JSON shape server functions use for their errors (`AppError::Request`).
fn refuse(status: StatusCode, message: &str) -> Response {
    let body = serde_json::to_string(&app::error::AppError::Request(message.to_owned()))
        .unwrap_or_default();
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

#[cfg(test)]
mod tests {
    use super::percent_decode;

    #[test]
    fn escapes_are_decoded_and_broken_ones_kept() {
        assert_eq!(percent_decode(b"a%41b"), b"aAb");
        assert_eq!(percent_decode(b"%e2%82%ac"), "€".as_bytes());
        assert_eq!(percent_decode(b"100%"), b"100%");
        assert_eq!(percent_decode(b"%4"), b"%4");
        assert_eq!(percent_decode(b"%zz"), b"%zz");
        assert!(std::str::from_utf8(&percent_decode(b"email=%FF%FE")).is_err());
    }
}
