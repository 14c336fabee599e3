//! Users and their roles.

use sqlx::FromRow;

use crate::clock::Millis;
use crate::store::{Db, Tx};
use crate::{on_db, on_db_write, on_tx};

/// A user joined with their role: what sign-in and the session check need, in one read.
#[derive(Clone, FromRow)]
pub struct UserWithRole {
    pub id: String,
    pub email: String,
    pub name: String,
    pub password_hash: Option<String>,
    pub active: bool,
    pub role_id: String,
    pub role_name: String,
    pub permissions: i64,
    /// False while a member who joined through a copied link has not confirmed the address.
    pub address_confirmed: bool,
    /// When their access ends (a contractor's end date), if it does.
    pub access_ends_at: Option<Millis>,
}

impl UserWithRole {
    /// Whether they may act at `now`: active, and before any end date. The end date counts
    /// from its very moment, whether or not the scheduler has deactivated them yet.
    pub fn may_act_at(&self, now: Millis) -> bool {
        self.active && self.access_ends_at.is_none_or(|end| end > now)
    }
}

/// `UserWithRole::may_act_at` in SQL, for user `u` at time `$now` (a placeholder such as
/// "$1"): active, and before any end date.
#[macro_export]
macro_rules! may_act_at {
    ($now:literal) => {
        concat!(
            "u.active AND (u.access_ends_at IS NULL OR u.access_ends_at > ",
            $now,
            ")"
        )
    };
}

// Hand-written so a password hash never reaches a log line.
impl std::fmt::Debug for UserWithRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserWithRole")
            .field("id", &self.id)
            .field("role_id", &self.role_id)
            .field("active", &self.active)
            .finish_non_exhaustive()
    }
}

/// The user-with-role SELECT followed by `$cond`, as one static SQL string.
macro_rules! select_with_role {
    ($cond:literal) => {
        concat!(
            "SELECT u.id, u.email, u.name, u.password_hash, u.active, u.role_id, ",
            "r.name AS role_name, r.permissions, u.access_ends_at, ",
            address_confirmed!(),
            " FROM users u JOIN roles r ON r.id = u.role_id ",
            $cond
        )
    };
}

/// Whether user `u`'s address counts as confirmed: unless they joined through a copied link
/// and have not confirmed it from an email since (migration 0009).
macro_rules! address_confirmed {
    () => {
        "(u.joined_via IS NULL OR u.joined_via <> 'copied_link' OR u.email_confirmed_at IS NOT NULL) AS address_confirmed"
    };
}

pub async fn find_by_email(db: &Db, email: &str) -> Result<Option<UserWithRole>, sqlx::Error> {
    on_db!(db, p => sqlx::query_as(select_with_role!("WHERE u.email = $1"))
        .bind(email)
        .fetch_optional(p)
        .await)
}

pub async fn find_by_id(db: &Db, id: &str) -> Result<Option<UserWithRole>, sqlx::Error> {
    on_db!(db, p => sqlx::query_as(select_with_role!("WHERE u.id = $1"))
        .bind(id)
        .fetch_optional(p)
        .await)
}

/// The user signed in on session `session_id`, if that session is still valid: the session
/// and its user in one read (the `user_id` column is written with the session's data).
pub async fn find_by_session(
    db: &Db,
    session_id: &str,
    now: Millis,
) -> Result<Option<UserWithRole>, sqlx::Error> {
    on_db!(db, p => sqlx::query_as(select_with_role!(
        "JOIN sessions s ON s.user_id = u.id WHERE s.id = $1 AND s.expires_at > $2"
    ))
    .bind(session_id)
    .bind(now)
    .fetch_optional(p)
    .await)
}

/// `find_by_id` inside `tx`.
pub async fn find_by_id_tx(tx: &mut Tx, id: &str) -> Result<Option<UserWithRole>, sqlx::Error> {
    on_tx!(tx, c => sqlx::query_as(select_with_role!("WHERE u.id = $1"))
        .bind(id)
        .fetch_optional(c)
        .await)
}

pub struct NewUser<'a> {
    pub id: &'a str,
    pub email: &'a str,
    pub name: &'a str,
    pub password_hash: Option<&'a str>,
    pub role_id: &'a str,
    pub created_at: Millis,
    pub invite_id: Option<&'a str>,
    /// Which link of the invite they used (none for the first admin).
    pub joined_via: Option<model::JoinedVia>,
    /// For a member who joined through a copied link: the link that confirms their address.
    pub confirmation: Option<PendingConfirmation<'a>>,
    /// From their invite: when their access ends.
    pub access_ends_at: Option<Millis>,
}

