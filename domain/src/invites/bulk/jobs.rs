//! Imports as background jobs, their progress in the database so any server can answer.

use super::*;

/// A job whose heartbeat is older than this, unfinished, was cut short (its server stopped).
const STALE: Millis = 30_000;

impl Services {
    /// Checks the file, then creates its ready rows in the background; returns the job to
    /// follow with `bulk_progress`. Bad input (unreadable file, too many rows, no rows, bad
    /// expiry or note) is refused here, before any job starts.
    pub async fn start_bulk(
        &self,
        caller: &Caller,
        text: String,
        expiry_hours: i64,
        message: String,
    ) -> DomainResult<String> {
        parse_expiry_hours(expiry_hours)?;
        parse_message(&message)?;
        crate::invites::policy::check_expiry(&self.policy().await?, expiry_hours)?;
        // The rows are checked in full by the import itself; here only what makes a job
        // pointless: no permission, an unreadable file, no rows or too many.
        caller.require(Permission::SendInvites)?;
        let total = parse_rows(&text)?.len();
        let job_id = Uuid::now_v7().to_string();
        bulk_jobs::insert(
            &self.db,
            &job_id,
            caller.id(),
            total as i64,
            self.clock.now(),
        )
        .await?;
        let (services, caller, id) = (self.clone(), caller.clone(), job_id.clone());
        tokio::spawn(async move {
            let opts = BulkOptions {
                expiry_hours,
                message: &message,
            };
            // Progress writes are best effort: a missed one only delays the bar.
            let (tx, mut rx) = tokio::sync::watch::channel(Step::default());
            let reporter = {
                let (services, id) = (services.clone(), id.clone());
                tokio::spawn(async move {
                    while rx.changed().await.is_ok() {
                        let step = *rx.borrow_and_update();
                        let now = services.clock.now();
                        let _ = bulk_jobs::progress(
                            &services.db,
                            &id,
                            step.done as i64,
                            step.created as i64,
                            now,
                        )
                        .await;
                    }
                })
            };
            let result = services
                .import_bulk(&caller, &text, &opts, |step| {
                    let _ = tx.send(step);
                })
                .await;
            drop(tx);
            let _ = reporter.await;
            let now = services.clock.now();
            let finished = match result {
                Ok(outcome) => {
                    let _ = bulk_jobs::progress(
                        &services.db,
                        &id,
                        outcome.total as i64,
                        outcome.created as i64,
                        now,
                    )
                    .await;
                    let skipped =
                        serde_json::to_string(&outcome.skipped).unwrap_or_else(|_| "[]".into());
                    bulk_jobs::finish(&services.db, &id, &skipped, None, now).await
                }
                Err(e) => {
                    tracing::error!(job = %id, error = %e, "bulk import failed");
                    let shown = match e {
                        DomainError::Store(_) | DomainError::Internal(_) => {
                            "The import stopped because of an error on our side. The invites listed as created were kept; check the list and try the rest again.".to_owned()
                        }
                        other => other.to_string(),
                    };
                    bulk_jobs::finish(&services.db, &id, "[]", Some(&shown), now).await
                }
            };
            if let Err(e) = finished {
                tracing::error!(job = %id, error = %e, "cannot record the end of a bulk import");
            }
        });
        Ok(job_id)
    }

    /// How a bulk import is going. Only the person who started it may look.
    pub async fn bulk_progress(&self, caller: &Caller, job_id: &str) -> DomainResult<BulkProgress> {
        caller.require(Permission::SendInvites)?;
        let job = bulk_jobs::find(&self.db, job_id)
            .await?
            .filter(|j| j.created_by == caller.user.id)
            .ok_or(DomainError::NotFound)?;
        let finished = job.finished_at.is_some();
        Ok(BulkProgress {
            job_id: job.id,
            total: job.total as usize,
            done: job.done as usize,
            created: job.created as usize,
            finished,
            interrupted: !finished && self.clock.now() - job.heartbeat_at > STALE,
            error: job.error,
            skipped: serde_json::from_str(&job.skipped).unwrap_or_default(),
        })
    }
}
