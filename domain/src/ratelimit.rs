//! Fixed-window rate limits. On SQLite (one process) they are kept in memory: cheap, and
//! enough to blunt password guessing. On PostgreSQL several server processes share one
//! database, and counts in each one's memory would multiply every allowance by the process
//! count, so there they live in the `rate_limits` table (migration 0012), counted by one
//! atomic upsert per hit (`Limits::shared_on`). If that table cannot be reached, a limit falls
//! back to this process's memory rather than letting everything through.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::clock::{Millis, HOUR, MINUTE, SECOND};

/// Every rate limit this process keeps (SECURITY.md lists them), built once from
/// configuration before the server starts.
#[derive(Debug)]
pub struct Limits {
    pub sign_in: SignInLimits,
    pub password_resets: PasswordResetLimits,
    /// Links that are not ours (forged, mistyped, guessed), counted per client IP at open
    /// and accept: 30 per 10 minutes, then 429.
    pub bad_links: RateLimiter,
    /// Invites created or resent, per inviter (`VESTIBULE_INVITES_PER_MINUTE`, 60 by default,
    /// 0 for none). The policy's daily cap is the admin-set limit; this one stops a runaway
    /// script or a stolen session.
    pub invite_sends: RateLimiter,
    /// "Request a new invitation": once an hour per invite.
    pub new_invite_requests: RateLimiter,
    /// Address confirmation emails a member asks for again: 3 an hour.
    pub confirmation_sends: RateLimiter,
    /// Requests per API key (`VESTIBULE_API_REQUESTS_PER_MINUTE`, 600 by default, 0 for none).
    pub api_requests: RateLimiter,
    /// Presented API keys that are not ours or unknown (guessing), per client IP: 30 per 10
    /// minutes, then 429. An authentic key that was revoked or expired is not a guess.
    pub bad_api_keys: RateLimiter,
}

/// Sign-in limits: every attempt counts per client IP; failures count per account.
#[derive(Debug)]
pub struct SignInLimits {
    pub per_ip: RateLimiter,
    pub per_account: RateLimiter,
}

/// "Forgot password" requests: per client IP 10 an hour (then 429, which says nothing about
/// any account); per address 3 an hour, silently (the answer must not tell whether the
/// account exists, so past the limit the request is answered as usual and sends nothing).
#[derive(Debug)]
pub struct PasswordResetLimits {
    pub per_ip: RateLimiter,
    pub per_account: RateLimiter,
}

impl Limits {
    /// The limits, with `invites_per_minute` per inviter (0: no such limit, for load tests).
    pub fn new(invites_per_minute: u32) -> Limits {
        let per_minute = match invites_per_minute {
            0 => u32::MAX,
            n => n,
        };
        Limits {
            sign_in: SignInLimits {
                per_ip: RateLimiter::named("sign_in_ip", 30, 10 * MINUTE),
                per_account: RateLimiter::named("sign_in_account", 5, 15 * MINUTE),
            },
            password_resets: PasswordResetLimits {
                per_ip: RateLimiter::named("password_reset_ip", 10, HOUR),
                per_account: RateLimiter::named("password_reset_account", 3, HOUR),
            },
            bad_links: RateLimiter::named("bad_links", 30, 10 * MINUTE),
            invite_sends: RateLimiter::named("invite_sends", per_minute, MINUTE),
            new_invite_requests: RateLimiter::named("new_invite_requests", 1, HOUR),
            confirmation_sends: RateLimiter::named("confirmation_sends", 3, HOUR),
            api_requests: RateLimiter::named("api_requests", 600, MINUTE),
            bad_api_keys: RateLimiter::named("bad_api_keys", 30, 10 * MINUTE),
        }
    }

    /// Every limit counted in `pool`'s `rate_limits` table instead of this process's memory,
    /// so that several server processes on one PostgreSQL share one allowance.
    pub fn shared_on(mut self, pool: &sqlx::PgPool) -> Limits {
        for l in [
            &mut self.sign_in.per_ip,
            &mut self.sign_in.per_account,
            &mut self.password_resets.per_ip,
            &mut self.password_resets.per_account,
            &mut self.bad_links,
            &mut self.invite_sends,
            &mut self.new_invite_requests,
            &mut self.confirmation_sends,
            &mut self.api_requests,
            &mut self.bad_api_keys,
        ] {
            l.shared = Some(pool.clone());
        }
        self
    }

