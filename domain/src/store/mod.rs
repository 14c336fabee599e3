//! Storage. One `Db` handle over either backend; each query is written once with `$n`
//! placeholders (SQLite accepts them too) and run on whichever pool is configured by the
//! `on_db!` / `on_tx!` macros. Where SQL must differ, the store module matches on the
//! backend explicitly.

pub mod api_keys;
pub mod audit;
pub mod backup;
pub mod bulk_drafts;
pub mod bulk_jobs;
pub mod checkpoint;
pub mod dashboard;
pub mod dynamic;
pub mod group_commit;
pub mod idempotency;
pub mod invite_batches;
pub mod invite_list;
pub mod invite_search;
pub mod invites;
pub mod outbox;
pub mod password_tokens;
pub mod policy;
pub mod read_pool;
pub mod roles;
pub mod seats;
pub mod sessions;
pub mod teams;
pub mod users;
pub mod webhooks;

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::Connection;
use sqlx::{Postgres, Transaction};

/// Whether a statement failed on a unique index (a name or address already taken): the
/// rules turn that into a clear 4xx.
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqliteDb),
    Postgres(PgPool),
}

/// SQLite allows one writer at a time. Writes go through a single connection, so they queue
/// in-process in order instead of sleeping in SQLite's busy handler (which made the slowest
/// requests wait hundreds of milliseconds under load), and writes that queue together share
/// one commit (`group_commit`). Reads use their own small pool and, thanks to WAL, never wait
/// for the writer.
#[derive(Clone, Debug)]
pub struct SqliteDb {
    pub read: read_pool::ReadPool,
    pub writer: group_commit::Writer,
    /// Copies the WAL back into the file beside the writer (`checkpoint`).
    pub checkpointer: std::sync::Arc<checkpoint::Checkpointer>,
    /// Held while the process runs, so a restore refuses to replace the file under it.
    _in_use: Option<std::sync::Arc<backup::InUse>>,
}

