//! Server-side glue for server functions: the shared state, the request's session and
//! client, and the one mapping from domain errors to `AppError` + HTTP status.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRef};
use domain::audit::Actor;
use domain::model::{CurrentUser, Permission, Permissions};
use domain::store::sessions::USER_ID_KEY;
use domain::store::users::UserWithRole;
use domain::{DomainError, Services};
use http::{header, HeaderMap, HeaderValue, StatusCode};
use leptos::prelude::*;
use leptos_axum::ResponseOptions;
use tower_sessions::Session;

use crate::error::AppError;

/// What the router holds and every server function can reach through context.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub services: Services,
}

pub fn services() -> Result<Services, AppError> {
    use_context::<AppState>()
        .map(|s| s.services)
        .ok_or_else(|| {
            tracing::error!("AppState missing from the server-function context");
            AppError::Internal
        })
}

fn set_status(status: StatusCode) {
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

pub async fn session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>().await.map_err(|e| {
        tracing::error!(error = ?e, "session layer missing");
        AppError::Internal
    })
}

/// The client as seen from the socket, plus its User-Agent. The IP comes from the TCP
/// peer, never from X-Forwarded-For (a trusted-proxy setting may come later).
pub async fn request_actor() -> Actor {
    let ip = leptos_axum::extract::<ConnectInfo<SocketAddr>>()
        .await
        .ok()
        .map(|ConnectInfo(addr)| addr.ip().to_string());
    let user_agent = leptos_axum::extract::<HeaderMap>()
        .await
        .ok()
        .and_then(|h| {
            h.get(header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .map(|s| s.chars().take(300).collect())
        });
    Actor {
        ip,
        user_agent,
        ..Actor::default()
    }
}

/// The signed-in, active user behind this request's session, if any.
pub async fn signed_in_user() -> Result<Option<UserWithRole>, AppError> {
    let session = session().await?;
    let user_id: Option<String> = session.get(USER_ID_KEY).await.map_err(|e| {
        tracing::error!(error = %e, "cannot read the session");
        AppError::Internal
    })?;
    match user_id {
        Some(id) => Ok(services()?.session_user(&id).await?),
        None => Ok(None),
    }
}

/// The signed-in user, who must hold `permission`; otherwise 401 or 403.
pub async fn require(permission: Option<Permission>) -> Result<UserWithRole, AppError> {
    let user = signed_in_user()
        .await?
        .ok_or(DomainError::Unauthenticated)?;
    if let Some(p) = permission {
        if !Permissions::from_bits(user.permissions).contains(p) {
            return Err(DomainError::Forbidden.into());
        }
    }
    Ok(user)
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