    /// The same, with `per_minute` requests per API key (0: no such limit).
    pub fn with_api_requests_per_minute(mut self, per_minute: u32) -> Limits {
        let n = match per_minute {
            0 => u32::MAX,
            n => n,
        };
        self.api_requests = RateLimiter::named("api_requests", n, MINUTE);
        self
    }
}

impl Default for Limits {
    /// As configured by default (60 invites a minute).
    fn default() -> Limits {
        Limits::new(60)
    }
}

#[derive(Debug)]
pub struct RateLimiter {
    /// Names the limit's rows in the shared table (`sign_in_ip:203.0.113.5`).
    name: &'static str,
    limit: u32,
    window: Millis,
    counts: Mutex<HashMap<String, Window>>,
    /// On PostgreSQL the counts live in the database, shared by every server process.
    shared: Option<sqlx::PgPool>,
}

/// One key's current window.
#[derive(Debug, Clone, Copy)]
struct Window {
    start: Millis,
    hits: u32,
    /// Whether a refusal in this window was already reported (see `first_refusal`).
    refusal_noted: bool,
}

/// Longest key kept, in bytes: keys can come from what a client typed, and a flood of
/// megabyte keys must not become gigabytes of memory.
const MAX_KEY_BYTES: usize = 256;

fn bounded_key(key: &str) -> &str {
    if key.len() <= MAX_KEY_BYTES {
        return key;
    }
    let mut end = MAX_KEY_BYTES;
    while !key.is_char_boundary(end) {
        end -= 1;
    }
    &key[..end]
}

impl RateLimiter {
    /// At most `limit` hits per key in any window of `window` milliseconds (fixed windows
    /// starting at a key's first hit).
    pub fn new(limit: u32, window: Millis) -> Self {
        RateLimiter::named("limit", limit, window)
    }

    pub fn named(name: &'static str, limit: u32, window: Millis) -> Self {
        RateLimiter {
            name,
            limit,
            window,
            counts: Mutex::new(HashMap::new()),
            shared: None,
        }
    }

    fn wait_until(&self, start: Millis, now: Millis) -> u64 {
        ((start + self.window - now + SECOND - 1) / SECOND) as u64
    }

    fn shared_key(&self, key: &str) -> String {
        format!("{}:{}", self.name, bounded_key(key))
    }

    /// Seconds to wait if `key` has used its allowance, else `None`. Does not count a hit.
    pub async fn check(&self, key: &str, now: Millis) -> Option<u64> {
        let refused = self.check_anywhere(key, now).await;
        if refused.is_some() {
            crate::metrics::domain().refused(self.name);
        }
        refused
    }

    async fn check_anywhere(&self, key: &str, now: Millis) -> Option<u64> {
        let Some(pool) = &self.shared else {
            return self.check_here(key, now);
        };
        let row: Result<Option<(i64, i64)>, _> =
            sqlx::query_as("SELECT window_start, hits FROM rate_limits WHERE key = $1")
                .bind(self.shared_key(key))
                .fetch_optional(pool)
                .await;
        match row {
            Ok(Some((start, hits)))
                if now < start + self.window && hits >= i64::from(self.limit) =>
            {
                Some(self.wait_until(start, now))
            }
            Ok(_) => None,
            Err(e) => {
                tracing::warn!(error = %e, "shared rate limit unavailable; counting in memory");
                self.check_here(key, now)
            }
        }
    }

    /// `take`, atomically across server processes: the hit is counted only if allowed.
    pub async fn take(&self, key: &str, now: Millis) -> Option<u64> {
        let refused = self.take_anywhere(key, now).await;
        if refused.is_some() {
            crate::metrics::domain().refused(self.name);
        }
        refused
    }

