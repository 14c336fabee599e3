//! Cross-site request forgery guard. Leptos has no built-in CSRF defence and server
//! functions are plain POSTs, so every state-changing request must come from our own origin:
//! browsers send `Origin` (and `Sec-Fetch-Site`) on such requests and pages cannot forge them.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The one origin state-changing requests may come from, e.g. `https://vestibule.example`.
#[derive(Clone)]
pub struct AllowedOrigin(pub Arc<str>);

pub async fn guard(State(allowed): State<AllowedOrigin>, req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let headers = req.headers();
    if headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) == Some("cross-site") {
        return refuse("this request came from another site");
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or("");
        if origin != &*allowed.0 {
            return refuse(&format!(
                "this request came from {origin}, but Vestibule is configured for {} (VESTIBULE_PUBLIC_URL); open the app at that address",
                allowed.0
            ));
        }
    }
    next.run(req).await
}

fn refuse(why: &str) -> Response {
    (
        StatusCode::FORBIDDEN,
        format!("Cross-site request refused: {why}."),
    )
        .into_response()
}
