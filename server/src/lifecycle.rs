//! A server's life from start to SIGTERM to exit, told to the proxy in front of it.
//!
//! - `GET /healthz`: alive (the process answers and reaches its database). For "restart me".
//! - `GET /readyz`: ready for traffic: the database answers, every migration this version
//!   knows is applied, and the server is not stopping. For "send me requests".
//! - On SIGTERM (`Application::run_until_stopped`): ready turns false; open event streams end
//!   with a hint to reconnect soon; the workers take no new email or webhook; for the drain
//!   time new requests are answered 503 with nothing done, so a proxy may pass them to another
//!   server; then the listener closes, requests in flight finish, and the process exits
//!   within the grace time whatever is still running.

use std::sync::Arc;

use app::state::AppState;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Whether this process is stopping: read by every request, and watched by the workers,
/// which take nothing new once it turns. Cheap to clone.
#[derive(Clone)]
pub struct Lifecycle {
    stopping: Arc<tokio::sync::watch::Sender<bool>>,
}

impl Default for Lifecycle {
    fn default() -> Lifecycle {
        Lifecycle {
            stopping: Arc::new(tokio::sync::watch::channel(false).0),
        }
    }
}

impl Lifecycle {
    pub fn is_draining(&self) -> bool {
        *self.stopping.borrow()
    }

    pub fn start_draining(&self) {
        self.stopping.send_replace(true);
    }

    /// For a worker: true once the server is stopping.
    pub fn watch(&self) -> tokio::sync::watch::Receiver<bool> {
        self.stopping.subscribe()
    }
}

/// The probes and the metrics: machines' paths, called every few seconds. They are answered
/// while draining (so the proxy, the orchestrator and the scraper see the stop) and logged
/// at debug (`observe`).
pub fn is_operations_path(path: &str) -> bool {
    matches!(path, "/healthz" | "/readyz" | "/metrics")
}

/// While draining, every other request is refused before anything reads it: 503, nothing
/// done, safe for a proxy to send to another server whatever its method (`proxy_next_upstream
/// http_503 non_idempotent` in the README's nginx site).
pub async fn refuse_while_draining(
    State(lifecycle): State<Lifecycle>,
    request: Request,
    next: Next,
) -> Response {
    if !lifecycle.is_draining() || is_operations_path(request.uri().path()) {
        return next.run(request).await;
    }
    let mut response = (
        StatusCode::SERVICE_UNAVAILABLE,
        "This server is restarting and did nothing with your request. Please try again.",
    )
        .into_response();
    let headers = response.headers_mut();
    headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    // The connection goes with the server: a client's next request opens a new one, which a
    // proxy or a load balancer sends to a server that stays.
    headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// `GET /healthz`: the process answers and its database does.
pub async fn health(State(state): State<AppState>) -> (StatusCode, &'static str) {
    if state.services.db.ping().await {
        (StatusCode::OK, "ok")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
    }
}

/// `GET /readyz`: the database answers with every migration this version knows, and the
/// server is not stopping. The body says which it is.
pub async fn ready(
    State(state): State<AppState>,
    axum::Extension(lifecycle): axum::Extension<Lifecycle>,
) -> (StatusCode, String) {
    let unavailable = |why: String| (StatusCode::SERVICE_UNAVAILABLE, why);
    if lifecycle.is_draining() {
        return unavailable("stopping".into());
    }
    match state.services.db.missing_migrations().await {
        Ok(missing) if missing.is_empty() => (StatusCode::OK, "ready".into()),
        Ok(missing) => unavailable(format!(
            "the database lacks migrations {missing:?}: run `vestibule migrate` or start this \
             version once"
        )),
        Err(e) => unavailable(format!("database unavailable: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_probes_and_the_metrics_answer_while_draining_and_nothing_else_does() {
        for path in ["/healthz", "/readyz", "/metrics"] {
            assert!(is_operations_path(path), "{path}");
        }
        for path in [
            "/",
            "/invites",
            "/events",
            "/api/v1/invitations",
            "/healthz/x",
        ] {
            assert!(!is_operations_path(path), "{path}");
        }
        let l = Lifecycle::default();
        let worker = l.watch();
        assert!(!l.is_draining());
        l.clone().start_draining();
        assert!(l.is_draining(), "clones share the state");
        assert!(*worker.borrow(), "workers see it");
    }
}
