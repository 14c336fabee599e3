//! What each request leaves behind: an id, one log line and its counts.
//!
//! The id comes from the trusted proxy's `X-Request-Id` when it sends a sane one (nginx's
//! `$request_id`, so its access log and ours join on it), else it is made here. It is sent
//! back in `X-Request-Id` and carried by every log line written while the request runs.
//!
//! The log line and the metrics name the route's pattern (`/invite/{token}`), never the
//! path: paths carry link tokens, and a pattern keeps the metrics' labels a fixed set.

use std::net::SocketAddr;
use std::time::Instant;

use app::state::{client_ip, AppState};
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

pub const REQUEST_ID: &str = "x-request-id";
const MAX_ID_CHARS: usize = 64;

/// The route a request matched, carried out on its response for `observe`.
#[derive(Clone)]
struct Route(String);

/// On each route (inside the router, where the pattern is known): notes the pattern on the
/// response.
pub async fn note_route(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned());
    let mut response = next.run(request).await;
    if let Some(route) = route {
        response.extensions_mut().insert(Route(route));
    }
    response
}

/// An id worth keeping: short, and only characters that cannot break a log line.
fn acceptable_id(id: &str) -> bool {
    (1..=MAX_ID_CHARS).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// Around everything: the request's id, span, log line and metrics.
pub async fn observe(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let started = Instant::now();
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let from_proxy = peer.is_some_and(|ip| state.trusted_proxies.contains(&ip));
    let id = request
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|id| from_proxy && acceptable_id(id))
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::now_v7().simple().to_string());
    let client = peer.map(|ip| {
        let forwarded = request
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok());
        client_ip(ip, forwarded, &state.trusted_proxies).to_string()
    });
    if let Ok(v) = HeaderValue::from_str(&id) {
        request.headers_mut().insert(REQUEST_ID, v);
    }
    let method = request.method().as_str().to_owned();
    // The built files are served by the fallback, which matches no route.
    let fallback_route = if request.uri().path().starts_with("/pkg/") {
        "/pkg/{file}"
    } else {
        "unmatched"
    };
    let span = tracing::info_span!("request", request_id = %id);
    let mut response = next.run(request).instrument(span.clone()).await;
    let took = started.elapsed();
    let route = response
        .extensions()
        .get::<Route>()
        .map(|r| r.0.clone())
        .unwrap_or_else(|| fallback_route.to_owned());
    let status = response.status().as_u16();
    crate::metrics::metrics().request(&method, &route, status, took);
    // Milliseconds to the microsecond: enough, and a short number in every line.
    let ms = (took.as_secs_f64() * 1_000_000.0).round() / 1000.0;
    let client = client.as_deref().unwrap_or("-");
    span.in_scope(|| {
        // Probes and scrapes come every few seconds from machines: not worth a line each.
        if crate::lifecycle::is_operations_path(&route) {
            tracing::debug!(target: "vestibule::access", method = %method, route = %route, status, ms, client = %client, "answered")
        } else {
            tracing::info!(target: "vestibule::access", method = %method, route = %route, status, ms, client = %client, "answered")
        }
    });
    if let Ok(v) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, v);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_id_is_kept_only_when_short_and_plain() {
        assert!(acceptable_id("7f3a9c2e5b1d4e6f8a0b1c2d3e4f5a6b"));
        assert!(acceptable_id("req-1.2_3"));
        assert!(!acceptable_id(""));
        assert!(!acceptable_id(&"a".repeat(65)));
        assert!(!acceptable_id("a b"));
        assert!(!acceptable_id("a\nb"));
        assert!(!acceptable_id("a\"}{\"b"));
    }
}
