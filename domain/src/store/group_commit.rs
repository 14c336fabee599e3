//! SQLite's one writer, with group commit.
//!
//! SQLite lets one connection write at a time, so every write of this process goes through
//! one connection, in order. A commit there is the expensive part: an invite's commit writes
//! about 40 pages to the WAL (the row, its list indexes, the counter, the trigram index, its
//! email job and audit rows), and most of them are the same hot index pages every time.
//! Writes that arrive together therefore share one transaction:
//!
//! - the first write of a group opens it (`BEGIN IMMEDIATE`), and each write runs inside its
//!   own savepoint, so its statements see everything written before it, as they would
//!   one after another;
//! - a write that fails (or is dropped unfinished) rolls back to its savepoint alone; the rest
//!   of the group is untouched;
//! - a finished write releases its savepoint and hands the connection to the next write
//!   waiting for it. When none is waiting, or the group holds [`MAX_GROUP`] writes, the group
//!   commits, and only then is each of its writes answered: a caller's `commit()` returns
//!   when its changes are as durable as a commit of its own would have made them
//!   (`synchronous=NORMAL`). What a caller does after `commit()` (live notifications, waking
//!   the outbox) therefore happens after the commit, never before;
//! - a failed commit rolls the whole group back and fails every write in it with the cause.
//! - a write may end with its last statements (`WriteTx::commit_with`): they, its release and
//!   the group's commit (or the next write's savepoint) go as one text, so that the writer is
//!   held for one round trip to the connection's thread where it was held for two or three.
//!
//! - a write that is only statements (`Writer::submit`) does not take the connection at all:
//!   it is queued, and one task runs every queued write as one text (`submit`).
//!
//! The rules above the store never see any of this: they begin, write and commit as before.
//! PostgreSQL keeps a transaction per request; its commits already run side by side.

use std::borrow::Cow;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection, SqliteRow};
use sqlx::{AssertSqlSafe, ConnectOptions, Connection, Either, Executor};
use tokio::sync::{oneshot, Mutex, OwnedMutexGuard};

use crate::store::dynamic::Args;

mod submit;

/// The most writes one commit holds. Under a steady load the writer is never idle, so this
/// bounds how long the first write of a group waits for its answer: a create holds the
/// writer for about 0.1 ms, so 32 of them wait a few milliseconds at most. Measured
/// (README, performance): past 16 per commit the storage floor grows little.
pub const MAX_GROUP: usize = 32;

/// How long a finished write waits for the write it handed the connection to before it
/// commits the group itself. That write normally commits or rolls back the group; this only
/// matters when it was cancelled while waiting for its turn.
const HAND_OVER_TIMEOUT: Duration = Duration::from_millis(100);

/// How long a write waits for the writer before it fails.
const LOCK_TIMEOUT: Duration = Duration::from_secs(30);

/// The one write connection of a SQLite database, shared by the whole process.
#[derive(Clone)]
pub struct Writer {
    inner: Arc<Inner>,
}

struct Inner {
    state: Arc<Mutex<State>>,
    /// Writes waiting for the connection: when none is, a finished write commits its group.
    waiting: AtomicUsize,
    /// Commits made and writes they held (for the benchmark's group size, and tests).
    commits: AtomicU64,
    writes: AtomicU64,
    /// Writes handed over whole, waiting to run (`submit`).
    queue: std::sync::Mutex<submit::Queue>,
}

struct State {
    /// `None` once closed.
    conn: Option<SqliteConnection>,
    group: Option<Group>,
    /// Set when a write was dropped where it could not roll back (no async runtime); the
    /// next holder rolls its savepoint back first.
    dangling_savepoint: bool,
    /// Set when the write before handed the connection over with the next savepoint already
    /// open (sent with its own release: one round trip to the connection's thread fewer for
    /// every write that joins a group). Cleared when the group ends.
    savepoint_open: bool,
    next_group: u64,
    /// Groups ended so far (committed, failed or empty); ids count from 0, so group `id` has
    /// ended once this exceeds it. Read without the lock by a hand-over's fallback.
    groups_ended: Arc<AtomicU64>,
}

/// The open transaction: the writes released into it, each waiting for its commit.
struct Group {
    id: u64,
    members: Vec<oneshot::Sender<Result<(), EndFailed>>>,
}

/// Why a group did not commit, handed to every write in it.
#[derive(Clone, Debug)]
struct GroupFailed {
    message: String,
    code: Option<String>,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer")
            .field("waiting", &self.inner.waiting.load(Ordering::Relaxed))
            .finish()
    }
}