/// An open write transaction on either backend. On SQLite it is one write of a group that
/// commits together (`group_commit`); `commit()` returns once that group has committed.
pub enum Tx {
    Sqlite(group_commit::WriteTx),
    Postgres(Transaction<'static, Postgres>),
}

/// Runs `$body` with `$c` bound to the pool, once per backend arm, so the statement is
/// written once but type-checked for both drivers. For reads; see `on_db_write!`.
#[macro_export]
macro_rules! on_db {
    ($db:expr, $c:ident => $body:expr) => {
        match $db {
            $crate::store::Db::Sqlite(s) => {
                let $c = &s.read;
                $body
            }
            $crate::store::Db::Postgres($c) => $body,
        }
    };
}

/// Like `on_db!`, for a single write outside a transaction. On SQLite it is a write of its
/// own on the writer connection (joining the group that commits next); `$body` must give a
/// `Result<_, sqlx::Error>`, and its value is returned once the write is committed.
#[macro_export]
macro_rules! on_db_write {
    ($db:expr, $c:ident => $body:expr) => {
        match $db {
            $crate::store::Db::Sqlite(s) => {
                async {
                    let mut write = s.writer.begin().await?;
                    let value = {
                        let $c = &mut *write;
                        $body
                    }?;
                    write.commit().await?;
                    Ok::<_, sqlx::Error>(value)
                }
                .await
            }
            $crate::store::Db::Postgres($c) => $body,
        }
    };
}

/// Like `on_db!`, with `$c` bound to the transaction's connection.
#[macro_export]
macro_rules! on_tx {
    ($tx:expr, $c:ident => $body:expr) => {
        match $tx {
            $crate::store::Tx::Sqlite(t) => {
                let $c = &mut **t;
                $body
            }
            $crate::store::Tx::Postgres(t) => {
                let $c = &mut **t;
                $body
            }
        }
    };
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("the database URL must start with sqlite:// or postgres:// (got {0})")]
    Scheme(String),
    #[error("cannot create the directory {dir} for the SQLite database: {source}")]
    Directory { dir: String, source: std::io::Error },
    #[error("could not connect to the database at {url}: {source}")]
    Connect { url: String, source: sqlx::Error },
    #[error("cannot open {path}.lock, which marks the SQLite database in use: {source}")]
    Lock {
        path: String,
        source: std::io::Error,
    },
    #[error("could not apply the database migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// The URL with any password replaced, safe for logs and error messages.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &creds[..c], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// How many WAL pages the writer lets pile up before it copies them into the database file.
/// An invite's commit writes about 40 pages (the row, its list indexes, the trigram index, its
/// email job and audit rows), and SQLite's default of 1,000 made the writer checkpoint every
/// 25 creates, rewriting the same hot index pages each time. At 10,000 (about 40 MB of WAL)
/// a checkpoint copies each hot page once for ten times as many commits; invite creation
/// measured 10 to 20% faster (README, performance). Only the writer commits, so only it
/// needs the setting. Since `checkpoint` copies pages beside the writer a few times a
/// second, this is the backstop, reached only when that falls behind.
const WAL_CHECKPOINT_PAGES: u32 = 10_000;

/// How long a query waits for a free connection (either backend's read pool) before it fails.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

impl Db {
    pub async fn connect(url: &str) -> Result<Db, ConnectError> {
        let connect_err = |source| ConnectError::Connect {
            url: redact_url(url),
            source,
        };
        if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)
                .map_err(connect_err)?
                .create_if_missing(true)
                // WAL lets readers run beside the one writer; NORMAL is durable across
                // application crashes (an OS crash may lose the last commits, never corrupt).
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true);
            let path = options.get_filename();
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|source| ConnectError::Directory {
                    dir: dir.display().to_string(),
                    source,
                })?;
            }
            let in_use = if backup::is_file(path) {
                let held = backup::InUse::shared(path).map_err(|source| ConnectError::Lock {
                    path: path.display().to_string(),
                    source,
                })?;
                Some(std::sync::Arc::new(held))
            } else {
                None
            };
            // The writer's temporary files in memory: each write of a group runs in a savepoint,
            // whose undo copies (about 40 pages a create) otherwise spill to a file past 64 KiB,
            // a `pwrite` per page (README, performance).
            let writer = group_commit::Writer::connect(
                &options
                    .clone()
                    .pragma("wal_autocheckpoint", WAL_CHECKPOINT_PAGES.to_string())
                    .pragma("temp_store", "memory"),
            )
            .await
            .map_err(connect_err)?;
            let checkpointer = checkpoint::Checkpointer::start(&options, writer.clone())
                .await
                .map_err(connect_err)?;
            let read = read_pool::ReadPool::connect(options, 4)
                .await
                .map_err(connect_err)?;
            Ok(Db::Sqlite(SqliteDb {
                read,
                writer,
                checkpointer: std::sync::Arc::new(checkpointer),
                _in_use: in_use,
            }))
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let options = PgConnectOptions::from_str(url).map_err(connect_err)?;
            // One direct connection first: a pool would only report "timed out" and hide
            // the real cause (refused, no such database, bad password).
            PgConnection::connect_with(&options)
                .await
                .map_err(connect_err)?
                .close()
                .await
                .map_err(connect_err)?;
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(ACQUIRE_TIMEOUT)
                .connect_with(options)
                .await
                .map_err(connect_err)?;
            Ok(Db::Postgres(pool))
        } else {
            Err(ConnectError::Scheme(redact_url(url)))
        }
    }

    /// The newest SQLite migration this version knows (a restore refuses newer copies).
    pub fn newest_sqlite_migration() -> i64 {
        sqlx::migrate!("../migrations/sqlite")
            .iter()
            .map(|m| m.version)
            .max()
            .unwrap_or(0)
    }

    /// This version's migrations for the database's backend.
    fn migrator(&self) -> sqlx::migrate::Migrator {
        let mut migrator = match self {
            Db::Sqlite(_) => sqlx::migrate!("../migrations/sqlite"),
            Db::Postgres(_) => sqlx::migrate!("../migrations/postgres"),
        };
        // During a rolling upgrade a server of the previous version may (re)start on a
        // database the new version has already migrated: migrations only add (README,
        // running it for real), so the old server runs on the newer schema.
        migrator.set_ignore_missing(true);
        migrator
    }

    /// Applies this version's migrations that the database lacks (several servers starting
    /// at once take turns: SQLite's one writer, PostgreSQL's advisory lock).
    pub async fn migrate(&self) -> Result<(), ConnectError> {
        let migrator = self.migrator();
        match self {
            Db::Sqlite(s) => {
                let mut conn = s
                    .writer
                    .exclusive()
                    .await
                    .map_err(sqlx::migrate::MigrateError::Execute)?;
                migrator.run(&mut *conn).await?
            }
            Db::Postgres(p) => migrator.run(p).await?,
        }
        let newer = self.unknown_migrations().await.unwrap_or_default();
        if !newer.is_empty() {
            tracing::warn!(
                migrations = ?newer,
                "the database has migrations newer than this server: a newer version has run \
                 on it (fine during a rolling upgrade; upgrade this server too)"
            );
        }
        Ok(())
    }

    async fn applied_migrations(&self) -> Result<Vec<i64>, sqlx::Error> {
        let sql = "SELECT version FROM _sqlx_migrations WHERE success ORDER BY version";
        on_db!(self, p => sqlx::query_scalar(sql).fetch_all(p).await)
    }

    /// This version's migrations that the database has not applied (readiness).
    pub async fn missing_migrations(&self) -> Result<Vec<i64>, sqlx::Error> {
        let applied = self.applied_migrations().await?;
        Ok(self
            .migrator()
            .iter()
            .map(|m| m.version)
            .filter(|v| !applied.contains(v))
            .collect())
    }

    /// Migrations the database has that this version does not know (a newer version's).
    pub async fn unknown_migrations(&self) -> Result<Vec<i64>, sqlx::Error> {
        let migrator = self.migrator();
        Ok(self
            .applied_migrations()
            .await?
            .into_iter()
            .filter(|v| !migrator.version_exists(*v))
            .collect())
    }

    pub fn backend(&self) -> &'static str {
        match self {
            Db::Sqlite(_) => "sqlite",
            Db::Postgres(_) => "postgres",
        }
    }

    /// Starts a write transaction. On SQLite it waits for the one writer and runs in a
    /// savepoint of the group's transaction, which took the write lock up front
    /// (`BEGIN IMMEDIATE`): a deferred transaction that upgrades later fails with
    /// SQLITE_BUSY under load instead of waiting its turn.
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        Ok(match self {
            Db::Sqlite(s) => Tx::Sqlite(s.writer.begin().await?),
            Db::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    /// Whether the database answers a trivial query.
    pub async fn ping(&self) -> bool {
        on_db!(self, p => sqlx::query("SELECT 1").execute(p).await.is_ok())
    }

    pub async fn close(&self) {
        match self {
            Db::Sqlite(s) => {
                s.checkpointer.stop();
                s.read.close().await;
                s.writer.close().await;
            }
            Db::Postgres(p) => p.close().await,
        }
    }
}

impl Tx {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            Tx::Sqlite(t) => t.commit().await,
            Tx::Postgres(t) => t.commit().await,
        }
    }

    /// Undoes the transaction. Use it where the caller reads next to explain a refusal: on
    /// SQLite it returns once the writes before it in its group have committed, so that read
    /// sees what the transaction saw. A dropped transaction rolls back too, without that wait.
    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        match self {
            Tx::Sqlite(t) => t.rollback().await,
            Tx::Postgres(t) => t.rollback().await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn redacts_passwords_but_keeps_the_rest() {
        assert_eq!(
            redact_url("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(redact_url("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact_url("sqlite://data/v.db"), "sqlite://data/v.db");
    }

    /// migrations/ROLLING.md says, for each migration, whether it may be applied while
    /// servers of the previous version run; one without a row fails here.
    #[test]
    fn every_migration_says_how_it_rolls() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../migrations");
        let table = std::fs::read_to_string(format!("{root}/ROLLING.md")).unwrap();
        let rows: Vec<(String, String)> = table
            .lines()
            .filter_map(|l| {
                let cells: Vec<&str> = l.split(" | ").collect();
                (cells.len() == 3).then(|| {
                    (
                        cells[0].trim_start_matches("| ").to_owned(),
                        cells[2].trim_end_matches(" |").to_owned(),
                    )
                })
            })
            .collect();
        for backend in ["sqlite", "postgres"] {
            for entry in std::fs::read_dir(format!("{root}/{backend}")).unwrap() {
                let name = entry.unwrap().file_name().to_string_lossy().into_owned();
                let Some(stem) = name.strip_suffix(".sql") else {
                    continue;
                };
                let rolling = rows
                    .iter()
                    .find(|(m, _)| m == stem)
                    .map(|(_, r)| r.as_str())
                    .unwrap_or_else(|| panic!("{backend}/{name} has no row in ROLLING.md"));
                assert!(
                    ["expand", "contract"]
                        .iter()
                        .any(|k| rolling.starts_with(k)),
                    "{stem}: say expand or contract, not {rolling:?}"
                );
            }
        }
    }
}
