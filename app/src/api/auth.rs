//! Signing in and out, and setting a password from a one-time link.

use leptos::prelude::*;
use model::CurrentUser;

use crate::error::AppError;

#[cfg(feature = "ssr")]
mod ssr {
    pub use crate::state::{to_current_user, Ctx};
    pub use domain::store::sessions::USER_ID_KEY;
    pub use tower_sessions::Expiry;

    /// How long a sign-in lasts.
    pub const SESSION_HOURS: i64 = 12;
}

/// The signed-in user, or `None` for a visitor.
#[server(endpoint = "whoami")]
pub async fn whoami() -> Result<Option<CurrentUser>, AppError> {
    use self::ssr::*;
    let cx = Ctx::get()?;
    Ok(cx.user().await?.as_ref().map(to_current_user))
}

#[server(endpoint = "sign_in")]
pub async fn sign_in(
    email: String,
    password: String,
    next: Option<String>,
) -> Result<(), AppError> {
    use self::ssr::*;
    let cx = Ctx::get()?;
    let user = cx.services.sign_in(&email, &password, &cx.actor).await?;
    start_session(&cx.session, &user.id).await?;
    leptos_axum::redirect(model::safe_redirect(next.as_deref().unwrap_or("/")));
    Ok(())
}

/// Signs out, then goes to `next` (a path on this site; the sign-in page by default): an
/// invitation link opened while someone else was signed in comes back to itself.
#[server(endpoint = "sign_out")]
pub async fn sign_out(next: Option<String>) -> Result<(), AppError> {
    use self::ssr::*;
    let cx = Ctx::get()?;
    if let Some(user) = cx.user().await? {
        let caller = domain::access::Caller::signed_in(user, &cx.actor);
        let event = domain::audit::Event::new(
            &caller.actor,
            domain::audit::Action::SignedOut,
            Some(&caller.user.email),
        );
        domain::store::audit::insert(&cx.services.db, &event, cx.services.clock.now())
            .await
            .map_err(domain::DomainError::from)?;
    }
    cx.session.flush().await.map_err(session_error)?;
    leptos_axum::redirect(model::safe_redirect(next.as_deref().unwrap_or("/sign-in")));
    Ok(())
}

/// The email a set-password link is for; refuses dead or forged links.
#[server(endpoint = "password_link")]
pub async fn password_link(token: String) -> Result<String, AppError> {
    use self::ssr::*;
    let cx = Ctx::get()?;
    Ok(cx.services.password_link_email(&token).await?)
}

#[server(endpoint = "set_password")]
pub async fn set_password(
    token: String,
    password: String,
    confirm: String,
) -> Result<(), AppError> {
    use self::ssr::*;
    let cx = Ctx::get()?;
    let password = domain::password::NewPassword::parse(&password, &confirm)?;
    cx.services
        .set_password(&token, &password, &cx.actor)
        .await?;
    leptos_axum::redirect("/sign-in?password_set=1");
    Ok(())
}

/// "Forgot password": emails a one-hour reset link if an active account has the address.
/// The page it leads to says the same thing either way.
#[server(endpoint = "request_password_reset")]
pub async fn request_password_reset(email: String) -> Result<(), AppError> {
    use self::ssr::*;
    let cx = Ctx::get()?;
    cx.services
        .request_password_reset(&email, &cx.actor)
        .await?;
    leptos_axum::redirect("/forgot-password?sent=1");
    Ok(())
}

/// The signed-in person changes their password. Every session of theirs ends; this browser
/// stays signed in under a new session id.
#[server(endpoint = "change_password")]
pub async fn change_password(
    current: String,
    password: String,
    confirm: String,
) -> Result<(), AppError> {
    use self::ssr::*;
    let cx = Ctx::get()?;
    let caller = cx.caller().await?;
    let password = domain::password::NewPassword::parse(&password, &confirm)?;
    cx.services
        .change_password(&caller, &current, &password)
        .await?;
    start_session(&cx.session, caller.id()).await?;
    leptos_axum::redirect("/?password=changed");
    Ok(())
}

/// Ends every session of the signed-in person, this one too.
#[server(endpoint = "sign_out_everywhere")]
pub async fn sign_out_everywhere() -> Result<(), AppError> {
    use self::ssr::*;
    let cx = Ctx::get()?;
    let caller = cx.caller().await?;
    cx.services.sign_out_everywhere(&caller).await?;
    cx.session.flush().await.map_err(session_error)?;
    leptos_axum::redirect("/sign-in?signed_out=everywhere");
    Ok(())
}

/// Signs `user_id` in on this session, under a new session id: an id planted before sign-in
/// (or before accepting an invite) is worth nothing after.
#[cfg(feature = "ssr")]
pub async fn start_session(
    session: &tower_sessions::Session,
    user_id: &str,
) -> Result<(), AppError> {
    use self::ssr::{Expiry, SESSION_HOURS, USER_ID_KEY};
    session.cycle_id().await.map_err(session_error)?;
    session
        .insert(USER_ID_KEY, user_id)
        .await
        .map_err(session_error)?;
    session.set_expiry(Some(Expiry::AtDateTime(
        time::OffsetDateTime::now_utc() + time::Duration::hours(SESSION_HOURS),
    )));
    Ok(())
}

#[cfg(feature = "ssr")]
fn session_error(e: tower_sessions::session::Error) -> AppError {
    tracing::error!(error = %e, "session store failed");
    AppError::Internal
}
