//! The Members page: list, change role, change teams, end dates, password reset links,
//! deactivate and reactivate.

use leptos::prelude::*;
use model::MemberInfo;

use crate::error::AppError;

#[cfg(feature = "ssr")]
mod ssr {
    pub use crate::state::Ctx;
}

/// Everyone, or with `ends_within` (days) those whose access ends that soon.
#[server(endpoint = "list_members")]
pub async fn list_members(ends_within: Option<String>) -> Result<Vec<MemberInfo>, AppError> {
    use self::ssr::*;
    let cx = Ctx::get()?;
    let caller = cx.caller().await?;
    let days = match ends_within.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(d) => Some(d.parse::<i64>().map_err(|_| {
            domain::DomainError::invalid(
                "ends_within_days",
                "Give a number of days from 1 to 3650.",
            )
        })?),
    };
    Ok(cx.services.list_members(&caller, days).await?)
}

/// Sets when a member's access ends (`ends_at` as a datetime-local value, UTC); empty clears it.
#[server(endpoint = "set_member_access_end")]
pub async fn set_member_access_end(id: String, ends_at: Option<String>) -> Result<(), AppError> {
    use self::ssr::*;
    let cx = Ctx::get()?;
    let caller = cx.caller().await?;
    let ends_at = crate::api::utc_input("access_ends_at", ends_at.as_deref())?;
    Ok(cx
        .services
        .set_member_access_end(&caller, &id, ends_at)
        .await?)
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

/// Emails member `id` a one-hour link to choose a new password; answers the address.
#[server(endpoint = "send_password_reset")]
pub async fn send_password_reset(id: String) -> Result<String, AppError> {
    use self::ssr::*;
    let cx = Ctx::get()?;
    let caller = cx.caller().await?;
    Ok(cx.services.send_password_reset(&caller, &id).await?)
}

#[server(endpoint = "set_member_active")]
pub async fn set_member_active(id: String, active: bool) -> Result<(), AppError> {
    use self::ssr::*;
    let cx = Ctx::get()?;
    let caller = cx.caller().await?;
    Ok(cx.services.set_member_active(&caller, &id, active).await?)
}
