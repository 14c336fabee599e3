//! Response headers every page gets: no sniffing, no framing, no caching of per-person
//! pages, and no Referer leaking a one-time link from the link pages.

use axum::extract::Request;
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

pub async fn security_headers(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'",
        ),
    );
    let link_page = path.starts_with("/set-password/") || path.starts_with("/invite/");
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static(if link_page {
            "no-referrer"
        } else {
            "same-origin"
        }),
    );
    // Built assets are content-addressed by release; everything else is per person.
    if !path.starts_with("/pkg/") && !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}
