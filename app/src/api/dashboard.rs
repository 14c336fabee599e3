//! The dashboard's figures.

use leptos::prelude::*;
use model::Dashboard;

use crate::error::AppError;

#[server(endpoint = "dashboard")]
pub async fn get_dashboard() -> Result<Dashboard, AppError> {
    let cx = crate::state::Ctx::get()?;
    let user = cx.require_user().await?;
    Ok(cx.services.dashboard(&user).await?)
}
