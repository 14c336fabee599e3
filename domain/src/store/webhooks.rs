//! Webhook endpoints, their deliveries and attempts (migration 0011).

use sqlx::{AssertSqlSafe, FromRow};

use crate::audit::Event;
use crate::clock::Millis;
use crate::store::{dynamic, Db, Tx};
use crate::{bind_all, on_db, on_db_write, on_tx};

/// One event to enqueue: its webhook-id, type, ordering subject and payload (JSON).
pub struct Outgoing {
    pub msg_id: String,
    pub event_type: &'static str,
    pub subject_key: String,
    pub payload: String,
}

/// One delivery row per (event, enabled endpoint that receives its type), in one statement
/// whatever the count; with no endpoints it inserts nothing.
pub fn enqueue_into(batch: &mut dynamic::Batch, events: &[Outgoing], now: Millis) {
    for part in events.chunks(dynamic::rows_per_statement(4)) {
        let mut args = dynamic::Args::default();
        let at = args.int(now);
        let values = dynamic::values_rows(&mut args, part, |a, e| {
            vec![
                a.text(e.msg_id.as_str()),
                a.text(e.event_type),
                a.text(e.subject_key.as_str()),
                a.text(e.payload.as_str()),
            ]
        });
        // VALUES columns are column1.. on both backends.
        let sql = format!(
            "INSERT INTO webhook_deliveries (msg_id, endpoint_id, type, subject_key, payload, created_at, next_attempt_at) \
             SELECT v.column1, e.id, v.column2, v.column3, v.column4, {at}, {at} \
             FROM (VALUES {values}) AS v JOIN webhook_endpoints e ON e.enabled \
             AND (e.event_types = '*' OR (',' || e.event_types || ',') LIKE ('%,' || v.column2 || ',%'))"
        );
        batch.add(sql, args);
    }
}

/// The events of `events` that webhooks hear, one per hook.
pub fn outgoing(events: &[Event], now: Millis) -> Vec<Outgoing> {
    events
        .iter()
        .flat_map(|e| {
            e.hooks
                .iter()
                .map(move |t| crate::webhooks::outgoing(e, t, now))
        })
        .collect()
}

pub struct NewEndpoint<'a> {
    pub id: &'a str,
    pub url: &'a str,
    pub description: &'a str,
    pub event_types: &'a str,
    pub secret_seed: &'a str,
    pub created_by: &'a str,
    pub created_at: Millis,
}

pub async fn insert_endpoint(tx: &mut Tx, e: &NewEndpoint<'_>) -> Result<(), sqlx::Error> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO webhook_endpoints (id, url, description, event_types, secret_seed, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(e.id)
    .bind(e.url)
    .bind(e.description)
    .bind(e.event_types)
    .bind(e.secret_seed)
    .bind(e.created_by)
    .bind(e.created_at)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

#[derive(Clone, FromRow)]
pub struct EndpointRow {
    pub id: String,
    pub url: String,
    pub description: String,
    pub event_types: String,
    pub secret_seed: String,
    pub previous_seed: Option<String>,
    pub previous_until: Option<Millis>,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    pub created_by_email: String,
    pub created_at: Millis,
    pub pending: i64,
}

// No seeds in logs.
impl std::fmt::Debug for EndpointRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EndpointRow")
            .field("id", &self.id)
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

macro_rules! select_endpoints {
    ($rest:literal) => {
        concat!(
            "SELECT e.id, e.url, e.description, e.event_types, e.secret_seed, e.previous_seed, ",
            "e.previous_until, e.enabled, e.disabled_reason, u.email AS created_by_email, e.created_at, ",
            "(SELECT COUNT(*) FROM webhook_deliveries d WHERE d.endpoint_id = e.id ",
            "AND d.delivered_at IS NULL AND d.failed_at IS NULL) AS pending ",
            "FROM webhook_endpoints e JOIN users u ON u.id = e.created_by ",
            $rest
        )
    };
}

pub async fn endpoints(db: &Db) -> Result<Vec<EndpointRow>, sqlx::Error> {
    on_db!(db, p => sqlx::query_as(select_endpoints!("ORDER BY e.created_at, e.id"))
        .fetch_all(p)
        .await)
}

pub async fn endpoint(db: &Db, id: &str) -> Result<Option<EndpointRow>, sqlx::Error> {
    on_db_write!(db, p => sqlx::query_as(select_endpoints!("WHERE e.id = $1"))
        .bind(id)
        .fetch_optional(p)
        .await)
}

/// Changes what is given (`None` keeps it); the rows changed.
pub async fn update_endpoint(
    tx: &mut Tx,
    id: &str,
    url: Option<&str>,
    event_types: Option<&str>,
    description: Option<&str>,
    enabled: Option<bool>,
) -> Result<u64, sqlx::Error> {
    on_tx!(tx, c => sqlx::query(
        "UPDATE webhook_endpoints SET url = COALESCE($2, url), event_types = COALESCE($3, event_types), \
         description = COALESCE($4, description), enabled = COALESCE($5, enabled), \
         disabled_reason = CASE WHEN $5 IS NULL THEN disabled_reason ELSE NULL END WHERE id = $1",
    )
    .bind(id)
    .bind(url)
    .bind(event_types)
    .bind(description)
    .bind(enabled)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))
}

