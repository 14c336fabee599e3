//! `vestibule backup --to FILE` and `vestibule restore --from FILE`: what they say to the
//! operator around `domain::store::backup`, which does the work.

use std::path::Path;

use domain::store::backup::{self, BackupError};
use domain::store::Db;

use crate::config::Config;

const KEY_REMINDER: &str = "The copy holds no server key. Keep the key with it \
    (DATA_DIR/secret.key, or VESTIBULE_SECRET_KEY): without it every link and API key in it is void.";

fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1_000_000.0)
}

pub async fn backup(config: &Config, to: &Path) -> Result<String, BackupError> {
    let db = backup::sqlite_path(&config.database_url)?;
    let started = std::time::Instant::now();
    let copy = backup::backup(&db, to).await?;
    Ok(format!(
        "Backed up {} to {} in {:.1} s: {}, {} invites, schema version {}. It passed SQLite's \
         integrity check.\n{KEY_REMINDER}",
        db.display(),
        to.display(),
        started.elapsed().as_secs_f64(),
        megabytes(copy.bytes),
        copy.invites,
        copy.schema_version
    ))
}

pub async fn restore(config: &Config, from: &Path) -> Result<String, BackupError> {
    let db = backup::sqlite_path(&config.database_url)?;
    let stamp = time::OffsetDateTime::now_utc()
        .format(time::macros::format_description!(
            "[year][month][day]-[hour][minute][second]"
        ))
        .unwrap_or_else(|_| "previous".into());
    let done = backup::restore(&db, from, Db::newest_sqlite_migration(), &stamp).await?;
    let previous = match &done.previous {
        Some(p) => format!(" The database it replaced is at {}.", p.display()),
        None => String::new(),
    };
    Ok(format!(
        "Restored {} from {}: {} invites, schema version {}.{previous}\nStart the server: it \
         applies this version's newer migrations, if any. It needs the server key the backup \
         was made with.",
        db.display(),
        from.display(),
        done.copy.invites,
        done.copy.schema_version
    ))
}
