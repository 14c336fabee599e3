//! `/api/v1/audit`: the audit log, newest first, a page at a time.

use app::state::AppState;
use axum::extract::State;
use axum::Json;
use domain::model::ApiScope;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::ApiCaller;
use super::json::ApiQuery;
use super::problem::{ApiResult, Problem};
use super::Entry;

#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// The actor's email, or its beginning.
    pub actor: Option<String>,
    /// The action, or its beginning (`invite.`, `member.role_changed`).
    pub action: Option<String>,
    /// Text in the subject (an email address, a name).
    pub subject: Option<String>,
    /// A cursor: the entries after this entry id (`next_before` of the previous page).
    pub before: Option<String>,
    /// Entries per page, 1 to 500 (100 by default).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct AuditPage {
    pub data: Vec<Entry>,
    /// Pass as `before` for the next (older) page; null on the last.
    pub next_before: Option<String>,
}

/// The audit log: who did what, when, from where, and through which API key.
#[utoipa::path(get, path = "/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, body = AuditPage), (status = 403, body = Problem),
        (status = 422, body = Problem)),
    security(("api_key" = ["audit:read"])))]
pub async fn list(
    State(state): State<AppState>,
    key: ApiCaller,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult<Json<AuditPage>> {
    let caller = key.need(ApiScope::AuditRead)?;
    let limit = q.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(Problem::invalid("limit", "limit must be from 1 to 500."));
    }
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let (actor, action, subject) = (text(&q.actor), text(&q.action), text(&q.subject));
    let (entries, more) = state
        .services
        .audit_page(
            caller,
            (&actor, &action, &subject),
            q.before.as_deref().unwrap_or(""),
            limit,
        )
        .await?;
    let next_before = more.then(|| entries.last().map(|e| e.id.clone())).flatten();
    Ok(Json(AuditPage {
        data: entries.into_iter().map(Entry::from).collect(),
        next_before,
    }))
}
