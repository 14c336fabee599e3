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

use uuid::{NoContext, Timestamp, Uuid};

use crate::clock::{Millis, DAY, HOUR};
use crate::error::DomainResult;
use crate::store::dynamic::{self, Args};
use crate::store::users::{self, NewUser};
use crate::store::{roles, teams, Db, Tx};
use crate::Services;

/// Invites per INSERT statement (16 values each: well under both backends' limits).
const ROWS_PER_STATEMENT: usize = 500;
/// Invites per transaction.
const ROWS_PER_TRANSACTION: usize = 10_000;

const FIRST: [&str; 16] = [
    "ada", "ben", "chloe", "dev", "elif", "farah", "goran", "hana", "ivan", "jun", "kofi", "lena",
    "mateo", "nia", "oscar", "priya",
];
const LAST: [&str; 12] = [
    "smith", "garcia", "chen", "okafor", "novak", "haddad", "tanaka", "silva", "kowalski",
    "murphy", "singh", "larsen",
];
const DOMAINS: [&str; 8] = [
    "acme.example",
    "globex.example",
    "initech.example",
    "umbrella.example",
    "hooli.example",
    "stark.example",
    "wayne.example",
    "tyrell.example",
];
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

/// SplitMix64: small, fast and deterministic; good enough to make data look varied.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// A number in `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    /// True with probability `percent`/100.
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// One seeded invite row.
struct Row {
    id: String,
    email: String,
    role_id: String,
    inviter_id: String,
    created_at: Millis,
    expires_at: Millis,
    accepted_at: Option<Millis>,
    revoked_at: Option<Millis>,
    revoked_by: Option<String>,
    first_opened_at: Option<Millis>,
    open_count: i64,
    delivery: &'static str,
    delivery_error: Option<String>,
    sent_at: Option<Millis>,
    teams: Vec<String>,
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

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

fn make_row(
    rng: &mut Rng,
    i: usize,
    created: Millis,
    now: Millis,
    role_ids: &[String],
    inviter_ids: &[String],
    team_ids: &[String],
) -> Row {
    let ttl = match rng.below(10) {
        0 => DAY,
        1 => 30 * DAY,
        _ => 7 * DAY,
    };
    let expires = created + ttl;
    let live = expires > now;
    // Fates: (accepted %, revoked %); the rest stay open (pending, or expired once past).
    let (accepted_pct, revoked_pct) = if live { (30, 5) } else { (60, 8) };
    let roll = rng.below(100);
    let elapsed = (now.min(expires) - created).max(1);
    let accepted_at = (roll < accepted_pct).then(|| created + rng.below(elapsed as u64) as i64);
    let revoked_at = (roll >= accepted_pct && roll < accepted_pct + revoked_pct)
        .then(|| created + rng.below(elapsed as u64) as i64);
    let inviter = rng.pick(inviter_ids).clone();
    // Recent invites may still be waiting for their email; a few failed.
    let (delivery, delivery_error, sent_at) = if created > now - HOUR && rng.chance(20) {
        ("queued", None, None)
    } else if rng.chance(1) {
        (
            "failed",
            Some("550 5.1.1 mailbox unavailable".to_owned()),
            None,
        )
    } else {
        ("sent", None, Some(created + 2_000))
    };
    let opened = sent_at.is_some() && (accepted_at.is_some() || rng.chance(45));
    let first_opened_at = opened.then(|| {
        let latest = accepted_at.unwrap_or(now.min(expires));
        created + rng.below((latest - created).max(1) as u64) as i64
    });
    let mut teams = Vec::new();
    if !team_ids.is_empty() && rng.chance(35) {
        teams.push(rng.pick(team_ids).clone());
        if rng.chance(15) {
            let second = rng.pick(team_ids).clone();
            if second != teams[0] {
                teams.push(second);
            }
        }
    }
    // Mostly the lighter roles, as in a real organisation.
    let role_id = match rng.below(20) {
        0 => role_ids.iter().find(|r| *r == "admin"),
        1..=9 => role_ids.iter().find(|r| *r == "editor"),
        10..=16 => role_ids.iter().find(|r| *r == "analyst"),
        _ => None,
    }
    .cloned()
    .unwrap_or_else(|| rng.pick(role_ids).clone());
    let ts = Timestamp::from_unix(
        NoContext,
        (created / 1000) as u64,
        ((created % 1000) * 1_000_000) as u32,
    );
    Row {
        id: Uuid::new_v7(ts).to_string(),
        email: format!(
            "{}.{}{}@{}",
            rng.pick(&FIRST),
            rng.pick(&LAST),
            i,
            rng.pick(&DOMAINS)
        ),
        role_id,
        revoked_by: revoked_at.map(|_| inviter.clone()),
        inviter_id: inviter,
        created_at: created,
        expires_at: expires,
        accepted_at,
        revoked_at,
        first_opened_at,
        open_count: if opened { 1 + rng.below(3) as i64 } else { 0 },
        delivery,
        delivery_error,
        sent_at,
        teams,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_rows() {
        let roles = vec!["admin".to_owned(), "editor".into(), "analyst".into()];
        let people = vec!["u1".to_owned(), "u2".into()];
        let teams = vec!["t1".to_owned()];
        let now = 1_800_000_000_000;
        let make = |seed| {
            let mut rng = Rng(seed);
            (0..50)
                .map(|i| {
                    make_row(
                        &mut rng,
                        i,
                        now - (50 - i as i64) * DAY,
                        now,
                        &roles,
                        &people,
                        &teams,
                    )
                })
                .map(|r| (r.email, r.accepted_at, r.revoked_at, r.delivery))
                .collect::<Vec<_>>()
        };
        assert_eq!(make(7), make(7));
        assert_ne!(make(7), make(8));
    }

    #[test]
    fn rows_are_consistent_with_the_life_cycle() {
        let roles = vec!["admin".to_owned(), "editor".into(), "analyst".into()];
        let people = vec!["u1".to_owned()];
        let now = 1_800_000_000_000;
        let mut rng = Rng(1);
        for i in 0..5_000 {
            let created = now - 60 * DAY + i as i64 * 1_000_000;
            let r = make_row(&mut rng, i, created, now, &roles, &people, &[]);
            assert!(
                r.accepted_at.is_none() || r.revoked_at.is_none(),
                "never both"
            );
            for t in [r.accepted_at, r.revoked_at, r.first_opened_at]
                .into_iter()
                .flatten()
            {
                assert!(t >= r.created_at && t <= now && t <= r.expires_at, "{i}");
            }
            assert!(r.created_at < r.expires_at);
            assert!(r.delivery != "sent" || r.sent_at.is_some());
            let id_ms = Uuid::parse_str(&r.id)
                .unwrap()
                .get_timestamp()
                .unwrap()
                .to_unix();
            assert_eq!(id_ms.0 as i64, created / 1000, "ids follow creation time");
        }
    }
}
