//! `/api/v1/policy`: the invite policy, read and changed as the Policy page does.

use app::state::AppState;
use axum::extract::State;
use axum::Json;
use domain::invites::policy::PolicyInput;
use domain::model::{ApiScope, InvitePolicy};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::ApiCaller;
use super::json::ApiJson;
use super::problem::ApiResult;

/// The invite policy: what every new invitation must meet.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Policy {
    /// Link lifetime when an invitation names none (hours).
    pub default_expiry_hours: i64,
    /// The longest link lifetime allowed (hours, at most 720).
    pub max_expiry_hours: i64,
    /// When not empty, only addresses at these domains (and their subdomains) may be invited.
    pub allowed_domains: Vec<String>,
    /// Addresses at these domains (and their subdomains) may not be invited.
    pub blocked_domains: Vec<String>,
    /// Invitations one person may create per 24 hours; 0 for no cap.
    pub daily_cap: i64,
    /// Hours before expiry at which pending invitations are reminded (at most three).
    pub reminder_hours: Vec<i64>,
    /// Minutes a resend of one invitation waits after its last send; 0 for none.
    pub resend_cooldown_minutes: i64,
    /// Seats in the workspace: active members plus live invitations; 0 for no cap.
    pub workspace_seats: i64,
    /// Seats in each team; 0 for no cap.
    pub team_seats: i64,
    /// Pending invitations one person may have out at once; 0 for no cap.
    pub pending_per_inviter: i64,
}

impl From<InvitePolicy> for Policy {
    fn from(p: InvitePolicy) -> Policy {
        Policy {
            default_expiry_hours: p.default_expiry_hours,
            max_expiry_hours: p.max_expiry_hours,
            allowed_domains: p.allowed_domains,
            blocked_domains: p.blocked_domains,
            daily_cap: p.daily_cap,
            reminder_hours: p.reminder_hours,
            resend_cooldown_minutes: p.resend_cooldown_minutes,
            workspace_seats: p.workspace_seats,
            team_seats: p.team_seats,
            pending_per_inviter: p.pending_per_inviter,
        }
    }
}

/// What to change; everything left out stays as it is.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyChanges {
    #[schema(minimum = 1, maximum = 720)]
    pub default_expiry_hours: Option<i64>,
    #[schema(minimum = 1, maximum = 720)]
    pub max_expiry_hours: Option<i64>,
    pub allowed_domains: Option<Vec<String>>,
    pub blocked_domains: Option<Vec<String>>,
    #[schema(minimum = 0)]
    pub daily_cap: Option<i64>,
    pub reminder_hours: Option<Vec<i64>>,
    #[schema(minimum = 0, maximum = 1440)]
    pub resend_cooldown_minutes: Option<i64>,
    #[schema(minimum = 0, maximum = 1000000)]
    pub workspace_seats: Option<i64>,
    #[schema(minimum = 0, maximum = 1000000)]
    pub team_seats: Option<i64>,
    #[schema(minimum = 0, maximum = 1000000)]
    pub pending_per_inviter: Option<i64>,
}

/// The invite policy.
#[utoipa::path(get, path = "/policy", tag = "policy",
    responses((status = 200, body = Policy)),
    security(("api_key" = ["policy:manage"])))]
pub async fn get(State(state): State<AppState>, key: ApiCaller) -> ApiResult<Json<Policy>> {
    let caller = key.need(ApiScope::PolicyManage)?;
    Ok(Json(state.services.policy_for_admin(caller).await?.into()))
}

/// Change the invite policy, checked as the Policy page checks it, and audited.
#[utoipa::path(patch, path = "/policy", tag = "policy", request_body = PolicyChanges,
    responses((status = 200, body = Policy), (status = 422, body = super::problem::Problem)),
    security(("api_key" = ["policy:manage"])))]
pub async fn update(
    State(state): State<AppState>,
    key: ApiCaller,
    ApiJson(req): ApiJson<PolicyChanges>,
) -> ApiResult<Json<Policy>> {
    let caller = key.need(ApiScope::PolicyManage)?;
    let s = &state.services;
    let now = s.policy_for_admin(caller).await?;
    let lines = |list: Option<Vec<String>>, current: &[String]| {
        list.unwrap_or_else(|| current.to_vec()).join("\n")
    };
    let allowed = lines(req.allowed_domains, &now.allowed_domains);
    let blocked = lines(req.blocked_domains, &now.blocked_domains);
    let reminders = req
        .reminder_hours
        .map(|h| h.iter().map(i64::to_string).collect::<Vec<_>>().join(","));
    let input = PolicyInput {
        default_expiry_hours: req.default_expiry_hours.unwrap_or(now.default_expiry_hours),
        max_expiry_hours: req.max_expiry_hours.unwrap_or(now.max_expiry_hours),
        allowed_domains: &allowed,
        blocked_domains: &blocked,
        daily_cap: req.daily_cap.unwrap_or(now.daily_cap),
        reminder_hours: reminders.as_deref(),
        resend_cooldown_minutes: req.resend_cooldown_minutes,
        workspace_seats: req.workspace_seats,
        team_seats: req.team_seats,
        pending_per_inviter: req.pending_per_inviter,
    };
    Ok(Json(s.update_policy(caller, &input).await?.into()))
}
