//! Bulk invites from CSV (`email, role, teams`; header row optional; teams separated by `;`).
//!
//! `plan` checks every row without writing anything: the dry run shows each row as ready or
//! with its problem. `import` plans again (things may have changed since the dry run) and
//! creates the ready rows in transactions of `BATCH`: each invite commits together with its
//! teams, email job and audit events, so an interrupted import leaves whole invites or none,
//! and a bad row never blocks a good one.

use std::collections::{HashMap, HashSet};

use model::{BulkPreview, BulkProgress, BulkRow, Permission, Permissions};
use uuid::Uuid;

use crate::access::Caller;
use crate::audit::{Action, Event};
use crate::clock::{Millis, HOUR};
use crate::csv::{self, Record};
use crate::email::EmailAddress;
use crate::error::{DomainError, DomainResult};
use crate::invite::{parse_expiry_hours, parse_message};
use crate::live::Change;
use crate::store::dynamic::{self, Args};
use crate::store::invites::{self as store, NewInvite};
use crate::store::outbox::JobKind;
use crate::store::roles::RoleRow;
use crate::store::teams::TeamRow;
use crate::store::{audit as audit_store, bulk_jobs, outbox, roles, teams, Db};
use crate::token::{self, Purpose};
use crate::Services;

pub const MAX_ROWS: usize = 10_000;
/// Invites per transaction.
const BATCH: usize = 500;
/// Ready rows shown in a dry run besides every row with a problem.
const SAMPLE: usize = 50;

/// A checked row: what will be created, or why not.
#[derive(Clone, Debug)]
pub struct Planned {
    pub line: usize,
    pub email: String,
    pub role: Option<RoleRow>,
    pub teams: Vec<TeamRow>,
    pub error: Option<String>,
}

impl Planned {
    pub fn to_row(&self) -> BulkRow {
        BulkRow {
            line: self.line,
            email: self.email.clone(),
            role: self
                .role
                .as_ref()
                .map(|r| r.name.clone())
                .unwrap_or_default(),
            teams: self.teams.iter().map(|t| t.name.clone()).collect(),
            error: self.error.clone(),
        }
    }
}

