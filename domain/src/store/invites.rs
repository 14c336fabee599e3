//! Invites. The status is computed by one SQL expression (`status_case!`), mirrored by
//! `model::InviteStatus::derive`; a test checks that both agree.

use sqlx::FromRow;

use crate::clock::Millis;
use crate::store::{dynamic, Db, Tx};
use crate::{on_db, on_db_write, on_tx};

/// The status of invite `i` at time `$now` (a placeholder such as "$1").
#[macro_export]
macro_rules! status_case {
    ($now:literal) => {
        concat!(
            "(CASE WHEN i.accepted_at IS NOT NULL THEN 'accepted' ",
            "WHEN i.revoked_at IS NOT NULL THEN 'revoked' ",
            "WHEN i.declined_at IS NOT NULL THEN 'declined' ",
            "WHEN i.send_at > ",
            $now,
            " THEN 'scheduled' ",
            "WHEN i.expires_at <= ",
            $now,
            " THEN 'expired' ELSE 'pending' END)"
        )
    };
}

/// An invite with its role and inviter, as the rules need it.
#[derive(Clone, FromRow)]
pub struct InviteFull {
    pub id: String,
    pub email: String,
    pub role_id: String,
    pub role_name: String,
    pub role_permissions: i64,
    pub inviter_id: String,
    pub inviter_name: String,
    pub inviter_email: String,
    pub inviter_active: bool,
    pub inviter_permissions: i64,
    pub message: String,
    /// The emailed link's digest.
    pub token_digest: String,
    /// The digest of the link shown to the inviter for copying, if one was shown.
    pub copy_digest: Option<String>,
    pub created_at: Millis,
    pub expires_at: Millis,
    pub accepted_at: Option<Millis>,
    pub revoked_at: Option<Millis>,
    pub declined_at: Option<Millis>,
    pub send_at: Option<Millis>,
    pub decline_reason: Option<String>,
    pub landing_path: Option<String>,
    pub access_ends_at: Option<Millis>,
    pub open_count: i64,
    pub delivery: String,
    pub delivery_error: Option<String>,
    pub metadata: Option<String>,
    /// How long each link of this invite lives (see migration 0006).
    pub lifetime: Millis,
    /// When its current link was issued (create or the last resend).
    pub issued_at: Millis,
    pub status: String,
}

impl InviteFull {
    /// The status at `now`, by the one Rust definition.
    pub fn status_at(&self, now: Millis) -> model::InviteStatus {
        model::InviteStatus::derive(self.moments(), now)
    }

    /// When its email goes out, while that is still to come (the invite is Scheduled).
    pub fn scheduled_until(&self, now: Millis) -> Option<Millis> {
        self.send_at.filter(|at| *at > now)
    }

    pub fn moments(&self) -> model::Moments {
        model::Moments {
            accepted_at: self.accepted_at,
            revoked_at: self.revoked_at,
            declined_at: self.declined_at,
            send_at: self.send_at,
            expires_at: self.expires_at,
        }
    }

    /// The status SQL computed when the row was read (`status_case!`). Anything else there is
    /// a bug to report, never a value to guess.
    pub fn stored_status(&self) -> Result<model::InviteStatus, crate::DomainError> {
        model::InviteStatus::parse(&self.status).ok_or_else(|| {
            crate::DomainError::Internal(format!(
                "invite {}: unknown status {:?}",
                self.id, self.status
            ))
        })
    }

    /// The email delivery state as stored.
    pub fn delivery(&self) -> Result<model::Delivery, crate::DomainError> {
        model::Delivery::parse(&self.delivery).ok_or_else(|| {
            crate::DomainError::Internal(format!(
                "invite {}: unknown delivery state {:?}",
                self.id, self.delivery
            ))
        })
    }
}

