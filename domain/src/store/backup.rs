//! Copies of an SQLite database, and who is using it.
//!
//! - Every Vestibule process that opens an SQLite database holds a shared lock on the file
//!   beside it, `<database>.lock`, for as long as it runs (`InUse`). A restore takes that lock
//!   exclusively, so it cannot replace a database under a running server (or an import).
//! - A backup is `VACUUM INTO`: one read transaction writes a consistent, compact copy while
//!   the server goes on writing (WAL keeps the reader's snapshot). It lands under a temporary
//!   name and is renamed when whole, so a copy that exists is a finished one.
//!
//! PostgreSQL has its own tools for both (`pg_dump`, `pg_restore`); the CLI says so.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection, SqliteConnection};

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(
        "backups of PostgreSQL are made with its own tools: pg_dump --format=custom (and \
         pg_restore to put one back); keep the server key with them"
    )]
    Postgres,
    #[error("{0} is not an SQLite database URL")]
    NotSqlite(String),
    #[error("{0} already exists: choose a new file (a backup never overwrites one)")]
    Exists(PathBuf),
    #[error(
        "{0} is in use by a running Vestibule (the server or another command): stop it first, \
         then restore"
    )]
    InUse(PathBuf),
    #[error("{path} is not a usable Vestibule backup: {why}")]
    NotABackup { path: PathBuf, why: String },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BackupError + '_ {
    move |source| BackupError::Io {
        path: path.to_owned(),
        source,
    }
}

/// The database file an SQLite URL names.
pub fn sqlite_path(url: &str) -> Result<PathBuf, BackupError> {
    if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        return Err(BackupError::Postgres);
    }
    let options =
        SqliteConnectOptions::from_str(url).map_err(|_| BackupError::NotSqlite(url.to_owned()))?;
    let path = options.get_filename().to_owned();
    if !is_file(&path) {
        return Err(BackupError::NotSqlite(url.to_owned()));
    }
    Ok(path)
}

/// Whether an SQLite filename names a file (not an in-memory database).
pub fn is_file(path: &Path) -> bool {
    !(path.as_os_str().is_empty() || path.as_os_str() == ":memory:")
}

/// A process's hold on an SQLite database: released when dropped (or when the process ends,
/// however it ends: the kernel drops the lock).
#[derive(Debug)]
pub struct InUse {
    _file: File,
}

impl InUse {
    /// Shared: any number of Vestibule processes may use the database together.
    pub fn shared(db: &Path) -> Result<InUse, std::io::Error> {
        let file = open_lock(db)?;
        file.lock_shared()?;
        Ok(InUse { _file: file })
    }

    /// Exclusive, at once or not at all: `None` while another process uses the database.
    pub fn exclusive(db: &Path) -> Result<Option<InUse>, std::io::Error> {
        let file = open_lock(db)?;
        match file.try_lock() {
            Ok(()) => Ok(Some(InUse { _file: file })),
            Err(TryLockError::WouldBlock) => Ok(None),
            Err(TryLockError::Error(e)) => Err(e),
        }
    }
}

fn open_lock(db: &Path) -> Result<File, std::io::Error> {
    OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(with_suffix(db, ".lock"))
}

/// What a copy holds, as read from it.
#[derive(Debug)]
pub struct CopyInfo {
    pub bytes: u64,
    pub invites: i64,
    /// The newest migration applied to it.
    pub schema_version: i64,
}

async fn open(path: &Path, read_only: bool) -> Result<SqliteConnection, sqlx::Error> {
    SqliteConnectOptions::new()
        .filename(path)
        .read_only(read_only)
        .create_if_missing(false)
        .disable_statement_logging()
        .connect()
        .await
}