/// What an import did.
#[derive(Clone, Debug, Default)]
pub struct ImportOutcome {
    pub total: usize,
    pub created: usize,
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

/// The data rows of a CSV text: parsed, an optional header row dropped, and at least one
/// and at most `MAX_ROWS` of them.
pub fn parse_rows(text: &str) -> DomainResult<Vec<Record>> {
    let mut records = csv::parse(text).map_err(|e| DomainError::invalid("csv", e.to_string()))?;
    let header = records
        .first()
        .and_then(|r| r.fields.first())
        .is_some_and(|f| f.trim().eq_ignore_ascii_case("email"));
    if header {
        records.remove(0);
    }
    if records.is_empty() {
        return Err(DomainError::invalid(
            "csv",
            "No rows found. Give one invite per line: email, role, teams.",
        ));
    }
    if records.len() > MAX_ROWS {
        return Err(DomainError::invalid(
            "csv",
            format!(
                "{} rows: at most {MAX_ROWS} can be invited at once. Split the file.",
                records.len()
            ),
        ));
    }
    Ok(records)
}

/// Checks the data rows (see `parse_rows`) that need no database: shape, email, role, ceiling, teams, duplicates.
pub fn check_records(
    records: &[Record],
    roles: &[RoleRow],
    teams: &[TeamRow],
    held: Permissions,
) -> Vec<Planned> {
    let by_name = |name: &str| -> Option<&RoleRow> {
        let n = name.trim();
        roles
            .iter()
            .find(|r| r.name.eq_ignore_ascii_case(n) || r.id == n)
    };
    let mut first_line: HashMap<String, usize> = HashMap::new();
    let mut out = Vec::with_capacity(records.len());
    for rec in records {
        let cell = |k: usize| rec.fields.get(k).map(|s| s.trim()).unwrap_or("");
        let mut p = Planned {
            line: rec.line,
            email: cell(0).to_owned(),
            role: None,
            teams: Vec::new(),
            error: None,
        };
        p.error = (|| {
            if rec.fields.len() > 3 {
                return Some(format!(
                    "{} columns: expected email, role and teams (separate teams with ;).",
                    rec.fields.len()
                ));
            }
            let email = match EmailAddress::parse(cell(0)) {
                Ok(e) => e,
                Err(e) => return Some(e.to_string()),
            };
            p.email = email.as_str().to_owned();
            if cell(1).is_empty() {
                return Some("No role given.".to_owned());
            }
            let Some(role) = by_name(cell(1)) else {
                return Some(format!("Unknown role \"{}\".", cell(1)));
            };
            p.role = Some(role.clone());
            if !held.may_grant(Permissions::from_bits(role.permissions)) {
                return Some(format!(
                    "You cannot invite people as {}: it has permissions your role lacks.",
                    role.name
                ));
            }
            for name in cell(2).split(';').map(str::trim).filter(|n| !n.is_empty()) {
                match teams
                    .iter()
                    .find(|t| t.name.eq_ignore_ascii_case(name) || t.id == name)
                {
                    Some(t) if !p.teams.iter().any(|x| x.id == t.id) => p.teams.push(t.clone()),
                    Some(_) => {}
                    None => return Some(format!("Unknown team \"{name}\".")),
                }
            }
            if let Some(line) = first_line.get(email.as_str()) {
                return Some(format!("Duplicate: the same address is on line {line}."));
            }
            first_line.insert(email.as_str().to_owned(), rec.line);
            None
        })();
        out.push(p);
    }
    out
}

/// Of `emails`, those that have an account, and those with an invite still pending at `now`.
async fn taken(
    db: &Db,
    emails: &[&str],
    now: Millis,
) -> Result<(HashSet<String>, HashSet<String>), sqlx::Error> {
    let mut members = HashSet::new();
    let mut invited = HashSet::new();
    // The addresses of one chunk as `IN (…)` placeholders, after any `first` values.
    let in_list = |chunk: &[&str], args: &mut Args| {
        let list: Vec<String> = chunk.iter().map(|e| args.text(*e)).collect();
        list.join(", ")
    };
    for chunk in emails.chunks(BATCH) {
        let mut args = Args::default();
        let list = in_list(chunk, &mut args);
        let sql = format!("SELECT email FROM users WHERE email IN ({list})");
        members.extend(dynamic::fetch_texts(db, sql, &args).await?);
        let mut args = Args::default();
        let now_p = args.int(now);
        let list = in_list(chunk, &mut args);
        let sql = format!(
            "SELECT email FROM invites WHERE email IN ({list}) AND accepted_at IS NULL \
             AND revoked_at IS NULL AND closed_at IS NULL AND expires_at > {now_p}"
        );
        invited.extend(dynamic::fetch_texts(db, sql, &args).await?);
    }
    Ok((members, invited))
}

impl Services {
    /// Checks every row of a CSV file; writes nothing.
    pub async fn plan_bulk(&self, caller: &Caller, text: &str) -> DomainResult<Vec<Planned>> {
        let held = caller.require(Permission::SendInvites)?;
        let records = parse_rows(text)?;
        let all_roles = roles::list(&self.db).await?;
        let all_teams = teams::list(&self.db).await?;
        let mut planned = check_records(&records, &all_roles, &all_teams, held);
        let ready: Vec<&str> = planned
            .iter()
            .filter(|p| p.error.is_none())
            .map(|p| p.email.as_str())
            .collect();
        let now = self.clock.now();
        let (members, invited) = taken(&self.db, &ready, now).await?;
        let policy = self.policy().await?;
        let mut room = self
            .cap_room(&policy, caller, now)
            .await?
            .map(|(room, _)| room);
        for p in planned.iter_mut().filter(|p| p.error.is_none()) {
            let domain = p.email.rsplit('@').next().unwrap_or_default();
            if members.contains(&p.email) {
                p.error = Some("Already a member.".into());
            } else if invited.contains(&p.email) {
                p.error = Some("Already invited (pending). Use Resend in the list.".into());
            } else if let Err(reason) = policy.check_domain(domain) {
                p.error = Some(reason);
            } else if let Some(left) = room.as_mut() {
                if *left == 0 {
                    p.error = Some(format!(
                        "Over the daily cap of the invite policy ({} invites per person per 24 hours).",
                        policy.daily_cap
                    ));
                } else {
                    *left -= 1;
                }
            }
        }
        Ok(planned)
    }

