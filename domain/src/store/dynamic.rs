//! Statements assembled at run time from fixed fragments (optional filters, multi-row
//! inserts). Values are never spliced into the text: each is bound, and `Args` hands out
//! its `$n` placeholder, which both SQLite and PostgreSQL accept.

use sqlx::AssertSqlSafe;

use crate::store::group_commit::EndFailed;
use crate::store::{Db, Tx};
use crate::{on_db, on_tx};

/// A bound value.
#[derive(Clone, Debug)]
pub enum Arg {
    Text(String),
    Int(i64),
    OptText(Option<String>),
    OptInt(Option<i64>),
}

/// Collects bound values and hands out their placeholders.
#[derive(Default)]
pub struct Args(Vec<Arg>);

impl Args {
    pub fn push(&mut self, a: Arg) -> String {
        self.0.push(a);
        format!("${}", self.0.len())
    }
    pub fn text(&mut self, s: impl Into<String>) -> String {
        self.push(Arg::Text(s.into()))
    }
    pub fn int(&mut self, n: i64) -> String {
        self.push(Arg::Int(n))
    }
    pub fn values(&self) -> &[Arg] {
        &self.0
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// `other`'s values after these (its placeholders moved up by `shift_placeholders`).
    pub(crate) fn append(&mut self, other: Args) {
        self.0.extend(other.0);
    }
    /// The values from the `at`th on, taken out.
    pub(crate) fn split_off(&mut self, at: usize) -> Args {
        Args(self.0.split_off(at))
    }
}

/// Binds every value of an `Args` to a query, in order. A macro, so one text serves both
/// drivers' query types (as `on_db!` does).
#[macro_export]
macro_rules! bind_all {
    ($q:expr, $args:expr) => {{
        let mut q = $q;
        for a in $args {
            q = match a {
                $crate::store::dynamic::Arg::Text(s) => q.bind(s.clone()),
                $crate::store::dynamic::Arg::Int(n) => q.bind(*n),
                $crate::store::dynamic::Arg::OptText(s) => q.bind(s.clone()),
                $crate::store::dynamic::Arg::OptInt(n) => q.bind(*n),
            };
        }
        q
    }};
}

/// Runs a built statement in a transaction; returns the rows changed.
pub async fn execute(tx: &mut Tx, sql: String, args: &Args) -> Result<u64, sqlx::Error> {
    on_tx!(tx, c => bind_all!(sqlx::query(AssertSqlSafe(sql.clone())), args.values())
        .execute(c)
        .await
        .map(|r| r.rows_affected()))
}

/// Runs a built statement in a transaction that returns one text column (a SELECT, or an
/// INSERT … RETURNING).
pub async fn fetch_texts_tx(
    tx: &mut Tx,
    sql: String,
    args: &Args,
) -> Result<Vec<String>, sqlx::Error> {
    on_tx!(tx, c => bind_all!(sqlx::query_scalar(AssertSqlSafe(sql.clone())), args.values())
        .fetch_all(c)
        .await)
}

/// Statements whose results are not read, run together in order (the writes that always
/// go with an invite: its teams, email jobs, audit rows and webhook deliveries).
///
/// On SQLite every statement is a round trip to the connection's thread, and the one writer
/// is held across each of them (README, performance): the batch goes there as one
/// multi-statement text with one list of values, each statement's placeholders moved up past
/// the values of the statements before it. PostgreSQL prepares one statement at a time, so
/// there they run one after another, as built.
#[derive(Default)]
pub struct Batch(Vec<(String, Args)>);

impl Batch {
    pub fn add(&mut self, sql: String, args: Args) {
        self.0.push((sql, args));
    }

    /// `other`'s statements after these.
    pub fn append(&mut self, other: Batch) {
        self.0.extend(other.0);
    }

    pub async fn execute(self, tx: &mut Tx) -> Result<(), sqlx::Error> {
        match tx {
            Tx::Sqlite(_) => {
                let Some((sql, args)) = self.joined() else {
                    return Ok(());
                };
                execute(tx, sql, &args).await.map(drop)
            }
            Tx::Postgres(_) => {
                for (sql, args) in self.0 {
                    execute(tx, sql, &args).await?;
                }
                Ok(())
            }
        }
    }

