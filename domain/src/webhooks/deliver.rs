//! Sending webhook deliveries: claimed one at a time with a lease (as the mail outbox is), so
//! several server processes share the work and a killed one's delivery is sent again after
//! the lease, with the same webhook-id: at most one repeat per kill. 10 s timeout, no
//! redirects followed, the checked address connected to, at most 64 KiB of the answer read.
//! Retries back off over about a day; `410 Gone` disables the endpoint.

use std::time::{Duration, Instant};

use super::address::{parse_url, resolve};
use super::signing::{secret_bytes, sign};
use crate::audit::{Action, Actor, Event};
use crate::clock::{Millis, HOUR, MINUTE, SECOND};
use crate::error::DomainResult;
use crate::live::Change;
use crate::store::audit as audit_store;
use crate::store::webhooks::{self as store, Attempted, Claimed};
use crate::Services;

/// How long a claimed delivery is held before another worker may take it.
pub const LEASE: Millis = 30 * SECOND;
pub const TIMEOUT: Duration = Duration::from_secs(10);
const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// When to try again after `attempts` failed attempts: 5 s, 30 s, 2 min, 10 min, 30 min,
/// 1 h, 2 h, 4 h, 8 h and 8 h, about 24 hours in all; `None` after the tenth.
pub fn retry_delay(attempts: i64) -> Option<Millis> {
    const SCHEDULE: [Millis; 10] = [
        5 * SECOND,
        30 * SECOND,
        2 * MINUTE,
        10 * MINUTE,
        30 * MINUTE,
        HOUR,
        2 * HOUR,
        4 * HOUR,
        8 * HOUR,
        8 * HOUR,
    ];
    SCHEDULE.get((attempts.max(1) - 1) as usize).copied()
}

fn system() -> Actor {
    Actor {
        user_agent: Some("vestibule webhooks".into()),
        ..Actor::default()
    }
}

/// What one attempt came to.
struct Outcome {
    status: Option<u16>,
    error: Option<String>,
}

impl Services {
    /// Sends the next due webhook delivery, if any. Returns whether there was one.
    pub async fn deliver_next_webhook(&self) -> DomainResult<bool> {
        let now = self.clock.now();
        let Some(claimed) = store::claim(&self.db, now, now + LEASE).await? else {
            return Ok(false);
        };
        let Some(endpoint) = store::endpoint(&self.db, &claimed.endpoint_id).await? else {
            return Ok(true); // deleted meanwhile: its deliveries went with it
        };
        let started = Instant::now();
        let outcome = self.attempt(&claimed, &endpoint, now).await;
        let at = self.clock.now();
        let ok = outcome.status.is_some_and(|s| (200..300).contains(&s));
        let gone = outcome.status == Some(410);
        let retry_at = if ok || gone {
            None
        } else {
            retry_delay(claimed.attempts).map(|d| at + d)
        };
        if !ok {
            tracing::warn!(endpoint = %endpoint.id, msg = %claimed.msg_id, attempts = claimed.attempts,
                status = ?outcome.status, error = ?outcome.error, "webhook not delivered");
        }
        store::record_attempt(
            &self.db,
            &Attempted {
                msg_id: &claimed.msg_id,
                endpoint_id: &claimed.endpoint_id,
                at,
                status: outcome.status.map(i64::from),
                error: outcome.error.as_deref(),
                duration_ms: started.elapsed().as_millis() as i64,
                retry_at,
                delivered: ok,
            },
        )
        .await?;
        crate::metrics::domain().webhook(match (ok, gone, retry_at) {
            (true, _, _) => "delivered",
            (_, true, _) => "gone",
            (_, _, Some(_)) => "retrying",
            _ => "failed",
        });
        if gone
            && store::disable(&self.db, &endpoint.id, "The endpoint answered 410 Gone.").await? == 1
        {
            let event = Event::new(&system(), Action::WebhookDisabled, Some(&endpoint.url))
                .detail("the endpoint answered 410 Gone; re-enable it on the Webhooks page");
            audit_store::insert(&self.db, &event, at).await?;
            self.live.publish(Change::general("webhooks")).await;
        }
        Ok(true)
    }

    async fn attempt(
        &self,
        claimed: &Claimed,
        endpoint: &store::EndpointRow,
        now: Millis,
    ) -> Outcome {
        let fail = |e: String| Outcome {
            status: None,
            error: Some(e),
        };
        let target = match parse_url(&endpoint.url, self.outbound) {
            Ok(t) => t,
            Err(e) => return fail(e.to_string()),
        };
        // Resolved and checked now, and connected to exactly what was checked.
        let addrs = match resolve(&target, self.outbound).await {
            Ok(a) => a,
            Err(e) => return fail(e.to_string()),
        };
        // The receiver checks webhook-timestamp against its own clock (5 minutes' tolerance),
        // so it is the machine's time, not the rules' clock (which tests move).
        let timestamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(now / 1000, |d| d.as_secs() as i64);
        let mut signatures = Vec::new();
        let mut seeds = vec![endpoint.secret_seed.as_str()];
        if let (Some(prev), Some(until)) = (&endpoint.previous_seed, endpoint.previous_until) {
            if until > now {
                seeds.push(prev);
            }
        }
        for seed in seeds {
            let secret = secret_bytes(&self.key, &endpoint.id, seed);
            match sign(&secret, &claimed.msg_id, timestamp, &claimed.payload) {
                Ok(s) => signatures.push(s),
                Err(e) => return fail(e.to_string()),
            }
        }
        let client = match reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(TIMEOUT)
            .no_proxy()
            .resolve_to_addrs(&target.host, &addrs)
            .user_agent("Vestibule-Webhooks/1")
            .build()
        {
            Ok(c) => c,
            Err(e) => return fail(format!("cannot build the HTTP client: {e}")),
        };
        let sent = client
            .post(target.url.clone())
            .header("content-type", "application/json")
            .header("webhook-id", &claimed.msg_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signatures.join(" "))
            .body(claimed.payload.clone())
            .send()
            .await;
        let mut response = match sent {
            Ok(r) => r,
            Err(e) if e.is_timeout() => {
                return fail(format!("no answer within {} s", TIMEOUT.as_secs()))
            }
            Err(e) => return fail(format!("cannot reach the endpoint: {e}")),
        };
        let status = response.status().as_u16();
        // Read a bounded part of the answer, for the error shown on a failure.
        let mut answer = Vec::new();
        while answer.len() < MAX_ANSWER_BYTES {
            match response.chunk().await {
                Ok(Some(chunk)) => answer.extend_from_slice(&chunk),
                _ => break,
            }
        }
        let error = (!(200..300).contains(&status)).then(|| {
            let text: String = String::from_utf8_lossy(&answer).chars().take(200).collect();
            let text = crate::audit::bounded(text.trim(), 200);
            if (300..400).contains(&status) {
                format!("answered {status} (a redirect: not followed)")
            } else if text.is_empty() {
                format!("answered {status}")
            } else {
                format!("answered {status}: {text}")
            }
        });
        Outcome {
            status: Some(status),
            error,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_over_about_a_day_then_stop() {
        let total: Millis = (1..=10).map(|a| retry_delay(a).unwrap()).sum();
        assert!((20 * HOUR..=30 * HOUR).contains(&total), "{total}");
        assert_eq!(retry_delay(1), Some(5 * SECOND));
        assert_eq!(retry_delay(11), None);
    }
}
