//! Who is calling the API: `Authorization: Bearer vsk_…`, read by a middleware before any
//! handler, which puts the `ApiCaller` in the request. No cookies are read on this path, so a
//! browser's session cannot be ridden here and there is no CSRF check to make.

use std::net::SocketAddr;
use std::sync::Arc;

use app::state::{client_ip, AppState};
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use domain::access::Caller;
use domain::api_keys::KeyCaller;
use domain::audit::Actor;
use domain::model::ApiScope;

use super::problem::Problem;

/// The request's caller, through its key.
#[derive(Clone)]
pub struct ApiCaller(pub Arc<KeyCaller>);

impl ApiCaller {
    /// The caller, if the key holds `scope`; 403 naming the scope otherwise. The rules then
    /// check the permission behind it, within the key creator's current rights.
    pub fn need(&self, scope: ApiScope) -> Result<&Caller, Problem> {
        let held = self.0.caller.scopes().unwrap_or_default();
        if held.contains(scope) {
            Ok(&self.0.caller)
        } else {
            Err(Problem::new(
                StatusCode::FORBIDDEN,
                "scope-missing",
                format!("This API key lacks the {} scope.", scope.as_str()),
            ))
        }
    }

    pub fn key_id(&self) -> &str {
        &self.0.key_id
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ApiCaller {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<ApiCaller, Problem> {
        parts
            .extensions
            .get::<ApiCaller>()
            .cloned()
            .ok_or_else(|| Problem::unauthenticated("Send an API key."))
    }
}

/// The request's IP (the socket's peer, or what a trusted proxy says) and user agent.
pub fn request_actor(state: &AppState, req: &Request) -> Actor {
    let forwarded_for = req
        .headers()
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok());
    let ip = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| {
            client_ip(addr.ip(), forwarded_for, &state.trusted_proxies).to_string()
        });
    let user_agent = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.chars().take(300).collect());
    Actor {
        ip,
        user_agent,
        ..Actor::default()
    }
}

pub async fn authenticate(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let presented = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, key) = v.trim().split_once(' ')?;
            scheme
                .eq_ignore_ascii_case("bearer")
                .then(|| key.trim().to_owned())
        });
    let Some(presented) = presented else {
        return Problem::unauthenticated(
            "Send an API key in the Authorization header: Authorization: Bearer vsk_…",
        )
        .into_response();
    };
    let actor = request_actor(&state, &req);
    match state.services.caller_for_key(&presented, &actor).await {
        Ok(caller) => {
            req.extensions_mut().insert(ApiCaller(Arc::new(caller)));
            next.run(req).await
        }
        Err(e) => Problem::from(e).into_response(),
    }
}
