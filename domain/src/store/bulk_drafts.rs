//! Rows checked by a bulk dry run, kept until they are sent (see migration 0018).

use sqlx::FromRow;

use crate::clock::Millis;
use crate::store::Db;
use crate::{on_db, on_db_write};

#[derive(Clone, Debug, FromRow)]
pub struct DraftRow {
    pub created_by: String,
    pub created_at: Millis,
    pub csv: String,
}

/// Saves a draft, and removes every draft saved before `stale_before`.
pub async fn insert(
    db: &Db,
    id: &str,
    created_by: &str,
    csv: &str,
    now: Millis,
    stale_before: Millis,
) -> Result<(), sqlx::Error> {
    on_db_write!(db, p => sqlx::query("DELETE FROM bulk_drafts WHERE created_at < $1")
        .bind(stale_before)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
    on_db_write!(db, p => sqlx::query(
        "INSERT INTO bulk_drafts (id, created_by, created_at, csv) VALUES ($1, $2, $3, $4)",
    )
    .bind(id)
    .bind(created_by)
    .bind(now)
    .bind(csv)
    .execute(p)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn find(db: &Db, id: &str) -> Result<Option<DraftRow>, sqlx::Error> {
    on_db!(db, p => sqlx::query_as(
        "SELECT created_by, created_at, csv FROM bulk_drafts WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(p)
    .await)
}

pub async fn delete(db: &Db, id: &str) -> Result<(), sqlx::Error> {
    on_db_write!(db, p => sqlx::query("DELETE FROM bulk_drafts WHERE id = $1")
        .bind(id)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}
