//! The Members page: list, change role, change teams, deactivate and reactivate.

use leptos::prelude::*;
use model::MemberInfo;

use crate::error::AppError;

#[cfg(feature = "ssr")]
mod ssr {
    pub use crate::state::Ctx;
}

#[server(endpoint = "list_members")]
pub async fn list_members() -> Result<Vec<MemberInfo>, AppError> {
    use self::ssr::*;
    let cx = Ctx::get()?;
    let caller = cx.caller().await?;
    Ok(cx.services.list_members(&caller).await?)
}

#[server(endpoint = "change_member_role")]
pub async fn change_member_role(id: String, role_id: String) -> Result<(), AppError> {
    use self::ssr::*;
    let cx = Ctx::get()?;
    let caller = cx.caller().await?;
    Ok(cx
        .services
        .change_member_role(&caller, &id, &role_id)
        .await?)
}

/// `teams` arrives as `teams[0]=…&teams[1]=…` from the checkboxes; none checked means none.
#[server(endpoint = "set_member_teams")]
pub async fn set_member_teams(id: String, teams: Option<Vec<String>>) -> Result<(), AppError> {
    use self::ssr::*;
    let cx = Ctx::get()?;
    let caller = cx.caller().await?;
    let teams = teams.unwrap_or_default();
    Ok(cx.services.set_member_teams(&caller, &id, &teams).await?)
}

#[server(endpoint = "set_member_active")]
pub async fn set_member_active(id: String, active: bool) -> Result<(), AppError> {
    use self::ssr::*;
    let cx = Ctx::get()?;
    let caller = cx.caller().await?;
    Ok(cx.services.set_member_active(&caller, &id, active).await?)
}
