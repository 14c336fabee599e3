//! One-time set-password tokens (first admin, later password resets). Only the keyed digest
//! is stored; the token itself exists only in the link.

use crate::clock::Millis;
use crate::on_tx;
use crate::store::Tx;
use crate::token::constant_time_eq;

pub async fn insert(
    tx: &mut Tx,
    id: &str,
    user_id: &str,
    digest: &str,
    created_at: Millis,
    expires_at: Millis,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO password_tokens (id, user_id, token_digest, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(user_id)
    .bind(digest)
    .bind(created_at)
    .bind(expires_at)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Marks the token used if it is live and its digest matches; returns the user it belongs to.
/// The conditional UPDATE makes it single-use even when two requests race.
pub async fn consume(
    tx: &mut Tx,
    id: &str,
    digest: &str,
    now: Millis,
) -> Result<Option<String>, sqlx::Error> {
    let row: Option<(String, String)> = on_tx!(tx, c => sqlx::query_as(
        "SELECT user_id, token_digest FROM password_tokens \
         WHERE id = $1 AND used_at IS NULL AND expires_at > $2",
    )
    .bind(id)
    .bind(now)
    .fetch_optional(c)
    .await)?;
    let Some((user_id, stored)) = row else {
        return Ok(None);
    };
    if !constant_time_eq(stored.as_bytes(), digest.as_bytes()) {
        return Ok(None);
    }
    let done = on_tx!(tx, c => sqlx::query(
        "UPDATE password_tokens SET used_at = $2 WHERE id = $1 AND used_at IS NULL",
    )
    .bind(id)
    .bind(now)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok((done == 1).then_some(user_id))
}

/// Whom a live token is for, as its email needs it.
pub struct LiveToken {
    pub email: String,
    pub name: String,
    pub expires_at: Millis,
}

/// The account a token belongs to, if the token is unused, unexpired, its digest matches and
/// the account may still act (active, end date not reached): a deactivated member's link is
/// dead even before it is used. Reads only.
pub async fn live(
    db: &crate::store::Db,
    id: &str,
    digest: &str,
    now: Millis,
) -> Result<Option<LiveToken>, sqlx::Error> {
    let row: Option<(String, String, Millis, String)> = crate::on_db!(db, p => sqlx::query_as(
        concat!(
            "SELECT u.email, u.name, t.expires_at, t.token_digest FROM password_tokens t \
             JOIN users u ON u.id = t.user_id \
             WHERE t.id = $1 AND t.used_at IS NULL AND t.expires_at > $2 AND ",
            crate::may_act_at!("$2")
        ),
    )
    .bind(id)
    .bind(now)
    .fetch_optional(p)
    .await)?;
    Ok(row.and_then(|(email, name, expires_at, stored)| {
        constant_time_eq(stored.as_bytes(), digest.as_bytes()).then_some(LiveToken {
            email,
            name,
            expires_at,
        })
    }))
}

/// Uses up every unused token of `user_id`: once the password changes, no older link may
/// change it again.
pub async fn void_for_user(tx: &mut Tx, user_id: &str, now: Millis) -> Result<u64, sqlx::Error> {
    on_tx!(tx, c => sqlx::query(
        "UPDATE password_tokens SET used_at = $2 WHERE user_id = $1 AND used_at IS NULL",
    )
    .bind(user_id)
    .bind(now)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))
}
