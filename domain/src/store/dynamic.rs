//! Statements assembled at run time from fixed fragments (optional filters, multi-row
//! inserts). Values are never spliced into the text: each is bound, and `Args` hands out
//! its `$n` placeholder, which both SQLite and PostgreSQL accept.

use sqlx::AssertSqlSafe;

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
