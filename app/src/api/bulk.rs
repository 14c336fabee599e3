//! Bulk invites: a CSV kept as a draft and its dry run, then an import that runs as a job
//! whose page follows it, and bulk revoke of selected invites.

use leptos::prelude::*;
use model::{BulkPreview, BulkProgress};

use crate::error::AppError;

#[cfg(feature = "ssr")]
mod ssr {
    pub use crate::state::Ctx;
}

/// Keeps the rows of `csv` (email, role, teams) as a draft and sends the browser to its dry
/// run, `/invites/bulk/check/{draft}`; returns the draft's id. Creates no invite.
#[server(endpoint = "bulk_check")]
pub async fn bulk_check(csv: String) -> Result<String, AppError> {
    use self::ssr::*;
    let cx = Ctx::get()?;
    let caller = cx.caller().await?;
    let draft = cx.services.save_bulk_draft(&caller, &csv).await?;
    leptos_axum::redirect(&format!("/invites/bulk/check/{draft}"));
    Ok(draft)
}

/// A draft of the caller's own and its dry run as of now.
#[server(endpoint = "bulk_draft")]
pub async fn get_bulk_draft(draft: String) -> Result<BulkDraftView, AppError> {
    use self::ssr::*;
    let cx = Ctx::get()?;
    let caller = cx.caller().await?;
    let d = cx.services.bulk_draft(&caller, &draft).await?;
    Ok(BulkDraftView {
        id: d.id,
        preview: d.preview,
    })
}

/// Only the rows of a draft of the caller's own, for the form that changes them: no dry run
/// is worked out for it.
#[server(endpoint = "bulk_draft_rows")]
pub async fn get_bulk_draft_rows(draft: String) -> Result<String, AppError> {
    use self::ssr::*;
    let cx = Ctx::get()?;
    let caller = cx.caller().await?;
    Ok(cx.services.bulk_draft_rows(&caller, &draft).await?)
}

/// A draft as its pages show it.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct BulkDraftView {
    pub id: String,
    pub preview: BulkPreview,
}

/// Starts creating the ready rows of a draft and sends the browser to the import's page,
/// `/invites/bulk/jobs/{job}`; returns the job's id.
#[server(endpoint = "bulk_start")]
pub async fn bulk_start(
    draft: String,
    expiry_hours: i64,
    message: Option<String>,
) -> Result<String, AppError> {
    use self::ssr::*;
    let cx = Ctx::get()?;
    let caller = cx.caller().await?;
    let job = cx
        .services
        .start_bulk_draft(&caller, &draft, expiry_hours, message.unwrap_or_default())
        .await?;
    leptos_axum::redirect(&format!("/invites/bulk/jobs/{job}"));
    Ok(job)
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
