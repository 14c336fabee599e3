//! Roles, teams and the audit log.

use leptos::prelude::*;
use model::{AuditEntry, RoleInfo, TeamInfo};

use crate::error::AppError;

#[cfg(feature = "ssr")]
mod ssr {
    pub use crate::state::{request_actor, require, services};
    use model::{Permission, Permissions};

    /// Permission names as the role form sends them (`permissions[0]=SendInvites…`).
    pub fn parse_permissions(names: Option<Vec<String>>) -> Permissions {
        let list: Vec<Permission> = names
            .unwrap_or_default()
            .iter()
            .filter_map(|n| Permission::ALL.into_iter().find(|p| format!("{p:?}") == *n))
            .collect();
        Permissions::of(&list)
    }
}

#[server(endpoint = "list_roles")]
pub async fn list_roles() -> Result<Vec<RoleInfo>, AppError> {
    use self::ssr::*;
    let user = require(None).await?;
    Ok(services()?.list_roles(&user).await?)
}

#[server(endpoint = "create_role")]
pub async fn create_role(
    name: String,
    description: Option<String>,
    permissions: Option<Vec<String>>,
) -> Result<(), AppError> {
    use self::ssr::*;
    let user = require(None).await?;
    let perms = parse_permissions(permissions);
    services()?
        .create_role(
            &user,
            &request_actor().await,
            &name,
            description.as_deref().unwrap_or(""),
            perms,
        )
        .await?;
    Ok(())
}

#[server(endpoint = "update_role")]
pub async fn update_role(
    id: String,
    name: String,
    description: Option<String>,
    permissions: Option<Vec<String>>,
) -> Result<(), AppError> {
    use self::ssr::*;
    let user = require(None).await?;
    let perms = parse_permissions(permissions);
    Ok(services()?
        .update_role(
            &user,
            &request_actor().await,
            &id,
            &name,
            description.as_deref().unwrap_or(""),
            perms,
        )
        .await?)
}

#[server(endpoint = "delete_role")]
pub async fn delete_role(id: String) -> Result<(), AppError> {
    use self::ssr::*;
    let user = require(None).await?;
    Ok(services()?
        .delete_role(&user, &request_actor().await, &id)
        .await?)
}

#[server(endpoint = "list_teams")]
pub async fn list_teams() -> Result<Vec<TeamInfo>, AppError> {
    use self::ssr::*;
    let user = require(None).await?;
    Ok(services()?.list_teams(&user).await?)
}

#[server(endpoint = "create_team")]
pub async fn create_team(name: String) -> Result<(), AppError> {
    use self::ssr::*;
    let user = require(None).await?;
    services()?
        .create_team(&user, &request_actor().await, &name)
        .await?;
    Ok(())
}

#[server(endpoint = "rename_team")]
pub async fn rename_team(id: String, name: String) -> Result<(), AppError> {
    use self::ssr::*;
    let user = require(None).await?;
    Ok(services()?
        .rename_team(&user, &request_actor().await, &id, &name)
        .await?)
}

#[server(endpoint = "delete_team")]
pub async fn delete_team(id: String) -> Result<(), AppError> {
    use self::ssr::*;
    let user = require(None).await?;
    Ok(services()?
        .delete_team(&user, &request_actor().await, &id)
        .await?)
}

#[server(endpoint = "audit_log")]
pub async fn audit_log(
    actor: Option<String>,
    action: Option<String>,
    subject: Option<String>,
) -> Result<Vec<AuditEntry>, AppError> {
    use self::ssr::*;
    let user = require(None).await?;
    Ok(services()?
        .audit_log(
            &user,
            actor.as_deref().unwrap_or(""),
            action.as_deref().unwrap_or(""),
            subject.as_deref().unwrap_or(""),
        )
        .await?)
}