pub async fn rotate(
    tx: &mut Tx,
    id: &str,
    new_seed: &str,
    previous_until: Millis,
) -> Result<u64, sqlx::Error> {
    on_tx!(tx, c => sqlx::query(
        "UPDATE webhook_endpoints SET previous_seed = secret_seed, previous_until = $3, secret_seed = $2 \
         WHERE id = $1",
    )
    .bind(id)
    .bind(new_seed)
    .bind(previous_until)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))
}

pub async fn delete_endpoint(tx: &mut Tx, id: &str) -> Result<u64, sqlx::Error> {
    on_tx!(tx, c => sqlx::query("DELETE FROM webhook_endpoints WHERE id = $1")
        .bind(id)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))
}

/// Disabled by the system (the endpoint answered 410 Gone).
pub async fn disable(db: &Db, id: &str, reason: &str) -> Result<u64, sqlx::Error> {
    on_db_write!(db, p => sqlx::query(
        "UPDATE webhook_endpoints SET enabled = FALSE, disabled_reason = $2 WHERE id = $1 AND enabled",
    )
    .bind(id)
    .bind(reason)
    .execute(p)
    .await
    .map(|r| r.rows_affected()))
}

/// A delivery claimed for sending.
#[derive(Clone, Debug, FromRow)]
pub struct Claimed {
    pub msg_id: String,
    pub endpoint_id: String,
    pub payload: String,
    pub attempts: i64,
}

/// Takes the next due delivery, counting the attempt and leasing it until `lease_until`. A
/// delivery waits while an earlier one of the same subject to the same endpoint is not done,
/// so each endpoint hears an invite's events in the order they were committed.
pub async fn claim(
    db: &Db,
    now: Millis,
    lease_until: Millis,
) -> Result<Option<Claimed>, sqlx::Error> {
    macro_rules! claim_sql {
        ($lock:literal) => {
            concat!(
                "UPDATE webhook_deliveries SET attempts = attempts + 1, locked_until = $2 ",
                "WHERE (msg_id, endpoint_id) = (SELECT d.msg_id, d.endpoint_id FROM webhook_deliveries d ",
                "JOIN webhook_endpoints e ON e.id = d.endpoint_id AND e.enabled ",
                "WHERE d.delivered_at IS NULL AND d.failed_at IS NULL AND d.next_attempt_at <= $1 ",
                "AND (d.locked_until IS NULL OR d.locked_until < $1) ",
                "AND NOT EXISTS (SELECT 1 FROM webhook_deliveries p WHERE p.endpoint_id = d.endpoint_id ",
                "AND p.subject_key = d.subject_key AND p.msg_id < d.msg_id ",
                "AND p.delivered_at IS NULL AND p.failed_at IS NULL) ",
                "ORDER BY d.next_attempt_at LIMIT 1 ", $lock, ") ",
                "AND delivered_at IS NULL AND failed_at IS NULL AND (locked_until IS NULL OR locked_until < $1) ",
                "RETURNING msg_id, endpoint_id, payload, attempts"
            )
        };
    }
    match db {
        Db::Sqlite(s) => {
            let mut write = s.writer.begin().await?;
            let claimed = sqlx::query_as(claim_sql!(""))
                .bind(now)
                .bind(lease_until)
                .fetch_optional(&mut *write)
                .await?;
            write.commit().await?;
            Ok(claimed)
        }
        Db::Postgres(p) => {
            sqlx::query_as(claim_sql!("FOR UPDATE OF d SKIP LOCKED"))
                .bind(now)
                .bind(lease_until)
                .fetch_optional(p)
                .await
        }
    }
}

/// The outcome of one attempt: recorded in the attempt log and on the delivery.
pub struct Attempted<'a> {
    pub msg_id: &'a str,
    pub endpoint_id: &'a str,
    pub at: Millis,
    pub status: Option<i64>,
    pub error: Option<&'a str>,
    pub duration_ms: i64,
    /// `Some(t)`: try again at `t`; `None`: done (delivered if `delivered`, else failed).
    pub retry_at: Option<Millis>,
    pub delivered: bool,
}

