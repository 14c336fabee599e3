//! The mail outbox. Jobs commit with the change they belong to; the worker claims one at a
//! time with a lease (so a crashed worker's job is picked up again after the lease), sends,
//! and marks it sent right after the SMTP server's acceptance.

use sqlx::FromRow;

use crate::clock::Millis;
use crate::store::group_commit::EndFailed;
use crate::store::{dynamic, Db, Tx};
use crate::{on_db_write, on_tx};

/// What an email job sends. Stored as text (`as_str`); a row whose kind this build does not
/// know is read back as `None` and dropped by the worker with that reason, never guessed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobKind {
    /// The invitation itself, with its link.
    Invite,
    /// A reminder of a pending invitation before it expires, with the same link.
    Reminder,
    /// To an inviter: an invitee asked for a new invitation.
    NewInviteRequest,
    /// To a member who joined through a copied link: confirm the address.
    ConfirmAddress,
    /// To an inviter: the invitee declined.
    InviteDeclined,
    /// To an inviter: their invitee's access ends in a few days.
    AccessEndingSoon,
    /// To a member: a link to choose a new password. It belongs to no invite: the job's id is
    /// the id of the password token it carries, so the worker rebuilds the link from the seed.
    PasswordReset,
}

impl JobKind {
    pub const ALL: [JobKind; 7] = [
        JobKind::Invite,
        JobKind::Reminder,
        JobKind::NewInviteRequest,
        JobKind::ConfirmAddress,
        JobKind::InviteDeclined,
        JobKind::AccessEndingSoon,
        JobKind::PasswordReset,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Invite => "invite",
            JobKind::Reminder => "reminder",
            JobKind::NewInviteRequest => "new_invite_request",
            JobKind::ConfirmAddress => "confirm_address",
            JobKind::InviteDeclined => "invite_declined",
            JobKind::AccessEndingSoon => "access_ending_soon",
            JobKind::PasswordReset => "password_reset",
        }
    }

    pub fn parse(s: &str) -> Option<JobKind> {
        JobKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

#[derive(Clone, FromRow)]
pub struct Job {
    pub id: String,
    pub invite_id: Option<String>,
    /// As stored; `kind()` reads it.
    pub kind: String,
    pub recipient: String,
    pub link_seed: Option<String>,
    pub attempts: i64,
}

impl Job {
    pub fn kind(&self) -> Option<JobKind> {
        JobKind::parse(&self.kind)
    }
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Job")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("attempts", &self.attempts)
            .finish_non_exhaustive()
    }
}

/// Queues one job, due `now` (or at its `due_at`).
pub async fn insert(tx: &mut Tx, job: &NewJob<'_>, now: Millis) -> Result<(), sqlx::Error> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO outbox (id, invite_id, kind, recipient, link_seed, created_at, next_attempt_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&job.id)
    .bind(job.invite_id)
    .bind(job.kind.as_str())
    .bind(job.recipient)
    .bind(job.link_seed)
    .bind(now)
    .bind(job.due_at.unwrap_or(now))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// One email job to queue.
pub struct NewJob<'a> {
    pub id: String,
    /// The invite the email is about (its timeline shows it); `None` for account emails.
    pub invite_id: Option<&'a str>,
    pub kind: JobKind,
    pub recipient: &'a str,
    pub link_seed: Option<&'a str>,
    /// When it is to go out; `None`: at once.
    pub due_at: Option<Millis>,
}

impl<'a> NewJob<'a> {
    /// A job with a new time-ordered id.
    pub fn new(
        invite_id: &'a str,
        kind: JobKind,
        recipient: &'a str,
        link_seed: Option<&'a str>,
    ) -> NewJob<'a> {
        NewJob {
            id: uuid::Uuid::now_v7().to_string(),
            invite_id: Some(invite_id),
            kind,
            recipient,
            link_seed,
            due_at: None,
        }
    }

    /// The email carrying password token `token_id` (its id is the job's), for no invite.
    pub fn password_reset(token_id: &str, recipient: &'a str, link_seed: &'a str) -> NewJob<'a> {
        NewJob {
            id: token_id.to_owned(),
            invite_id: None,
            kind: JobKind::PasswordReset,
            recipient,
            link_seed: Some(link_seed),
            due_at: None,
        }
    }

    /// The same job, to go out at `at` instead of at once.
    pub fn due(self, at: Millis) -> NewJob<'a> {
        NewJob {
            due_at: Some(at),
            ..self
        }
    }
}