    /// The dry run as the page shows it: every problem, and a sample of ready rows.
    pub async fn preview_bulk(&self, caller: &Caller, text: &str) -> DomainResult<BulkPreview> {
        let planned = self.plan_bulk(caller, text).await?;
        let ready = planned.iter().filter(|p| p.error.is_none()).count();
        Ok(BulkPreview {
            total: planned.len(),
            ready,
            problems: planned
                .iter()
                .filter(|p| p.error.is_some())
                .map(Planned::to_row)
                .collect(),
            sample: planned
                .iter()
                .filter(|p| p.error.is_none())
                .take(SAMPLE)
                .map(Planned::to_row)
                .collect(),
        })
    }

    /// Creates the ready rows. `progress` is called after each batch.
    pub async fn import_bulk(
        &self,
        caller: &Caller,
        text: &str,
        opts: &BulkOptions<'_>,
        mut progress: impl FnMut(Step),
    ) -> DomainResult<ImportOutcome> {
        let ttl = parse_expiry_hours(opts.expiry_hours)?;
        let message = parse_message(opts.message)?;
        crate::policy::check_expiry(&self.policy().await?, opts.expiry_hours)?;
        let planned = self.plan_bulk(caller, text).await?;
        let mut outcome = ImportOutcome {
            total: planned.len(),
            ..ImportOutcome::default()
        };
        let mut done = 0;
        for chunk in planned.chunks(BATCH) {
            let created = self
                .create_batch(caller, chunk, ttl, &message, &mut outcome)
                .await?;
            outcome.created += created;
            done += chunk.len();
            progress(Step {
                done,
                total: outcome.total,
                created: outcome.created,
            });
            self.mail_wakeup.notify_one();
            self.live.publish(Change::general("bulk")).await;
        }
        let now = self.clock.now();
        let summary = Event::new(&caller.actor, Action::BulkImported, None).detail(format!(
            "{} rows: {} invited, {} skipped",
            outcome.total,
            outcome.created,
            outcome.skipped.len()
        ));
        audit_store::insert(&self.db, &summary, now).await?;
        Ok(outcome)
    }

