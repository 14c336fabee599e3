//! `/api/v1/members`: the people who joined, changing their role, teams or access, and
//! sending them password reset links.

use app::state::AppState;
use axum::extract::{Path, State};
use axum::Json;
use domain::model::{ApiScope, MemberInfo};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::ApiCaller;
use super::json::{parse_rfc3339, rfc3339, ApiJson, ApiQuery};
use super::problem::{ApiResult, Problem};
use super::IdName;

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Member {
    pub id: String,
    pub email: String,
    pub name: String,
    /// False once deactivated: they cannot sign in, and their keys stop working.
    pub active: bool,
    pub role: IdName,
    pub teams: Vec<IdName>,
    #[schema(format = DateTime)]
    pub joined_at: String,
    #[schema(format = DateTime)]
    pub last_sign_in_at: Option<String>,
    /// The name of whoever invited them (null for the first admin).
    pub invited_by: Option<String>,
    /// False while someone who joined through a copied link has not confirmed the address.
    pub address_confirmed: bool,
    /// When their access ends: they are signed out and deactivated at that moment.
    #[schema(format = DateTime)]
    pub access_ends_at: Option<String>,
}

impl From<MemberInfo> for Member {
    fn from(m: MemberInfo) -> Member {
        Member {
            id: m.id,
            email: m.email,
            name: m.name,
            active: m.active,
            role: IdName {
                id: m.role_id,
                name: m.role_name,
            },
            teams: m.teams.into_iter().map(IdName::from).collect(),
            joined_at: rfc3339(m.joined_at),
            last_sign_in_at: m.last_sign_in_at.map(rfc3339),
            invited_by: m.invited_by,
            address_confirmed: m.address_confirmed,
            access_ends_at: m.access_ends_at.map(rfc3339),
        }
    }
}

#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MemberQuery {
    /// Only members whose access ends within so many days (1 to 3650).
    pub ends_within_days: Option<String>,
}

/// Everyone who joined (or those whose access ends soon).
#[utoipa::path(get, path = "/members", tag = "members", params(MemberQuery),
    responses((status = 200, body = Vec<Member>), (status = 403, body = Problem),
        (status = 422, body = Problem)),
    security(("api_key" = ["members:read"])))]
pub async fn list(
    State(state): State<AppState>,
    key: ApiCaller,
    ApiQuery(q): ApiQuery<MemberQuery>,
) -> ApiResult<Json<Vec<Member>>> {
    let caller = key.need(ApiScope::MembersRead)?;
    let days = match q.ends_within_days.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(d) => Some(d.parse::<i64>().map_err(|_| {
            Problem::invalid("ends_within_days", "Give a number of days from 1 to 3650.")
        })?),
    };
    let members = state.services.list_members(caller, days).await?;
    Ok(Json(members.into_iter().map(Member::from).collect()))
}

/// Present (`Some`), with a value or null: tells "clear it" (null) from "keep it" (absent).
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberChanges {
    /// A role's id or name, within your rights.
    pub role: Option<String>,
    /// The teams, all of them (`[]` for none).
    pub team_ids: Option<Vec<String>>,
    /// False deactivates (their sessions end at once); true reactivates.
    pub active: Option<bool>,
    /// When their access ends (a time in the future), or null to clear the end date.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub access_ends_at: Option<Option<String>>,
}

/// Change a member's role, teams or access. The changes apply in that order, each as the
/// panel applies it; the first refused one stops the rest and is the answer.
#[utoipa::path(patch, path = "/members/{id}", tag = "members",
    params(("id" = String, Path)), request_body = MemberChanges,
    responses((status = 200, body = Member), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("api_key" = ["members:write"])))]
pub async fn update(
    State(state): State<AppState>,
    key: ApiCaller,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<MemberChanges>,
) -> ApiResult<Json<Member>> {
    let caller = key.need(ApiScope::MembersWrite)?;
    if req.role.is_none()
        && req.team_ids.is_none()
        && req.active.is_none()
        && req.access_ends_at.is_none()
    {
        return Err(Problem::invalid(
            "body",
            "Say what to change: role, team_ids, active or access_ends_at.",
        ));
    }
    let ends_at = match &req.access_ends_at {
        Some(Some(t)) => Some(Some(parse_rfc3339("access_ends_at", t)?)),
        Some(None) => Some(None),
        None => None,
    };
    let s = &state.services;
    if let Some(role) = &req.role {
        s.change_member_role(caller, &id, role).await?;
    }
    if let Some(teams) = &req.team_ids {
        s.set_member_teams(caller, &id, teams).await?;
    }
    if let Some(ends_at) = ends_at {
        s.set_member_access_end(caller, &id, ends_at).await?;
    }
    if let Some(active) = req.active {
        s.set_member_active(caller, &id, active).await?;
    }
    let member = s
        .list_members(caller, None)
        .await?
        .into_iter()
        .find(|m| m.id == id)
        .ok_or_else(Problem::not_found)?;
    Ok(Json(member.into()))
}

/// Where a password reset link went.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct PasswordResetSent {
    /// The member's own address: the link never goes anywhere else, and is never in answers.
    pub sent_to: String,
    /// When the link stops working (an hour from now).
    #[schema(format = DateTime)]
    pub expires_at: String,
}

/// Email a member a one-hour link to choose a new password (at most three an hour per
/// member). Their password and sessions stay as they are until the link is used.
#[utoipa::path(post, path = "/members/{id}/password-reset", tag = "members",
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 202, body = PasswordResetSent), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "Yourself, out of your reach, or deactivated"),
        (status = 429, body = Problem)),
    security(("api_key" = ["members:write"])))]
pub async fn password_reset(
    State(state): State<AppState>,
    key: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<(axum::http::StatusCode, Json<PasswordResetSent>)> {
    let caller = key.need(ApiScope::MembersWrite)?;
    let s = &state.services;
    let sent_to = s.send_password_reset(caller, &id).await?;
    let expires_at = s.clock.now() + domain::password_reset::PASSWORD_RESET_TTL;
    Ok((
        axum::http::StatusCode::ACCEPTED,
        Json(PasswordResetSent {
            sent_to,
            expires_at: rfc3339(expires_at),
        }),
    ))
}
