//! The invitee's side: open a link, accept it, or ask for a new one.

use leptos::prelude::*;
use model::LinkView;

use crate::error::AppError;

/// What the link shows. Records that it was opened; changes no state.
#[server(endpoint = "open_invite")]
pub async fn open_invite(token: String) -> Result<LinkView, AppError> {
    let cx = crate::state::Ctx::get()?;
    Ok(cx.services.open_invite_link(&token, &cx.actor).await?)
}

/// Creates the account from the invite and signs the new member in.
#[server(endpoint = "accept_invite")]
pub async fn accept_invite(
    token: String,
    name: String,
    password: String,
    confirm: String,
) -> Result<(), AppError> {
    let cx = crate::state::Ctx::get()?;
    let password = domain::password::NewPassword::parse(&password, &confirm)?;
    let user = cx
        .services
        .accept_invite(&token, &name, &password, &cx.actor)
        .await?;
    crate::api::auth::start_session(&cx.session, &user.id).await?;
    leptos_axum::redirect("/");
    Ok(())
}

#[server(endpoint = "request_new_invite")]
pub async fn request_new_invite(token: String) -> Result<(), AppError> {
    let cx = crate::state::Ctx::get()?;
    Ok(cx.services.request_new_invite(&token, &cx.actor).await?)
}