// No token digests in logs.
impl std::fmt::Debug for InviteFull {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InviteFull")
            .field("id", &self.id)
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

/// `SELECT … FROM invites i JOIN …` for `InviteFull`, with `$1` as the time for the status,
/// followed by the given SQL fragments.
#[macro_export]
macro_rules! select_full {
    ($($rest:expr),*) => {
        concat!(
            "SELECT i.id, i.email, i.role_id, r.name AS role_name, r.permissions AS role_permissions, ",
            "i.inviter_id, u.name AS inviter_name, u.email AS inviter_email, u.active AS inviter_active, ",
            "ur.permissions AS inviter_permissions, i.message, i.token_digest, i.copy_digest, i.created_at, i.expires_at, ",
            "i.accepted_at, i.revoked_at, i.declined_at, i.send_at, i.decline_reason, i.landing_path, i.access_ends_at, i.open_count, i.delivery, i.delivery_error, i.metadata, ",
            "COALESCE(i.lifetime, i.expires_at - i.created_at) AS lifetime, ",
            "COALESCE(i.issued_at, i.created_at) AS issued_at, ",
            $crate::status_case!("$1"),
            " AS status FROM invites i JOIN roles r ON r.id = i.role_id ",
            "JOIN users u ON u.id = i.inviter_id JOIN roles ur ON ur.id = u.role_id ",
            $($rest),*
        )
    };
}

pub async fn find(db: &Db, id: &str, now: Millis) -> Result<Option<InviteFull>, sqlx::Error> {
    on_db!(db, p => sqlx::query_as(select_full!("WHERE i.id = $2"))
        .bind(now)
        .bind(id)
        .fetch_optional(p)
        .await)
}

/// Makes typed text match itself in LIKE: `%`, `_` and the escape character lose their meaning.
pub fn like_escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// The invite's teams as (id, name), by name.
pub async fn teams(db: &Db, invite_id: &str) -> Result<Vec<(String, String)>, sqlx::Error> {
    on_db!(db, p => sqlx::query_as(
        "SELECT t.id, t.name FROM invite_teams it JOIN teams t ON t.id = it.team_id WHERE it.invite_id = $1 ORDER BY lower(t.name)",
    )
    .bind(invite_id)
    .fetch_all(p)
    .await)
}

pub async fn team_names(db: &Db, invite_id: &str) -> Result<Vec<String>, sqlx::Error> {
    on_db!(db, p => sqlx::query_scalar(
        "SELECT t.name FROM invite_teams it JOIN teams t ON t.id = it.team_id WHERE it.invite_id = $1 ORDER BY lower(t.name)",
    )
    .bind(invite_id)
    .fetch_all(p)
    .await)
}

pub async fn email_of(tx: &mut Tx, id: &str) -> Result<Option<String>, sqlx::Error> {
    on_tx!(tx, c => sqlx::query_scalar("SELECT email FROM invites WHERE id = $1")
        .bind(id)
        .fetch_optional(c)
        .await)
}

pub async fn team_ids(tx: &mut Tx, invite_id: &str) -> Result<Vec<String>, sqlx::Error> {
    on_tx!(tx, c => sqlx::query_scalar("SELECT team_id FROM invite_teams WHERE invite_id = $1")
        .bind(invite_id)
        .fetch_all(c)
        .await)
}

pub struct NewInvite<'a> {
    pub id: &'a str,
    pub email: &'a str,
    pub role_id: &'a str,
    pub inviter_id: &'a str,
    pub message: &'a str,
    /// The emailed link's digest.
    pub token_digest: &'a str,
    /// The copy link's digest, when the inviter is shown one (not in bulk imports).
    pub copy_digest: Option<&'a str>,
    pub created_at: Millis,
    pub expires_at: Millis,
    /// `Delivery::Queued` with an email job, `Delivery::NotSent` without.
    pub delivery: model::Delivery,
    pub metadata: Option<&'a str>,
    pub landing_path: Option<&'a str>,
    pub access_ends_at: Option<Millis>,
    /// When the email goes out, for a scheduled invite (`expires_at` counts from it).
    pub send_at: Option<Millis>,
}

/// Inserts unless the address already has an account or a live invite (the one-live-invite
/// index): then returns false and changes nothing, without aborting the transaction (as a
/// failed INSERT would on PostgreSQL). Both checks sit in the one statement because the
/// SQLite writer is held for each statement's round trip: one statement instead of three
/// is what a single create costs the writer (see the README's performance section).
pub async fn insert_if_free(tx: &mut Tx, n: &NewInvite<'_>) -> Result<bool, sqlx::Error> {
    let (sql, args) = insert_if_free_statement(n);
    Ok(dynamic::execute(tx, sql, &args).await? == 1)
}

/// `insert_if_free` as a statement to run first in a batch
/// (`Batch::commit_if_first_changes`): the create and its other writes in one go.
pub fn insert_if_free_into(batch: &mut dynamic::Batch, n: &NewInvite<'_>) {
    let (sql, args) = insert_if_free_statement(n);
    batch.add(sql, args);
}

