//! The invite policy (Admin only): read and change it.

// `update_policy` takes one argument per field of the policy form, named as posted, and the
// `#[server]` macro copies them into the browser-side function, out of an item `allow`'s reach.
#![allow(clippy::too_many_arguments)]

use leptos::prelude::*;
use model::InvitePolicy;

use crate::error::AppError;

#[cfg(feature = "ssr")]
mod ssr {
    pub use crate::state::Ctx;
    pub use domain::invites::policy::PolicyInput;
}

#[server(endpoint = "get_policy")]
pub async fn get_policy() -> Result<InvitePolicy, AppError> {
    use self::ssr::*;
    let cx = Ctx::get()?;
    let caller = cx.caller().await?;
    Ok(cx.services.policy_for_admin(&caller).await?)
}

/// Domains come one per line (or separated by commas or spaces); `daily_cap` 0 means none.
/// `reminder_hours` ("48, 24"), `resend_cooldown_minutes` and the seat caps, when left out,
/// stay as they are.
#[server(endpoint = "update_policy")]
pub async fn update_policy(
    default_expiry_hours: i64,
    max_expiry_hours: i64,
    allowed_domains: Option<String>,
    blocked_domains: Option<String>,
    daily_cap: i64,
    reminder_hours: Option<String>,
    resend_cooldown_minutes: Option<i64>,
    workspace_seats: Option<i64>,
    team_seats: Option<i64>,
    pending_per_inviter: Option<i64>,
) -> Result<InvitePolicy, AppError> {
    use self::ssr::*;
    let cx = Ctx::get()?;
    let caller = cx.caller().await?;
    let input = PolicyInput {
        default_expiry_hours,
        max_expiry_hours,
        allowed_domains: allowed_domains.as_deref().unwrap_or(""),
        blocked_domains: blocked_domains.as_deref().unwrap_or(""),
        daily_cap,
        reminder_hours: reminder_hours.as_deref(),
        resend_cooldown_minutes,
        workspace_seats,
        team_seats,
        pending_per_inviter,
    };
    Ok(cx.services.update_policy(&caller, &input).await?)
}