/// Counts a write waiting for the connection, uncounted however the wait ends.
struct Waiting<'a>(&'a AtomicUsize);

impl<'a> Waiting<'a> {
    fn new(n: &'a AtomicUsize) -> Self {
        n.fetch_add(1, Ordering::SeqCst);
        Waiting(n)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Writer {
    pub async fn connect(options: &SqliteConnectOptions) -> Result<Writer, sqlx::Error> {
        let conn = options.connect().await?;
        Ok(Writer {
            inner: Arc::new(Inner {
                state: Arc::new(Mutex::new(State {
                    conn: Some(conn),
                    group: None,
                    dangling_savepoint: false,
                    savepoint_open: false,
                    next_group: 0,
                    groups_ended: Arc::new(AtomicU64::new(0)),
                })),
                waiting: AtomicUsize::new(0),
                commits: AtomicU64::new(0),
                writes: AtomicU64::new(0),
                queue: Default::default(),
            }),
        })
    }

    async fn lock(&self) -> Result<OwnedMutexGuard<State>, sqlx::Error> {
        let mut state = {
            let _waiting = Waiting::new(&self.inner.waiting);
            // As the one-connection pool it replaces did: a write that cannot get the writer
            // in this long fails rather than waiting for ever.
            tokio::time::timeout(LOCK_TIMEOUT, self.inner.state.clone().lock_owned())
                .await
                .map_err(|_| sqlx::Error::PoolTimedOut)?
        };
        if state.conn.is_none() {
            return Err(sqlx::Error::PoolClosed);
        }
        if state.dangling_savepoint {
            state.dangling_savepoint = false;
            if let Err(e) = rollback_savepoint(&mut state).await {
                fail_group(&mut state, &e).await;
            }
        }
        Ok(state)
    }

    /// Starts a write: joins the open group, or opens one, in a savepoint of its own.
    pub async fn begin(&self) -> Result<WriteTx, sqlx::Error> {
        let mut state = self.lock().await?;
        // Each statement is a round trip to the connection's thread, so statements that
        // always go together are sent together.
        if state.group.is_some() {
            // Unless the write before opened this write's savepoint as it handed over.
            if !std::mem::take(&mut state.savepoint_open) {
                if let Err(e) = state.conn().execute("SAVEPOINT write").await {
                    self.clone().settle(state).await;
                    return Err(e);
                }
            }
        } else {
            if let Err(e) = state
                .conn()
                .execute("BEGIN IMMEDIATE; SAVEPOINT write")
                .await
            {
                // Had the BEGIN gone through, nothing is in it yet.
                let _ = state.conn().execute("ROLLBACK").await;
                return Err(e);
            }
            state.open_group();
        }
        Ok(WriteTx {
            state: Some(state),
            writer: self.clone(),
        })
    }

    /// The connection alone, outside any group (an open one commits first): for what cannot
    /// run inside a transaction, such as migrations.
    pub async fn exclusive(&self) -> Result<Exclusive, sqlx::Error> {
        let mut state = self.lock().await?;
        if state.group.is_some() {
            self.commit_group(&mut state).await;
        }
        Ok(Exclusive(state))
    }

    /// Commits the group when nothing else waits for the connection or the group is full;
    /// otherwise hands the connection to the next write, which will.
    async fn settle(self, mut state: OwnedMutexGuard<State>) {
        let Some(group) = &state.group else { return };
        let (id, members) = (group.id, group.members.len());
        if members == 0 && self.inner.waiting.load(Ordering::SeqCst) == 0 {
            // Nothing released into it: nothing to keep.
            let _ = state.conn().execute("ROLLBACK").await;
            state.end_group();
        } else if members >= MAX_GROUP || self.inner.waiting.load(Ordering::SeqCst) == 0 {
            self.commit_group(&mut state).await;
        } else {
            let ended = state.groups_ended.clone();
            drop(state);
            // The next write commits; should it have given up its turn, commit here.
            tokio::spawn(async move {
                tokio::time::sleep(HAND_OVER_TIMEOUT).await;
                if ended.load(Ordering::SeqCst) > id {
                    return;
                }
                let mut state = self.inner.state.clone().lock_owned().await;
                if state.group.as_ref().is_some_and(|g| g.id == id) && state.conn.is_some() {
                    self.commit_group(&mut state).await;
                }
            });
        }
    }

    async fn commit_group(&self, state: &mut State) {
        let Some(group) = state.end_group() else {
            return;
        };
        match state.conn().execute("COMMIT").await {
            Ok(_) => self.concluded(group, Ok(())),
            Err(e) => self.commit_failed(state, group, &e).await,
        }
    }

    /// The group's commit (or the release sent with it) failed: every write in it fails.
    async fn commit_failed(&self, state: &mut State, group: Group, e: &sqlx::Error) {
        // A commit refused (a deferred constraint, a full disk) leaves the transaction open;
        // one cut short by an I/O error has already ended it.
        let _ = state.conn().execute("ROLLBACK").await;
        tracing::error!(error = %e, writes = group.members.len(), "a group commit failed; every write in it was rolled back");
        self.concluded(group, Err(GroupFailed::of(e)));
    }

    /// Answers every write of an ended group with its outcome.
    fn concluded(&self, group: Group, outcome: Result<(), GroupFailed>) {
        self.inner.commits.fetch_add(1, Ordering::Relaxed);
        self.inner
            .writes
            .fetch_add(group.members.len() as u64, Ordering::Relaxed);
        for member in group.members {
            let _ = member.send(
                outcome
                    .clone()
                    .map_err(|failed| EndFailed::Commit(failed.into())),
            );
        }
    }

    /// Writes waiting for the connection right now.
    pub fn waiting(&self) -> usize {
        self.inner.waiting.load(Ordering::SeqCst)
    }

    /// Writes queued for the writer right now: those waiting for the connection and those
    /// handed over whole, not yet run.
    pub fn queued(&self) -> usize {
        self.waiting() + self.queued_whole()
    }

    /// Commits made so far, and the writes they held.
    pub fn stats(&self) -> (u64, u64) {
        (
            self.inner.commits.load(Ordering::Relaxed),
            self.inner.writes.load(Ordering::Relaxed),
        )
    }

    /// Commits what is open and closes the connection; later writes get `PoolClosed`.
    pub async fn close(&self) {
        let Ok(mut state) = self.exclusive().await else {
            return;
        };
        if let Some(conn) = state.0.conn.take() {
            let _ = conn.close().await;
        }
        let (commits, writes) = self.stats();
        tracing::info!(commits, writes, "the SQLite writer closed");
    }
}

impl State {
    fn conn(&mut self) -> &mut SqliteConnection {
        self.conn.as_mut().expect("the writer is open while locked")
    }

    /// Counts a new group as open (its `BEGIN` is sent, or about to be).
    fn open_group(&mut self) {
        let id = self.next_group;
        self.next_group += 1;
        self.group = Some(Group {
            id,
            members: Vec::new(),
        });
    }

    /// Takes the open group, counting it as ended.
    fn end_group(&mut self) -> Option<Group> {
        self.savepoint_open = false;
        let group = self.group.take()?;
        self.groups_ended.fetch_add(1, Ordering::SeqCst);
        Some(group)
    }
}

/// Undoes the held write and closes its savepoint.
const ROLLBACK_SAVEPOINT: &str = "ROLLBACK TO write; RELEASE write";

/// Undoes the held write; when `hand_over`, its savepoint stays open for the next write
/// (`ROLLBACK TO` keeps it).
fn undo(hand_over: bool) -> &'static str {
    if hand_over {
        "ROLLBACK TO write"
    } else {
        ROLLBACK_SAVEPOINT
    }
}

async fn rollback_savepoint(state: &mut State) -> Result<(), sqlx::Error> {
    state.conn().execute(ROLLBACK_SAVEPOINT).await.map(drop)
}

/// The transaction is gone (a statement's error ended it, or it could not be saved): every
/// write released into it fails.
async fn fail_group(state: &mut State, cause: &sqlx::Error) {
    let Some(group) = state.end_group() else {
        return;
    };
    let _ = state.conn().execute("ROLLBACK").await;
    tracing::error!(error = %cause, writes = group.members.len(), "the writer's transaction ended; every write in its group was rolled back");
    let failed = GroupFailed::of(cause);
    for member in group.members {
        let _ = member.send(Err(EndFailed::Commit(failed.clone().into())));
    }
}

/// One write in the group: the connection, inside this write's savepoint, until it commits
/// or is dropped (which rolls the savepoint back).
pub struct WriteTx {
    state: Option<OwnedMutexGuard<State>>,
    writer: Writer,
}

impl Deref for WriteTx {
    type Target = SqliteConnection;
    fn deref(&self) -> &SqliteConnection {
        self.state
            .as_ref()
            .and_then(|s| s.conn.as_ref())
            .expect("an open write holds the connection")
    }
}

impl DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        self.state
            .as_mut()
            .and_then(|s| s.conn.as_mut())
            .expect("an open write holds the connection")
    }
}

