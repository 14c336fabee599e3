//! The invitee's side: open a link, accept it, or ask for a new one.

use leptos::prelude::*;
use model::LinkView;

use crate::error::AppError;

/// What the link shows. Records that it was opened; changes no state.
#[server(endpoint = "open_invite")]
pub async fn open_invite(token: String) -> Result<LinkView, AppError> {
    use crate::state::{request_actor, services};
    Ok(services()?
        .open_invite_link(&token, &request_actor().await)
        .await?)
}

/// Creates the account from the invite and signs the new member in.
#[server(endpoint = "accept_invite")]
pub async fn accept_invite(
    token: String,
    name: String,
    password: String,
    confirm: String,
) -> Result<(), AppError> {
    use crate::state::{request_actor, services, session};
    let password = domain::password::NewPassword::parse(&password, &confirm)?;
    let user = services()?
        .accept_invite(&token, &name, &password, &request_actor().await)
        .await?;
    crate::api::auth::start_session(&session().await?, &user.id).await?;
    leptos_axum::redirect("/");
    Ok(())
}

#[server(endpoint = "request_new_invite")]
pub async fn request_new_invite(token: String) -> Result<(), AppError> {
    use crate::state::{request_actor, services};
    Ok(services()?
        .request_new_invite(&token, &request_actor().await)
        .await?)
}
