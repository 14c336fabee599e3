//! Bulk import jobs: progress of imports started from the web (see migration 0004).

use sqlx::FromRow;

use crate::clock::Millis;
use crate::store::Db;
use crate::{on_db, on_db_write};

#[derive(Clone, Debug, FromRow)]
pub struct JobRow {
    pub id: String,
    pub created_by: String,
    pub total: i64,
    pub done: i64,
    pub created: i64,
    pub skipped: String,
    pub error: Option<String>,
    pub heartbeat_at: Millis,
    pub finished_at: Option<Millis>,
}

pub async fn insert(
    db: &Db,
    id: &str,
    created_by: &str,
    total: i64,
    now: Millis,
) -> Result<(), sqlx::Error> {
    on_db_write!(db, p => sqlx::query(
        "INSERT INTO bulk_jobs (id, created_by, created_at, total, heartbeat_at) VALUES ($1, $2, $3, $4, $3)",
    )
    .bind(id)
    .bind(created_by)
    .bind(now)
    .bind(total)
    .execute(p)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn progress(
    db: &Db,
    id: &str,
    done: i64,
    created: i64,
    now: Millis,
) -> Result<(), sqlx::Error> {
    on_db_write!(db, p => sqlx::query(
        "UPDATE bulk_jobs SET done = $2, created = $3, heartbeat_at = $4 WHERE id = $1",
    )
    .bind(id)
    .bind(done)
    .bind(created)
    .bind(now)
    .execute(p)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Records the end: the skipped rows (JSON) or the error that stopped it.
pub async fn finish(
    db: &Db,
    id: &str,
    skipped_json: &str,
    error: Option<&str>,
    now: Millis,
) -> Result<(), sqlx::Error> {
    on_db_write!(db, p => sqlx::query(
        "UPDATE bulk_jobs SET skipped = $2, error = $3, finished_at = $4, heartbeat_at = $4 WHERE id = $1",
    )
    .bind(id)
    .bind(skipped_json)
    .bind(error)
    .bind(now)
    .execute(p)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn find(db: &Db, id: &str) -> Result<Option<JobRow>, sqlx::Error> {
    on_db!(db, p => sqlx::query_as(
        "SELECT id, created_by, total, done, created, skipped, error, heartbeat_at, finished_at \
         FROM bulk_jobs WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(p)
    .await)
}
