//! Bulk invites: a dry run of a CSV, then an import that runs as a job the page follows,
//! and bulk revoke of selected invites.

use leptos::prelude::*;
use model::{BulkPreview, BulkProgress};

use crate::error::AppError;

#[cfg(feature = "ssr")]
mod ssr {
    pub use crate::state::Ctx;
}

/// Checks every row of `csv` (email, role, teams) and creates nothing.
#[server(endpoint = "bulk_check")]
pub async fn bulk_check(csv: String) -> Result<BulkPreview, AppError> {
    use self::ssr::*;
    let cx = Ctx::get()?;
    let caller = cx.caller().await?;
    Ok(cx.services.preview_bulk(&caller, &csv).await?)
}

/// Starts creating the ready rows of `csv`; returns the job id to follow.
#[server(endpoint = "bulk_start")]
pub async fn bulk_start(
    csv: String,
    expiry_hours: i64,
    message: Option<String>,
) -> Result<String, AppError> {
    use self::ssr::*;
    let cx = Ctx::get()?;
    let caller = cx.caller().await?;
    Ok(cx
        .services
        .start_bulk(&caller, csv, expiry_hours, message.unwrap_or_default())
        .await?)
}

#[server(endpoint = "bulk_progress")]
pub async fn get_bulk_progress(job_id: String) -> Result<BulkProgress, AppError> {
    use self::ssr::*;
    let cx = Ctx::get()?;
    let caller = cx.caller().await?;
    Ok(cx.services.bulk_progress(&caller, &job_id).await?)
}

/// Revokes the selected invites that are still pending; returns (revoked, skipped).
/// `ids` arrives as `ids[0]=…&ids[1]=…` from the list's checkboxes.
#[server(endpoint = "revoke_invites")]
pub async fn revoke_invites(ids: Option<Vec<String>>) -> Result<(usize, usize), AppError> {
    use self::ssr::*;
    let cx = Ctx::get()?;
    let caller = cx.caller().await?;
    Ok(cx
        .services
        .revoke_many(&caller, &ids.unwrap_or_default())
        .await?)
}