/// Checks `path` is a whole Vestibule database: SQLite's integrity check passes and it has
/// been migrated (and, given `newest_known`, by no newer version than this one).
pub async fn inspect(path: &Path, newest_known: Option<i64>) -> Result<CopyInfo, BackupError> {
    let not = |why: String| BackupError::NotABackup {
        path: path.to_owned(),
        why,
    };
    let bytes = std::fs::metadata(path).map_err(io(path))?.len();
    let mut conn = open(path, true).await.map_err(|e| not(e.to_string()))?;
    let check: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut conn)
        .await
        .map_err(|e| not(e.to_string()))?;
    if check != "ok" {
        return Err(not(format!("the integrity check says {check:?}")));
    }
    let schema_version: Option<i64> =
        sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success")
            .fetch_one(&mut conn)
            .await
            .map_err(|_| not("it holds no Vestibule schema".into()))?;
    let schema_version = schema_version.ok_or_else(|| not("it holds no migrations".into()))?;
    if let Some(newest) = newest_known.filter(|n| schema_version > *n) {
        return Err(not(format!(
            "it was made by a newer Vestibule (migration {schema_version}; this version knows \
             up to {newest}): restore it with that version"
        )));
    }
    let invites: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM invites")
        .fetch_one(&mut conn)
        .await
        .map_err(|e| not(e.to_string()))?;
    conn.close().await?;
    Ok(CopyInfo {
        bytes,
        invites,
        schema_version,
    })
}

/// Writes a consistent copy of the database at `db` to `to`, while it is in use.
pub async fn backup(db: &Path, to: &Path) -> Result<CopyInfo, BackupError> {
    if to.exists() {
        return Err(BackupError::Exists(to.to_owned()));
    }
    if !db.exists() {
        return Err(BackupError::Io {
            path: db.to_owned(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "no database here"),
        });
    }
    let partial = with_suffix(to, ".partial");
    let _ = std::fs::remove_file(&partial);
    let mut conn = open(db, true).await?;
    let copied = sqlx::query("VACUUM INTO $1")
        .bind(partial.to_string_lossy().into_owned())
        .execute(&mut conn)
        .await;
    conn.close().await?;
    if let Err(e) = copied {
        let _ = std::fs::remove_file(&partial);
        return Err(e.into());
    }
    File::open(&partial)
        .and_then(|f| f.sync_all())
        .map_err(io(&partial))?;
    std::fs::rename(&partial, to).map_err(io(to))?;
    inspect(to, None).await
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// What a restore did.
#[derive(Debug)]
pub struct Restored {
    pub copy: CopyInfo,
    /// Where the database that was there before now is.
    pub previous: Option<PathBuf>,
}

/// Puts the copy at `from` in place of the database at `db`, which no process may be using.
/// The database that was there is kept beside it (`<db>.before-restore-<time>`), whole.
pub async fn restore(
    db: &Path,
    from: &Path,
    newest_known: i64,
    stamp: &str,
) -> Result<Restored, BackupError> {
    let copy = inspect(from, Some(newest_known)).await?;
    let Some(_held) = InUse::exclusive(db).map_err(io(db))? else {
        return Err(BackupError::InUse(db.to_owned()));
    };
    let incoming = with_suffix(db, ".restoring");
    std::fs::copy(from, &incoming).map_err(io(&incoming))?;
    File::open(&incoming)
        .and_then(|f| f.sync_all())
        .map_err(io(&incoming))?;
    let previous = if db.exists() {
        // Fold its write-ahead log into it first, so the file moved aside is whole by itself.
        let mut conn = open(db, false).await?;
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&mut conn)
            .await?;
        conn.close().await?;
        let aside = with_suffix(db, &format!(".before-restore-{stamp}"));
        std::fs::rename(db, &aside).map_err(io(db))?;
        Some(aside)
    } else {
        None
    };
    // A log left beside the old file must never be replayed into the new one.
    for stale in ["-wal", "-shm"] {
        let p = with_suffix(db, stale);
        if p.exists() {
            std::fs::remove_file(&p).map_err(io(&p))?;
        }
    }
    std::fs::rename(&incoming, db).map_err(io(db))?;
    Ok(Restored { copy, previous })
}
