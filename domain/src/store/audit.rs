//! The audit log table: append-only.

use crate::audit::Event;
use crate::clock::Millis;
use crate::on_db;
use crate::on_tx;
use crate::store::{Db, Tx};

const INSERT: &str = "INSERT INTO audit_log \
     (id, at, actor_id, actor_email, ip, user_agent, action, subject, detail) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";

macro_rules! bind_event {
    ($q:expr, $e:expr, $at:expr) => {
        $q.bind(uuid::Uuid::now_v7().to_string())
            .bind($at)
            .bind($e.actor.user_id.as_deref())
            .bind($e.actor.email.as_deref())
            .bind($e.actor.ip.as_deref())
            .bind($e.actor.user_agent.as_deref())
            .bind($e.action.as_str())
            .bind($e.subject.as_deref())
            .bind($e.detail.as_str())
    };
}

pub async fn insert(db: &Db, e: &Event, at: Millis) -> Result<(), sqlx::Error> {
    on_db!(db, p => bind_event!(sqlx::query(INSERT), e, at).execute(p).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn insert_tx(tx: &mut Tx, e: &Event, at: Millis) -> Result<(), sqlx::Error> {
    on_tx!(tx, c => bind_event!(sqlx::query(INSERT), e, at).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuditRow {
    pub id: String,
    pub at: Millis,
    pub actor_email: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub action: String,
    pub subject: Option<String>,
    pub detail: String,
}

/// The newest entries first.
pub async fn recent(db: &Db, limit: i64) -> Result<Vec<AuditRow>, sqlx::Error> {
    on_db!(db, p => sqlx::query_as(
        "SELECT id, at, actor_email, ip, user_agent, action, subject, detail \
         FROM audit_log ORDER BY at DESC, id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(p)
    .await)
}