    /// One transaction: every ready row of `chunk` whose address is still free.
    async fn create_batch(
        &self,
        caller: &Caller,
        chunk: &[Planned],
        ttl: Millis,
        message: &str,
        outcome: &mut ImportOutcome,
    ) -> DomainResult<usize> {
        // A few statements per batch, not several per row: on PostgreSQL each statement is a
        // round trip, and 10,000 rows one by one took 8 s.
        let now = self.clock.now();
        let mut ready = Vec::with_capacity(chunk.len());
        for p in chunk {
            match (&p.role, &p.error) {
                (Some(role), None) => ready.push((p, role)),
                _ => outcome.skipped.push(p.to_row()),
            }
        }
        if ready.is_empty() {
            return Ok(0);
        }
        let mut tx = self.db.begin().await?;
        // Checked again inside the transaction: the plan may be a few seconds old.
        let emails: Vec<&str> = ready.iter().map(|(p, _)| p.email.as_str()).collect();
        let members = crate::store::users::emails_taken(&mut tx, &emails).await?;
        ready.retain(|(p, _)| {
            let member = members.contains(&p.email);
            if member {
                outcome.skipped.push(BulkRow {
                    error: Some("Already a member.".into()),
                    ..p.to_row()
                });
            }
            !member
        });
        let emails: Vec<&str> = ready.iter().map(|(p, _)| p.email.as_str()).collect();
        store::close_expired_for_emails(&mut tx, &emails, now).await?;
        let mut minted = Vec::with_capacity(ready.len());
        for _ in &ready {
            let id = Uuid::now_v7();
            let seed = token::new_seed()?;
            let issued = token::issue_from_seed(&self.key, Purpose::Invite, id, &seed);
            minted.push((id.to_string(), seed, issued.digest));
        }
        let rows: Vec<NewInvite> = ready
            .iter()
            .zip(&minted)
            .map(|((p, role), (id, _, digest))| NewInvite {
                id,
                email: &p.email,
                role_id: &role.id,
                inviter_id: caller.id(),
                message,
                token_digest: digest,
                // Bulk imports show no links: each invite has only its emailed one.
                copy_digest: None,
                created_at: now,
                expires_at: now + ttl,
            })
            .collect();
        let inserted: std::collections::HashSet<String> =
            store::insert_many_if_free(&mut tx, &rows)
                .await?
                .into_iter()
                .collect();
        let mut teams = vec![];
        let mut jobs = vec![];
        let mut events = vec![];
        for ((p, role), (id, seed, _)) in ready.iter().zip(&minted) {
            // Someone may have invited the address since the plan: then skip, never fail.
            if !inserted.contains(id) {
                outcome.skipped.push(BulkRow {
                    error: Some("Already invited (pending). Use Resend in the list.".into()),
                    ..p.to_row()
                });
                continue;
            }
            teams.extend(p.teams.iter().map(|t| (id.as_str(), t.id.as_str())));
            jobs.push(outbox::NewJob::new(
                id,
                JobKind::Invite,
                &p.email,
                Some(seed),
            ));
            events.push(
                Event::new(&caller.actor, Action::InviteCreated, Some(&p.email))
                    .detail(format!(
                        "role {}; expires in {} h; bulk import",
                        role.name,
                        ttl / HOUR
                    ))
                    .invite(id),
            );
            events.push(Event::new(&caller.actor, Action::EmailQueued, Some(&p.email)).invite(id));
        }
        store::add_teams_many(&mut tx, &teams).await?;
        outbox::insert_many(&mut tx, &jobs, now).await?;
        audit_store::insert_many_tx(&mut tx, &events, now).await?;
        let created = jobs.len();
        tx.commit().await?;
        Ok(created)
    }
}

/// A job whose heartbeat is older than this, unfinished, was cut short (its server stopped).
const STALE: Millis = 30_000;

impl Services {
    /// Checks the file, then creates its ready rows in the background; returns the job to
    /// follow with `bulk_progress`. Bad input (unreadable file, too many rows, no rows, bad
    /// expiry or note) is refused here, before any job starts.
    pub async fn start_bulk(
        &self,
        caller: &Caller,
        text: String,
        expiry_hours: i64,
        message: String,
    ) -> DomainResult<String> {
        parse_expiry_hours(expiry_hours)?;
        parse_message(&message)?;
        crate::policy::check_expiry(&self.policy().await?, expiry_hours)?;
        // The rows are checked in full by the import itself; here only what makes a job
        // pointless: no permission, an unreadable file, no rows or too many.
        caller.require(Permission::SendInvites)?;
        let total = parse_rows(&text)?.len();
        let job_id = Uuid::now_v7().to_string();
        bulk_jobs::insert(
            &self.db,
            &job_id,
            caller.id(),
            total as i64,
            self.clock.now(),
        )
        .await?;
        let (services, caller, id) = (self.clone(), caller.clone(), job_id.clone());
        tokio::spawn(async move {
            let opts = BulkOptions {
                expiry_hours,
                message: &message,
            };
            // Progress writes are best effort: a missed one only delays the bar.
            let (tx, mut rx) = tokio::sync::watch::channel(Step::default());
            let reporter = {
                let (services, id) = (services.clone(), id.clone());
                tokio::spawn(async move {
                    while rx.changed().await.is_ok() {
                        let step = *rx.borrow_and_update();
                        let now = services.clock.now();
                        let _ = bulk_jobs::progress(
                            &services.db,
                            &id,
                            step.done as i64,
                            step.created as i64,
                            now,
                        )
                        .await;
                    }
                })
            };
            let result = services
                .import_bulk(&caller, &text, &opts, |step| {
                    let _ = tx.send(step);
                })
                .await;
            drop(tx);
            let _ = reporter.await;
            let now = services.clock.now();
            let finished = match result {
                Ok(outcome) => {
                    let _ = bulk_jobs::progress(
                        &services.db,
                        &id,
                        outcome.total as i64,
                        outcome.created as i64,
                        now,
                    )
                    .await;
                    let skipped =
                        serde_json::to_string(&outcome.skipped).unwrap_or_else(|_| "[]".into());
                    bulk_jobs::finish(&services.db, &id, &skipped, None, now).await
                }
                Err(e) => {
                    tracing::error!(job = %id, error = %e, "bulk import failed");
                    let shown = match e {
                        DomainError::Store(_) | DomainError::Internal(_) => {
                            "The import stopped because of an error on our side. The invites listed as created were kept; check the list and try the rest again.".to_owned()
                        }
                        other => other.to_string(),
                    };
                    bulk_jobs::finish(&services.db, &id, "[]", Some(&shown), now).await
                }
            };
            if let Err(e) = finished {
                tracing::error!(job = %id, error = %e, "cannot record the end of a bulk import");
            }
        });
        Ok(job_id)
    }