    /// Runs the batch and commits `tx` with it. On SQLite the statements and the write's end
    /// are one round trip to the writer (`WriteTx::commit_with`).
    pub async fn commit(self, tx: Tx) -> Result<(), sqlx::Error> {
        self.commit_guarded(tx, false).await.map(drop)
    }

    /// Like `commit`, when the batch's first statement changes a row (an insert that may be
    /// refused, such as an invite to an address that is taken). When it changes none, nothing
    /// after it runs and `tx` is rolled back: `Unchanged`.
    pub async fn commit_if_first_changes(self, tx: Tx) -> Result<Guarded, sqlx::Error> {
        self.commit_guarded(tx, true).await
    }

    /// Runs the batch as a write of its own, with nothing read before it: on SQLite it never
    /// holds the writer, it is handed over whole and runs with the writes queued beside it
    /// (`Writer::submit`); on PostgreSQL it is a transaction of its own.
    pub async fn submit(self, db: &Db) -> Result<(), sqlx::Error> {
        self.submit_guarded(db, false).await.map(drop)
    }

    /// Like `commit_if_first_changes`, for a write that is this batch alone (as `submit`).
    pub async fn submit_if_first_changes(self, db: &Db) -> Result<Guarded, sqlx::Error> {
        self.submit_guarded(db, true).await
    }

    async fn submit_guarded(self, db: &Db, guard: bool) -> Result<Guarded, sqlx::Error> {
        match db {
            Db::Sqlite(s) => {
                let Some((sql, args, statements)) = self.for_sqlite(guard) else {
                    return Ok(Guarded::Committed);
                };
                guarded(s.writer.submit(sql, args, statements).await, guard)
            }
            Db::Postgres(_) => self.commit_guarded(db.begin().await?, guard).await,
        }
    }

    async fn commit_guarded(self, tx: Tx, guard: bool) -> Result<Guarded, sqlx::Error> {
        match tx {
            Tx::Sqlite(write) => {
                let Some((sql, args, statements)) = self.for_sqlite(guard) else {
                    return write.commit().await.map(|()| Guarded::Committed);
                };
                guarded(write.commit_with(sql, args, statements).await, guard)
            }
            Tx::Postgres(_) => {
                let mut tx = tx;
                for (i, (sql, args)) in self.0.into_iter().enumerate() {
                    let changed = execute(&mut tx, sql, &args).await?;
                    if guard && i == 0 && changed == 0 {
                        tx.rollback().await?;
                        return Ok(Guarded::Unchanged);
                    }
                }
                tx.commit().await.map(|()| Guarded::Committed)
            }
        }
    }

    /// The batch as one SQLite text, its values and its number of statements; with the guard
    /// after the first statement when `guard`. `None` when there are no statements.
    fn for_sqlite(mut self, guard: bool) -> Option<(String, Args, usize)> {
        if guard && !self.0.is_empty() {
            // SQLite stops a multi-statement text at its first error, and json() fails on
            // text that is not JSON: so this statement ends the batch when the one before it
            // changed nothing (`changes()` counts that statement's own rows, not its
            // triggers').
            self.0
                .insert(1, (UNCHANGED_STOPS.to_owned(), Args::default()));
        }
        let statements = self.0.len();
        self.joined().map(|(sql, args)| (sql, args, statements))
    }

    /// The statements as one text over one list of values; `None` when there are none.
    fn joined(self) -> Option<(String, Args)> {
        if self.0.len() <= 1 {
            return self.0.into_iter().next();
        }
        let mut all = Args::default();
        let mut text = String::new();
        for (sql, args) in self.0 {
            if !text.is_empty() {
                text.push_str(";\n");
            }
            text.push_str(&shift_placeholders(&sql, all.len()));
            all.append(args);
        }
        Some((text, all))
    }
}

/// What `Batch::commit_if_first_changes` did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Guarded {
    Committed,
    /// The first statement changed no row: nothing of the batch was written.
    Unchanged,
}