impl WriteTx {
    /// Releases this write into its group and returns once the group has committed.
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.finish(End::Commit, None)
            .await
            .map(drop)
            .map_err(EndFailed::into_error)
    }

    /// Runs `sql` (`statements` statements over `args`) as this write's last and commits
    /// the write with them. The statements and the write's end (its release, and the group's
    /// commit or the next write's savepoint) go to the connection's thread together: one
    /// round trip while the writer is held, instead of two. When one of the statements fails,
    /// nothing after it runs and the write rolls back alone ([`EndFailed::Statement`] says
    /// how far it got). Gives the rows the statements returned (an `UPDATE … RETURNING`).
    pub async fn commit_with(
        self,
        sql: String,
        args: Args,
        statements: usize,
    ) -> Result<Vec<SqliteRow>, EndFailed> {
        self.finish(
            End::Commit,
            Some(Last {
                sql,
                args,
                statements,
            }),
        )
        .await
    }

    /// Rolls this write back and returns once the writes before it in its group are
    /// committed (or failed), so that what the caller reads next to explain a refusal sees
    /// what the refusal saw. Dropping a write rolls it back too, without that wait.
    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        self.finish(End::Rollback, None)
            .await
            .map(drop)
            .map_err(EndFailed::into_error)
    }

    async fn finish(mut self, end: End, last: Option<Last>) -> Result<Vec<SqliteRow>, EndFailed> {
        let mut state = self
            .state
            .take()
            .expect("an open write holds the connection");
        let writer = self.writer.clone();
        let (tx, rx) = oneshot::channel();
        let (rows_tx, rows_rx) = oneshot::channel();
        // The release and the group's fate run on their own task: a caller that goes away
        // half way (a closed connection) must not leave the writer in between.
        tokio::spawn(async move {
            let full = state.group.as_ref().map_or(0, |g| g.members.len()) + 1 >= MAX_GROUP;
            // Nothing waits (or the group is full): release and commit in one go. Otherwise,
            // when another write waits for the connection, this write's end also opens the
            // next one's savepoint, in the same round trip (`ROLLBACK TO` keeps it open).
            let commit_now = matches!(end, End::Commit) && (full || writer.waiting() == 0);
            let hand_over = !commit_now && writer.waiting() > 0;
            let ending = match (end, commit_now, hand_over) {
                (End::Commit, true, _) => "RELEASE write; COMMIT",
                (End::Commit, false, true) => "RELEASE write; SAVEPOINT write",
                (End::Commit, false, false) => "RELEASE write",
                (End::Rollback, _, hand_over) => undo(hand_over),
            };
            let (sql, args, own) = match last {
                Some(last) => (
                    format!("{};\n{ending}", last.sql),
                    last.args,
                    last.statements,
                ),
                None => (ending.to_owned(), Args::default(), 0),
            };
            let steps = run_steps(state.conn(), sql, &args).await;
            let changes = steps.changes;
            match steps.error.map_or(Ok(()), Err) {
                Ok(()) => {
                    let _ = rows_tx.send(steps.rows.into_iter().map(|(_, row)| row).collect());
                    state.savepoint_open = hand_over;
                    let group = state.group.as_mut().expect("a write runs inside a group");
                    group.members.push(tx);
                    if commit_now {
                        if let Some(group) = state.end_group() {
                            writer.concluded(group, Ok(()));
                        }
                    } else {
                        writer.settle(state).await;
                    }
                }
                Err(error) if changes.len() < own => {
                    // One of the write's own statements failed, so nothing after it ran and
                    // its savepoint is still open: it alone rolls back.
                    let hand_over = writer.waiting() > 0;
                    match state.conn().execute(undo(hand_over)).await {
                        Ok(_) => state.savepoint_open = hand_over,
                        Err(e) => fail_group(&mut state, &e).await,
                    }
                    let _ = tx.send(Err(EndFailed::Statement { changes, error }));
                    writer.settle(state).await;
                }
                Err(e) if commit_now => {
                    // The group's commit failed: every write in it fails, this one too.
                    state
                        .group
                        .as_mut()
                        .expect("a write runs inside a group")
                        .members
                        .push(tx);
                    let group = state.end_group().expect("a write runs inside a group");
                    writer.commit_failed(&mut state, group, &e).await;
                }
                Err(e) => {
                    fail_group(&mut state, &e).await;
                    let _ = tx.send(Err(EndFailed::Commit(GroupFailed::of(&e).into())));
                    writer.settle(state).await;
                }
            }
        });
        match (rx.await, end) {
            (Ok(Ok(())), _) => Ok(rows_rx.await.unwrap_or_default()),
            (Ok(Err(EndFailed::Commit(_))), End::Rollback) => Ok(Vec::new()),
            (Ok(Err(failed)), _) => Err(failed),
            (Err(_), _) => Err(EndFailed::Commit(sqlx::Error::WorkerCrashed)),
        }
    }
}

