//! `invitation.expired`: announced once per expiry, within moments of it. Status stays derived
//! from the clock (nothing waits for this); what happens here is that an expired invite is
//! marked announced and gets its audit event, whose webhook deliveries commit with it. Any
//! number of server processes may run it at once: the marking UPDATE's condition lets each
//! invite through exactly once (and PostgreSQL skips rows another process holds).

use crate::access_end::scheduler;
use crate::audit::{Action, Event};
use crate::error::DomainResult;
use crate::live::Change;
use crate::store::{audit as audit_store, webhooks as store};
use crate::Services;

/// Invites announced per transaction.
const BATCH: i64 = 500;

impl Services {
    /// Announces the invites that expired and were not announced yet; how many.
    pub async fn announce_expired(&self) -> DomainResult<usize> {
        let mut total = 0;
        loop {
            let now = self.clock.now();
            let mut tx = self.db.begin().await?;
            let expired = store::claim_expired(&mut tx, now, BATCH).await?;
            if expired.is_empty() {
                return Ok(total);
            }
            let events: Vec<Event> = expired
                .iter()
                .map(|(id, email)| {
                    Event::new(&scheduler(), Action::InviteExpired, Some(email))
                        .detail("the link ran out")
                        .invite(id)
                })
                .collect();
            audit_store::insert_many_tx(&mut tx, &events, now).await?;
            tx.commit().await?;
            for (id, _) in &expired {
                self.live.publish(Change::invite(id, "expired")).await;
            }
            total += expired.len();
        }
    }
}
