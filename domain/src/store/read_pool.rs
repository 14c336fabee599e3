//! SQLite's read connections: a few connections to the file, each lent to one read at a
//! time, and an `Executor` over them so every store query runs on it as on a pool.
//!
//! Why not sqlx's pool: it tests each connection as it comes back (a ping, unconditionally),
//! which on SQLite is one more round trip to the connection's thread, with a wake-up at each
//! end, for every read: on an invite create, three reads and three pings. A connection to a
//! local file does not go stale the way a network one does, and each connection's thread runs
//! its commands in order, so a read dropped half-way leaves nothing for the next one to trip
//! on (it waits behind the rest of the dropped one). A connection that failed as a connection
//! (its thread gone, an I/O error) is closed instead of lent again.
//!
//! Reads are collected whole before they are handed over: nothing in the store streams rows,
//! so a stream that holds the connection across the caller's awaits would buy nothing.

use futures_util::future::BoxFuture;
use futures_util::stream::{self, BoxStream, StreamExt};
use sqlx::sqlite::{SqliteConnectOptions, SqliteQueryResult, SqliteRow, SqliteTypeInfo};
use sqlx::{ConnectOptions, Connection, Either, Execute, Executor, Sqlite, SqliteConnection};
use std::sync::{Arc, Mutex};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

#[derive(Clone, Debug)]
pub struct ReadPool(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    options: SqliteConnectOptions,
    idle: Mutex<Vec<SqliteConnection>>,
    /// One permit per connection the pool may hold; closed when the pool is.
    slots: Arc<Semaphore>,
}

impl ReadPool {
    /// Opens one connection now (so a bad path fails at start-up, with its cause) and up to
    /// `size` in all, as reads need them.
    pub async fn connect(options: SqliteConnectOptions, size: usize) -> Result<Self, sqlx::Error> {
        let first = options.connect().await?;
        Ok(ReadPool(Arc::new(Inner {
            options,
            idle: Mutex::new(vec![first]),
            slots: Arc::new(Semaphore::new(size)),
        })))
    }

    async fn acquire(&self) -> Result<Lent, sqlx::Error> {
        let permit =
            tokio::time::timeout(super::ACQUIRE_TIMEOUT, self.0.slots.clone().acquire_owned())
                .await
                .map_err(|_| sqlx::Error::PoolTimedOut)?
                .map_err(|_| sqlx::Error::PoolClosed)?;
        let idle = self.0.idle.lock().expect("read pool lock").pop();
        let conn = match idle {
            Some(conn) => conn,
            None => self.0.options.connect().await?,
        };
        Ok(Lent {
            conn: Some(conn),
            pool: self.0.clone(),
            _permit: permit,
        })
    }

    /// Refuses new reads and closes the idle connections (one lent out is closed as it
    /// comes back).
    pub async fn close(&self) {
        self.0.slots.close();
        let idle = std::mem::take(&mut *self.0.idle.lock().expect("read pool lock"));
        for conn in idle {
            let _ = conn.close().await;
        }
    }
}

/// A connection lent to one read; it goes back to the pool when dropped.
struct Lent {
    conn: Option<SqliteConnection>,
    pool: Arc<Inner>,
    _permit: OwnedSemaphorePermit,
}

impl Lent {
    fn conn(&mut self) -> &mut SqliteConnection {
        self.conn.as_mut().expect("a lent connection until dropped")
    }

    /// Forgets the connection if `error` says it is broken, rather than lend it again.
    fn check(&mut self, error: &sqlx::Error) {
        if matches!(
            error,
            sqlx::Error::WorkerCrashed | sqlx::Error::Io(_) | sqlx::Error::Protocol(_)
        ) {
            self.conn = None;
        }
    }
}

impl Drop for Lent {
    fn drop(&mut self) {
        // Before the permit goes (fields drop after this), so the next read finds it idle.
        if let Some(conn) = self.conn.take() {
            if !self.pool.slots.is_closed() {
                self.pool.idle.lock().expect("read pool lock").push(conn);
            }
        }
    }
}

