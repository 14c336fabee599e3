//! Live updates: who needs to refetch what. Changes are published after their transaction
//! commits and reach every open admin page through `GET /events`.
//!
//! SQLite runs one server process, so an in-process broadcast channel is all it takes. On
//! PostgreSQL several stateless servers share one database: a change is sent with
//! `pg_notify`, and each process LISTENs and forwards what it hears to its own pages, its
//! own changes included (so a change is delivered once per process, whichever made it).
//!
//! A change is a hint to refetch, never data: pages read the current state through the same
//! permission-checked server functions as always.

use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, watch};

use crate::store::Db;

/// The PostgreSQL channel every server process listens on.
pub const CHANNEL: &str = "vestibule_changes";

/// Events a slow page may fall behind before it is told to resync.
const BUFFER: usize = 1024;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// The invite concerned, if any.
    pub invite_id: Option<String>,
    /// What happened: "created", "opened", "accepted", "revoked", "resent", "email", "members",
    /// "bulk", or "resync" (events may have been missed; refetch everything).
    pub what: String,
}

impl Change {
    pub fn invite(id: &str, what: &str) -> Change {
        Change {
            invite_id: Some(id.to_owned()),
            what: what.to_owned(),
        }
    }

    pub fn general(what: &str) -> Change {
        Change {
            invite_id: None,
            what: what.to_owned(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct LiveHub {
    local: broadcast::Sender<Change>,
    db: Db,
    closing: watch::Sender<bool>,
}

impl LiveHub {
    pub fn new(db: Db) -> LiveHub {
        LiveHub {
            local: broadcast::channel(BUFFER).0,
            db,
            closing: watch::channel(false).0,
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Change> {
        self.local.subscribe()
    }

    /// Resolves when the server starts shutting down, so open streams can end.
    pub fn closing(&self) -> watch::Receiver<bool> {
        self.closing.subscribe()
    }

    /// Stored even with no stream open, so one that opens during shutdown ends too.
    pub fn close(&self) {
        self.closing.send_replace(true);
    }

    /// Tells every server process's pages. Call after the change has committed. A failure
    /// here only delays pages until their next change, so it is logged, never returned.
    pub async fn publish(&self, change: Change) {
        // Published once per committed change by the process that made it: the count of
        // changes (an email's outcome is counted as such, by the outbox).
        if change.invite_id.is_some() && change.what != "email" {
            crate::metrics::domain().invite_changed(&change.what, 1);
        }
        match &self.db {
            Db::Sqlite(_) => {
                // No subscribers is normal (no admin page open).
                let _ = self.local.send(change);
            }
            Db::Postgres(pool) => {
                let payload = match serde_json::to_string(&change) {
                    Ok(p) => p,
                    Err(e) => return tracing::warn!(error = %e, "cannot encode a live change"),
                };
                if let Err(e) = sqlx::query("SELECT pg_notify($1, $2)")
                    .bind(CHANNEL)
                    .bind(payload)
                    .execute(pool)
                    .await
                {
                    tracing::warn!(error = %e, "cannot publish a live change");
                }
            }
        }
    }

    /// On PostgreSQL: listens for changes from every process and forwards them to this
    /// process's pages, reconnecting after a lost connection (and then telling pages to
    /// resync, since changes may have been missed meanwhile). Nothing to do on SQLite.
    pub fn spawn_listener(&self) -> Option<tokio::task::JoinHandle<()>> {
        let Db::Postgres(pool) = &self.db else {
            return None;
        };
        let pool = pool.clone();
        let local = self.local.clone();
        Some(tokio::spawn(async move {
            loop {
                match listen(&pool, &local).await {
                    Err(_) if pool.is_closed() => return,
                    Err(e) => {
                        tracing::warn!(error = %e, "live-update listener lost its connection; reconnecting");
                        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                        let _ = local.send(Change::general("resync"));
                    }
                }
            }
        }))
    }
}

/// Forwards notifications until an error. A dropped connection is re-established by the
/// listener itself; pages are told to resync, since notifications sent meanwhile are lost.
async fn listen(
    pool: &sqlx::PgPool,
    local: &broadcast::Sender<Change>,
) -> Result<std::convert::Infallible, sqlx::Error> {
    let mut listener = sqlx::postgres::PgListener::connect_with(pool).await?;
    listener.listen(CHANNEL).await?;
    loop {
        match listener.try_recv().await? {
            Some(n) => match serde_json::from_str::<Change>(n.payload()) {
                Ok(change) => {
                    let _ = local.send(change);
                }
                Err(e) => tracing::warn!(error = %e, "ignoring a malformed live change"),
            },
            None => {
                tracing::warn!("live-update listener reconnected");
                let _ = local.send(Change::general("resync"));
            }
        }
    }
}
