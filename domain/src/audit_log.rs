//! Reading the audit log: who did what, to whom, filtered as the Audit log page asks. (What
//! an event is, and how one is recorded, is in `audit`.)

use model::{AuditEntry, Permission};

use crate::access::Caller;
use crate::error::DomainResult;
use crate::store::audit::{self as audit_store, AuditRow};
use crate::Services;

impl Services {
    /// The audit log, newest first, filtered by who, what and about whom (at most 500 rows).
    pub async fn audit_log(
        &self,
        caller: &Caller,
        actor: &str,
        action: &str,
        subject: &str,
    ) -> DomainResult<Vec<AuditEntry>> {
        caller.require(Permission::ViewAuditLog)?;
        let rows = audit_store::search(
            &self.db,
            actor.trim(),
            action.trim(),
            &subject.trim().to_lowercase(),
            500,
        )
        .await?;
        Ok(rows.into_iter().map(AuditRow::into_entry).collect())
    }

    /// A page of the log, newest first, after the entry `before` (its id, "" for the newest):
    /// `limit` entries at most, and whether there are more.
    pub async fn audit_page(
        &self,
        caller: &Caller,
        filter: (&str, &str, &str),
        before: &str,
        limit: i64,
    ) -> DomainResult<(Vec<AuditEntry>, bool)> {
        caller.require(Permission::ViewAuditLog)?;
        let (actor, action, subject) = filter;
        let mut rows = audit_store::search_before(
            &self.db,
            actor.trim(),
            action.trim(),
            &subject.trim().to_lowercase(),
            before.trim(),
            limit + 1,
        )
        .await?;
        let more = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        Ok((rows.into_iter().map(AuditRow::into_entry).collect(), more))
    }
}
