//! The audit log table: append-only.

use crate::audit::Event;
use crate::clock::Millis;
use crate::store::{dynamic, webhooks, Db, Tx};
use crate::{on_db, on_db_write};

const INSERT: &str = "INSERT INTO audit_log \
     (id, at, actor_id, actor_email, ip, user_agent, action, subject, detail, invite_id, api_key) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";

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
            .bind($e.invite_id.as_deref())
            .bind($e.actor.api_key.as_deref())
    };
}

// Every insert also enqueues the event's webhook deliveries (`Event::hooks`), in the same
// transaction: an event reaches webhooks exactly when it is in the log.

pub async fn insert(db: &Db, e: &Event, at: Millis) -> Result<(), sqlx::Error> {
    if !e.hooks.is_empty() {
        let mut tx = db.begin().await?;
        insert_tx(&mut tx, e, at).await?;
        return tx.commit().await;
    }
    on_db_write!(db, p => bind_event!(sqlx::query(INSERT), e, at).execute(p).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn insert_tx(tx: &mut Tx, e: &Event, at: Millis) -> Result<(), sqlx::Error> {
    insert_many_tx(tx, std::slice::from_ref(e), at).await
}

/// `insert_tx` for many events in one statement (bulk imports, and the two events of a create).
pub async fn insert_many_tx(tx: &mut Tx, events: &[Event], at: Millis) -> Result<(), sqlx::Error> {
    let mut batch = dynamic::Batch::default();
    insert_many_into(&mut batch, events, at);
    batch.execute(tx).await
}

/// `insert_many_tx`'s statements (the rows and their webhook deliveries), into `batch`.
pub fn insert_many_into(batch: &mut dynamic::Batch, events: &[Event], at: Millis) {
    use crate::store::dynamic::Arg;
    for part in events.chunks(dynamic::rows_per_statement(10)) {
        let mut args = dynamic::Args::default();
        let at = args.int(at);
        let values = dynamic::values_rows(&mut args, part, |a, e| {
            vec![
                a.text(uuid::Uuid::now_v7().to_string()),
                at.clone(),
                a.push(Arg::OptText(e.actor.user_id.clone())),
                a.push(Arg::OptText(e.actor.email.clone())),
                a.push(Arg::OptText(e.actor.ip.clone())),
                a.push(Arg::OptText(e.actor.user_agent.clone())),
                a.text(e.action.as_str()),
                a.push(Arg::OptText(e.subject.clone())),
                a.text(e.detail.as_str()),
                a.push(Arg::OptText(e.invite_id.clone())),
                a.push(Arg::OptText(e.actor.api_key.clone())),
            ]
        });
        let sql = format!(
            "INSERT INTO audit_log (id, at, actor_id, actor_email, ip, user_agent, action, subject, detail, invite_id, api_key) \
             VALUES {values}"
        );
        batch.add(sql, args);
    }
    webhooks::enqueue_into(batch, &webhooks::outgoing(events, at), at);
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
    pub api_key: Option<String>,
}

impl AuditRow {
    /// The row as the pages show it.
    pub fn into_entry(self) -> model::AuditEntry {
        model::AuditEntry {
            id: self.id,
            at: self.at,
            actor: self.actor_email,
            ip: self.ip,
            user_agent: self.user_agent,
            action: self.action,
            subject: self.subject,
            detail: self.detail,
            api_key: self.api_key,
        }
    }
}

/// The newest entries first.
pub async fn recent(db: &Db, limit: i64) -> Result<Vec<AuditRow>, sqlx::Error> {
    search(db, "", "", "", limit).await
}

/// Newest first, filtered by actor email (prefix), action (prefix, e.g. "invite.") and
/// subject email (substring); empty filters match everything.
pub async fn search(
    db: &Db,
    actor: &str,
    action: &str,
    subject: &str,
    limit: i64,
) -> Result<Vec<AuditRow>, sqlx::Error> {
    search_before(db, actor, action, subject, "", limit).await
}

/// `search`, continuing after the entry `before` (its id; "" for the newest).
pub async fn search_before(
    db: &Db,
    actor: &str,
    action: &str,
    subject: &str,
    before: &str,
    limit: i64,
) -> Result<Vec<AuditRow>, sqlx::Error> {
    on_db!(db, p => sqlx::query_as(
        "SELECT id, at, actor_email, ip, user_agent, action, subject, detail, api_key FROM audit_log \
         WHERE ($1 = '' OR actor_email LIKE $1 || '%') AND ($2 = '' OR action LIKE $2 || '%') \
         AND ($3 = '' OR subject LIKE '%' || $3 || '%') \
         AND ($5 = '' OR (at, id) < (SELECT b.at, b.id FROM audit_log b WHERE b.id = $5)) \
         ORDER BY at DESC, id DESC LIMIT $4",
    )
    .bind(actor)
    .bind(action)
    .bind(subject)
    .bind(limit)
    .bind(before)
    .fetch_all(p)
    .await)
}

/// One invite's timeline, oldest first.
pub async fn for_invite(db: &Db, invite_id: &str) -> Result<Vec<AuditRow>, sqlx::Error> {
    on_db!(db, p => sqlx::query_as(
        "SELECT id, at, actor_email, ip, user_agent, action, subject, detail, api_key FROM audit_log \
         WHERE invite_id = $1 ORDER BY at, id",
    )
    .bind(invite_id)
    .fetch_all(p)
    .await)
}