/// A confirmation link waiting to be used: its keyed digest and when it stops working.
#[derive(Clone, Copy, Debug)]
pub struct PendingConfirmation<'a> {
    pub digest: &'a str,
    pub expires_at: Millis,
}

pub async fn insert(tx: &mut Tx, u: &NewUser<'_>) -> Result<(), sqlx::Error> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO users (id, email, name, password_hash, role_id, active, created_at, invite_id, \
         joined_via, confirm_digest, confirm_expires_at, access_ends_at) \
         VALUES ($1, $2, $3, $4, $5, TRUE, $6, $7, $8, $9, $10, $11)",
    )
    .bind(u.id)
    .bind(u.email)
    .bind(u.name)
    .bind(u.password_hash)
    .bind(u.role_id)
    .bind(u.created_at)
    .bind(u.invite_id)
    .bind(u.joined_via.map(model::JoinedVia::as_str))
    .bind(u.confirmation.map(|c| c.digest))
    .bind(u.confirmation.map(|c| c.expires_at))
    .bind(u.access_ends_at)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Whether anyone holds the built-in Admin role (active or not): the first-admin bootstrap
/// is refused once this is true.
pub async fn admin_exists(tx: &mut Tx) -> Result<bool, sqlx::Error> {
    let n: i64 = on_tx!(tx, c => sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE role_id = 'admin'")
        .fetch_one(c)
        .await)?;
    Ok(n > 0)
}

pub async fn email_taken(tx: &mut Tx, email: &str) -> Result<bool, sqlx::Error> {
    let n: i64 = on_tx!(tx, c => sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE email = $1")
        .bind(email)
        .fetch_one(c)
        .await)?;
    Ok(n > 0)
}

/// Which of `emails` already belong to an account (one statement, for bulk imports).
pub async fn emails_taken(tx: &mut Tx, emails: &[&str]) -> Result<Vec<String>, sqlx::Error> {
    use crate::store::dynamic;
    let mut taken = vec![];
    for part in emails.chunks(dynamic::rows_per_statement(1)) {
        let mut args = dynamic::Args::default();
        let list: Vec<String> = part.iter().map(|e| args.text(*e)).collect();
        let sql = format!(
            "SELECT email FROM users WHERE email IN ({})",
            list.join(", ")
        );
        taken.extend(dynamic::fetch_texts_tx(tx, sql, &args).await?);
    }
    Ok(taken)
}

