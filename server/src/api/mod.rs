//! The REST API, `/api/v1`: a second door to the same rules. Every handler calls the domain
//! method the panel's server function calls, with a `Caller` built from an API key
//! (`auth`), so scopes, the role ceiling and the audit log apply alike. JSON in and out,
//! RFC 3339 times, RFC 9457 problems (`problem`), `Idempotency-Key` on POSTs
//! (`idempotency`), and an OpenAPI 3.1 document generated from these handlers (`openapi`).

pub mod auth;
pub mod directory;
mod idempotency;
pub mod invitations;
mod json;
pub mod log;
pub mod members;
mod openapi;
pub mod policy;
mod problem;
pub mod webhooks;

use app::state::AppState;
use axum::middleware;
use axum::Router;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use problem::Problem;

/// Something named: a role, a team.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct IdName {
    pub id: String,
    pub name: String,
}

impl From<domain::model::TeamRef> for IdName {
    fn from(t: domain::model::TeamRef) -> IdName {
        IdName {
            id: t.id,
            name: t.name,
        }
    }
}

/// One line of the audit log or of an invitation's timeline.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Entry {
    pub id: String,
    #[schema(format = DateTime)]
    pub at: String,
    /// What happened, e.g. `invite.created`, `email.sent`, `member.role_changed`.
    pub action: String,
    /// Who did it (their email), if a person did.
    pub actor: Option<String>,
    /// The API key (its name) they acted through, if any.
    pub api_key: Option<String>,
    /// Whom or what it was about (an email address, a role's name).
    pub subject: Option<String>,
    pub detail: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

impl From<domain::model::AuditEntry> for Entry {
    fn from(e: domain::model::AuditEntry) -> Entry {
        Entry {
            id: e.id,
            at: json::rfc3339(e.at),
            action: e.action,
            actor: e.actor,
            api_key: e.api_key,
            subject: e.subject,
            detail: e.detail,
            ip: e.ip,
            user_agent: e.user_agent,
        }
    }
}

/// The endpoints and their OpenAPI description, from the same list.
fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::base())
        .routes(routes!(invitations::create, invitations::list))
        .routes(routes!(invitations::bulk))
        .routes(routes!(invitations::get, invitations::update))
        .routes(routes!(invitations::revoke))
        .routes(routes!(invitations::resend))
        .routes(routes!(invitations::send_now))
        .routes(routes!(members::list))
        .routes(routes!(members::update))
        .routes(routes!(members::password_reset))
        .routes(routes!(directory::roles))
        .routes(routes!(directory::teams))
        .routes(routes!(log::list))
        .routes(routes!(policy::get, policy::update))
        .routes(routes!(webhooks::list, webhooks::create))
        .routes(routes!(webhooks::get, webhooks::update, webhooks::delete))
        .routes(routes!(webhooks::rotate))
        .routes(routes!(webhooks::replay))
}

/// The OpenAPI document, as served at `/api/v1/openapi.json`.
pub fn document() -> utoipa::openapi::OpenApi {
    openapi::with_problems(routes().split_for_parts().1)
}

/// `/api/v1`, ready to nest. Authenticated by key (no cookies, no CSRF check), idempotent
/// POSTs; the document and its reference page need no key.
pub fn router(state: AppState) -> Router<AppState> {
    let (api, doc) = routes().split_for_parts();
    let doc = std::sync::Arc::new(openapi::with_problems(doc));
    let api = api
        .layer(middleware::from_fn_with_state(
            state.clone(),
            idempotency::idempotency,
        ))
        .layer(middleware::from_fn_with_state(state, auth::authenticate));
    Router::new()
        .merge(openapi::serve(doc))
        .merge(api)
        .fallback(|| async { Problem::not_found() })
}