/// A guarded SQLite batch's outcome: `Unchanged` when the guard stopped it.
fn guarded(
    outcome: Result<Vec<sqlx::sqlite::SqliteRow>, EndFailed>,
    guard: bool,
) -> Result<Guarded, sqlx::Error> {
    match outcome {
        Ok(_) => Ok(Guarded::Committed),
        Err(EndFailed::Statement { changes, .. }) if guard && changes == [0] => {
            Ok(Guarded::Unchanged)
        }
        Err(failed) => Err(failed.into_error()),
    }
}

/// Fails (malformed JSON) unless the statement before it changed a row.
const UNCHANGED_STOPS: &str = "SELECT json(CASE WHEN changes() > 0 THEN '0' ELSE 'unchanged' END)";

/// `sql` with every placeholder `$n` outside quotes renumbered `$n + by`.
pub(crate) fn shift_placeholders(sql: &str, by: usize) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut quote: Option<char> = None;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            // A doubled quote inside quotes closes and reopens: the same as staying inside.
            (Some(q), _) if c == q => quote = None,
            (None, '\'' | '"') => quote = Some(c),
            (None, '$') if chars.peek().is_some_and(char::is_ascii_digit) => {
                let mut n = 0usize;
                while let Some(d) = chars.peek().and_then(|d| d.to_digit(10)) {
                    n = n * 10 + d as usize;
                    chars.next();
                }
                out.push('$');
                out.push_str(&(n + by).to_string());
                continue;
            }
            _ => {}
        }
        out.push(c);
    }
    out
}

/// The most values one built statement binds. SQLite looks parameters up by name in a
/// list, so binding is quadratic in their number: a 500-row insert of 10 columns spent
/// seconds there. Statements of at most ~1,000 values keep that negligible, and on
/// PostgreSQL the extra round trips cost well under a millisecond each.
pub const MAX_VALUES: usize = 999;

/// How many rows of `columns` values fit in one statement.
pub fn rows_per_statement(columns: usize) -> usize {
    (MAX_VALUES / columns.max(1)).max(1)
}

