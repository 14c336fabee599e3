//! Bulk invites from CSV (`email, role, teams`; header row optional; teams separated by `;`).
//!
//! `plan` checks every row without writing anything: the dry run shows each row as ready or
//! with its problem, for the rows kept as a `drafts` draft between the check and the send. `import` plans again (things may have changed since the dry run) and
//! creates the ready rows in transactions of `BATCH`: each invite commits together with its
//! teams, email job and audit events, so an interrupted import leaves whole invites or none,
//! and a bad row never blocks a good one.

mod drafts;
mod import;
mod jobs;
mod plan;

pub use drafts::BulkDraft;
pub use plan::{check_records, parse_rows};

// What the parts below share; each takes it with `use super::*`.

use std::collections::HashMap;

use model::{BulkPreview, BulkProgress, BulkRow, Permission, Permissions};
use uuid::Uuid;

use super::issue::{record_issued, Issuing, LinkCopy};
use super::rules::{parse_expiry_hours, parse_message};
use crate::access::Caller;
use crate::audit::{Action, Event};
use crate::clock::{Millis, HOUR};
use crate::csv::{self, Record};
use crate::email::EmailAddress;
use crate::error::{DomainError, DomainResult};
use crate::live::Change;
use crate::store::invite_batches as batches;
use crate::store::invites::NewInvite;
use crate::store::roles::RoleRow;
use crate::store::teams::TeamRow;
use crate::store::{audit as audit_store, bulk_jobs, roles, teams};
use crate::Services;

pub const MAX_ROWS: usize = 10_000;
/// Invites per transaction.
const BATCH: usize = 500;
/// Ready rows shown in a dry run besides every row with a problem.
const SAMPLE: usize = 50;

/// A checked row: its line and (normalised, once valid) address, and what becomes of it.
#[derive(Clone, Debug)]
pub struct Planned {
    pub line: usize,
    pub email: String,
    pub verdict: Verdict,
}

/// Whether a row will be invited.
#[derive(Clone, Debug)]
pub enum Verdict {
    /// Invited as `role` into `teams`.
    Ready { role: RoleRow, teams: Vec<TeamRow> },
    /// Not invited, and why; with the role and teams the row named, as far as they were
    /// found before the problem, for the report.
    Refused {
        reason: String,
        role: Option<RoleRow>,
        teams: Vec<TeamRow>,
    },
}

impl Planned {
    pub fn is_ready(&self) -> bool {
        matches!(self.verdict, Verdict::Ready { .. })
    }

    /// Turns a ready row down (a check that needed the database found a problem).
    pub fn refuse(&mut self, reason: String) {
        let placeholder = Verdict::Refused {
            reason: String::new(),
            role: None,
            teams: Vec::new(),
        };
        self.verdict = match std::mem::replace(&mut self.verdict, placeholder) {
            Verdict::Ready { role, teams } => Verdict::Refused {
                reason,
                role: Some(role),
                teams,
            },
            refused @ Verdict::Refused { .. } => refused,
        };
    }

    /// The row as the dry run and the import's report show it.
    pub fn to_row(&self) -> BulkRow {
        let (role, teams, error) = match &self.verdict {
            Verdict::Ready { role, teams } => (Some(role), teams, None),
            Verdict::Refused {
                reason,
                role,
                teams,
            } => (role.as_ref(), teams, Some(reason.clone())),
        };
        BulkRow {
            line: self.line,
            email: self.email.clone(),
            role: role.map(|r| r.name.clone()).unwrap_or_default(),
            teams: teams.iter().map(|t| t.name.clone()).collect(),
            error,
        }
    }
}

/// What an import did.
#[derive(Clone, Debug, Default)]
pub struct ImportOutcome {
    pub total: usize,
    pub created: usize,
    /// The rows created: (line, invite id), in file order.
    pub created_ids: Vec<(usize, String)>,
    /// Rows not created, with their reasons, in file order.
    pub skipped: Vec<BulkRow>,
}

/// Where an import is, reported after each batch.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Step {
    pub done: usize,
    pub total: usize,
    pub created: usize,
}

/// The shared options of a bulk import.
pub struct BulkOptions<'a> {
    pub expiry_hours: i64,
    pub message: &'a str,
}
