//! Cross-site request forgery guard. Leptos has no built-in CSRF defence and server
//! functions are plain POSTs, so every state-changing request must show that it comes from
//! our own origin. Browsers send `Origin` on every POST (and `Sec-Fetch-Site`), and a page
//! cannot forge either. A request with neither is refused too: it is not from a browser page
//! of ours, and scripts and integrations have no business with the cookie-authenticated
//! browser endpoints.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The one origin state-changing requests may come from, e.g. `https://vestibule.example`.
#[derive(Clone)]
pub struct AllowedOrigin(pub Arc<str>);

pub async fn guard(State(allowed): State<AllowedOrigin>, req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    match verdict(req.headers(), &allowed.0) {
        Ok(()) => next.run(req).await,
        Err(why) => refuse(&why),
    }
}

/// `Ok` when the request shows it comes from `allowed`: an `Origin` equal to it, or, from a
/// browser that sent no `Origin`, `Sec-Fetch-Site: same-origin` (or `none`: typed by the user).
fn verdict(headers: &HeaderMap, allowed: &str) -> Result<(), String> {
    let fetch_site = headers
        .get("sec-fetch-site")
        .map(|v| v.to_str().unwrap_or(""));
    if fetch_site.is_some_and(|s| s != "same-origin" && s != "none") {
        return Err("this request came from another site".into());
    }
    match headers.get(header::ORIGIN) {
        Some(origin) => {
            let origin = origin.to_str().unwrap_or("");
            if origin == allowed {
                Ok(())
            } else {
                Err(format!(
                    "this request came from {origin}, but Vestibule is configured for {allowed} \
                     (VESTIBULE_PUBLIC_URL); open the app at that address"
                ))
            }
        }
        None if fetch_site.is_some() => Ok(()),
        None => Err(
            "it says neither where it came from (Origin) nor that it is same-origin \
             (Sec-Fetch-Site); send it from the app's pages"
                .into(),
        ),
    }
}

fn refuse(why: &str) -> Response {
    (
        StatusCode::FORBIDDEN,
        format!("Cross-site request refused: {why}."),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::verdict;
    use axum::http::{HeaderMap, HeaderValue};

    const OURS: &str = "https://vestibule.example";

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn our_origin_or_a_same_origin_fetch_passes() {
        assert!(verdict(&headers(&[("origin", OURS)]), OURS).is_ok());
        assert!(verdict(
            &headers(&[("origin", OURS), ("sec-fetch-site", "same-origin")]),
            OURS
        )
        .is_ok());
        assert!(verdict(&headers(&[("sec-fetch-site", "same-origin")]), OURS).is_ok());
        assert!(verdict(&headers(&[("sec-fetch-site", "none")]), OURS).is_ok());
    }

    #[test]
    fn foreign_cross_site_or_silent_requests_are_refused() {
        for h in [
            headers(&[]),
            headers(&[("origin", "https://evil.example")]),
            headers(&[("origin", "null")]),
            headers(&[("origin", OURS), ("sec-fetch-site", "cross-site")]),
            headers(&[("sec-fetch-site", "same-site")]),
            headers(&[("sec-fetch-site", "cross-site")]),
        ] {
            assert!(verdict(&h, OURS).is_err(), "{h:?}");
        }
    }
}
