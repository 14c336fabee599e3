//! `/api/v1/members`: the people who joined, and changing their role, teams or access.

use app::state::AppState;
use axum::extract::{Path, State};
use axum::Json;
use domain::model::{ApiScope, MemberInfo};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::ApiCaller;
use super::json::{rfc3339, ApiJson};
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
        }
    }
}

/// Everyone who joined.
#[utoipa::path(get, path = "/members", tag = "members",
    responses((status = 200, body = Vec<Member>), (status = 403, body = Problem)),
    security(("api_key" = ["members:read"])))]
pub async fn list(State(state): State<AppState>, key: ApiCaller) -> ApiResult<Json<Vec<Member>>> {
    let caller = key.need(ApiScope::MembersRead)?;
    let members = state.services.list_members(caller).await?;
    Ok(Json(members.into_iter().map(Member::from).collect()))
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
    if req.role.is_none() && req.team_ids.is_none() && req.active.is_none() {
        return Err(Problem::invalid(
            "body",
            "Say what to change: role, team_ids or active.",
        ));
    }
    let s = &state.services;
    if let Some(role) = &req.role {
        s.change_member_role(caller, &id, role).await?;
    }
    if let Some(teams) = &req.team_ids {
        s.set_member_teams(caller, &id, teams).await?;
    }
    if let Some(active) = req.active {
        s.set_member_active(caller, &id, active).await?;
    }
    let member = s
        .list_members(caller)
        .await?
        .into_iter()
        .find(|m| m.id == id)
        .ok_or_else(Problem::not_found)?;
    Ok(Json(member.into()))
}