/// How a write that ends with statements of its own (`WriteTx::commit_with`) failed.
#[derive(Debug)]
pub enum EndFailed {
    /// One of its statements failed: `changes` holds the rows changed by each statement
    /// that completed before it. The write was rolled back alone; its group goes on.
    Statement {
        changes: Vec<u64>,
        error: sqlx::Error,
    },
    /// The commit that held it failed: nothing of the write is saved.
    Commit(sqlx::Error),
}

impl EndFailed {
    pub fn into_error(self) -> sqlx::Error {
        match self {
            EndFailed::Statement { error, .. } | EndFailed::Commit(error) => error,
        }
    }
}

/// The statements a write ends with.
struct Last {
    sql: String,
    args: Args,
    statements: usize,
}

/// What running a multi-statement text did.
struct Steps {
    /// The rows changed by each statement that completed, in order.
    changes: Vec<u64>,
    /// The rows returned, each with the index of the statement that returned it.
    rows: Vec<(usize, SqliteRow)>,
    /// The error that stopped the text at statement `changes.len()`.
    error: Option<sqlx::Error>,
}

/// Runs `sql`'s statements in order over `args`, until one fails.
async fn run_steps(conn: &mut SqliteConnection, sql: String, args: &Args) -> Steps {
    let query = crate::bind_all!(sqlx::query(AssertSqlSafe(sql)), args.values());
    let mut stream = conn.fetch_many(query);
    let mut steps = Steps {
        changes: Vec::new(),
        rows: Vec::new(),
        error: None,
    };
    while let Some(step) = stream.next().await {
        match step {
            Ok(Either::Left(done)) => steps.changes.push(done.rows_affected()),
            Ok(Either::Right(row)) => steps.rows.push((steps.changes.len(), row)),
            Err(e) => {
                steps.error = Some(e);
                break;
            }
        }
    }
    steps
}

