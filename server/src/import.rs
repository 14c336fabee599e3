//! `vestibule import`: bulk invites from a CSV file on the command line, with the same checks
//! and the same all-or-nothing-per-invite creation as the web page, and a progress bar.

use std::path::Path;

use domain::invites::bulk::{BulkOptions, ImportOutcome};
use domain::model::BulkRow;
use domain::Services;

use crate::progress::Progress;

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Csv(#[from] domain::csv::CsvError),
    #[error("--as: {0}")]
    Inviter(String),
    #[error("{0}")]
    Domain(#[from] domain::DomainError),
}

pub enum Report {
    /// The dry run: every checked row.
    Checked(Vec<BulkRow>),
    Imported(ImportOutcome),
}

/// Imports (or with `dry_run`, checks) the file as the active account `inviter`.
pub async fn run(
    services: &Services,
    file: &Path,
    inviter: &str,
    expiry_hours: i64,
    message: &str,
    dry_run: bool,
) -> Result<Report, ImportError> {
    let bytes = std::fs::read(file).map_err(|source| ImportError::Read {
        path: file.display().to_string(),
        source,
    })?;
    let text = domain::csv::decode(&bytes)?;
    let caller = crate::acting::acting_as(services, Some(inviter))
        .await
        .map_err(ImportError::Inviter)?;
    if dry_run {
        let planned = services.plan_bulk(&caller, text).await?;
        return Ok(Report::Checked(
            planned.iter().map(|p| p.to_row()).collect(),
        ));
    }
    let mut bar: Option<Progress> = None;
    let outcome = services
        .import_bulk(
            &caller,
            text,
            &BulkOptions {
                expiry_hours,
                message,
            },
            |step| {
                bar.get_or_insert_with(|| Progress::new("inviting", step.total))
                    .set(step.done);
            },
        )
        .await?;
    if let Some(mut b) = bar {
        b.finish();
    }
    Ok(Report::Imported(outcome))
}
