//! The invites panel: options for the form, create, list, detail, revoke, resend.

use leptos::prelude::*;
use model::{AuditEntry, InviteList, InviteOptions, InviteRow, IssuedLink};
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[cfg(feature = "ssr")]
mod ssr {
    pub use crate::state::Ctx;
    pub use domain::invites::CreateInvite;
}

/// One invite and its timeline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteDetail {
    pub invite: InviteRow,
    pub events: Vec<AuditEntry>,
}

#[server(endpoint = "invite_options")]
pub async fn get_invite_options() -> Result<InviteOptions, AppError> {
    use self::ssr::*;
    let cx = Ctx::get()?;
    let user = cx.require_user().await?;
    Ok(cx.services.invite_options(&user).await?)
}

/// `teams` arrives as `teams[0]=…&teams[1]=…` from the form's checkboxes.
#[server(endpoint = "create_invite")]
pub async fn create_invite(
    email: String,
    role_id: String,
    teams: Option<Vec<String>>,
    expiry_hours: i64,
    message: Option<String>,
) -> Result<IssuedLink, AppError> {
    use self::ssr::*;
    let cx = Ctx::get()?;
    let user = cx.require_user().await?;
    let teams = teams.unwrap_or_default();
    let req = CreateInvite {
        email: &email,
        role_id: &role_id,
        team_ids: &teams,
        expiry_hours,
        message: message.as_deref().unwrap_or(""),
    };
    Ok(cx.services.create_invite(&user, &cx.actor, req).await?)
}

/// `status`: "pending", "accepted", "expired", "revoked", or empty for all; `q`: a piece of
/// the email address.
#[server(endpoint = "list_invites")]
pub async fn list_invites(
    status: Option<String>,
    q: Option<String>,
) -> Result<InviteList, AppError> {
    use self::ssr::*;
    let cx = Ctx::get()?;
    let user = cx.require_user().await?;
    let status = status.as_deref().and_then(model::InviteStatus::parse);
    Ok(cx
        .services
        .list_invites(&user, status, q.as_deref().unwrap_or(""))
        .await?)
}

#[server(endpoint = "invite_detail")]
pub async fn get_invite_detail(id: String) -> Result<InviteDetail, AppError> {
    use self::ssr::*;
    let cx = Ctx::get()?;
    let user = cx.require_user().await?;
    let (invite, events) = cx.services.invite_detail(&user, &id).await?;
    Ok(InviteDetail { invite, events })
}

#[server(endpoint = "revoke_invite")]
pub async fn revoke_invite(id: String) -> Result<(), AppError> {
    use self::ssr::*;
    let cx = Ctx::get()?;
    let user = cx.require_user().await?;
    Ok(cx.services.revoke_invite(&user, &cx.actor, &id).await?)
}

#[server(endpoint = "resend_invite")]
pub async fn resend_invite(id: String) -> Result<IssuedLink, AppError> {
    use self::ssr::*;
    let cx = Ctx::get()?;
    let user = cx.require_user().await?;
    Ok(cx.services.resend_invite(&user, &cx.actor, &id).await?)
}
