//! Confirming one's own address from an emailed link (after joining through a copied link).

use leptos::prelude::*;

use crate::error::AppError;

/// The address a confirmation link is for, for its signed-in owner's page.
#[server(endpoint = "address_to_confirm")]
pub async fn address_to_confirm(token: String) -> Result<String, AppError> {
    let cx = crate::state::Ctx::get()?;
    cx.caller().await?;
    Ok(cx.services.address_to_confirm(&token).await?)
}

/// Emails the signed-in member a new confirmation link.
#[server(endpoint = "resend_address_confirmation")]
pub async fn resend_address_confirmation() -> Result<(), AppError> {
    let cx = crate::state::Ctx::get()?;
    let caller = cx.caller().await?;
    Ok(cx.services.resend_address_confirmation(&caller).await?)
}

/// Confirms the signed-in member's address, then goes home, which says so.
#[server(endpoint = "confirm_address")]
pub async fn confirm_address(token: String) -> Result<(), AppError> {
    let cx = crate::state::Ctx::get()?;
    let caller = cx.caller().await?;
    cx.services.confirm_address(&caller, &token).await?;
    leptos_axum::redirect("/?address=confirmed");
    Ok(())
}
