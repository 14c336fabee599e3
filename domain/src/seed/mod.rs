//! `vestibule seed`: fills a database with realistic invites for benchmarks and demos.
//!
//! Invites are spread evenly over the last `days` days, oldest first, with ids made from
//! their creation time (as real ones are). Their fates follow plausible proportions: most
//! older invites were accepted, some expired or were revoked; recent ones are mostly still
//! pending. Deliveries, openings and teams vary likewise.
//!
//! What seeded data is not: the links are unusable (no token was ever issued for them), the
//! acceptances made no accounts (so the Members page keeps the size of the real team), and
//! there are no outbox jobs or audit rows for them. The same `--seed` gives the same data.

mod rows;

use uuid::Uuid;

use crate::clock::{Millis, DAY};
use crate::error::DomainResult;
use crate::store::dynamic::{self, Args};
use crate::store::users::{self, NewUser};
use crate::store::{roles, teams, Db, Tx};
use crate::Services;
use rows::{capitalise, make_row, Rng, Row, FIRST, LAST};

/// Invites per INSERT statement (16 values each: well under both backends' limits).
const ROWS_PER_STATEMENT: usize = 500;
/// Invites per transaction.
const ROWS_PER_TRANSACTION: usize = 10_000;

const TEAMS: [&str; 12] = [
    "Design",
    "Sales",
    "Support",
    "Engineering",
    "Marketing",
    "Finance",
    "Legal",
    "Operations",
    "Research",
    "Brand",
    "Data",
    "People",
];

/// The custom role of seeded inviters.
const SEED_ROLE: &str = "Recruiter";

pub struct SeedOptions {
    pub invites: usize,
    pub days: i64,
    pub inviters: usize,
    pub seed: u64,
}

#[derive(Debug, Default)]
pub struct SeedReport {
    pub invites: usize,
    pub inviters_created: usize,
    pub teams_created: usize,
}

impl Services {
    /// Adds `opts.invites` seeded invites (and inviters and teams where too few exist).
    /// `progress` is called after each transaction with the number of invites so far.
    pub async fn seed(
        &self,
        opts: &SeedOptions,
        mut progress: impl FnMut(usize),
    ) -> DomainResult<SeedReport> {
        let now = self.clock.now();
        let mut rng = Rng(opts.seed);
        let mut report = SeedReport::default();
        let role_ids: Vec<String> = roles::list(&self.db)
            .await?
            .into_iter()
            .map(|r| r.id)
            .collect();
        let team_ids = self.seed_teams(&mut report, now).await?;
        let inviter_ids = self.seed_inviters(opts, &mut report, now).await?;

        // Addresses are numbered on from the invites already there, so a second run adds
        // new people instead of clashing with the first run's pending invites.
        let offset = crate::store::invite_list::counts(&self.db, now)
            .await?
            .total() as usize;
        let span = opts.days.max(1) * DAY;
        let start = now - span;
        let step = span / opts.invites.max(1) as i64;
        let mut done = 0;
        while done < opts.invites {
            let n = ROWS_PER_TRANSACTION.min(opts.invites - done);
            let rows: Vec<Row> = (done..done + n)
                .map(|i| {
                    let created = start + step * i as i64 + rng.below(step.max(1) as u64) as i64;
                    make_row(
                        &mut rng,
                        offset + i,
                        created,
                        now,
                        &role_ids,
                        &inviter_ids,
                        &team_ids,
                    )
                })
                .collect();
            let mut tx = self.db.begin().await?;
            for chunk in rows.chunks(ROWS_PER_STATEMENT) {
                insert_invites(&mut tx, chunk).await?;
                insert_teams(&mut tx, chunk).await?;
            }
            tx.commit().await?;
            done += n;
            progress(done);
        }
        analyze(&self.db).await?;
        report.invites = done;
        Ok(report)
    }

    async fn seed_teams(&self, report: &mut SeedReport, now: Millis) -> DomainResult<Vec<String>> {
        let existing = teams::list(&self.db).await?;
        let mut tx = self.db.begin().await?;
        for name in TEAMS {
            if !existing.iter().any(|t| t.name.eq_ignore_ascii_case(name)) {
                teams::insert(&mut tx, &Uuid::now_v7().to_string(), name, now).await?;
                report.teams_created += 1;
            }
        }
        tx.commit().await?;
        Ok(teams::list(&self.db)
            .await?
            .into_iter()
            .map(|t| t.id)
            .collect())
    }

