//! Writes handed to the writer whole (`Writer::submit`).
//!
//! A write that is only statements, with nothing to read in between (an invite and its
//! email job, audit rows and webhook deliveries), needs no turn on the connection of its
//! own. It joins a queue; one task takes the writer and runs everything queued as one text,
//! each write in its own savepoint:
//!
//! ```text
//! BEGIN IMMEDIATE; SAVEPOINT write; <write 1>; RELEASE write;
//! SAVEPOINT write; <write 2>; RELEASE write; … COMMIT
//! ```
//!
//! So a group of queued writes costs one round trip to the connection's thread, where each
//! write used to cost a turn on the writer (a task woken, then a round trip). The rules are
//! those of the group: a write whose statement fails rolls back to its savepoint alone (the
//! text stops there; the rest of the queue runs in the next text, which starts with that
//! `ROLLBACK TO`); a failed commit fails every write in the group; a write is answered only
//! once its group has committed.

use std::collections::VecDeque;

use sqlx::sqlite::SqliteRow;
use tokio::sync::{oneshot, OwnedMutexGuard};

use super::{run_steps, EndFailed, GroupFailed, State, Writer, MAX_GROUP};
use crate::store::dynamic::{shift_placeholders, Args};

/// A write waiting in the queue.
pub(super) struct Submitted {
    sql: String,
    args: Args,
    statements: usize,
    /// Answered when its group ends (as a member) or when it fails alone.
    member: oneshot::Sender<Result<(), EndFailed>>,
    rows: oneshot::Sender<Vec<SqliteRow>>,
}

#[derive(Default)]
pub(super) struct Queue {
    pending: VecDeque<Submitted>,
    /// Whether a task is on its way to run the queue (or running it): the next submitted
    /// write waits for that one rather than starting another.
    draining: bool,
}

/// What a statement of a text is for.
#[derive(Clone, Copy, PartialEq)]
enum Part {
    /// One of the writer's own (`BEGIN`, a savepoint, the commit).
    Control,
    /// One of the statements of the text's `n`th write.
    Write(usize),
}

/// One text for the connection: the statements, their values, and whose each one is.
#[derive(Default)]
struct Text {
    sql: String,
    args: Args,
    parts: Vec<Part>,
    /// Where each write's values start in `args`.
    starts: Vec<usize>,
}

impl Text {
    fn control(&mut self, sql: &str) {
        self.push(sql, Part::Control);
    }

    fn push(&mut self, sql: &str, part: Part) {
        if !self.sql.is_empty() {
            self.sql.push_str(";\n");
        }
        self.sql.push_str(sql);
        self.parts.push(part);
    }

    fn write(&mut self, n: usize, write: &mut Submitted) {
        let sql = shift_placeholders(&write.sql, self.args.len());
        if !self.sql.is_empty() {
            self.sql.push_str(";\n");
        }
        self.sql.push_str(&sql);
        self.parts
            .extend(std::iter::repeat_n(Part::Write(n), write.statements));
        self.starts.push(self.args.len());
        self.args.append(std::mem::take(&mut write.args));
    }

    /// Gives the values of the writes from the `n`th on back to them (`rest`, in order), for
    /// the next text.
    fn give_back(&mut self, n: usize, rest: &mut VecDeque<Submitted>) {
        for (write, start) in rest.iter_mut().zip(&self.starts[n..]).rev() {
            write.args = self.args.split_off(*start);
        }
    }
}

impl Writer {
    /// Runs `sql` (`statements` statements over `args`) as a write of its own and returns
    /// once the group that holds it has committed, with the rows its statements returned.
    /// It never holds the writer: it is queued, and run with the writes queued beside it in
    /// one round trip (see the module's text). When one of its statements fails, nothing
    /// after it runs and it rolls back alone (`EndFailed::Statement`).
    pub async fn submit(
        &self,
        sql: String,
        args: Args,
        statements: usize,
    ) -> Result<Vec<SqliteRow>, EndFailed> {
        let (member, member_rx) = oneshot::channel();
        let (rows, rows_rx) = oneshot::channel();
        let start = {
            let mut queue = self
                .inner
                .queue
                .lock()
                .expect("the queue is never poisoned");
            queue.pending.push_back(Submitted {
                sql,
                args,
                statements,
                member,
                rows,
            });
            !std::mem::replace(&mut queue.draining, true)
        };
        if start {
            // A task of its own: a caller that goes away must not leave the writer half way.
            tokio::spawn(self.clone().drain());
        }
        match member_rx.await {
            Ok(Ok(())) => Ok(rows_rx.await.unwrap_or_default()),
            Ok(Err(failed)) => Err(failed),
            Err(_) => Err(EndFailed::Commit(sqlx::Error::WorkerCrashed)),
        }
    }

    /// Writes submitted and not yet taken from the queue.
    pub(super) fn queued_whole(&self) -> usize {
        self.inner
            .queue
            .lock()
            .expect("never poisoned")
            .pending
            .len()
    }