fn insert_if_free_statement(n: &NewInvite<'_>) -> (String, dynamic::Args) {
    use dynamic::Arg;
    let opt_text = |v: Option<&str>| Arg::OptText(v.map(str::to_owned));
    let mut args = dynamic::Args::default();
    for value in [
        Arg::Text(n.id.to_owned()),
        Arg::Text(n.email.to_owned()),
        Arg::Text(n.role_id.to_owned()),
        Arg::Text(n.inviter_id.to_owned()),
        Arg::Text(n.message.to_owned()),
        Arg::Text(n.token_digest.to_owned()),
        Arg::Int(n.created_at),
        Arg::Int(n.expires_at),
        opt_text(n.copy_digest),
        Arg::Text(n.delivery.as_str().to_owned()),
        opt_text(n.metadata),
        opt_text(n.landing_path),
        Arg::OptInt(n.access_ends_at),
        Arg::OptInt(n.send_at),
    ] {
        args.push(value);
    }
    let sql = "INSERT INTO invites (id, email, role_id, inviter_id, message, token_digest, copy_digest, created_at, issued_at, expires_at, delivery, metadata, landing_path, access_ends_at, send_at, lifetime) \
         SELECT $1, $2, $3, $4, $5, $6, $9, $7, COALESCE($14, $7), $8, $10, $11, $12, $13, $14, \
         CASE WHEN $14 IS NULL THEN NULL ELSE $8 - $14 END \
         WHERE NOT EXISTS (SELECT 1 FROM users WHERE email = $2) \
         ON CONFLICT (email) WHERE accepted_at IS NULL AND revoked_at IS NULL AND closed_at IS NULL DO NOTHING";
    (sql.to_owned(), args)
}

/// Lets a new invite replace an expired one for the same address (see `closed_at`).
pub async fn close_expired_for_email(
    tx: &mut Tx,
    email: &str,
    now: Millis,
) -> Result<u64, sqlx::Error> {
    on_tx!(tx, c => sqlx::query(
        "UPDATE invites SET closed_at = $2 WHERE email = $1 AND accepted_at IS NULL \
         AND revoked_at IS NULL AND closed_at IS NULL AND expires_at <= $2",
    )
    .bind(email)
    .bind(now)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))
}

/// Counts an opening of the link. Not a state change: the status stays what it was.
pub async fn record_open(db: &Db, id: &str, now: Millis) -> Result<(), sqlx::Error> {
    on_db_write!(db, p => sqlx::query(
        "UPDATE invites SET open_count = open_count + 1, first_opened_at = COALESCE(first_opened_at, $2) WHERE id = $1",
    )
    .bind(id)
    .bind(now)
    .execute(p)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Revokes if still pending. Returns rows changed (0 or 1).
pub async fn revoke(tx: &mut Tx, id: &str, by: &str, now: Millis) -> Result<u64, sqlx::Error> {
    on_tx!(tx, c => sqlx::query(
        "UPDATE invites SET revoked_at = $3, revoked_by = $2 WHERE id = $1 \
         AND accepted_at IS NULL AND revoked_at IS NULL AND declined_at IS NULL AND expires_at > $3",
    )
    .bind(id)
    .bind(by)
    .bind(now)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))
}

/// The single-use step: marks the invite accepted only if it is still pending and the
/// digest is one of its current two (emailed or copied). Exactly one of any number of racing
/// calls gets 1.
pub async fn accept(
    tx: &mut Tx,
    id: &str,
    digest: &str,
    by: &str,
    now: Millis,
) -> Result<u64, sqlx::Error> {
    on_tx!(tx, c => sqlx::query(
        "UPDATE invites SET accepted_at = $4, accepted_by = $3 WHERE id = $1 AND (token_digest = $2 OR copy_digest = $2) \
         AND accepted_at IS NULL AND revoked_at IS NULL AND declined_at IS NULL AND expires_at > $4",
    )
    .bind(id)
    .bind(digest)
    .bind(by)
    .bind(now)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))
}

/// The invitee's no: marks the invite declined (and closed, so the address may be invited
/// again) only if it is still pending and the digest is one of its current two. Like
/// `accept`, exactly one of any number of racing calls gets 1.
pub async fn decline(
    tx: &mut Tx,
    id: &str,
    digest: &str,
    reason: Option<&str>,
    now: Millis,
) -> Result<u64, sqlx::Error> {
    on_tx!(tx, c => sqlx::query(
        "UPDATE invites SET declined_at = $3, closed_at = $3, decline_reason = $4 \
         WHERE id = $1 AND (token_digest = $2 OR copy_digest = $2) \
         AND accepted_at IS NULL AND revoked_at IS NULL AND declined_at IS NULL AND expires_at > $3",
    )
    .bind(id)
    .bind(digest)
    .bind(now)
    .bind(reason)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))
}

