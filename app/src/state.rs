//! Server-side glue for server functions: the shared state, the request's session and
//! client, and the one mapping from domain errors to `AppError` + HTTP status.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRef};
use domain::audit::Actor;
use domain::model::{CurrentUser, Permissions};
use domain::store::sessions::USER_ID_KEY;
use domain::store::users::UserWithRole;
use domain::{DomainError, Services};
use http::{header, HeaderValue, StatusCode};
use leptos::prelude::*;
use leptos_axum::ResponseOptions;
use tower_sessions::Session;

use crate::error::AppError;

/// The per-response nonce the security-headers middleware put in the Content-Security-Policy.
/// The shell hands it to Leptos, which stamps it on every script it writes (the hydration
/// loader and the streamed chunks), so no other inline script can run.
#[derive(Clone, Debug)]
pub struct CspNonce(pub String);

/// Makes this request's CSP nonce the one Leptos writes on its scripts. Call in the shell.
pub fn provide_csp_nonce() {
    let nonce = use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<CspNonce>().cloned());
    if let Some(CspNonce(value)) = nonce {
        provide_context(leptos::nonce::Nonce::from_value(value));
    }
}

/// What the router holds and every server function can reach through context.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub services: Services,
}

/// Everything a server function needs from its request, captured in one synchronous call.
///
/// Call `Ctx::get()` first thing in a server function, before any `.await`: while rendering
/// on the server, Leptos keeps the request's context only up to the function's first await
/// point (after it, `use_context` can come back empty, depending on scheduling).
#[derive(Clone)]
pub struct Ctx {
    pub services: Services,
    pub session: Session,
    /// The client (IP from the socket, User-Agent), not yet tied to a user.
    pub actor: Actor,
}

impl Ctx {
    pub fn get() -> Result<Ctx, AppError> {
        let missing = |what: &str| {
            tracing::error!(what, "missing from the server-function context");
            AppError::Internal
        };
        let services = use_context::<AppState>()
            .ok_or_else(|| missing("AppState"))?
            .services;
        let parts =
            use_context::<http::request::Parts>().ok_or_else(|| missing("request parts"))?;
        let session = parts
            .extensions
            .get::<Session>()
            .cloned()
            .ok_or_else(|| missing("session"))?;
        // The IP comes from the TCP peer, never from X-Forwarded-For.
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip().to_string());
        let user_agent = parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.chars().take(300).collect());
        Ok(Ctx {
            services,
            session,
            actor: Actor {
                ip,
                user_agent,
                ..Actor::default()
            },
        })
    }

    /// The signed-in, active user behind this request's session, if any.
    pub async fn user(&self) -> Result<Option<UserWithRole>, AppError> {
        let user_id: Option<String> = self.session.get(USER_ID_KEY).await.map_err(|e| {
            tracing::error!(error = %e, "cannot read the session");
            AppError::Internal
        })?;
        match user_id {
            Some(id) => Ok(self.services.session_user(&id).await?),
            None => Ok(None),
        }
    }

    /// The signed-in user, or 401. Permission checks happen in the domain.
    pub async fn require_user(&self) -> Result<UserWithRole, AppError> {
        Ok(self.user().await?.ok_or(DomainError::Unauthenticated)?)
    }
}

pub(crate) fn set_status(status: StatusCode) {
    if let Some(res) = use_context::<ResponseOptions>() {
        res.set_status(status);
    }
}

impl From<DomainError> for AppError {
    /// Also sets the HTTP status of the response being built, so clients other than our
    /// pages (and tests) see a meaningful code.
    fn from(e: DomainError) -> AppError {
        let (status, err) = match e {
            DomainError::Invalid { field, message } => (
                StatusCode::UNPROCESSABLE_ENTITY,
                AppError::Invalid {
                    field: field.to_owned(),
                    message,
                },
            ),
            DomainError::Conflict(m) => (StatusCode::CONFLICT, AppError::Conflict(m)),
            DomainError::NotFound => (StatusCode::NOT_FOUND, AppError::NotFound),
            DomainError::BadCredentials => {
                (StatusCode::UNAUTHORIZED, AppError::Refused(e.to_string()))
            }
            DomainError::Unauthenticated => (StatusCode::UNAUTHORIZED, AppError::Unauthenticated),
            DomainError::Forbidden => (StatusCode::FORBIDDEN, AppError::Forbidden),
            DomainError::AccountDeactivated => {
                (StatusCode::FORBIDDEN, AppError::Refused(e.to_string()))
            }
            DomainError::RateLimited {
                retry_after_secs,
                message,
            } => {
                if let Some(res) = use_context::<ResponseOptions>() {
                    if let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string()) {
                        res.insert_header(header::RETRY_AFTER, v);
                    }
                }
                (
                    StatusCode::TOO_MANY_REQUESTS,
                    AppError::RateLimited {
                        retry_after_secs,
                        message,
                    },
                )
            }
            DomainError::LinkInvalid => (StatusCode::GONE, AppError::LinkInvalid),
            DomainError::InviteUnusable(view) => (StatusCode::GONE, AppError::InviteUnusable(view)),
            DomainError::Store(ref cause) => {
                tracing::error!(error = %cause, "database error");
                (StatusCode::INTERNAL_SERVER_ERROR, AppError::Internal)
            }
            DomainError::Internal(ref cause) => {
                tracing::error!(error = %cause, "internal error");
                (StatusCode::INTERNAL_SERVER_ERROR, AppError::Internal)
            }
        };
        set_status(status);
        err
    }
}

pub fn to_current_user(u: &UserWithRole) -> CurrentUser {
    CurrentUser {
        id: u.id.clone(),
        email: u.email.clone(),
        name: u.name.clone(),
        role_name: u.role_name.clone(),
        permissions: Permissions::from_bits(u.permissions),
    }
}