pub async fn set_password_hash(tx: &mut Tx, id: &str, hash: &str) -> Result<(), sqlx::Error> {
    on_tx!(tx, c => sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
        .bind(id)
        .bind(hash)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn touch_sign_in(db: &Db, id: &str, now: Millis) -> Result<(), sqlx::Error> {
    on_db_write!(db, p => sqlx::query("UPDATE users SET last_sign_in_at = $2 WHERE id = $1")
        .bind(id)
        .bind(now)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// A member as the Members page lists them.
#[derive(Clone, FromRow)]
pub struct MemberRow {
    pub id: String,
    pub email: String,
    pub name: String,
    pub active: bool,
    pub role_id: String,
    pub role_name: String,
    pub permissions: i64,
    pub created_at: Millis,
    pub last_sign_in_at: Option<Millis>,
    pub invited_by: Option<String>,
    pub address_confirmed: bool,
    pub access_ends_at: Option<Millis>,
}

/// Every member, or with `ends_between` = (from, to) only those whose access ends in it.
pub async fn list_members(
    db: &Db,
    ends_between: Option<(Millis, Millis)>,
) -> Result<Vec<MemberRow>, sqlx::Error> {
    let (from, to) = ends_between.unzip();
    on_db!(db, p => sqlx::query_as(concat!(
        "SELECT u.id, u.email, u.name, u.active, u.role_id, r.name AS role_name, r.permissions, ",
        "u.created_at, u.last_sign_in_at, inv.name AS invited_by, u.access_ends_at, ",
        address_confirmed!(),
        " FROM users u JOIN roles r ON r.id = u.role_id ",
        "LEFT JOIN invites i ON i.id = u.invite_id LEFT JOIN users inv ON inv.id = i.inviter_id ",
        "WHERE ($1 IS NULL OR (u.access_ends_at > $1 AND u.access_ends_at <= $2)) ",
        "ORDER BY lower(u.name), u.email",
    ))
    .bind(from)
    .bind(to)
    .fetch_all(p)
    .await)
}

/// Moves (or, with `None`, clears) a member's end date; the warning is due again.
pub async fn set_access_end(
    tx: &mut Tx,
    id: &str,
    ends_at: Option<Millis>,
) -> Result<u64, sqlx::Error> {
    on_tx!(tx, c => sqlx::query(
        "UPDATE users SET access_ends_at = $2, access_end_warned_at = NULL WHERE id = $1",
    )
    .bind(id)
    .bind(ends_at)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))
}

/// A member whose end date came, deactivated by `claim_ended`.
#[derive(Clone, Debug, FromRow)]
pub struct Ended {
    pub id: String,
    pub email: String,
    pub access_ends_at: Millis,
}

/// Deactivates up to `limit` active members whose end date is at or before `now`, and returns
/// them: each to exactly one caller (the UPDATE's condition decides between server processes;
/// PostgreSQL skips rows another one holds).
pub async fn claim_ended(tx: &mut Tx, now: Millis, limit: i64) -> Result<Vec<Ended>, sqlx::Error> {
    macro_rules! ended_sql {
        ($lock:literal) => {
            concat!(
                "UPDATE users SET active = FALSE WHERE id IN (SELECT id FROM users ",
                "WHERE access_ends_at <= $1 AND active = TRUE ORDER BY access_ends_at LIMIT $2 ",
                $lock,
                ") AND active = TRUE AND access_ends_at <= $1 RETURNING id, email, access_ends_at"
            )
        };
    }
    match tx {
        Tx::Sqlite(t) => {
            sqlx::query_as(ended_sql!(""))
                .bind(now)
                .bind(limit)
                .fetch_all(&mut **t)
                .await
        }
        Tx::Postgres(t) => {
            sqlx::query_as(ended_sql!("FOR UPDATE SKIP LOCKED"))
                .bind(now)
                .bind(limit)
                .fetch_all(&mut **t)
                .await
        }
    }
}

/// A member whose end date is near, and who invited them.
#[derive(Clone, Debug, FromRow)]
pub struct Ending {
    pub id: String,
    pub email: String,
    pub invite_id: Option<String>,
    pub inviter_email: Option<String>,
    pub access_ends_at: Millis,
}

/// Marks warned, and returns, up to `limit` active members whose end date falls within
/// `notice` of `now` and whose inviter was not warned of it yet; each to one caller.
pub async fn claim_ending(
    tx: &mut Tx,
    now: Millis,
    notice: Millis,
    limit: i64,
) -> Result<Vec<Ending>, sqlx::Error> {
    macro_rules! ending_sql {
        ($lock:literal) => {
            concat!(
                "UPDATE users SET access_end_warned_at = $1 WHERE id IN (SELECT id FROM users ",
                "WHERE access_ends_at > $1 AND access_ends_at <= $1 + $2 AND active = TRUE ",
                "AND access_end_warned_at IS NULL ORDER BY access_ends_at LIMIT $3 ",
                $lock,
                ") AND access_end_warned_at IS NULL RETURNING id, email, invite_id, ",
                "(SELECT inv.email FROM invites i JOIN users inv ON inv.id = i.inviter_id ",
                "WHERE i.id = users.invite_id) AS inviter_email, access_ends_at"
            )
        };
    }
    match tx {
        Tx::Sqlite(t) => {
            sqlx::query_as(ending_sql!(""))
                .bind(now)
                .bind(notice)
                .bind(limit)
                .fetch_all(&mut **t)
                .await
        }
        Tx::Postgres(t) => {
            sqlx::query_as(ending_sql!("FOR UPDATE SKIP LOCKED"))
                .bind(now)
                .bind(notice)
                .bind(limit)
                .fetch_all(&mut **t)
                .await
        }
    }
}

/// The member who joined through invite `invite_id`: (active, access_ends_at), for the
/// warning email to check again when it is sent.
pub async fn access_of_invitee(
    db: &Db,
    invite_id: &str,
) -> Result<Option<(bool, Option<Millis>, String)>, sqlx::Error> {
    on_db!(db, p => sqlx::query_as(
        "SELECT active, access_ends_at, name FROM users WHERE invite_id = $1",
    )
    .bind(invite_id)
    .fetch_optional(p)
    .await)
}

pub async fn set_role(tx: &mut Tx, id: &str, role_id: &str) -> Result<u64, sqlx::Error> {
    on_tx!(tx, c => sqlx::query("UPDATE users SET role_id = $2 WHERE id = $1")
        .bind(id)
        .bind(role_id)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))
}

pub async fn set_active(tx: &mut Tx, id: &str, active: bool) -> Result<u64, sqlx::Error> {
    on_tx!(tx, c => sqlx::query("UPDATE users SET active = $2 WHERE id = $1")
        .bind(id)
        .bind(active)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))
}

/// Active people holding the built-in Admin role: the last one may not be demoted or
/// deactivated, or nobody could administer the workspace any more.
pub async fn active_admins(tx: &mut Tx) -> Result<i64, sqlx::Error> {
    on_tx!(tx, c => sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE role_id = 'admin' AND active = TRUE")
        .fetch_one(c)
        .await)
}

/// The emails of the active Admins, oldest account first.
pub async fn active_admin_emails(db: &Db) -> Result<Vec<String>, sqlx::Error> {
    on_db!(db, p => sqlx::query_scalar(
        "SELECT email FROM users WHERE role_id = 'admin' AND active = TRUE ORDER BY created_at, id",
    )
    .fetch_all(p)
    .await)
}

/// (id, name) of everyone who has sent at least one invite, by name: one index probe per
/// user on `invites (inviter_id, …)`, never a scan of the invites.
pub async fn inviters(db: &Db) -> Result<Vec<(String, String)>, sqlx::Error> {
    on_db!(db, p => sqlx::query_as(
        "SELECT u.id, u.name FROM users u WHERE EXISTS (SELECT 1 FROM invites i WHERE i.inviter_id = u.id) \
         ORDER BY lower(u.name), u.id",
    )
    .fetch_all(p)
    .await)
}

/// The member who joined through `invite_id` and the digest of their confirmation link, if
/// one is pending and live at `now`: what the confirmation email is built from.
pub async fn pending_confirmation(
    db: &Db,
    invite_id: &str,
    now: Millis,
) -> Result<Option<(String, String)>, sqlx::Error> {
    on_db!(db, p => sqlx::query_as(
        "SELECT id, confirm_digest FROM users WHERE invite_id = $1 \
         AND confirm_digest IS NOT NULL AND confirm_expires_at > $2",
    )
    .bind(invite_id)
    .bind(now)
    .fetch_optional(p)
    .await)
}

/// Whether the confirmation link with `digest` is pending and live for member `id` (opening
/// the link reads only).
pub async fn confirmation_pending(
    db: &Db,
    id: &str,
    digest: &str,
    now: Millis,
) -> Result<bool, sqlx::Error> {
    let n: i64 = on_db!(db, p => sqlx::query_scalar(
        "SELECT COUNT(*) FROM users WHERE id = $1 AND confirm_digest = $2 AND confirm_expires_at > $3")
        .bind(id)
        .bind(digest)
        .bind(now)
        .fetch_one(p)
        .await)?;
    Ok(n > 0)
}

/// Records that member `id` confirmed their address, if `digest` is their pending, live
/// confirmation link's; the link is used up. Returns rows changed (0 or 1).
pub async fn confirm_address(
    tx: &mut Tx,
    id: &str,
    digest: &str,
    now: Millis,
) -> Result<u64, sqlx::Error> {
    on_tx!(tx, c => sqlx::query(
        "UPDATE users SET email_confirmed_at = $3, confirm_digest = NULL, confirm_expires_at = NULL \
         WHERE id = $1 AND confirm_digest = $2 AND confirm_expires_at > $3",
    )
    .bind(id)
    .bind(digest)
    .bind(now)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))
}

/// A new confirmation link for member `id` (the previous one dies), unless their address is
/// confirmed already or needs no confirming. Returns the invite they joined through, whose
/// email job will carry the link; none when nothing was changed.
pub async fn renew_confirmation(
    tx: &mut Tx,
    id: &str,
    link: PendingConfirmation<'_>,
) -> Result<Option<String>, sqlx::Error> {
    on_tx!(tx, c => sqlx::query_scalar(
        "UPDATE users SET confirm_digest = $2, confirm_expires_at = $3 \
         WHERE id = $1 AND joined_via = 'copied_link' AND email_confirmed_at IS NULL \
         RETURNING invite_id",
    )
    .bind(id)
    .bind(link.digest)
    .bind(link.expires_at)
    .fetch_optional(c)
    .await)
}