/// Resend: new links (the emailed and the copied one's digests), issued at `times.0` and
/// expiring at `times.1`, for an invite neither accepted nor revoked. The resender becomes the inviter: they vouch for the invite from now on, so an invite from
/// someone since deactivated or demoted is honoured again once a current admin resends it.
pub async fn renew(
    tx: &mut Tx,
    id: &str,
    digests: (&str, &str),
    (issued_at, expires_at): (Millis, Millis),
    inviter_id: &str,
    delivery: model::Delivery,
) -> Result<u64, sqlx::Error> {
    on_tx!(tx, c => sqlx::query(
        "UPDATE invites SET token_digest = $2, copy_digest = $5, lifetime = COALESCE(lifetime, expires_at - created_at), \
         expires_at = $3, issued_at = $7, inviter_id = $4, delivery = $6, expiry_notified_at = NULL, \
         delivery_error = NULL WHERE id = $1 AND accepted_at IS NULL AND revoked_at IS NULL AND closed_at IS NULL \
         AND (send_at IS NULL OR send_at <= $7)",
    )
    .bind(id)
    .bind(digests.0)
    .bind(expires_at)
    .bind(inviter_id)
    .bind(digests.1)
    .bind(delivery.as_str())
    .bind(issued_at)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))
}

/// A scheduled invite goes out now: its send moment and issue time become `now`, its expiry
/// `expires_at`. 0 rows when it is no longer scheduled (revoked, or its time came).
pub async fn send_now(
    tx: &mut Tx,
    id: &str,
    now: Millis,
    expires_at: Millis,
) -> Result<u64, sqlx::Error> {
    on_tx!(tx, c => sqlx::query(
        "UPDATE invites SET send_at = $2, issued_at = $2, expires_at = $3, expiry_notified_at = NULL \
         WHERE id = $1 AND accepted_at IS NULL AND revoked_at IS NULL AND closed_at IS NULL \
         AND send_at > $2",
    )
    .bind(id)
    .bind(now)
    .bind(expires_at)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))
}

/// A pending invite's role, and its expiry with the lifetime resends renew it by (`expiry`:
/// (expires_at, lifetime)); the rows changed (0 when the invite is no longer pending at `now`).
pub async fn change_pending(
    tx: &mut Tx,
    id: &str,
    role_id: &str,
    expiry: Option<(Millis, Millis)>,
    now: Millis,
) -> Result<u64, sqlx::Error> {
    let (expires_at, lifetime) = expiry.unzip();
    on_tx!(tx, c => sqlx::query(
        "UPDATE invites SET role_id = $2, expires_at = COALESCE($3, expires_at), \
         lifetime = COALESCE($4, lifetime), \
         expiry_notified_at = CASE WHEN $3 IS NULL THEN expiry_notified_at ELSE NULL END \
         WHERE id = $1 AND accepted_at IS NULL AND revoked_at IS NULL AND closed_at IS NULL \
         AND expires_at > $5",
    )
    .bind(id)
    .bind(role_id)
    .bind(expires_at)
    .bind(lifetime)
    .bind(now)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))
}

pub async fn clear_teams(tx: &mut Tx, id: &str) -> Result<u64, sqlx::Error> {
    on_tx!(tx, c => sqlx::query("DELETE FROM invite_teams WHERE invite_id = $1")
        .bind(id)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))
}

/// Marks the invite's email sent, unless `job_id` was cancelled meanwhile (a resend replaced
/// it): then the newer email is still to come and the invite must not say "sent".
pub fn mark_sent_by_job_into(batch: &mut dynamic::Batch, id: &str, job_id: &str, now: Millis) {
    let mut args = dynamic::Args::default();
    args.text(id);
    args.text(job_id);
    args.int(now);
    batch.add(
        "UPDATE invites SET delivery = 'sent', delivery_error = NULL, sent_at = $3 WHERE id = $1 \
         AND EXISTS (SELECT 1 FROM outbox o WHERE o.id = $2 AND o.failed_at IS NULL)"
            .to_owned(),
        args,
    );
}

/// Records an email that did not go out: "queued" with the error of the last attempt (it will
/// be retried) or "failed". A sent email is recorded by `mark_sent_by_job`.
pub async fn set_delivery(
    tx: &mut Tx,
    id: &str,
    delivery: model::Delivery,
    error: Option<&str>,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, c => sqlx::query("UPDATE invites SET delivery = $2, delivery_error = $3 WHERE id = $1")
        .bind(id)
        .bind(delivery.as_str())
        .bind(error)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}