#[derive(Clone, Copy)]
enum End {
    Commit,
    Rollback,
}

impl Drop for WriteTx {
    fn drop(&mut self) {
        let Some(mut state) = self.state.take() else {
            return;
        };
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                let writer = self.writer.clone();
                runtime.spawn(async move {
                    if let Err(e) = rollback_savepoint(&mut state).await {
                        fail_group(&mut state, &e).await;
                    }
                    writer.settle(state).await;
                });
            }
            Err(_) => state.dangling_savepoint = true,
        }
    }
}

/// The writer's connection with no transaction open.
pub struct Exclusive(OwnedMutexGuard<State>);

impl Deref for Exclusive {
    type Target = SqliteConnection;
    fn deref(&self) -> &SqliteConnection {
        self.0
            .conn
            .as_ref()
            .expect("an exclusive hold has the connection")
    }
}

impl DerefMut for Exclusive {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        self.0.conn()
    }
}

impl GroupFailed {
    fn of(e: &sqlx::Error) -> GroupFailed {
        GroupFailed {
            message: format!(
                "the commit this write was part of failed, so nothing of it was saved: {e}"
            ),
            code: match e {
                sqlx::Error::Database(d) => d.code().map(Cow::into_owned),
                _ => None,
            },
        }
    }
}

impl std::fmt::Display for GroupFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for GroupFailed {}

