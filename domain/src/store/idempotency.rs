//! The first answers to requests sent with an `Idempotency-Key` (migration 0010).

use sqlx::FromRow;

use crate::clock::Millis;
use crate::on_db_write;
use crate::store::Db;

#[derive(Debug, Clone, FromRow)]
pub struct Stored {
    pub fingerprint: String,
    /// `None` while the first request is still being answered.
    pub status: Option<i64>,
    pub body: Option<String>,
    pub created_at: Millis,
}

/// Claims (`key_id`, `idem_key`) for a request; false when a claim exists already. The
/// primary key decides, so of any number of concurrent requests exactly one claims it.
pub async fn claim(
    db: &Db,
    key_id: &str,
    idem_key: &str,
    fingerprint: &str,
    now: Millis,
) -> Result<bool, sqlx::Error> {
    let n = on_db_write!(db, p => sqlx::query(
        "INSERT INTO idempotency_keys (api_key_id, idem_key, fingerprint, created_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
    )
    .bind(key_id)
    .bind(idem_key)
    .bind(fingerprint)
    .bind(now)
    .execute(p)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

pub async fn find(db: &Db, key_id: &str, idem_key: &str) -> Result<Option<Stored>, sqlx::Error> {
    // Read through the writer on SQLite: a claim just committed there must be seen.
    on_db_write!(db, p => sqlx::query_as(
        "SELECT fingerprint, status, body, created_at FROM idempotency_keys \
         WHERE api_key_id = $1 AND idem_key = $2",
    )
    .bind(key_id)
    .bind(idem_key)
    .fetch_optional(p)
    .await)
}

pub async fn complete(
    db: &Db,
    key_id: &str,
    idem_key: &str,
    status: i64,
    body: &str,
) -> Result<(), sqlx::Error> {
    on_db_write!(db, p => sqlx::query(
        "UPDATE idempotency_keys SET status = $3, body = $4 WHERE api_key_id = $1 AND idem_key = $2",
    )
    .bind(key_id)
    .bind(idem_key)
    .bind(status)
    .bind(body)
    .execute(p)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Drops a claim whose request ended without an answer worth keeping (it failed on our
/// side), so that a retry does the work.
pub async fn release(db: &Db, key_id: &str, idem_key: &str) -> Result<(), sqlx::Error> {
    on_db_write!(db, p => sqlx::query(
        "DELETE FROM idempotency_keys WHERE api_key_id = $1 AND idem_key = $2 AND status IS NULL",
    )
    .bind(key_id)
    .bind(idem_key)
    .execute(p)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Forgets the claim made at `created_at` (an old answer, or a claim whose request died).
pub async fn forget(
    db: &Db,
    key_id: &str,
    idem_key: &str,
    created_at: Millis,
) -> Result<(), sqlx::Error> {
    on_db_write!(db, p => sqlx::query(
        "DELETE FROM idempotency_keys WHERE api_key_id = $1 AND idem_key = $2 AND created_at = $3",
    )
    .bind(key_id)
    .bind(idem_key)
    .bind(created_at)
    .execute(p)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Forgets answers older than `before`.
pub async fn purge(db: &Db, before: Millis) -> Result<u64, sqlx::Error> {
    on_db_write!(db, p => sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1")
        .bind(before)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))
}
