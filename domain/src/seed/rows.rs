//! The seeded rows themselves: names, a deterministic random source, and one invite's fate.

use uuid::{NoContext, Timestamp, Uuid};

use crate::clock::{Millis, DAY, HOUR};

pub(super) const FIRST: [&str; 16] = [
    "ada", "ben", "chloe", "dev", "elif", "farah", "goran", "hana", "ivan", "jun", "kofi", "lena",
    "mateo", "nia", "oscar", "priya",
];
pub(super) const LAST: [&str; 12] = [
    "smith", "garcia", "chen", "okafor", "novak", "haddad", "tanaka", "silva", "kowalski",
    "murphy", "singh", "larsen",
];
pub(super) const DOMAINS: [&str; 8] = [
    "acme.example",
    "globex.example",
    "initech.example",
    "umbrella.example",
    "hooli.example",
    "stark.example",
    "wayne.example",
    "tyrell.example",
];

/// SplitMix64: small, fast and deterministic; good enough to make data look varied.
pub(super) struct Rng(pub(super) u64);

impl Rng {
    pub(super) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// A number in `0..n`.
    pub(super) fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    /// True with probability `percent`/100.
    pub(super) fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    pub(super) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// One seeded invite row.
pub(super) struct Row {
    pub(super) id: String,
    pub(super) email: String,
    pub(super) role_id: String,
    pub(super) inviter_id: String,
    pub(super) created_at: Millis,
    pub(super) expires_at: Millis,
    pub(super) accepted_at: Option<Millis>,
    pub(super) revoked_at: Option<Millis>,
    pub(super) revoked_by: Option<String>,
    pub(super) first_opened_at: Option<Millis>,
    pub(super) open_count: i64,
    pub(super) delivery: &'static str,
    pub(super) delivery_error: Option<String>,
    pub(super) sent_at: Option<Millis>,
    pub(super) teams: Vec<String>,
}

pub(super) fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

pub(super) fn make_row(
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
