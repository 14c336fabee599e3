//! Roles, teams and the audit log.

use leptos::prelude::*;
use model::{AuditEntry, RoleInfo, TeamInfo};

use crate::error::AppError;

#[cfg(feature = "ssr")]
mod ssr {
    use crate::error::AppError;
    pub use crate::state::Ctx;
    use model::{Permission, Permissions};

    /// Permission names as the role form sends them (`permissions[0]=SendInvites…`). An
    /// unknown name is refused, not skipped: a script must not believe it granted something.
    pub fn parse_permissions(names: Option<Vec<String>>) -> Result<Permissions, AppError> {
        let list = names
            .unwrap_or_default()
            .iter()
            .map(|n| {
                Permission::ALL
                    .into_iter()
                    .find(|p| format!("{p:?}") == *n)
                    .ok_or_else(|| {
                        let shown: String = n.chars().take(40).collect();
                        AppError::from(domain::DomainError::invalid(
                            "permissions",
                            format!("There is no permission called {shown:?}."),
                        ))
                    })
            })
            .collect::<Result<Vec<Permission>, AppError>>()?;
        Ok(Permissions::of(&list))
    }
}

#[server(endpoint = "list_roles")]
pub async fn list_roles() -> Result<Vec<RoleInfo>, AppError> {
    use self::ssr::*;
    let cx = Ctx::get()?;
    let caller = cx.caller().await?;
    Ok(cx.services.list_roles(&caller).await?)
}

#[server(endpoint = "create_role")]
pub async fn create_role(
    name: String,
    description: Option<String>,
    permissions: Option<Vec<String>>,
) -> Result<(), AppError> {
    use self::ssr::*;
    let cx = Ctx::get()?;
    let caller = cx.caller().await?;
    let perms = parse_permissions(permissions)?;
    cx.services
        .create_role(&caller, &name, description.as_deref().unwrap_or(""), perms)
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
    let cx = Ctx::get()?;
    let caller = cx.caller().await?;
    let perms = parse_permissions(permissions)?;
    Ok(cx
        .services
        .update_role(
            &caller,
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
    let cx = Ctx::get()?;
    let caller = cx.caller().await?;
    Ok(cx.services.delete_role(&caller, &id).await?)
}

#[server(endpoint = "list_teams")]
pub async fn list_teams() -> Result<Vec<TeamInfo>, AppError> {
    use self::ssr::*;
    let cx = Ctx::get()?;
    let caller = cx.caller().await?;
    Ok(cx.services.list_teams(&caller).await?)
}

#[server(endpoint = "create_team")]
pub async fn create_team(name: String) -> Result<(), AppError> {
    use self::ssr::*;
    let cx = Ctx::get()?;
    let caller = cx.caller().await?;
    cx.services.create_team(&caller, &name).await?;
    Ok(())
}

#[server(endpoint = "rename_team")]
pub async fn rename_team(id: String, name: String) -> Result<(), AppError> {
    use self::ssr::*;
    let cx = Ctx::get()?;
    let caller = cx.caller().await?;
    Ok(cx.services.rename_team(&caller, &id, &name).await?)
}

#[server(endpoint = "delete_team")]
pub async fn delete_team(id: String) -> Result<(), AppError> {
    use self::ssr::*;
    let cx = Ctx::get()?;
    let caller = cx.caller().await?;
    Ok(cx.services.delete_team(&caller, &id).await?)
}

#[server(endpoint = "audit_log")]
pub async fn audit_log(
    actor: Option<String>,
    action: Option<String>,
    subject: Option<String>,
) -> Result<Vec<AuditEntry>, AppError> {
    use self::ssr::*;
    let cx = Ctx::get()?;
    let caller = cx.caller().await?;
    Ok(cx
        .services
        .audit_log(
            &caller,
            actor.as_deref().unwrap_or(""),
            action.as_deref().unwrap_or(""),
            subject.as_deref().unwrap_or(""),
        )
        .await?)
}