    async fn take_anywhere(&self, key: &str, now: Millis) -> Option<u64> {
        let Some(pool) = &self.shared else {
            return self.take_here(key, now);
        };
        let counted: Result<Option<i64>, _> = sqlx::query_scalar(concat!(
            "INSERT INTO rate_limits (key, window_start, hits) VALUES ($1, $2, 1) ",
            "ON CONFLICT (key) DO UPDATE SET ",
            "hits = CASE WHEN rate_limits.window_start + $3 <= $2 THEN 1 ELSE rate_limits.hits + 1 END, ",
            "refusal_noted = rate_limits.refusal_noted AND rate_limits.window_start + $3 > $2, ",
            "window_start = CASE WHEN rate_limits.window_start + $3 <= $2 THEN $2 ELSE rate_limits.window_start END ",
            "WHERE rate_limits.window_start + $3 <= $2 OR rate_limits.hits < $4 ",
            "RETURNING hits"
        ))
        .bind(self.shared_key(key))
        .bind(now)
        .bind(self.window)
        .bind(i64::from(self.limit))
        .fetch_optional(pool)
        .await;
        match counted {
            Ok(Some(_)) => None,
            Ok(None) => Some(self.check_anywhere(key, now).await.unwrap_or(1)),
            Err(e) => {
                tracing::warn!(error = %e, "shared rate limit unavailable; counting in memory");
                self.take_here(key, now)
            }
        }
    }

    /// For a key that `check` refused: true the first time in its current window, false after.
    pub async fn first_refusal(&self, key: &str, now: Millis) -> bool {
        let Some(pool) = &self.shared else {
            return self.first_refusal_here(key, now);
        };
        sqlx::query(
            "UPDATE rate_limits SET refusal_noted = TRUE WHERE key = $1 \
             AND window_start + $3 > $2 AND NOT refusal_noted",
        )
        .bind(self.shared_key(key))
        .bind(now)
        .bind(self.window)
        .execute(pool)
        .await
        .map(|r| r.rows_affected() == 1)
        .unwrap_or_else(|_| self.first_refusal_here(key, now))
    }

    /// Counts one hit for `key`.
    pub async fn hit(&self, key: &str, now: Millis) {
        let Some(pool) = &self.shared else {
            return self.hit_here(key, now);
        };
        let done = sqlx::query(concat!(
            "INSERT INTO rate_limits (key, window_start, hits) VALUES ($1, $2, 1) ",
            "ON CONFLICT (key) DO UPDATE SET ",
            "hits = CASE WHEN rate_limits.window_start + $3 <= $2 THEN 1 ELSE rate_limits.hits + 1 END, ",
            "refusal_noted = rate_limits.refusal_noted AND rate_limits.window_start + $3 > $2, ",
            "window_start = CASE WHEN rate_limits.window_start + $3 <= $2 THEN $2 ELSE rate_limits.window_start END"
        ))
        .bind(self.shared_key(key))
        .bind(now)
        .bind(self.window)
        .execute(pool)
        .await;
        if let Err(e) = done {
            tracing::warn!(error = %e, "shared rate limit unavailable; counting in memory");
            self.hit_here(key, now);
        }
    }

    pub async fn reset(&self, key: &str) {
        if let Some(pool) = &self.shared {
            let _ = sqlx::query("DELETE FROM rate_limits WHERE key = $1")
                .bind(self.shared_key(key))
                .execute(pool)
                .await;
        }
        self.reset_here(key);
    }

    fn check_here(&self, key: &str, now: Millis) -> Option<u64> {
        let counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        match counts.get(bounded_key(key)) {
            Some(w) if now < w.start + self.window && w.hits >= self.limit => {
                Some(self.wait_until(w.start, now))
            }
            _ => None,
        }
    }

    /// `check`, then `hit` if allowed: seconds to wait if `key` has used its allowance (and
    /// nothing is counted), else `None` with this hit counted.
    fn take_here(&self, key: &str, now: Millis) -> Option<u64> {
        let wait = self.check_here(key, now);
        if wait.is_none() {
            self.hit_here(key, now);
        }
        wait
    }

    /// Lets a caller record one refusal per key and window instead of one per attempt.
    fn first_refusal_here(&self, key: &str, now: Millis) -> bool {
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        match counts.get_mut(bounded_key(key)) {
            Some(w) if now < w.start + self.window && !w.refusal_noted => {
                w.refusal_noted = true;
                true
            }
            _ => false,
        }
    }

