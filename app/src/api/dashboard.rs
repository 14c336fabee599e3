//! The dashboard's figures.

use leptos::prelude::*;
use model::Dashboard;

use crate::error::AppError;

#[server(endpoint = "dashboard")]
pub async fn get_dashboard() -> Result<Dashboard, AppError> {
    let cx = crate::state::Ctx::get()?;
    let caller = cx.caller().await?;
    Ok(cx.services.dashboard(&caller).await?)
}
