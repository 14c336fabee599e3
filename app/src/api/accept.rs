//! The invitee's side: open a link, accept or decline it, or ask for a new one.

use leptos::prelude::*;
use model::LinkView;

use crate::error::AppError;

/// What the link shows. Records that it was opened; changes no state.
#[server(endpoint = "open_invite")]
pub async fn open_invite(token: String) -> Result<LinkView, AppError> {
    let cx = crate::state::Ctx::get()?;
    Ok(cx.services.open_invite_link(&token, &cx.actor).await?)
}

/// Accepting or declining happens signed out: an invite is never attached to whoever happens
/// to be signed in on this browser. The page offers to sign out and come back. Asked after
/// the input was checked and only of a link that could be used: a bad field or a dead link
/// gets its own answer (a member who just joined and submits again hears "used").
#[cfg(feature = "ssr")]
async fn refuse_if_signed_in(cx: &crate::state::Ctx, token: &str) -> Result<(), AppError> {
    match cx.user().await? {
        Some(user) if cx.services.link_is_open(token).await? => {
            Err(domain::DomainError::Conflict(format!(
                "You are signed in as {}. Sign out first, then open the invitation again.",
                user.email
            ))
            .into())
        }
        _ => Ok(()),
    }
}

/// Creates the account from the invite, signs the new member in and takes them to the
/// invite's landing page.
#[server(endpoint = "accept_invite")]
pub async fn accept_invite(
    token: String,
    name: String,
    password: String,
    confirm: String,
) -> Result<(), AppError> {
    let cx = crate::state::Ctx::get()?;
    domain::accounts::parse_name(&name)?;
    let password = domain::password::NewPassword::parse(&password, &confirm)?;
    refuse_if_signed_in(&cx, &token).await?;
    let joined = cx
        .services
        .accept_invite(&token, &name, &password, &cx.actor)
        .await?;
    crate::api::auth::start_session(&cx.session, &joined.user.id).await?;
    leptos_axum::redirect(&joined.lands_on);
    Ok(())
}

/// The invitee says no, with an optional reason; the inviter is told.
#[server(endpoint = "decline_invite")]
pub async fn decline_invite(token: String, reason: Option<String>) -> Result<(), AppError> {
    let cx = crate::state::Ctx::get()?;
    domain::invites::rules::parse_decline_reason(reason.as_deref().unwrap_or_default())?;
    refuse_if_signed_in(&cx, &token).await?;
    Ok(cx
        .services
        .decline_invite(&token, reason.as_deref().unwrap_or_default(), &cx.actor)
        .await?)
}

#[server(endpoint = "request_new_invite")]
pub async fn request_new_invite(token: String) -> Result<(), AppError> {
    let cx = crate::state::Ctx::get()?;
    Ok(cx.services.request_new_invite(&token, &cx.actor).await?)
}
