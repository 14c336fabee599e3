//! Server-side sessions for tower-sessions, kept in our own database and pool (so there is
//! one sqlx in the build). The `user_id` column lets deactivation end all of a person's
//! sessions with one DELETE.

use async_trait::async_trait;
use time::OffsetDateTime;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};

use crate::clock::Millis;
use crate::store::{dynamic, Db, Tx};
use crate::{on_db, on_db_write, on_tx};

/// The session key under which the signed-in user's id is kept.
pub const USER_ID_KEY: &str = "user_id";

#[derive(Clone, Debug)]
pub struct DbSessionStore {
    db: Db,
}

impl DbSessionStore {
    pub fn new(db: Db) -> Self {
        DbSessionStore { db }
    }

    /// Ends every session of `user_id` at once (sign-out everywhere, deactivation).
    pub async fn delete_for_user(&self, user_id: &str) -> Result<u64, sqlx::Error> {
        let r = on_db_write!(&self.db, p => sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(r)
    }

    /// `delete_for_user` inside `tx`: the sessions end in the same commit as the password
    /// change that ends them.
    pub async fn delete_for_user_tx(tx: &mut Tx, user_id: &str) -> Result<u64, sqlx::Error> {
        on_tx!(tx, c => sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))
    }

    /// Of `session_ids`, those still signed in to an active account whose role holds
    /// `permission` (a permission bit): one query, however many ids, so that every open
    /// live-update stream of a process is re-checked together.
    pub async fn still_allowed(
        &self,
        session_ids: &[String],
        permission: i64,
        now: Millis,
    ) -> Result<Vec<String>, sqlx::Error> {
        let mut allowed = Vec::new();
        for part in session_ids.chunks(dynamic::MAX_VALUES - 2) {
            let mut args = dynamic::Args::default();
            let now = args.int(now);
            let permission = args.int(permission);
            let ids: Vec<String> = part.iter().map(|id| args.text(id.as_str())).collect();
            let sql = format!(
                "SELECT s.id FROM sessions s JOIN users u ON u.id = s.user_id \
                 JOIN roles r ON r.id = u.role_id \
                 WHERE s.id IN ({}) AND s.expires_at > {now} AND u.active \
                 AND (u.access_ends_at IS NULL OR u.access_ends_at > {now}) \
                 AND (r.permissions & {permission}) <> 0",
                ids.join(", ")
            );
            allowed.extend(dynamic::fetch_texts(&self.db, sql, &args).await?);
        }
        Ok(allowed)
    }

    pub async fn delete_expired(&self, now: Millis) -> Result<u64, sqlx::Error> {
        let r = on_db_write!(&self.db, p => sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(now)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(r)
    }
}

fn backend(e: sqlx::Error) -> session_store::Error {
    session_store::Error::Backend(e.to_string())
}

fn millis(t: OffsetDateTime) -> Millis {
    (t.unix_timestamp_nanos() / 1_000_000) as Millis
}

/// Sessions expire by the wall clock (as tower-sessions counts them), not the services' clock.
pub(crate) fn now() -> Millis {
    millis(OffsetDateTime::now_utc())
}

struct Encoded {
    id: String,
    user_id: Option<String>,
    data: String,
    expires_at: Millis,
}

fn encode(record: &Record) -> session_store::Result<Encoded> {
    Ok(Encoded {
        id: record.id.to_string(),
        user_id: record
            .data
            .get(USER_ID_KEY)
            .and_then(|v| v.as_str())
            .map(str::to_owned),
        data: serde_json::to_string(&record.data)
            .map_err(|e| session_store::Error::Encode(e.to_string()))?,
        expires_at: millis(record.expiry_date),
    })
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        // A fresh id that collides with a stored one gets another id rather than
        // overwriting someone else's session.
        loop {
            let e = encode(record)?;
            let r = on_db_write!(&self.db, p => sqlx::query(
                "INSERT INTO sessions (id, user_id, data, expires_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (id) DO NOTHING",
            )
            .bind(&e.id)
            .bind(&e.user_id)
            .bind(&e.data)
            .bind(e.expires_at)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))
            .map_err(backend)?;
            if r == 1 {
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let e = encode(record)?;
        on_db_write!(&self.db, p => sqlx::query(
            "INSERT INTO sessions (id, user_id, data, expires_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (id) DO UPDATE SET user_id = excluded.user_id, data = excluded.data, \
             expires_at = excluded.expires_at",
        )
        .bind(&e.id)
        .bind(&e.user_id)
        .bind(&e.data)
        .bind(e.expires_at)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))
        .map_err(backend)?;
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let row: Option<(String, Millis)> = on_db!(&self.db, p => sqlx::query_as(
            "SELECT data, expires_at FROM sessions WHERE id = $1 AND expires_at > $2",
        )
        .bind(id.to_string())
        .bind(now())
        .fetch_optional(p)
        .await)
        .map_err(backend)?;
        let Some((data, expires_at)) = row else {
            return Ok(None);
        };
        let data =
            serde_json::from_str(&data).map_err(|e| session_store::Error::Decode(e.to_string()))?;
        let expiry_date =
            OffsetDateTime::from_unix_timestamp_nanos(i128::from(expires_at) * 1_000_000)
                .map_err(|e| session_store::Error::Decode(e.to_string()))?;
        Ok(Some(Record {
            id: *id,
            data,
            expiry_date,
        }))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        on_db_write!(&self.db, p => sqlx::query("DELETE FROM sessions WHERE id = $1")
            .bind(id.to_string())
            .execute(p)
            .await
            .map(|r| r.rows_affected()))
        .map_err(backend)?;
        Ok(())
    }
}
