//! Fixed-window rate limits kept in memory: cheap, and enough to blunt password guessing.
//! With several server processes each keeps its own counts, so the effective limit is
//! multiplied by the process count; the per-account limit still bounds guessing per hour.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::clock::{Millis, SECOND};

#[derive(Debug)]
pub struct RateLimiter {
    limit: u32,
    window: Millis,
    counts: Mutex<HashMap<String, (Millis, u32)>>,
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
        match counts.get(key) {
            Some(&(start, n)) if now < start + self.window && n >= self.limit => {
                Some(((start + self.window - now + SECOND - 1) / SECOND) as u64)
            }
            _ => None,
        }
    }

    /// Counts one hit for `key`.
    pub fn hit(&self, key: &str, now: Millis) {
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        if counts.len() > 100_000 {
            // Bound memory under a flood of distinct keys: drop finished windows.
            counts.retain(|_, (start, _)| now < *start + self.window);
        }
        let entry = counts.entry(key.to_owned()).or_insert((now, 0));
        if now >= entry.0 + self.window {
            *entry = (now, 0);
        }
        entry.1 += 1;
    }

    pub fn reset(&self, key: &str) {
        self.counts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(key);
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
