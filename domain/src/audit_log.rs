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
}