/// `($1, $2), ($3, $4), …`: one parenthesised group per row, each value bound through `args`.
pub fn values_rows<T>(
    args: &mut Args,
    rows: &[T],
    mut row: impl FnMut(&mut Args, &T) -> Vec<String>,
) -> String {
    rows.iter()
        .map(|r| format!("({})", row(args, r).join(", ")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `WHERE a AND b …` for the given conditions; nothing for none.
pub fn filter_clause(conds: &[String]) -> String {
    if conds.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conds.join(" AND "))
    }
}

/// Runs a built query that selects one text column.
pub async fn fetch_texts(db: &Db, sql: String, args: &Args) -> Result<Vec<String>, sqlx::Error> {
    on_db!(db, p => bind_all!(sqlx::query_scalar(AssertSqlSafe(sql.clone())), args.values())
        .fetch_all(p)
        .await)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_move_up_outside_quotes_only() {
        assert_eq!(
            shift_placeholders(
                "INSERT INTO t VALUES ($1, $2, '$1', \"$2\", 'it''s $3') -- $10",
                10
            ),
            "INSERT INTO t VALUES ($11, $12, '$1', \"$2\", 'it''s $3') -- $20"
        );
        assert_eq!(shift_placeholders("SELECT $ || $9", 1), "SELECT $ || $10");
    }

    #[test]
    fn a_batch_joins_its_statements_over_one_list_of_values() {
        let mut batch = Batch::default();
        let mut a = Args::default();
        let (x, y) = (a.text("x"), a.int(1));
        batch.add(format!("INSERT INTO a VALUES ({x}, {y})"), a);
        let mut b = Args::default();
        let z = b.text("z");
        batch.add(format!("INSERT INTO b VALUES ({z}, {z})"), b);
        let (sql, args) = batch.joined().unwrap();
        assert_eq!(
            sql,
            "INSERT INTO a VALUES ($1, $2);\nINSERT INTO b VALUES ($3, $3)"
        );
        assert_eq!(args.len(), 3);
        assert!(Batch::default().joined().is_none());
    }

    /// Two rows into `t` with the values given, as one batch of two statements.
    fn two_inserts(a: &str, b: &str) -> Batch {
        let mut batch = Batch::default();
        for v in [a, b] {
            let mut args = Args::default();
            let p = args.text(v);
            batch.add(format!("INSERT INTO t (v) VALUES ({p})"), args);
        }
        batch
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_batch_writes_every_statement_with_its_own_values_or_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("b.db").display());
        let db = Db::connect(&url).await.unwrap();
        let mut tx = db.begin().await.unwrap();
        execute(
            &mut tx,
            "CREATE TABLE t (v TEXT PRIMARY KEY)".into(),
            &Args::default(),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();

        let mut tx = db.begin().await.unwrap();
        two_inserts("first", "second")
            .execute(&mut tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        // The second statement collides with a row already there: the batch fails, and its
        // first statement goes with the write that is rolled back.
        let mut tx = db.begin().await.unwrap();
        assert!(two_inserts("third", "first")
            .execute(&mut tx)
            .await
            .is_err());
        tx.rollback().await.unwrap();

        let rows = fetch_texts(&db, "SELECT v FROM t ORDER BY v".into(), &Args::default())
            .await
            .unwrap();
        assert_eq!(rows, ["first", "second"]);
        db.close().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_guarded_batch_writes_nothing_when_its_first_statement_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("g.db").display());
        let db = Db::connect(&url).await.unwrap();
        let mut ddl = Batch::default();
        ddl.add(
            "CREATE TABLE t (v TEXT PRIMARY KEY)".into(),
            Args::default(),
        );
        ddl.add("CREATE TABLE log (v TEXT)".into(), Args::default());
        ddl.commit(db.begin().await.unwrap()).await.unwrap();
        // Into `t` unless there, then a log row: the shape of an invite and its writes.
        let guarded = |v: &str| {
            let mut batch = Batch::default();
            let mut args = Args::default();
            let p = args.text(v);
            batch.add(
                format!("INSERT INTO t (v) VALUES ({p}) ON CONFLICT DO NOTHING"),
                args,
            );
            let mut args = Args::default();
            let p = args.text(v);
            batch.add(format!("INSERT INTO log (v) VALUES ({p})"), args);
            batch
        };
        for (v, expected) in [
            ("a", Guarded::Committed),
            ("a", Guarded::Unchanged),
            ("b", Guarded::Committed),
        ] {
            let tx = db.begin().await.unwrap();
            assert_eq!(
                guarded(v).commit_if_first_changes(tx).await.unwrap(),
                expected,
                "{v}"
            );
        }
        let log = fetch_texts(&db, "SELECT v FROM log ORDER BY v".into(), &Args::default())
            .await
            .unwrap();
        assert_eq!(log, ["a", "b"], "the refused insert wrote no log row");
        // Handed to the writer whole, side by side: the same outcomes.
        let db = std::sync::Arc::new(db);
        let racing: Vec<_> = ["c", "c", "d", "a"]
            .into_iter()
            .map(|v| {
                let (db, batch) = (db.clone(), guarded(v));
                tokio::spawn(async move { batch.submit_if_first_changes(&db).await.unwrap() })
            })
            .collect();
        let mut outcomes = Vec::new();
        for task in racing {
            outcomes.push(task.await.unwrap());
        }
        outcomes.sort_by_key(|g| *g == Guarded::Unchanged);
        assert_eq!(
            outcomes,
            [
                Guarded::Committed,
                Guarded::Committed,
                Guarded::Unchanged,
                Guarded::Unchanged
            ]
        );
        let log = fetch_texts(&db, "SELECT v FROM log ORDER BY v".into(), &Args::default())
            .await
            .unwrap();
        assert_eq!(log, ["a", "b", "c", "d"]);
        db.close().await;
    }
}
