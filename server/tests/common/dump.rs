//! Every row of every table as text: to search a database for secrets, and to prove that a
//! request wrote nothing (the dump before equals the dump after).

use std::collections::BTreeMap;

use domain::store::Db;
use sqlx::AssertSqlSafe;

/// Table name → its rows, each row's columns joined with `|`, rows sorted.
pub type Dump = BTreeMap<String, Vec<String>>;

pub async fn dump(db: &Db) -> Dump {
    let mut out = Dump::new();
    match db {
        Db::Sqlite(s) => {
            let pool = &s.read;
            let tables: Vec<String> = sqlx::query_scalar(
                "SELECT name FROM sqlite_master WHERE type = 'table' \
                 AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%' ORDER BY name",
            )
            .fetch_all(pool)
            .await
            .unwrap();
            for table in tables {
                let columns: Vec<String> =
                    sqlx::query_scalar("SELECT name FROM pragma_table_info($1)")
                        .bind(&table)
                        .fetch_all(pool)
                        .await
                        .unwrap();
                // quote() renders every type, blobs as X'..' hex, NULL as NULL.
                let row = columns
                    .iter()
                    .map(|c| format!("quote(\"{c}\")"))
                    .collect::<Vec<_>>()
                    .join(" || '|' || ");
                let mut rows: Vec<String> =
                    sqlx::query_scalar(AssertSqlSafe(format!("SELECT {row} FROM \"{table}\"")))
                        .fetch_all(pool)
                        .await
                        .unwrap();
                rows.sort();
                out.insert(table, rows);
            }
        }
        Db::Postgres(pool) => {
            let tables: Vec<String> = sqlx::query_scalar(
                "SELECT table_name::text FROM information_schema.tables \
                 WHERE table_schema = 'public' AND table_type = 'BASE TABLE' \
                 AND table_name NOT LIKE '_sqlx%' ORDER BY 1",
            )
            .fetch_all(pool)
            .await
            .unwrap();
            for table in tables {
                let columns: Vec<String> = sqlx::query_scalar(
                    "SELECT column_name::text FROM information_schema.columns \
                     WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position",
                )
                .bind(&table)
                .fetch_all(pool)
                .await
                .unwrap();
                let row = columns
                    .iter()
                    .map(|c| format!("coalesce(\"{c}\"::text, 'NULL')"))
                    .collect::<Vec<_>>()
                    .join(" || '|' || ");
                let mut rows: Vec<String> =
                    sqlx::query_scalar(AssertSqlSafe(format!("SELECT {row} FROM \"{table}\"")))
                        .fetch_all(pool)
                        .await
                        .unwrap();
                rows.sort();
                out.insert(table, rows);
            }
        }
    }
    out
}

/// The whole dump as one text, for substring searches.
pub fn as_text(dump: &Dump) -> String {
    dump.iter()
        .map(|(t, rows)| format!("== {t}\n{}\n", rows.join("\n")))
        .collect()
}
