//! What a server process counts for Prometheus (`GET /metrics`, see the server's `metrics`):
//! the rules count here as things happen, after their commit; the web layer adds its request
//! counts and reads the gauges that are worth a query (queue depth) when scraped.
//!
//! One registry per process, as Prometheus scrapes one process at a time and sums across
//! them. Labels take values from fixed sets only (the kind of change, the limit's name, the
//! outcome), never from what a client sent, so no request can grow the exposition.

use std::sync::LazyLock;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ChangeLabel {
    /// created, opened, accepted, declined, revoked, expired, resent, updated, sent_now
    pub change: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabel {
    pub outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct LimitLabel {
    pub limit: &'static str,
}

/// The counters the rules move.
pub struct DomainMetrics {
    pub invite_changes: Family<ChangeLabel, Counter>,
    pub emails: Family<OutcomeLabel, Counter>,
    pub webhook_deliveries: Family<OutcomeLabel, Counter>,
    pub rate_limit_refusals: Family<LimitLabel, Counter>,
}

/// This process's counters.
pub fn domain() -> &'static DomainMetrics {
    static METRICS: LazyLock<DomainMetrics> = LazyLock::new(|| DomainMetrics {
        invite_changes: Family::default(),
        emails: Family::default(),
        webhook_deliveries: Family::default(),
        rate_limit_refusals: Family::default(),
    });
    &METRICS
}

impl DomainMetrics {
    /// Adds the counters to `registry` (names get Prometheus's `_total`).
    pub fn register(&'static self, registry: &mut Registry) {
        registry.register(
            "vestibule_invite_changes",
            "Changes to invites committed by this process, by kind (created, accepted, revoked, ...)",
            self.invite_changes.clone(),
        );
        registry.register(
            "vestibule_emails",
            "Email delivery attempts by outcome (sent, retrying, failed)",
            self.emails.clone(),
        );
        registry.register(
            "vestibule_webhook_deliveries",
            "Webhook delivery attempts by outcome (delivered, retrying, failed, gone)",
            self.webhook_deliveries.clone(),
        );
        registry.register(
            "vestibule_rate_limit_refusals",
            "Requests refused by a rate limit, by the limit's name",
            self.rate_limit_refusals.clone(),
        );
    }

    /// An invite change has committed (`what` as in `live::Change`).
    pub fn invite_changed(&self, what: &str, n: u64) {
        self.invite_changes
            .get_or_create(&ChangeLabel {
                change: what.to_owned(),
            })
            .inc_by(n);
    }

    pub fn email(&self, outcome: &'static str) {
        self.emails.get_or_create(&OutcomeLabel { outcome }).inc();
    }

    pub fn webhook(&self, outcome: &'static str) {
        self.webhook_deliveries
            .get_or_create(&OutcomeLabel { outcome })
            .inc();
    }

    pub fn refused(&self, limit: &'static str) {
        self.rate_limit_refusals
            .get_or_create(&LimitLabel { limit })
            .inc();
    }
}

/// A queue of work waiting to go out, as a scrape reads it.
pub struct Queue {
    pub name: &'static str,
    /// Jobs due now.
    pub jobs: i64,
    /// How long the longest-waiting of them has been due, in milliseconds (0 when none).
    pub oldest_age_ms: i64,
}

impl crate::Services {
    /// The email outbox and the webhook deliveries, as of `now`.
    pub async fn queues(
        &self,
        now: crate::clock::Millis,
    ) -> crate::error::DomainResult<Vec<Queue>> {
        let queue = |name, (jobs, oldest): (i64, Option<i64>)| Queue {
            name,
            jobs,
            oldest_age_ms: oldest.map_or(0, |at| (now - at).max(0)),
        };
        Ok(vec![
            queue(
                "email",
                crate::store::outbox::due_summary(&self.db, now).await?,
            ),
            queue(
                "webhook",
                crate::store::webhooks::due_summary(&self.db, now).await?,
            ),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_counters_encode_with_their_labels_in_the_text_format() {
        let mut registry = Registry::default();
        domain().register(&mut registry);
        domain().invite_changed("accepted", 2);
        domain().refused("sign_in_ip");
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &registry).unwrap();
        assert!(
            text.contains("# TYPE vestibule_invite_changes counter"),
            "{text}"
        );
        assert!(
            text.contains("vestibule_invite_changes_total{change=\"accepted\"}"),
            "{text}"
        );
        assert!(
            text.contains("vestibule_rate_limit_refusals_total{limit=\"sign_in_ip\"}"),
            "{text}"
        );
        assert!(text.ends_with("# EOF\n"), "{text}");
    }
}