/// `insert` for many jobs in one statement, each due `now` or at its `due_at`.
pub async fn insert_many(tx: &mut Tx, jobs: &[NewJob<'_>], now: Millis) -> Result<(), sqlx::Error> {
    let mut batch = dynamic::Batch::default();
    insert_many_into(&mut batch, jobs, now);
    batch.execute(tx).await
}

/// `insert_many`'s statements, into `batch`.
pub fn insert_many_into(batch: &mut dynamic::Batch, jobs: &[NewJob<'_>], now: Millis) {
    for part in jobs.chunks(dynamic::rows_per_statement(7)) {
        let mut args = dynamic::Args::default();
        let now = args.int(now);
        let values = dynamic::values_rows(&mut args, part, |a, j| {
            vec![
                a.text(j.id.as_str()),
                a.push(dynamic::Arg::OptText(j.invite_id.map(str::to_owned))),
                a.text(j.kind.as_str()),
                a.text(j.recipient),
                a.push(dynamic::Arg::OptText(j.link_seed.map(str::to_owned))),
                now.clone(),
                match j.due_at {
                    Some(at) => a.int(at),
                    None => now.clone(),
                },
            ]
        });
        let sql = format!(
            "INSERT INTO outbox (id, invite_id, kind, recipient, link_seed, created_at, next_attempt_at) VALUES {values}"
        );
        batch.add(sql, args);
    }
}

/// Takes the next due job, counting the attempt and leasing it until `lease_until`.
pub async fn claim(db: &Db, now: Millis, lease_until: Millis) -> Result<Option<Job>, sqlx::Error> {
    // The outer conditions repeat the inner ones so that two claimers racing for the same
    // row cannot both win; PostgreSQL also skips rows another worker holds.
    match db {
        Db::Sqlite(s) => {
            let mut args = dynamic::Args::default();
            args.int(now);
            args.int(lease_until);
            // Handed to the writer whole: it runs with the writes queued beside it.
            let rows = s
                .writer
                .submit(
                    "UPDATE outbox SET attempts = attempts + 1, locked_until = $2 \
                     WHERE id = (SELECT id FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL \
                        AND next_attempt_at <= $1 AND (locked_until IS NULL OR locked_until < $1) \
                        ORDER BY next_attempt_at LIMIT 1) \
                     AND sent_at IS NULL AND failed_at IS NULL AND (locked_until IS NULL OR locked_until < $1) \
                     RETURNING id, invite_id, kind, recipient, link_seed, attempts"
                        .to_owned(),
                    args,
                    1,
                )
                .await
                .map_err(EndFailed::into_error)?;
            rows.first().map(Job::from_row).transpose()
        }
        Db::Postgres(p) => {
            sqlx::query_as(
                "UPDATE outbox SET attempts = attempts + 1, locked_until = $2 \
                 WHERE id = (SELECT id FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL \
                    AND next_attempt_at <= $1 AND (locked_until IS NULL OR locked_until < $1) \
                    ORDER BY next_attempt_at LIMIT 1 FOR UPDATE SKIP LOCKED) \
                 AND sent_at IS NULL AND failed_at IS NULL AND (locked_until IS NULL OR locked_until < $1) \
                 RETURNING id, invite_id, kind, recipient, link_seed, attempts",
            )
            .bind(now)
            .bind(lease_until)
            .fetch_optional(p)
            .await
        }
    }
}

/// Sent: the seed is erased, so the database no longer holds anything that rebuilds the link.
/// Into `batch`: it goes with the invite's delivery and the audit row.
pub fn mark_sent_into(batch: &mut dynamic::Batch, id: &str, now: Millis) {
    let mut args = dynamic::Args::default();
    args.text(id);
    args.int(now);
    batch.add(
        "UPDATE outbox SET sent_at = $2, locked_until = NULL, link_seed = NULL, last_error = NULL WHERE id = $1"
            .to_owned(),
        args,
    );
}

pub async fn retry_later(
    db: &Db,
    id: &str,
    next_attempt_at: Millis,
    error: &str,
) -> Result<(), sqlx::Error> {
    on_db_write!(db, p => sqlx::query(
        "UPDATE outbox SET next_attempt_at = $2, locked_until = NULL, last_error = $3 WHERE id = $1",
    )
    .bind(id)
    .bind(next_attempt_at)
    .bind(error)
    .execute(p)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn mark_failed(
    tx: &mut Tx,
    id: &str,
    now: Millis,
    error: &str,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, c => sqlx::query(
        "UPDATE outbox SET failed_at = $2, locked_until = NULL, link_seed = NULL, last_error = $3 WHERE id = $1",
    )
    .bind(id)
    .bind(now)
    .bind(error)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Stops unsent invitation emails of an invite (after revoke or resend).
pub async fn cancel_for_invite(
    tx: &mut Tx,
    invite_id: &str,
    now: Millis,
    reason: &str,
) -> Result<u64, sqlx::Error> {
    on_tx!(tx, c => sqlx::query(
        "UPDATE outbox SET failed_at = $2, link_seed = NULL, last_error = $3 \
         WHERE invite_id = $1 AND kind IN ('invite', 'reminder') AND sent_at IS NULL AND failed_at IS NULL",
    )
    .bind(invite_id)
    .bind(now)
    .bind(reason)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))
}

/// A scheduled invite's email job is due at `now` instead of later ("send now").
pub async fn bring_forward(tx: &mut Tx, invite_id: &str, now: Millis) -> Result<u64, sqlx::Error> {
    on_tx!(tx, c => sqlx::query(
        "UPDATE outbox SET next_attempt_at = $2 WHERE invite_id = $1 AND kind = 'invite' \
         AND sent_at IS NULL AND failed_at IS NULL AND next_attempt_at > $2",
    )
    .bind(invite_id)
    .bind(now)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))
}

/// After a pending invite's expiry moved by `by` ms (the links stay): its planned reminders
/// move with it, and any whose new time is already past are dropped (too late to remind).
pub async fn shift_reminders(
    tx: &mut Tx,
    invite_id: &str,
    by: Millis,
    now: Millis,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, c => sqlx::query(
        "UPDATE outbox SET next_attempt_at = next_attempt_at + $2 \
         WHERE invite_id = $1 AND kind = 'reminder' AND attempts = 0 AND sent_at IS NULL AND failed_at IS NULL",
    )
    .bind(invite_id)
    .bind(by)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    on_tx!(tx, c => sqlx::query(
        "UPDATE outbox SET failed_at = $2, link_seed = NULL, last_error = 'the expiry moved past this reminder' \
         WHERE invite_id = $1 AND kind = 'reminder' AND attempts = 0 AND sent_at IS NULL AND failed_at IS NULL \
         AND next_attempt_at <= $2",
    )
    .bind(invite_id)
    .bind(now)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Emails due now and not yet sent or given up on, and the earliest time one of them came
/// due (the partial index `outbox_due` answers both).
pub async fn due_summary(db: &Db, now: Millis) -> Result<(i64, Option<Millis>), sqlx::Error> {
    crate::on_db!(db, c => sqlx::query_as(
        "SELECT COUNT(*), MIN(next_attempt_at) FROM outbox \
         WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= $1",
    )
    .bind(now)
    .fetch_one(c)
    .await)
}

#[cfg(test)]
mod tests {
    use super::JobKind;

    #[test]
    fn job_kinds_round_trip_and_unknown_ones_are_none() {
        for k in JobKind::ALL {
            assert_eq!(JobKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(JobKind::parse("fax"), None);
    }
}
