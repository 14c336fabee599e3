//! Response headers every page gets: a Content-Security-Policy that lets only our own
//! scripts run, no sniffing, no framing, HSTS under https, no caching of per-person pages,
//! and no Referer leaking a one-time link from the link pages.

use app::state::CspNonce;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

#[derive(Clone, Copy)]
pub struct HeaderPolicy {
    /// Send Strict-Transport-Security: only when the public URL is https, because a browser
    /// that sees it over plain http on a dev machine would refuse that host's http for a year.
    pub hsts: bool,
}

/// The policy for a response whose inline scripts carry `nonce`. Scripts: our own files, the
/// WASM module (`wasm-unsafe-eval` allows compiling it, not `eval`), and inline scripts only
/// with this response's nonce, which Leptos writes on the hydration loader and on every
/// streamed chunk. Styles come from our stylesheet only; the live list talks to /events.
pub fn content_security_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; \
         frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"
    )
}

pub async fn security_headers(
    State(policy): State<HeaderPolicy>,
    mut req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path().to_owned();
    // A fresh nonce per response; uuid v4 comes from the OS CSPRNG (122 random bits).
    let nonce = uuid::Uuid::new_v4().simple().to_string();
    req.extensions_mut().insert(CspNonce(nonce.clone()));
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if let Ok(csp) = HeaderValue::from_str(&content_security_policy(&nonce)) {
        h.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    if policy.hsts {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    // A link page's path holds its token: no request from it may say the path (Referer),
    // not even to us (proxy logs keep Referer). `strict-origin` sends only the origin, and
    // keeps a real `Origin` on its form posts; `no-referrer` would make browsers send
    // `Origin: null`, which the CSRF guard rightly refuses, so the page's plain forms (before
    // or without the WASM) could not post.
    let link_page = path.starts_with("/set-password/") || path.starts_with("/invite/");
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static(if link_page {
            "strict-origin"
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
