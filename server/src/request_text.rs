//! What a request may carry, checked before any handler: a body of the one type the browser
//! endpoints take, at most `MAX_BODY_BYTES`, and text that is UTF-8 without NUL characters,
//! in the body and in the query string alike.
//!
//! Why here and not in each handler: Leptos's form decoder parses any body as a form, whatever
//! its Content-Type says, and replaces bytes that are not UTF-8 with U+FFFD. So
//! `%FF%FE@example.com` sent as `text/plain` (which a cross-site HTML form can send) would
//! reach the rules as "��@example.com" and could be stored. And PostgreSQL refuses NUL in
//! text outright, so a `%00` anywhere that reaches a query would answer 500. Deciding by what
//! will be parsed, once, means no code downstream ever sees text the client did not send.

use axum::body::{to_bytes, Body};
use axum::extract::Request;
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Largest request body accepted, in bytes: the one number, enforced here and nowhere else.
/// Server-function arguments are small, except a bulk CSV: 10,000 rows, form-encoded, fit
/// well within this.
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// The one body type server functions take (Leptos's `PostUrl` encoding).
const FORM: &str = "application/x-www-form-urlencoded";

pub async fn require_clean_text(req: Request, next: Next) -> Response {
    if let Some(query) = req.uri().query() {
        if let Err(problem) = check_text(&percent_decode(query.as_bytes())) {
            return refuse(StatusCode::BAD_REQUEST, problem.message("The address"));
        }
    }
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    // A body longer than the limit is refused before it is read (by its Content-Length when
    // it has one, otherwise while reading).
    if declared_length(req.headers()).is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return too_large();
    }
    let is_form = match content_type(req.headers()) {
        ContentType::Form => true,
        ContentType::Missing => false,
        ContentType::Other(given) => return unsupported(&given),
    };
    let (parts, body) = req.into_parts();
    let bytes = match to_bytes(body, MAX_BODY_BYTES).await {
        Ok(b) => b,
        Err(_) => return too_large(),
    };
    // No Content-Type is fine for an empty body (nothing will be parsed); a body without one
    // would still be parsed as a form, so it must say so.
    if !is_form && !bytes.is_empty() {
        return unsupported("no Content-Type");
    }
    if let Err(problem) = check_text(&percent_decode(&bytes)) {
        return refuse(StatusCode::BAD_REQUEST, problem.message("The request"));
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

#[derive(Debug, PartialEq, Eq)]
enum ContentType {
    Form,
    Missing,
    /// Anything else, as given (for the refusal).
    Other(String),
}

/// The body's declared type. Media types are case-insensitive; a `charset` parameter, if
/// given, must be UTF-8 (the only text this server reads).
fn content_type(headers: &HeaderMap) -> ContentType {
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return ContentType::Missing;
    };
    let given = String::from_utf8_lossy(value.as_bytes()).into_owned();
    let mut params = given.split(';');
    let essence = params.next().unwrap_or("").trim();
    let charset_ok = params.all(|p| match p.split_once('=') {
        Some((name, value)) if name.trim().eq_ignore_ascii_case("charset") => {
            let v = value.trim().trim_matches('"');
            v.eq_ignore_ascii_case("utf-8") || v.eq_ignore_ascii_case("utf8")
        }
        _ => true,
    });
    if essence.eq_ignore_ascii_case(FORM) && charset_ok {
        ContentType::Form
    } else {
        ContentType::Other(given.chars().take(100).collect())
    }
}

fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

#[derive(Debug, PartialEq, Eq)]
enum TextProblem {
    NotUtf8,
    Nul,
}

impl TextProblem {
    fn message(&self, what: &str) -> String {
        match self {
            TextProblem::NotUtf8 => format!(
                "{what} is not valid UTF-8 text. Save the file or text as UTF-8 and try again."
            ),
            TextProblem::Nul => format!(
                "{what} contains a NUL character (%00), which no field accepts. Remove it and try again."
            ),
        }
    }
}

/// Decoded form or query text must be UTF-8 and free of NUL. (The separators `&` and `=` are
/// ASCII, so the whole decoded text is UTF-8 exactly when every name and value is.)
fn check_text(decoded: &[u8]) -> Result<(), TextProblem> {
    let text = std::str::from_utf8(decoded).map_err(|_| TextProblem::NotUtf8)?;
    if text.contains('\0') {
        return Err(TextProblem::Nul);
    }
    Ok(())
}

/// The bytes form or query text stands for: `%XX` escapes decoded, everything else as is.
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

fn too_large() -> Response {
    refuse(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!(
            "The request is too large (at most {} MiB).",
            MAX_BODY_BYTES / (1024 * 1024)
        ),
    )
}

fn unsupported(given: &str) -> Response {
    refuse(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        format!("This endpoint takes {FORM} (UTF-8), not {given}."),
    )
}

/// The same JSON shape server functions use for their errors (`AppError::Request`).
fn refuse(status: StatusCode, message: String) -> Response {
    let body = serde_json::to_string(&app::error::AppError::Request(message)).unwrap_or_default();
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn escapes_are_decoded_and_broken_ones_kept() {
        assert_eq!(percent_decode(b"a%41b"), b"aAb");
        assert_eq!(percent_decode(b"%e2%82%ac"), "€".as_bytes());
        assert_eq!(percent_decode(b"100%"), b"100%");
        assert_eq!(percent_decode(b"%4"), b"%4");
        assert_eq!(percent_decode(b"%zz"), b"%zz");
    }

    #[test]
    fn decoded_text_must_be_utf8_without_nul() {
        assert_eq!(check_text(&percent_decode(b"email=a%40b.c")), Ok(()));
        assert_eq!(
            check_text(&percent_decode(b"email=%FF%FE")),
            Err(TextProblem::NotUtf8)
        );
        assert_eq!(
            check_text(&percent_decode(b"q=abc%00")),
            Err(TextProblem::Nul)
        );
        assert_eq!(check_text(b"q=abc\0"), Err(TextProblem::Nul));
    }

    fn typed(value: &str) -> ContentType {
        let mut h = HeaderMap::new();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_str(value).unwrap());
        content_type(&h)
    }

    #[test]
    fn the_form_type_is_recognised_by_meaning_not_spelling() {
        for ok in [
            "application/x-www-form-urlencoded",
            "Application/X-WWW-Form-Urlencoded",
            "application/x-www-form-urlencoded; charset=UTF-8",
            "application/x-www-form-urlencoded;charset=\"utf-8\"",
        ] {
            assert_eq!(typed(ok), ContentType::Form, "{ok}");
        }
        for other in [
            "text/plain",
            "application/json",
            "multipart/form-data; boundary=x",
            "application/x-www-form-urlencoded; charset=latin1",
            "application/x-www-form-urlencodedx",
        ] {
            assert!(matches!(typed(other), ContentType::Other(_)), "{other}");
        }
        assert_eq!(content_type(&HeaderMap::new()), ContentType::Missing);
    }
}