pub async fn record_attempt(db: &Db, a: &Attempted<'_>) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    on_tx!(&mut tx, c => sqlx::query(
        "INSERT INTO webhook_attempts (msg_id, endpoint_id, at, status, error, duration_ms) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(a.msg_id)
    .bind(a.endpoint_id)
    .bind(a.at)
    .bind(a.status)
    .bind(a.error)
    .bind(a.duration_ms)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    on_tx!(&mut tx, c => sqlx::query(
        "UPDATE webhook_deliveries SET locked_until = NULL, last_status = $3, last_error = $4, \
         next_attempt_at = COALESCE($5, next_attempt_at), \
         delivered_at = CASE WHEN $6 THEN $7 ELSE NULL END, \
         failed_at = CASE WHEN $5 IS NULL AND NOT $6 THEN $7 ELSE NULL END \
         WHERE msg_id = $1 AND endpoint_id = $2",
    )
    .bind(a.msg_id)
    .bind(a.endpoint_id)
    .bind(a.status)
    .bind(a.error)
    .bind(a.retry_at)
    .bind(a.delivered)
    .bind(a.at)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    tx.commit().await
}

/// Sends a delivery again (same webhook-id), from now: the Replay button.
pub async fn replay(
    tx: &mut Tx,
    endpoint_id: &str,
    msg_id: &str,
    now: Millis,
) -> Result<u64, sqlx::Error> {
    on_tx!(tx, c => sqlx::query(
        "UPDATE webhook_deliveries SET delivered_at = NULL, failed_at = NULL, attempts = 0, \
         next_attempt_at = $3, locked_until = NULL WHERE endpoint_id = $1 AND msg_id = $2",
    )
    .bind(endpoint_id)
    .bind(msg_id)
    .bind(now)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))
}

#[derive(Clone, Debug, FromRow)]
pub struct DeliveryRow {
    pub msg_id: String,
    pub r#type: String,
    pub created_at: Millis,
    pub attempts: i64,
    pub next_attempt_at: Millis,
    pub delivered_at: Option<Millis>,
    pub failed_at: Option<Millis>,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
}

/// The newest deliveries of an endpoint, at most `limit`.
pub async fn deliveries(
    db: &Db,
    endpoint_id: &str,
    limit: i64,
) -> Result<Vec<DeliveryRow>, sqlx::Error> {
    on_db_write!(db, p => sqlx::query_as(
        "SELECT msg_id, type, created_at, attempts, next_attempt_at, delivered_at, failed_at, last_status, last_error \
         FROM webhook_deliveries WHERE endpoint_id = $1 ORDER BY created_at DESC, msg_id DESC LIMIT $2",
    )
    .bind(endpoint_id)
    .bind(limit)
    .fetch_all(p)
    .await)
}

#[derive(Clone, Debug, FromRow)]
pub struct AttemptRow {
    pub msg_id: String,
    pub at: Millis,
    pub status: Option<i64>,
    pub error: Option<String>,
    pub duration_ms: i64,
}

/// The attempts of the deliveries `msg_ids` to `endpoint_id`, oldest first.
pub async fn attempts(
    db: &Db,
    endpoint_id: &str,
    msg_ids: &[String],
) -> Result<Vec<AttemptRow>, sqlx::Error> {
    if msg_ids.is_empty() {
        return Ok(vec![]);
    }
    let mut args = dynamic::Args::default();
    let endpoint = args.text(endpoint_id);
    let list: Vec<String> = msg_ids.iter().map(|m| args.text(m.clone())).collect();
    let sql = format!(
        "SELECT msg_id, at, status, error, duration_ms FROM webhook_attempts \
         WHERE endpoint_id = {endpoint} AND msg_id IN ({}) ORDER BY at",
        list.join(", ")
    );
    on_db_write!(db, p => bind_all!(sqlx::query_as(AssertSqlSafe(sql.clone())), args.values())
        .fetch_all(p)
        .await)
}

/// Invites that expired by `now` and were not announced yet, marked announced at `now`: at
/// most `limit`, each returned to exactly one caller (the UPDATE's condition decides between
/// server processes; PostgreSQL skips rows another one holds).
pub async fn claim_expired(
    tx: &mut Tx,
    now: Millis,
    limit: i64,
) -> Result<Vec<(String, String)>, sqlx::Error> {
    macro_rules! expired_sql {
        ($lock:literal) => {
            concat!(
                "UPDATE invites SET expiry_notified_at = $1 WHERE id IN (SELECT id FROM invites ",
                "WHERE accepted_at IS NULL AND revoked_at IS NULL AND declined_at IS NULL AND expiry_notified_at IS NULL ",
                "AND expires_at <= $1 ORDER BY expires_at LIMIT $2 ",
                $lock,
                ") ",
                "AND expiry_notified_at IS NULL RETURNING id, email"
            )
        };
    }
    match tx {
        Tx::Sqlite(t) => {
            sqlx::query_as(expired_sql!(""))
                .bind(now)
                .bind(limit)
                .fetch_all(&mut **t)
                .await
        }
        Tx::Postgres(t) => {
            sqlx::query_as(expired_sql!("FOR UPDATE SKIP LOCKED"))
                .bind(now)
                .bind(limit)
                .fetch_all(&mut **t)
                .await
        }
    }
}

/// Deliveries due now to enabled endpoints, and the earliest time one of them came due.
pub async fn due_summary(db: &Db, now: Millis) -> Result<(i64, Option<Millis>), sqlx::Error> {
    on_db!(db, c => sqlx::query_as(
        "SELECT COUNT(*), MIN(d.next_attempt_at) FROM webhook_deliveries d \
         JOIN webhook_endpoints e ON e.id = d.endpoint_id AND e.enabled \
         WHERE d.delivered_at IS NULL AND d.failed_at IS NULL AND d.next_attempt_at <= $1",
    )
    .bind(now)
    .fetch_one(c)
    .await)
}