impl sqlx::error::DatabaseError for GroupFailed {
    fn message(&self) -> &str {
        &self.message
    }
    fn code(&self) -> Option<Cow<'_, str>> {
        self.code.as_deref().map(Cow::Borrowed)
    }
    fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        self
    }
    fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
        self
    }
    fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
        self
    }
    fn kind(&self) -> sqlx::error::ErrorKind {
        sqlx::error::ErrorKind::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::sqlite::{SqliteJournalMode, SqlitePool};
    use std::str::FromStr;

    /// A writer on a fresh file, a table `t` and a parent/child pair whose foreign key is
    /// checked only at commit (the one way to make a COMMIT itself fail on demand), and a
    /// separate connection to read what is committed.
    async fn fresh() -> (tempfile::TempDir, Writer, SqlitePool) {
        let dir = tempfile::tempdir().unwrap();
        let options = SqliteConnectOptions::from_str(&format!(
            "sqlite://{}",
            dir.path().join("t.db").display()
        ))
        .unwrap()
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .foreign_keys(true);
        let writer = Writer::connect(&options).await.unwrap();
        let mut w = writer.begin().await.unwrap();
        for ddl in [
            "CREATE TABLE t (id INTEGER PRIMARY KEY)",
            "CREATE TABLE parent (id INTEGER PRIMARY KEY)",
            "CREATE TABLE child (id INTEGER PRIMARY KEY, parent INTEGER \
             REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)",
        ] {
            w.execute(ddl).await.unwrap();
        }
        w.commit().await.unwrap();
        let read = SqlitePool::connect_with(options).await.unwrap();
        (dir, writer, read)
    }

    async fn committed(read: &SqlitePool, table: &str) -> Vec<i64> {
        let sql = format!("SELECT id FROM {table} ORDER BY id");
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_all(read)
            .await
            .unwrap()
    }

    async fn insert(w: &mut WriteTx, table: &str, id: i64) -> Result<(), sqlx::Error> {
        let sql = format!("INSERT INTO {table} (id) VALUES ($1)");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .execute(&mut **w)
            .await
            .map(drop)
    }

    /// Waits until `n` writes queue behind the one holding the connection.
    async fn queued(writer: &Writer, n: usize) {
        while writer.waiting() < n {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn writes_that_queue_together_share_one_commit_and_a_failed_one_rolls_back_alone() {
        let (_dir, writer, read) = fresh().await;
        let (commits_before, _) = writer.stats();
        let mut first = writer.begin().await.unwrap();
        insert(&mut first, "t", 0).await.unwrap();
        let others: Vec<_> = (1..10)
            .map(|i| {
                let writer = writer.clone();
                tokio::spawn(async move {
                    let mut w = writer.begin().await?;
                    insert(&mut w, "t", i).await?;
                    if i == 5 {
                        // Its own row is in; a second statement fails, and the write is
                        // dropped unfinished.
                        insert(&mut w, "t", 0).await?;
                    }
                    w.commit().await
                })
            })
            .collect();
        queued(&writer, 9).await;
        // Nothing is visible before the group commits.
        assert!(committed(&read, "t").await.is_empty());
        first.commit().await.unwrap();
        for (i, task) in (1..10).zip(others) {
            let outcome = task.await.unwrap();
            assert_eq!(outcome.is_ok(), i != 5, "write {i}: {outcome:?}");
        }
        assert_eq!(committed(&read, "t").await, [0, 1, 2, 3, 4, 6, 7, 8, 9]);
        let (commits, _) = writer.stats();
        assert_eq!(
            commits - commits_before,
            1,
            "the ten writes shared one commit"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failed_commit_fails_every_write_in_the_group_and_keeps_nothing() {
        let (_dir, writer, read) = fresh().await;
        let mut first = writer.begin().await.unwrap();
        // Accepted now, refused at COMMIT: no parent 7.
        sqlx::query("INSERT INTO child (id, parent) VALUES (1, 7)")
            .execute(&mut *first)
            .await
            .unwrap();
        let others: Vec<_> = (1..=10)
            .map(|i| {
                let writer = writer.clone();
                tokio::spawn(async move {
                    let mut w = writer.begin().await?;
                    insert(&mut w, "t", i).await?;
                    w.commit().await
                })
            })
            .collect();
        queued(&writer, 10).await;
        let refused = first.commit().await.unwrap_err();
        assert!(
            refused
                .to_string()
                .contains("FOREIGN KEY constraint failed"),
            "{refused}"
        );
        for task in others {
            let e = task.await.unwrap().unwrap_err();
            assert!(
                e.to_string().contains("nothing of it was saved"),
                "every write of the group hears why: {e}"
            );
        }
        assert!(committed(&read, "t").await.is_empty());
        assert!(committed(&read, "child").await.is_empty());
        // The writer goes on with the next group.
        let mut next = writer.begin().await.unwrap();
        insert(&mut next, "t", 42).await.unwrap();
        next.commit().await.unwrap();
        assert_eq!(committed(&read, "t").await, [42]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_rolled_back_write_returns_after_the_writes_before_it_commit() {
        let (_dir, writer, read) = fresh().await;
        let mut first = writer.begin().await.unwrap();
        insert(&mut first, "t", 1).await.unwrap();
        let second = {
            let (writer, read) = (writer.clone(), read.clone());
            tokio::spawn(async move {
                let mut w = writer.begin().await.unwrap();
                // It sees the first write, not yet committed: its refusal is based on it.
                let seen: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM t")
                    .fetch_one(&mut *w)
                    .await
                    .unwrap();
                w.rollback().await.unwrap();
                // What it reads next to explain the refusal agrees with what it saw.
                (seen, committed(&read, "t").await)
            })
        };
        queued(&writer, 1).await;
        first.commit().await.unwrap();
        assert_eq!(second.await.unwrap(), (1, vec![1]));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_write_dropped_half_way_is_undone_and_the_next_one_commits() {
        let (_dir, writer, read) = fresh().await;
        let mut dropped = writer.begin().await.unwrap();
        insert(&mut dropped, "t", 1).await.unwrap();
        drop(dropped);
        let mut next = writer.begin().await.unwrap();
        insert(&mut next, "t", 2).await.unwrap();
        next.commit().await.unwrap();
        assert_eq!(committed(&read, "t").await, [2]);
    }

    /// `INSERT INTO t` of each id, as one text for `commit_with`.
    fn inserts(ids: &[i64]) -> (String, Args, usize) {
        let mut args = Args::default();
        let sql: Vec<String> = ids
            .iter()
            .map(|id| format!("INSERT INTO t (id) VALUES ({})", args.int(*id)))
            .collect();
        (sql.join(";\n"), args, ids.len())
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_write_ending_with_its_statements_commits_with_its_group_or_fails_alone() {
        let (_dir, writer, read) = fresh().await;
        let (commits_before, _) = writer.stats();
        let mut first = writer.begin().await.unwrap();
        insert(&mut first, "t", 0).await.unwrap();
        let others: Vec<_> = (1..=6)
            .map(|i| {
                let writer = writer.clone();
                tokio::spawn(async move {
                    let w = writer.begin().await.unwrap();
                    // Write 3 collides with row 0 on its second statement.
                    let ids = if i == 3 {
                        vec![30, 0, 31]
                    } else {
                        vec![i * 10]
                    };
                    let (sql, args, n) = inserts(&ids);
                    w.commit_with(sql, args, n).await
                })
            })
            .collect();
        queued(&writer, 6).await;
        assert!(committed(&read, "t").await.is_empty());
        first.commit().await.unwrap();
        for (i, task) in (1..=6).zip(others) {
            match (i, task.await.unwrap()) {
                (3, Err(EndFailed::Statement { changes, error })) => {
                    assert_eq!(changes, [1], "its first statement had run: {error}");
                    assert!(error.to_string().contains("UNIQUE"), "{error}");
                }
                (3, other) => panic!("write 3 must fail on its own statement: {other:?}"),
                (_, outcome) => assert!(outcome.is_ok(), "write {i}: {outcome:?}"),
            }
        }
        // Nothing of write 3, not even its first row; the rest in one commit.
        assert_eq!(committed(&read, "t").await, [0, 10, 20, 40, 50, 60]);
        let (commits, _) = writer.stats();
        assert_eq!(
            commits - commits_before,
            1,
            "the seven writes shared one commit"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failed_commit_fails_a_write_that_ended_with_its_statements_too() {
        let (_dir, writer, read) = fresh().await;
        let w = writer.begin().await.unwrap();
        // Accepted by the statement, refused at the COMMIT sent with it: no parent 7.
        let mut args = Args::default();
        let sql = format!(
            "INSERT INTO t (id) VALUES ({}); INSERT INTO child (id, parent) VALUES (1, 7)",
            args.int(5)
        );
        match w.commit_with(sql, args, 2).await {
            Err(EndFailed::Commit(e)) => assert!(
                e.to_string().contains("nothing of it was saved"),
                "the write hears why: {e}"
            ),
            other => panic!("the commit must fail: {other:?}"),
        }
        assert!(committed(&read, "t").await.is_empty());
        assert!(committed(&read, "child").await.is_empty());
        let (sql, args, n) = inserts(&[42]);
        writer
            .begin()
            .await
            .unwrap()
            .commit_with(sql, args, n)
            .await
            .unwrap();
        assert_eq!(committed(&read, "t").await, [42]);
    }

    /// Waits until `n` writes wait in the queue of whole writes.
    async fn queued_whole(writer: &Writer, n: usize) {
        while writer.queued_whole() < n {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn writes_handed_over_whole_run_as_one_group_and_a_failing_one_rolls_back_alone() {
        let (_dir, writer, read) = fresh().await;
        // Held, so that the ten queue up behind it.
        let mut first = writer.begin().await.unwrap();
        insert(&mut first, "t", 0).await.unwrap();
        let (commits_before, _) = writer.stats();
        let whole: Vec<_> = (1..=10)
            .map(|i| {
                let writer = writer.clone();
                tokio::spawn(async move {
                    // Write 4 collides with row 0 on its second statement, write 7 with
                    // its own first row.
                    let ids = match i {
                        4 => vec![40, 0, 41],
                        7 => vec![70, 70],
                        _ => vec![i * 10, i * 10 + 1],
                    };
                    let (mut sql, args, n) = inserts(&ids);
                    sql.push_str(" RETURNING id");
                    writer.submit(sql, args, n).await
                })
            })
            .collect();
        queued_whole(&writer, 10).await;
        assert!(committed(&read, "t").await.is_empty());
        first.commit().await.unwrap();
        for (i, task) in (1..=10).zip(whole) {
            match (i, task.await.unwrap()) {
                (4 | 7, Err(EndFailed::Statement { changes, error })) => {
                    assert_eq!(changes, [1], "write {i}'s first statement had run");
                    assert!(error.to_string().contains("UNIQUE"), "{error}");
                }
                (4 | 7, other) => panic!("write {i} must fail on its own statement: {other:?}"),
                (_, Ok(rows)) => {
                    // Only the last statement returns its row to the caller: the rows of
                    // the others' statements are theirs.
                    let ids: Vec<i64> = rows.iter().map(|r| sqlx::Row::get(r, 0)).collect();
                    assert_eq!(ids, [i * 10 + 1], "write {i}'s own rows");
                }
                (_, Err(e)) => panic!("write {i}: {e:?}"),
            }
        }
        let mut expected = vec![0];
        for i in [1, 2, 3, 5, 6, 8, 9, 10] {
            expected.extend([i * 10, i * 10 + 1]);
        }
        assert_eq!(committed(&read, "t").await, expected);
        let (commits, _) = writer.stats();
        assert_eq!(
            commits - commits_before,
            1,
            "the eleven writes shared one commit"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failed_commit_fails_every_write_handed_over_whole_and_keeps_nothing() {
        let (_dir, writer, read) = fresh().await;
        let first = writer.begin().await.unwrap();
        let whole: Vec<_> = (1..=5)
            .map(|i| {
                let writer = writer.clone();
                tokio::spawn(async move {
                    let mut args = Args::default();
                    let mut sql = format!("INSERT INTO t (id) VALUES ({})", args.int(i));
                    if i == 3 {
                        // Accepted by the statement, refused at the COMMIT: no parent 7.
                        sql.push_str("; INSERT INTO child (id, parent) VALUES (1, 7)");
                    }
                    let n = if i == 3 { 2 } else { 1 };
                    writer.submit(sql, args, n).await
                })
            })
            .collect();
        queued_whole(&writer, 5).await;
        // The held write is in the same group: it fails with it.
        assert!(first.commit().await.is_err());
        for task in whole {
            match task.await.unwrap() {
                Err(EndFailed::Commit(e)) => assert!(
                    e.to_string().contains("nothing of it was saved"),
                    "every write hears why: {e}"
                ),
                other => panic!("the commit must fail them all: {other:?}"),
            }
        }
        assert!(committed(&read, "t").await.is_empty());
        assert!(committed(&read, "child").await.is_empty());
        // The writer goes on, with whole writes and held ones alike.
        let (sql, args, n) = inserts(&[42]);
        writer.submit(sql, args, n).await.unwrap();
        let mut next = writer.begin().await.unwrap();
        insert(&mut next, "t", 43).await.unwrap();
        next.commit().await.unwrap();
        assert_eq!(committed(&read, "t").await, [42, 43]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn held_writes_and_whole_ones_take_turns_and_all_commit() {
        let (_dir, writer, read) = fresh().await;
        let tasks: Vec<_> = (0..200)
            .map(|i| {
                let writer = writer.clone();
                tokio::spawn(async move {
                    if i % 3 == 0 {
                        let mut w = writer.begin().await.unwrap();
                        insert(&mut w, "t", i).await.unwrap();
                        w.commit().await.unwrap();
                    } else {
                        let (sql, args, n) = inserts(&[i]);
                        writer.submit(sql, args, n).await.unwrap();
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(committed(&read, "t").await, (0..200).collect::<Vec<_>>());
        let (commits, writes) = writer.stats();
        assert!(commits < writes, "{commits} commits for {writes} writes");
    }
}
