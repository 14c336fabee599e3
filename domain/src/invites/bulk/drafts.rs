//! The rows between the dry run and the send: the bulk page checks a file into a draft, the
//! dry-run page shows it (it has an address, so it is a page like any other, with or without
//! WASM), and sending starts the import from it and removes it.

use super::*;
use crate::clock::DAY;
use crate::store::bulk_drafts;

/// A draft is gone after a day (and removed when the next one is saved).
const DRAFT_LIFETIME: Millis = DAY;

/// A draft and the dry run of its rows.
#[derive(Clone, Debug)]
pub struct BulkDraft {
    pub id: String,
    pub preview: BulkPreview,
}

impl Services {
    /// Keeps `text` as a draft to check and send; returns its id. A file that cannot become
    /// an import (unreadable, no rows, too many) is refused here, with nothing kept.
    pub async fn save_bulk_draft(&self, caller: &Caller, text: &str) -> DomainResult<String> {
        caller.require(Permission::SendInvites)?;
        parse_rows(text)?;
        let id = Uuid::now_v7().to_string();
        let now = self.clock.now();
        bulk_drafts::insert(&self.db, &id, caller.id(), text, now, now - DRAFT_LIFETIME).await?;
        Ok(id)
    }

    /// A draft of the caller's own (see `bulk_draft_rows`), with its dry run as of now.
    pub async fn bulk_draft(&self, caller: &Caller, id: &str) -> DomainResult<BulkDraft> {
        let csv = self.bulk_draft_rows(caller, id).await?;
        let preview = self.preview_bulk(caller, &csv).await?;
        Ok(BulkDraft {
            id: id.to_owned(),
            preview,
        })
    }

    /// Starts the import of a draft (see `start_bulk`) and removes the draft.
    pub async fn start_bulk_draft(
        &self,
        caller: &Caller,
        id: &str,
        expiry_hours: i64,
        message: String,
    ) -> DomainResult<String> {
        let csv = self.bulk_draft_rows(caller, id).await?;
        let job = self.start_bulk(caller, csv, expiry_hours, message).await?;
        bulk_drafts::delete(&self.db, id).await?;
        Ok(job)
    }

    /// Only the rows of a draft of the caller's own, to change them (no dry run). Someone
    /// else's draft, an expired or sent one, is not found.
    pub async fn bulk_draft_rows(&self, caller: &Caller, id: &str) -> DomainResult<String> {
        caller.require(Permission::SendInvites)?;
        let fresh_after = self.clock.now() - DRAFT_LIFETIME;
        bulk_drafts::find(&self.db, id)
            .await?
            .filter(|d| d.created_by == caller.user.id && d.created_at >= fresh_after)
            .map(|d| d.csv)
            .ok_or(DomainError::NotFound)
    }
}
