//! The dashboard's queries: each reads only the window's invites, through the
//! (created_at, id) index, so their cost follows the last 30 days, not the whole table.

use crate::clock::{Millis, DAY};
use crate::on_db;
use crate::store::Db;

/// How far the invites created in a window got.
#[derive(sqlx::FromRow)]
pub struct Funnel {
    pub created: i64,
    pub sent: i64,
    pub opened: i64,
    pub accepted: i64,
    pub declined: i64,
}

/// The funnel of invites created after `since`. An accepted or declined invite counts as
/// opened (its link was used), so the funnel never widens.
pub async fn funnel(db: &Db, since: Millis) -> Result<Funnel, sqlx::Error> {
    on_db!(db, p => sqlx::query_as(
        "SELECT COUNT(*) AS created, \
         CAST(COALESCE(SUM(CASE WHEN sent_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT) AS sent, \
         CAST(COALESCE(SUM(CASE WHEN first_opened_at IS NOT NULL OR accepted_at IS NOT NULL \
              OR declined_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT) AS opened, \
         CAST(COALESCE(SUM(CASE WHEN accepted_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT) AS accepted, \
         CAST(COALESCE(SUM(CASE WHEN declined_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT) AS declined \
         FROM invites WHERE created_at > $1",
    )
    .bind(since)
    .fetch_one(p)
    .await)
}

/// (day index from `since`, created, accepted) for days with invites.
pub async fn per_day(db: &Db, since: Millis) -> Result<Vec<(i64, i64, i64)>, sqlx::Error> {
    on_db!(db, p => sqlx::query_as(
        "SELECT (created_at - $1) / $2 AS d, COUNT(*), \
         CAST(SUM(CASE WHEN accepted_at IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT) \
         FROM invites WHERE created_at > $1 GROUP BY d ORDER BY d",
    )
    .bind(since)
    .bind(DAY)
    .fetch_all(p)
    .await)
}

/// The middle time-to-accept of the `accepted` invites created after `since`.
pub async fn median_accept(
    db: &Db,
    since: Millis,
    accepted: i64,
) -> Result<Option<Millis>, sqlx::Error> {
    if accepted == 0 {
        return Ok(None);
    }
    on_db!(db, p => sqlx::query_scalar(
        "SELECT accepted_at - created_at FROM invites WHERE created_at > $1 AND accepted_at IS NOT NULL \
         ORDER BY 1 LIMIT 1 OFFSET $2",
    )
    .bind(since)
    .bind(accepted / 2)
    .fetch_optional(p)
    .await)
}