    /// Runs the queue until it is empty. Between texts it lets a write waiting for the
    /// connection (`begin`) go first, then takes its turn again.
    async fn drain(self) {
        loop {
            let mut state = match self.lock().await {
                Ok(state) => state,
                Err(e) => {
                    let refused = {
                        let mut queue = self.inner.queue.lock().expect("never poisoned");
                        queue.draining = false;
                        std::mem::take(&mut queue.pending)
                    };
                    for write in refused {
                        let _ = write.member.send(Err(EndFailed::Commit(same(&e))));
                    }
                    return;
                }
            };
            loop {
                let room =
                    MAX_GROUP.saturating_sub(state.group.as_ref().map_or(0, |g| g.members.len()));
                let taken = {
                    let mut queue = self.inner.queue.lock().expect("never poisoned");
                    if queue.pending.is_empty() {
                        // Decided under the lock: a write queued after this starts a task.
                        queue.draining = false;
                        None
                    } else {
                        let n = room.clamp(1, queue.pending.len());
                        let writes: VecDeque<Submitted> = queue.pending.drain(..n).collect();
                        Some((writes, !queue.pending.is_empty()))
                    }
                };
                let Some((writes, more)) = taken else {
                    self.settle(state).await;
                    return;
                };
                state = self.run(state, writes, more).await;
                if self.waiting() > 0 {
                    break;
                }
            }
            // A write waits for the connection: it goes first (the lock is first come,
            // first served), and this task waits its turn behind it.
            self.clone().settle(state).await;
        }
    }

    /// Runs `writes` in the open group (or a new one), one text while none fails. The group
    /// commits with the last text unless `more` are queued or another write waits for the
    /// connection (and it is not full); then the next savepoint is left open for them.
    async fn run(
        &self,
        mut state: OwnedMutexGuard<State>,
        mut writes: VecDeque<Submitted>,
        more: bool,
    ) -> OwnedMutexGuard<State> {
        // Set when a write failed: its savepoint is still open, to be rolled back first.
        let mut undo = false;
        while !writes.is_empty() || undo {
            let mut text = Text::default();
            if state.group.is_none() {
                text.control("BEGIN IMMEDIATE");
                text.control("SAVEPOINT write");
                state.open_group();
            } else if undo {
                // `ROLLBACK TO` keeps the savepoint open for the next write.
                text.control("ROLLBACK TO write");
            } else if !std::mem::take(&mut state.savepoint_open) {
                text.control("SAVEPOINT write");
            }
            undo = false;
            for (n, write) in writes.iter_mut().enumerate() {
                if n > 0 {
                    text.control("SAVEPOINT write");
                }
                text.write(n, write);
                text.control("RELEASE write");
            }
            if writes.is_empty() {
                // Only the failed write's undo: its savepoint is closed with the group.
                text.control("RELEASE write");
            }
            let members = state.group.as_ref().map_or(0, |g| g.members.len()) + writes.len();
            let commit = members >= MAX_GROUP || (!more && self.waiting() == 0);
            text.control(if commit { "COMMIT" } else { "SAVEPOINT write" });

            let steps = run_steps(state.conn(), std::mem::take(&mut text.sql), &text.args).await;
            let failed_at = steps.changes.len();
            let mut rows: Vec<Vec<SqliteRow>> = writes.iter().map(|_| Vec::new()).collect();
            for (statement, row) in steps.rows {
                if let Some(Part::Write(n)) = text.parts.get(statement) {
                    rows[*n].push(row);
                }
            }
            // The writes before the one whose statement stopped the text are in the group;
            // all of them when none did (a failed commit fails them as members).
            let done = match text.parts.get(failed_at) {
                Some(Part::Write(n)) if steps.error.is_some() => *n,
                _ => writes.len(),
            };
            for (write, rows) in writes.drain(..done).zip(rows.drain(..done)) {
                let _ = write.rows.send(rows);
                state
                    .group
                    .as_mut()
                    .expect("a write runs inside a group")
                    .members
                    .push(write.member);
            }
            match steps.error {
                None if commit => {
                    if let Some(group) = state.end_group() {
                        self.concluded(group, Ok(()));
                    }
                }
                None => state.savepoint_open = true,
                Some(error) => match text.parts.get(failed_at).copied() {
                    Some(Part::Write(n)) => {
                        // A write's own statement: it alone rolls back, the rest go on.
                        let write = writes.pop_front().expect("the write that failed");
                        text.give_back(n + 1, &mut writes);
                        let first = text
                            .parts
                            .iter()
                            .position(|p| *p == Part::Write(n))
                            .expect("the write has statements");
                        let changes = steps.changes[first..].to_vec();
                        let _ = write
                            .member
                            .send(Err(EndFailed::Statement { changes, error }));
                        undo = true;
                    }
                    _ => {
                        // The writer's own statement (the commit, mostly): the transaction
                        // is lost, and every write in it fails.
                        if let Some(group) = state.end_group() {
                            self.commit_failed(&mut state, group, &error).await;
                        }
                    }
                },
            }
        }
        state
    }
}

/// `e` again, for each write it refused (a lock that timed out, a closed writer).
fn same(e: &sqlx::Error) -> sqlx::Error {
    match e {
        sqlx::Error::PoolTimedOut => sqlx::Error::PoolTimedOut,
        sqlx::Error::PoolClosed => sqlx::Error::PoolClosed,
        other => GroupFailed::of(other).into(),
    }
}