    /// How a bulk import is going. Only the person who started it may look.
    pub async fn bulk_progress(&self, caller: &Caller, job_id: &str) -> DomainResult<BulkProgress> {
        caller.require(Permission::SendInvites)?;
        let job = bulk_jobs::find(&self.db, job_id)
            .await?
            .filter(|j| j.created_by == caller.user.id)
            .ok_or(DomainError::NotFound)?;
        let finished = job.finished_at.is_some();
        Ok(BulkProgress {
            job_id: job.id,
            total: job.total as usize,
            done: job.done as usize,
            created: job.created as usize,
            finished,
            interrupted: !finished && self.clock.now() - job.heartbeat_at > STALE,
            error: job.error,
            skipped: serde_json::from_str(&job.skipped).unwrap_or_default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn role(id: &str, name: &str, perms: i64) -> RoleRow {
        RoleRow {
            id: id.into(),
            name: name.into(),
            description: String::new(),
            permissions: perms,
            built_in: true,
            in_use: 0,
        }
    }

    fn check(text: &str, held: Permissions) -> Vec<(usize, Option<String>)> {
        let roles = vec![role("admin", "Admin", 63), role("editor", "Editor", 7)];
        let teams = vec![TeamRow {
            id: "t1".into(),
            name: "Brand".into(),
            members: 0,
        }];
        let records = parse_rows(text).unwrap();
        check_records(&records, &roles, &teams, held)
            .into_iter()
            .map(|p| (p.line, p.error))
            .collect()
    }

    #[test]
    fn every_kind_of_bad_row_gets_its_own_reason_and_good_rows_pass() {
        let editor = Permissions::from_bits(7);
        let rows = check(
            "Email,Role,Teams\n\
             ann@x.example,editor,brand\n\
             not-an-email,editor,\n\
             bob@x.example,owner,\n\
             cy@x.example,Admin,\n\
             di@x.example,editor,Brand;Nope\n\
             ANN@x.example,editor,\n\
             ed@x.example,,\n\
             fi@x.example,editor,a,b\n",
            editor,
        );
        assert_eq!(rows[0], (2, None));
        let reason = |line: usize| {
            rows.iter()
                .find(|r| r.0 == line)
                .unwrap()
                .1
                .clone()
                .unwrap()
        };
        assert!(
            reason(3).contains('@') || reason(3).to_lowercase().contains("email"),
            "{}",
            reason(3)
        );
        assert_eq!(reason(4), "Unknown role \"owner\".");
        assert!(reason(5).contains("permissions your role lacks"));
        assert_eq!(reason(6), "Unknown team \"Nope\".");
        assert_eq!(reason(7), "Duplicate: the same address is on line 2.");
        assert_eq!(reason(8), "No role given.");
        assert!(reason(9).starts_with("4 columns"));
        assert_eq!(rows.len(), 8, "the header is not a row");
    }

    #[test]
    fn the_header_is_optional() {
        let rows = check("ann@x.example,editor\n", Permissions::ALL);
        assert_eq!(rows, vec![(1, None)]);
    }
}