impl<'p> Executor<'p> for &'_ ReadPool {
    type Database = Sqlite;

    fn fetch_many<'e, 'q: 'e, E>(
        self,
        query: E,
    ) -> BoxStream<'e, Result<Either<SqliteQueryResult, SqliteRow>, sqlx::Error>>
    where
        E: 'q + Execute<'q, Sqlite>,
    {
        let pool = self.clone();
        let all = async move {
            let mut lent = pool.acquire().await?;
            let items: Vec<_> = lent.conn().fetch_many(query).collect().await;
            if let Some(Err(e)) = items.last() {
                lent.check(e);
            }
            Ok::<_, sqlx::Error>(items)
        };
        Box::pin(stream::once(all).flat_map(|all| match all {
            Ok(items) => stream::iter(items),
            Err(e) => stream::iter(vec![Err(e)]),
        }))
    }

    fn fetch_optional<'e, 'q: 'e, E>(
        self,
        query: E,
    ) -> BoxFuture<'e, Result<Option<SqliteRow>, sqlx::Error>>
    where
        E: 'q + Execute<'q, Sqlite>,
    {
        let pool = self.clone();
        Box::pin(async move {
            let mut lent = pool.acquire().await?;
            let row = lent.conn().fetch_optional(query).await;
            if let Err(e) = &row {
                lent.check(e);
            }
            row
        })
    }

    fn prepare_with<'e>(
        self,
        sql: sqlx::SqlStr,
        parameters: &'e [SqliteTypeInfo],
    ) -> BoxFuture<'e, Result<sqlx::sqlite::SqliteStatement, sqlx::Error>>
    where
        'p: 'e,
    {
        let pool = self.clone();
        Box::pin(async move {
            pool.acquire()
                .await?
                .conn()
                .prepare_with(sql, parameters)
                .await
        })
    }

    fn describe<'e>(
        self,
        sql: sqlx::SqlStr,
    ) -> BoxFuture<'e, Result<sqlx::Describe<Sqlite>, sqlx::Error>>
    where
        'p: 'e,
    {
        let pool = self.clone();
        Box::pin(async move { pool.acquire().await?.conn().describe(sql).await })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    async fn fresh(size: usize) -> (tempfile::TempDir, ReadPool) {
        let dir = tempfile::tempdir().unwrap();
        let options = SqliteConnectOptions::from_str(&format!(
            "sqlite://{}",
            dir.path().join("r.db").display()
        ))
        .unwrap()
        .create_if_missing(true);
        let pool = ReadPool::connect(options, size).await.unwrap();
        (dir, pool)
    }

    #[tokio::test]
    async fn reads_share_the_connections_and_a_failed_query_leaves_the_pool_usable() {
        let (_dir, pool) = fresh(2).await;
        let reads = (0..20i64).map(|n| {
            let pool = pool.clone();
            async move {
                let got: i64 = sqlx::query_scalar("SELECT $1 + 1")
                    .bind(n)
                    .fetch_one(&pool)
                    .await
                    .unwrap();
                assert_eq!(got, n + 1);
            }
        });
        futures_util::future::join_all(reads).await;
        assert!(
            pool.0.idle.lock().unwrap().len() <= 2,
            "never more than its size"
        );

        let err = sqlx::query("SELECT * FROM no_such_table")
            .fetch_all(&pool)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("no_such_table"), "{err}");
        let rows: Vec<i64> = sqlx::query_scalar("SELECT 1 UNION ALL SELECT 2")
            .fetch_all(&pool)
            .await
            .unwrap();
        assert_eq!(rows, [1, 2]);
    }

    #[tokio::test]
    async fn a_read_dropped_half_way_hands_back_a_connection_the_next_read_can_use() {
        let (_dir, pool) = fresh(1).await;
        // A slow read, cancelled while its connection's thread is still running it.
        let slow = sqlx::query_scalar::<_, i64>(
            "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 2000000) \
             SELECT count(*) FROM n",
        )
        .fetch_one(&pool);
        assert!(
            tokio::time::timeout(std::time::Duration::from_millis(5), slow)
                .await
                .is_err()
        );
        let next: i64 = sqlx::query_scalar("SELECT 42")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(next, 42);
    }

    #[tokio::test]
    async fn a_closed_pool_refuses_reads_with_a_clear_error() {
        let (_dir, pool) = fresh(1).await;
        pool.close().await;
        let err = sqlx::query("SELECT 1").execute(&pool).await.unwrap_err();
        assert!(matches!(err, sqlx::Error::PoolClosed), "{err}");
    }
}
