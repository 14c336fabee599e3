//! API keys (migration 0010): only a keyed digest of each key is stored.

use sqlx::FromRow;

use crate::clock::Millis;
use crate::store::{Db, Tx};
use crate::{on_db, on_db_write, on_tx};

pub struct NewKey<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub prefix: &'a str,
    pub digest: &'a str,
    pub scopes: i64,
    pub creator_id: &'a str,
    pub created_at: Millis,
    pub expires_at: Option<Millis>,
}

#[derive(Debug, Clone, FromRow)]
pub struct KeyRow {
    pub id: String,
    pub name: String,
    pub prefix: String,
    pub scopes: i64,
    pub creator_id: String,
    pub creator_email: String,
    pub created_at: Millis,
    pub expires_at: Option<Millis>,
    pub revoked_at: Option<Millis>,
    pub last_used_at: Option<Millis>,
}

/// The key-with-creator SELECT followed by `$rest`, as one static SQL string.
macro_rules! select_keys {
    ($rest:literal) => {
        concat!(
            "SELECT k.id, k.name, k.prefix, k.scopes, k.creator_id, u.email AS creator_email, ",
            "k.created_at, k.expires_at, k.revoked_at, k.last_used_at ",
            "FROM api_keys k JOIN users u ON u.id = k.creator_id ",
            $rest
        )
    };
}

pub async fn insert(tx: &mut Tx, k: &NewKey<'_>) -> Result<(), sqlx::Error> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO api_keys (id, name, prefix, digest, scopes, creator_id, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(k.id)
    .bind(k.name)
    .bind(k.prefix)
    .bind(k.digest)
    .bind(k.scopes)
    .bind(k.creator_id)
    .bind(k.created_at)
    .bind(k.expires_at)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Every key, newest first.
pub async fn list(db: &Db) -> Result<Vec<KeyRow>, sqlx::Error> {
    on_db!(db, p => sqlx::query_as(select_keys!("ORDER BY k.created_at DESC, k.id DESC"))
        .fetch_all(p)
        .await)
}

pub async fn find(db: &Db, id: &str) -> Result<Option<KeyRow>, sqlx::Error> {
    on_db!(db, p => sqlx::query_as(select_keys!("WHERE k.id = $1"))
        .bind(id)
        .fetch_optional(p)
        .await)
}

pub async fn find_by_digest(db: &Db, digest: &str) -> Result<Option<KeyRow>, sqlx::Error> {
    on_db!(db, p => sqlx::query_as(select_keys!("WHERE k.digest = $1"))
        .bind(digest)
        .fetch_optional(p)
        .await)
}

/// Revokes key `id` if it is not revoked already; the rows changed (0 or 1).
pub async fn revoke(tx: &mut Tx, id: &str, by: &str, now: Millis) -> Result<u64, sqlx::Error> {
    on_tx!(tx, c => sqlx::query(
        "UPDATE api_keys SET revoked_at = $2, revoked_by = $3 WHERE id = $1 AND revoked_at IS NULL",
    )
    .bind(id)
    .bind(now)
    .bind(by)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))
}

/// Records a use, at most once per `every` ms per key: a key used many times a second
/// would otherwise cost a write per request.
pub async fn touch(db: &Db, id: &str, now: Millis, every: Millis) -> Result<(), sqlx::Error> {
    on_db_write!(db, p => sqlx::query(
        "UPDATE api_keys SET last_used_at = $2 WHERE id = $1 \
         AND (last_used_at IS NULL OR last_used_at < $3)",
    )
    .bind(id)
    .bind(now)
    .bind(now - every)
    .execute(p)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}
