//! The invites panel: options for the form, create, list, detail, revoke, resend, send now.

// `create_invite` takes one argument per field of the send form, named as posted, and the
// `#[server]` macro copies them into the browser-side function, out of an item `allow`'s reach.
#![allow(clippy::too_many_arguments)]

use leptos::prelude::*;
use model::{
    AuditEntry, InviteList, InviteOptions, InviteRow, IssuedLink, ListFilterOptions, ListParams,
};
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[cfg(feature = "ssr")]
mod ssr {
    pub use crate::state::Ctx;
    pub use domain::invites::{CreateInvite, Expiry};
    pub use domain::DomainError;
    pub use model::InviteQuery;
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
    let caller = cx.caller().await?;
    Ok(cx.services.invite_options(&caller).await?)
}

/// `teams` arrives as `teams[0]=…&teams[1]=…` from the form's checkboxes. One argument per
/// field of the form, named as posted (so a form without WASM posts to it as it is).
#[server(endpoint = "create_invite")]
pub async fn create_invite(
    email: String,
    role_id: String,
    teams: Option<Vec<String>>,
    expiry_hours: i64,
    message: Option<String>,
    landing_path: Option<String>,
    access_ends_at: Option<String>,
    send_at: Option<String>,
) -> Result<IssuedLink, AppError> {
    use self::ssr::*;
    let cx = Ctx::get()?;
    let caller = cx.caller().await?;
    let teams = teams.unwrap_or_default();
    let req = CreateInvite {
        email: &email,
        role: &role_id,
        team_ids: &teams,
        expiry: Expiry::Hours(expiry_hours),
        message: message.as_deref().unwrap_or(""),
        send_email: true,
        metadata: None,
        landing_path: landing_path.as_deref().unwrap_or(""),
        access_ends_at: crate::api::utc_input("access_ends_at", access_ends_at.as_deref())?,
        send_at: crate::api::utc_input("send_at", send_at.as_deref())?,
    };
    Ok(cx.services.create_invite(&caller, req).await?)
}

/// One page of the invites list. The parameters are flat form fields named as in the page's
/// URL (see `model::ListParams`), so a link's query string can be posted as it is.
#[server(endpoint = "list_invites")]
pub async fn list_invites(#[server(flatten)] params: ListParams) -> Result<InviteList, AppError> {
    use self::ssr::*;
    let cx = Ctx::get()?;
    let query = InviteQuery::from_params(&params).map_err(|e| DomainError::Invalid {
        field: e.param,
        message: e.message,
    })?;
    let caller = cx.caller().await?;
    Ok(cx.services.list_invites(&caller, &query).await?)
}

/// The choices for the list's filters.
#[server(endpoint = "invite_filter_options")]
pub async fn get_invite_filter_options() -> Result<ListFilterOptions, AppError> {
    use self::ssr::*;
    let cx = Ctx::get()?;
    let caller = cx.caller().await?;
    Ok(cx.services.list_filter_options(&caller).await?)
}

#[server(endpoint = "invite_detail")]
pub async fn get_invite_detail(id: String) -> Result<InviteDetail, AppError> {
    use self::ssr::*;
    let cx = Ctx::get()?;
    let caller = cx.caller().await?;
    let (invite, events) = cx.services.invite_detail(&caller, &id).await?;
    Ok(InviteDetail { invite, events })
}

#[server(endpoint = "revoke_invite")]
pub async fn revoke_invite(id: String) -> Result<(), AppError> {
    use self::ssr::*;
    let cx = Ctx::get()?;
    let caller = cx.caller().await?;
    Ok(cx.services.revoke_invite(&caller, &id).await?)
}

/// Sends a scheduled invite's email now instead of at its time.
#[server(endpoint = "send_invite_now")]
pub async fn send_invite_now(id: String) -> Result<(), AppError> {
    use self::ssr::*;
    let cx = Ctx::get()?;
    let caller = cx.caller().await?;
    Ok(cx.services.send_invite_now(&caller, &id).await?)
}

#[server(endpoint = "resend_invite")]
pub async fn resend_invite(id: String) -> Result<IssuedLink, AppError> {
    use self::ssr::*;
    let cx = Ctx::get()?;
    let caller = cx.caller().await?;
    Ok(cx.services.resend_invite(&caller, &id, true).await?)
}
