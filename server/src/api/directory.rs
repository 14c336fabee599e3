//! `/api/v1/roles` and `/api/v1/teams`: what an invitation can name.

use app::state::AppState;
use axum::extract::State;
use axum::Json;
use domain::model::{ApiScope, Permissions};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::ApiCaller;
use super::problem::{ApiResult, Problem};

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Role {
    pub id: String,
    pub name: String,
    pub description: String,
    pub built_in: bool,
    /// The permissions the role holds (`View invites`, `Send invites`, …).
    pub permissions: Vec<String>,
    /// Whether this key's creator may invite people to it (the role ceiling).
    pub grantable: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Team {
    pub id: String,
    pub name: String,
    /// How many members it has.
    pub members: i64,
}

fn labels(p: Permissions) -> Vec<String> {
    p.iter().map(|p| p.label().to_owned()).collect()
}

/// Every role, and whether you may invite to it.
#[utoipa::path(get, path = "/roles", tag = "directory",
    responses((status = 200, body = Vec<Role>), (status = 403, body = Problem)),
    security(("api_key" = ["invitations:read"])))]
pub async fn roles(State(state): State<AppState>, key: ApiCaller) -> ApiResult<Json<Vec<Role>>> {
    let caller = key.need(ApiScope::InvitationsRead)?;
    let roles = state.services.role_directory(caller).await?;
    Ok(Json(
        roles
            .into_iter()
            .map(|r| Role {
                grantable: caller.ceiling().may_grant(r.permissions),
                id: r.id,
                name: r.name,
                description: r.description,
                built_in: r.built_in,
                permissions: labels(r.permissions),
            })
            .collect(),
    ))
}

/// Every team.
#[utoipa::path(get, path = "/teams", tag = "directory",
    responses((status = 200, body = Vec<Team>), (status = 403, body = Problem)),
    security(("api_key" = ["invitations:read"])))]
pub async fn teams(State(state): State<AppState>, key: ApiCaller) -> ApiResult<Json<Vec<Team>>> {
    let caller = key.need(ApiScope::InvitationsRead)?;
    let teams = state.services.list_teams(caller).await?;
    Ok(Json(
        teams
            .into_iter()
            .map(|t| Team {
                id: t.id,
                name: t.name,
                members: t.members,
            })
            .collect(),
    ))
}