    fn hit_here(&self, key: &str, now: Millis) {
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        if counts.len() > 100_000 {
            // Bound memory under a flood of distinct keys: drop finished windows.
            counts.retain(|_, w| now < w.start + self.window);
        }
        let fresh = Window {
            start: now,
            hits: 0,
            refusal_noted: false,
        };
        let entry = counts.entry(bounded_key(key).to_owned()).or_insert(fresh);
        if now >= entry.start + self.window {
            *entry = fresh;
        }
        entry.hits = entry.hits.saturating_add(1);
    }

    fn reset_here(&self, key: &str) {
        self.counts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(bounded_key(key));
    }
}

/// Drops shared windows that ended long ago (the longest window is an hour); on SQLite the
/// table is empty and this does nothing.
pub async fn purge_shared(db: &crate::store::Db, now: Millis) -> Result<u64, sqlx::Error> {
    crate::on_db_write!(db, p => sqlx::query("DELETE FROM rate_limits WHERE window_start < $1")
        .bind(now - 24 * HOUR)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))
}

/// "Try again in 3 minutes."
pub fn wait_phrase(secs: u64) -> String {
    match secs {
        0..=1 => "Try again in a second.".into(),
        2..=59 => format!("Try again in {secs} seconds."),
        60..=119 => "Try again in a minute.".into(),
        _ => format!("Try again in {} minutes.", secs.div_ceil(60)),
    }
}

#[cfg(test)]
mod tests {
    //! The in-memory counting (SQLite's); the shared one is tested on PostgreSQL in
    //! `server/tests/integration/limits.rs`.
    use super::*;

    #[test]
    fn allows_up_to_the_limit_then_says_how_long_to_wait() {
        let rl = RateLimiter::new(3, 60 * SECOND);
        for _ in 0..3 {
            assert_eq!(rl.check_here("k", 0), None);
            rl.hit_here("k", 0);
        }
        assert_eq!(rl.check_here("k", 0), Some(60));
        assert_eq!(rl.check_here("k", 59_500), Some(1));
        assert_eq!(rl.check_here("other", 0), None);
        assert_eq!(rl.check_here("k", 60_000), None);
        rl.hit_here("k", 60_000);
        assert_eq!(rl.check_here("k", 60_000), None);
    }

    #[test]
    fn take_counts_only_what_it_allows() {
        let rl = RateLimiter::new(2, 1000);
        assert_eq!(rl.take_here("k", 0), None);
        assert_eq!(rl.take_here("k", 0), None);
        assert_eq!(rl.take_here("k", 0), Some(1));
        assert_eq!(rl.take_here("k", 1000), None);
    }

    #[test]
    fn a_refusal_is_first_once_per_window() {
        let rl = RateLimiter::new(1, 1000);
        rl.hit_here("k", 0);
        assert!(rl.first_refusal_here("k", 10));
        assert!(!rl.first_refusal_here("k", 20));
        rl.hit_here("k", 1000);
        assert!(rl.first_refusal_here("k", 1001));
        assert!(!rl.first_refusal_here("unknown", 0));
    }

    #[test]
    fn long_keys_are_cut_so_memory_stays_bounded() {
        let rl = RateLimiter::new(1, 1000);
        let long = "é".repeat(1_000_000);
        rl.hit_here(&long, 0);
        assert!(rl.check_here(&long, 0).is_some());
        let counts = rl.counts.lock().unwrap();
        assert!(counts.keys().all(|k| k.len() <= MAX_KEY_BYTES));
    }

    #[test]
    fn reset_clears_a_key() {
        let rl = RateLimiter::new(1, 1000);
        rl.hit_here("k", 0);
        assert!(rl.check_here("k", 0).is_some());
        rl.reset_here("k");
        assert!(rl.check_here("k", 0).is_none());
    }

    #[test]
    fn wait_phrases_read_naturally() {
        assert_eq!(wait_phrase(1), "Try again in a second.");
        assert_eq!(wait_phrase(30), "Try again in 30 seconds.");
        assert_eq!(wait_phrase(61), "Try again in a minute.");
        assert_eq!(wait_phrase(601), "Try again in 11 minutes.");
    }
}