    /// Seeded inviters hold the custom role "Recruiter" (every permission, so any seeded
    /// invite is within their ceiling) and have no password: they cannot sign in. Never the
    /// built-in Admin role, so `admin bootstrap` still works on a seeded database.
    async fn seed_inviters(
        &self,
        opts: &SeedOptions,
        report: &mut SeedReport,
        now: Millis,
    ) -> DomainResult<Vec<String>> {
        let mut ids = Vec::new();
        let mut tx = self.db.begin().await?;
        let role_id = match roles::list(&self.db)
            .await?
            .into_iter()
            .find(|r| r.name.eq_ignore_ascii_case(SEED_ROLE))
        {
            Some(r) => r.id,
            None => {
                let id = Uuid::now_v7().to_string();
                let description = "Inviters made by vestibule seed (they cannot sign in).";
                let all = model::Permissions::ALL.bits();
                roles::insert(&mut tx, &id, SEED_ROLE, description, all, now).await?;
                id
            }
        };
        for n in 0..opts.inviters.max(1) {
            let email = format!("inviter{n}@seed.vestibule.test");
            if let Some(u) = users::find_by_email(&self.db, &email).await? {
                ids.push(u.id);
                continue;
            }
            let id = Uuid::now_v7().to_string();
            let name = format!(
                "{} {}",
                capitalise(FIRST[n % FIRST.len()]),
                capitalise(LAST[(n / FIRST.len() + n) % LAST.len()])
            );
            users::insert(
                &mut tx,
                &NewUser {
                    id: &id,
                    email: &email,
                    name: &name,
                    password_hash: None,
                    role_id: &role_id,
                    created_at: now,
                    invite_id: None,
                    joined_via: None,
                    confirmation: None,
                    access_ends_at: None,
                },
            )
            .await?;
            report.inviters_created += 1;
            ids.push(id);
        }
        tx.commit().await?;
        Ok(ids)
    }
}

async fn insert_invites(tx: &mut Tx, rows: &[Row]) -> Result<(), sqlx::Error> {
    use crate::store::dynamic::Arg::{Int, OptInt, OptText, Text};
    let mut args = Args::default();
    let mut values = Vec::with_capacity(rows.len());
    for r in rows {
        let p: Vec<String> = [
            Text(r.id.clone()),
            Text(r.email.clone()),
            Text(r.role_id.clone()),
            Text(r.inviter_id.clone()),
            // A random digest no token can match: seeded links do not work.
            Text(Uuid::new_v4().simple().to_string()),
            Int(r.created_at),
            Int(r.expires_at),
            OptInt(r.accepted_at),
            OptInt(r.revoked_at),
            OptText(r.revoked_by.clone()),
            OptInt(r.first_opened_at),
            Int(r.open_count),
            Text(r.delivery.to_owned()),
            OptText(r.delivery_error.clone()),
            OptInt(r.sent_at),
        ]
        .into_iter()
        .map(|a| args.push(a))
        .collect();
        values.push(format!("({})", p.join(", ")));
    }
    let sql = format!(
        "INSERT INTO invites (id, email, role_id, inviter_id, token_digest, created_at, expires_at, \
         accepted_at, revoked_at, revoked_by, first_opened_at, open_count, delivery, delivery_error, \
         sent_at) VALUES {}",
        values.join(", ")
    );
    dynamic::execute(tx, sql, &args).await?;
    Ok(())
}

async fn insert_teams(tx: &mut Tx, rows: &[Row]) -> Result<(), sqlx::Error> {
    let mut args = Args::default();
    let mut values = Vec::new();
    for r in rows {
        for t in &r.teams {
            values.push(format!(
                "({}, {})",
                args.text(r.id.clone()),
                args.text(t.clone())
            ));
        }
    }
    if values.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "INSERT INTO invite_teams (invite_id, team_id) VALUES {}",
        values.join(", ")
    );
    dynamic::execute(tx, sql, &args).await?;
    Ok(())
}

/// Refreshes the planner's statistics after a large load, so it keeps choosing the indexes.
async fn analyze(db: &Db) -> Result<(), sqlx::Error> {
    crate::on_db_write!(db, p => sqlx::query("ANALYZE").execute(p).await.map(|r| r.rows_affected()))?;
    Ok(())
}
