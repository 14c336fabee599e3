//! Every row of every table as text: to search a database for secrets, and to prove that a
//! request wrote nothing (the dump before equals the dump after).

use std::collections::BTreeMap;

use domain::store::dynamic::{fetch_texts, Args};
use domain::store::Db;

/// Table name → its rows, each row's columns joined with `|`, rows sorted.
pub type Dump = BTreeMap<String, Vec<String>>;

pub async fn dump(db: &Db) -> Dump {
    // What differs per backend: where the catalogue lives, and how a value becomes text
    // (SQLite's quote() renders every type, blobs as X'..' hex, NULL as NULL).
    let (tables_sql, columns_sql, as_text): (&str, &str, fn(&str) -> String) = match db {
        Db::Sqlite(_) => (
            "SELECT name FROM sqlite_master WHERE type = 'table' \
             AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%' ORDER BY name",
            "SELECT name FROM pragma_table_info($1)",
            |c| format!("quote(\"{c}\")"),
        ),
        Db::Postgres(_) => (
            "SELECT table_name::text FROM information_schema.tables \
             WHERE table_schema = 'public' AND table_type = 'BASE TABLE' \
             AND table_name NOT LIKE '_sqlx%' ORDER BY 1",
            "SELECT column_name::text FROM information_schema.columns \
             WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position",
            |c| format!("coalesce(\"{c}\"::text, 'NULL')"),
        ),
    };
    let mut out = Dump::new();
    for table in fetch_texts(db, tables_sql.to_owned(), &Args::default())
        .await
        .unwrap()
    {
        // Rate-limit counters (PostgreSQL's shared limits) count refused requests too, by
        // design: they are not data a request stored.
        if table == "rate_limits" {
            continue;
        }
        let mut args = Args::default();
        args.text(table.as_str());
        let columns = fetch_texts(db, columns_sql.to_owned(), &args)
            .await
            .unwrap();
        let row = columns
            .iter()
            .map(|c| as_text(c))
            .collect::<Vec<_>>()
            .join(" || '|' || ");
        let sql = format!("SELECT {row} FROM \"{table}\"");
        let mut rows = fetch_texts(db, sql, &Args::default()).await.unwrap();
        rows.sort();
        out.insert(table, rows);
    }
    out
}

/// The whole dump as one text, for substring searches.
pub fn as_text(dump: &Dump) -> String {
    dump.iter()
        .map(|(t, rows)| format!("== {t}\n{}\n", rows.join("\n")))
        .collect()
}
