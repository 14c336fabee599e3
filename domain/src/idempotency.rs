//! `Idempotency-Key`: a POST retried with the same key (per API key) gets the first answer,
//! and its work is done once. The first request claims the key in the database before it
//! starts (a primary key decides between concurrent ones); the others wait for its answer.
//! A different request under a used key is refused. Answers are kept 24 hours.
//!
//! The one gap, stated: a server killed between the work's commit and storing its answer
//! leaves a claim without an answer. A retry after `ABANDONED_AFTER` does the work again;
//! for a create that is refused as a duplicate (one live invite per address), so no second
//! invite results, but the retry's answer is that refusal, not the first answer.

use sha2::{Digest, Sha256};

use crate::clock::{Millis, DAY, SECOND};
use crate::error::{DomainError, DomainResult};
use crate::store::idempotency as store;
use crate::Services;

/// How long an answer is kept.
pub const KEPT_FOR: Millis = DAY;
/// A claim this old without an answer belongs to a request that died.
const ABANDONED_AFTER: Millis = 60 * SECOND;
/// How long a retry waits for the first request's answer before saying it is still running.
const WAIT_FOR: std::time::Duration = std::time::Duration::from_secs(10);
pub const MAX_KEY_CHARS: usize = 255;

/// What to do with a request that carries an `Idempotency-Key`.
#[derive(Debug, PartialEq, Eq)]
pub enum Begin {
    /// The first of its key: do the work, then `finish` (or `abandon`).
    Fresh,
    /// Answered before: send this again.
    Replay { status: u16, body: String },
}

/// The fingerprint of a request: its method, path with query, and body.
pub fn fingerprint(method: &str, path_and_query: &str, body: &[u8]) -> String {
    let mut h = Sha256::new();
    for part in [method.as_bytes(), path_and_query.as_bytes(), body] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

pub fn check_key(key: &str) -> DomainResult<()> {
    if key.is_empty()
        || key.len() > MAX_KEY_CHARS
        || !key.bytes().all(|b| (0x21..0x7f).contains(&b))
    {
        return Err(DomainError::invalid(
            "Idempotency-Key",
            format!(
                "An Idempotency-Key is 1 to {MAX_KEY_CHARS} visible ASCII characters, such as a UUID."
            ),
        ));
    }
    Ok(())
}

impl Services {
    pub async fn idempotency_begin(
        &self,
        api_key_id: &str,
        key: &str,
        fingerprint: &str,
    ) -> DomainResult<Begin> {
        check_key(key)?;
        let started = std::time::Instant::now();
        loop {
            let now = self.clock.now();
            if store::claim(&self.db, api_key_id, key, fingerprint, now).await? {
                return Ok(Begin::Fresh);
            }
            let Some(stored) = store::find(&self.db, api_key_id, key).await? else {
                continue; // released or purged in between: claim again
            };
            let stale = stored.created_at < now - KEPT_FOR
                || (stored.status.is_none() && stored.created_at < now - ABANDONED_AFTER);
            if stale {
                store::forget(&self.db, api_key_id, key, stored.created_at).await?;
                continue;
            }
            if stored.fingerprint != fingerprint {
                return Err(DomainError::invalid(
                    "Idempotency-Key",
                    "This Idempotency-Key was used with a different request. Use a new key for a \
                     new request.",
                ));
            }
            if let (Some(status), Some(body)) = (stored.status, stored.body) {
                return Ok(Begin::Replay {
                    status: status as u16,
                    body,
                });
            }
            if started.elapsed() > WAIT_FOR {
                return Err(DomainError::Conflict(
                    "A request with this Idempotency-Key is still being answered. Retry in a \
                     moment."
                        .into(),
                ));
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
    }

    /// Keeps the answer of the request that claimed `key`.
    pub async fn idempotency_finish(
        &self,
        api_key_id: &str,
        key: &str,
        status: u16,
        body: &str,
    ) -> DomainResult<()> {
        Ok(store::complete(&self.db, api_key_id, key, i64::from(status), body).await?)
    }

    /// Lets a retry do the work again: the request failed on our side, with nothing done.
    pub async fn idempotency_abandon(&self, api_key_id: &str, key: &str) -> DomainResult<()> {
        Ok(store::release(&self.db, api_key_id, key).await?)
    }

    /// Drops answers past `KEPT_FOR` (run from time to time).
    pub async fn idempotency_purge(&self) -> DomainResult<u64> {
        Ok(store::purge(&self.db, self.clock.now() - KEPT_FOR).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fingerprint_tells_method_path_and_body_apart() {
        let a = fingerprint("POST", "/api/v1/invitations", b"{}");
        assert_eq!(a, fingerprint("POST", "/api/v1/invitations", b"{}"));
        assert_ne!(a, fingerprint("POST", "/api/v1/invitations", b"{ }"));
        assert_ne!(a, fingerprint("POST", "/api/v1/invitations/bulk", b"{}"));
        // Parts are length-prefixed: moving bytes between them changes the fingerprint.
        assert_ne!(
            fingerprint("PO", "ST/x", b""),
            fingerprint("POST", "/x", b"")
        );
    }

    #[test]
    fn keys_are_short_visible_ascii() {
        assert!(check_key("0190e1a2-7b3c-7def-8123-456789abcdef").is_ok());
        assert!(check_key("").is_err());
        assert!(check_key("with space").is_err());
        assert!(check_key("ünicode").is_err());
        assert!(check_key(&"k".repeat(256)).is_err());
    }
}
