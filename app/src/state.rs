//! Server-side glue for server functions: the shared state, the request's session and
//! client, and the one mapping from domain errors to `AppError` + HTTP status.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRef};
use domain::access::Caller;
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
    /// Peers whose X-Forwarded-For is believed (VESTIBULE_TRUSTED_PROXIES).
    pub trusted_proxies: std::sync::Arc<[IpAddr]>,
}

/// The client's IP: the socket's peer, unless that peer is a trusted proxy. Then it is the
/// right-most X-Forwarded-For entry that is not itself a trusted proxy: entries to its left
/// were written by the client and can say anything.
pub fn client_ip(peer: IpAddr, forwarded_for: Option<&str>, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let mut client = peer;
    for hop in forwarded_for.unwrap_or("").rsplit(',') {
        match hop.trim().parse::<IpAddr>() {
            Ok(ip) => {
                client = ip;
                if !trusted.contains(&ip) {
                    break;
                }
            }
            // A garbled entry: trust nothing further left of it.
            Err(_) => break,
        }
    }
    client
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
    _owners: OwnerChain,
}

/// Every reactive owner from the running server function's up to the root, held while the
/// function runs. reactive_graph 0.2.16 looks a context up by walking the owners' parents
/// while it holds a read lock on the owner it started from; if the walk holds the last
/// reference to an ancestor (the page that started a resource has been rendered, or its
/// client went away, before the resource's server function looked a context up), dropping
/// it cleans that ancestor's children up, waits for a write lock on the very owner the walk
/// holds, and the worker thread hangs for good (seen once in the authorization matrix, on
/// `set_status`). With the chain held here, an ancestor goes when the `Ctx` does, outside
/// any lookup.
#[derive(Clone)]
struct OwnerChain(#[allow(dead_code)] Vec<Owner>);

impl OwnerChain {
    fn hold() -> OwnerChain {
        let mut chain = Vec::new();
        let mut owner = Owner::current();
        while let Some(this) = owner {
            owner = this.parent();
            chain.push(this);
        }
        OwnerChain(chain)
    }
}

impl Ctx {
    pub fn get() -> Result<Ctx, AppError> {
        // Before the first lookup (see `OwnerChain`).
        let owners = OwnerChain::hold();
        let missing = |what: &str| {
            tracing::error!(what, "missing from the server-function context");
            AppError::Internal
        };
        let state = use_context::<AppState>().ok_or_else(|| missing("AppState"))?;
        let services = state.services;
        let parts =
            use_context::<http::request::Parts>().ok_or_else(|| missing("request parts"))?;
        let session = parts
            .extensions
            .get::<Session>()
            .cloned()
            .ok_or_else(|| missing("session"))?;
        // The IP comes from the TCP peer; X-Forwarded-For counts only from a trusted proxy.
        let forwarded_for = parts
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok());
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| {
                client_ip(addr.ip(), forwarded_for, &state.trusted_proxies).to_string()
            });
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
            _owners: owners,
        })
    }

    /// The signed-in, active user behind this request's session, if any.
    pub async fn user(&self) -> Result<Option<UserWithRole>, AppError> {
        // A session this request has not changed is read with its user in one query, instead
        // of the session and then the user. One it changed (signed in or out, which also
        // clears its id until it is saved) is read through the session itself.
        if !self.session.is_modified() {
            if let Some(id) = self.session.id() {
                return Ok(self.services.user_of_session(&id.to_string()).await?);
            }
        }
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

    /// The signed-in user as the rules see them (their rights, this request's IP and
    /// browser), or 401.
    pub async fn caller(&self) -> Result<Caller, AppError> {
        Ok(Caller::signed_in(self.require_user().await?, &self.actor))
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
            DomainError::ForbiddenBecause(m) => (StatusCode::FORBIDDEN, AppError::Refused(m)),
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
            DomainError::KeyRefused(m) => (StatusCode::UNAUTHORIZED, AppError::Refused(m)),
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
        address_confirmed: u.address_confirmed,
    }
}

#[cfg(test)]
mod tests {
    use super::{client_ip, OwnerChain};
    use leptos::prelude::Owner;
    use std::net::IpAddr;

    /// What keeps a server function's context lookups from dropping an ancestor owner
    /// half way (see `OwnerChain`): while the chain is held, the page's owner lives on.
    #[test]
    fn a_server_functions_owner_chain_keeps_the_page_owner_alive_until_it_ends() {
        let page = Owner::new();
        let resource = page.with(Owner::new);
        let chain = resource.with(OwnerChain::hold);
        drop(page);
        assert!(resource.parent().is_some(), "held by the chain");
        drop(chain);
        assert!(resource.parent().is_none(), "gone with the chain");
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_for_counts_only_from_a_trusted_proxy() {
        let proxy = [ip("10.0.0.1")];
        let xff = Some("203.0.113.9");
        assert_eq!(
            client_ip(ip("198.51.100.7"), xff, &proxy),
            ip("198.51.100.7")
        );
        assert_eq!(client_ip(ip("198.51.100.7"), xff, &[]), ip("198.51.100.7"));
        assert_eq!(client_ip(ip("10.0.0.1"), xff, &proxy), ip("203.0.113.9"));
        assert_eq!(client_ip(ip("10.0.0.1"), None, &proxy), ip("10.0.0.1"));
    }

    #[test]
    fn entries_the_client_wrote_are_not_believed() {
        let proxies = [ip("10.0.0.1"), ip("10.0.0.2")];
        // The client sent "1.1.1.1"; the proxies appended the real address, then each other.
        let xff = Some("1.1.1.1, 203.0.113.9, 10.0.0.2");
        assert_eq!(client_ip(ip("10.0.0.1"), xff, &proxies), ip("203.0.113.9"));
        assert_eq!(
            client_ip(ip("10.0.0.1"), Some("garbage, 10.0.0.2"), &proxies),
            ip("10.0.0.2")
        );
    }
}
