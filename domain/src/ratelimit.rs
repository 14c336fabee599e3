//! Fixed-window rate limits kept in memory: cheap, and enough to blunt password guessing.
//! With several server processes each keeps its own counts, so the effective limit is
//! multiplied by the process count; the per-account limit still bounds guessing per hour.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::clock::{Millis, HOUR, MINUTE, SECOND};

/// Every rate limit this process keeps (SECURITY.md lists them), built once from
/// configuration before the server starts.
#[derive(Debug)]
pub struct Limits {
    pub sign_in: SignInLimits,
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

impl Limits {
    /// The limits, with `invites_per_minute` per inviter (0: no such limit, for load tests).
    pub fn new(invites_per_minute: u32) -> Limits {
        let per_minute = match invites_per_minute {
            0 => u32::MAX,
            n => n,
        };
        Limits {
            sign_in: SignInLimits {
                per_ip: RateLimiter::new(30, 10 * MINUTE),
                per_account: RateLimiter::new(5, 15 * MINUTE),
            },
            bad_links: RateLimiter::new(30, 10 * MINUTE),
            invite_sends: RateLimiter::new(per_minute, MINUTE),
            new_invite_requests: RateLimiter::new(1, HOUR),
            confirmation_sends: RateLimiter::new(3, HOUR),
            api_requests: RateLimiter::new(600, MINUTE),
            bad_api_keys: RateLimiter::new(30, 10 * MINUTE),
        }
    }

    /// The same, with `per_minute` requests per API key (0: no such limit).
    pub fn with_api_requests_per_minute(mut self, per_minute: u32) -> Limits {
        let n = match per_minute {
            0 => u32::MAX,
            n => n,
        };
        self.api_requests = RateLimiter::new(n, MINUTE);
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
    limit: u32,
    window: Millis,
    counts: Mutex<HashMap<String, Window>>,
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
        RateLimiter {
            limit,
            window,
            counts: Mutex::new(HashMap::new()),
        }
    }

    /// Seconds to wait if `key` has used its allowance, else `None`. Does not count a hit.
    pub fn check(&self, key: &str, now: Millis) -> Option<u64> {
        let counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        match counts.get(bounded_key(key)) {
            Some(w) if now < w.start + self.window && w.hits >= self.limit => {
                Some(((w.start + self.window - now + SECOND - 1) / SECOND) as u64)
            }
            _ => None,
        }
    }

    /// `check`, then `hit` if allowed: seconds to wait if `key` has used its allowance (and
    /// nothing is counted), else `None` with this hit counted.
    pub fn take(&self, key: &str, now: Millis) -> Option<u64> {
        let wait = self.check(key, now);
        if wait.is_none() {
            self.hit(key, now);
        }
        wait
    }

    /// For a key that `check` refused: true the first time in its current window, false after.
    /// Lets a caller record one refusal per key and window instead of one per attempt.
    pub fn first_refusal(&self, key: &str, now: Millis) -> bool {
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        match counts.get_mut(bounded_key(key)) {
            Some(w) if now < w.start + self.window && !w.refusal_noted => {
                w.refusal_noted = true;
                true
            }
            _ => false,
        }
    }

    /// Counts one hit for `key`.
    pub fn hit(&self, key: &str, now: Millis) {
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

    pub fn reset(&self, key: &str) {
        self.counts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(bounded_key(key));
    }
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
    use super::*;

    #[test]
    fn allows_up_to_the_limit_then_says_how_long_to_wait() {
        let rl = RateLimiter::new(3, 60 * SECOND);
        for _ in 0..3 {
            assert_eq!(rl.check("k", 0), None);
            rl.hit("k", 0);
        }
        assert_eq!(rl.check("k", 0), Some(60));
        assert_eq!(rl.check("k", 59_500), Some(1));
        assert_eq!(rl.check("other", 0), None);
        assert_eq!(rl.check("k", 60_000), None);
        rl.hit("k", 60_000);
        assert_eq!(rl.check("k", 60_000), None);
    }

    #[test]
    fn take_counts_only_what_it_allows() {
        let rl = RateLimiter::new(2, 1000);
        assert_eq!(rl.take("k", 0), None);
        assert_eq!(rl.take("k", 0), None);
        assert_eq!(rl.take("k", 0), Some(1));
        assert_eq!(rl.take("k", 1000), None);
    }

    #[test]
    fn a_refusal_is_first_once_per_window() {
        let rl = RateLimiter::new(1, 1000);
        rl.hit("k", 0);
        assert!(rl.first_refusal("k", 10));
        assert!(!rl.first_refusal("k", 20));
        rl.hit("k", 1000);
        assert!(rl.first_refusal("k", 1001));
        assert!(!rl.first_refusal("unknown", 0));
    }

    #[test]
    fn long_keys_are_cut_so_memory_stays_bounded() {
        let rl = RateLimiter::new(1, 1000);
        let long = "é".repeat(1_000_000);
        rl.hit(&long, 0);
        assert!(rl.check(&long, 0).is_some());
        let counts = rl.counts.lock().unwrap();
        assert!(counts.keys().all(|k| k.len() <= MAX_KEY_BYTES));
    }

    #[test]
    fn reset_clears_a_key() {
        let rl = RateLimiter::new(1, 1000);
        rl.hit("k", 0);
        assert!(rl.check("k", 0).is_some());
        rl.reset("k");
        assert!(rl.check("k", 0).is_none());
    }

    #[test]
    fn wait_phrases_read_naturally() {
        assert_eq!(wait_phrase(1), "Try again in a second.");
        assert_eq!(wait_phrase(30), "Try again in 30 seconds.");
        assert_eq!(wait_phrase(61), "Try again in a minute.");
        assert_eq!(wait_phrase(601), "Try again in 11 minutes.");
    }
}
