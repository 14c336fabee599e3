//! Contractor end dates: the moment a member's access ends, and the warning a few days
//! before. Nothing waits for this to be correct (a session is refused from the end's very
//! moment, `UserWithRole::may_act_at`); what happens here is the deactivation itself (sessions
//! deleted, audit row, `member.deactivated` webhook) and the inviter's warning email. Any
//! number of server processes may run it at once: the UPDATEs' conditions let each member
//! through exactly once.

use crate::audit::{Action, Actor, Event};
use crate::clock::DAY;
use crate::error::DomainResult;
use crate::live::Change;
use crate::store::outbox::{JobKind, NewJob};
use crate::store::{audit as audit_store, outbox, users};
use crate::Services;

/// How long before the end the inviter is warned.
pub const WARNING_NOTICE: i64 = 3 * DAY;
/// Members handled per transaction.
const BATCH: i64 = 200;

/// Who the log names for time-driven work.
pub fn scheduler() -> Actor {
    Actor {
        user_agent: Some("vestibule scheduler".into()),
        ..Actor::default()
    }
}

impl Services {
    /// Deactivates the members whose end date has come; how many.
    pub async fn end_access_due(&self) -> DomainResult<usize> {
        let mut total = 0;
        loop {
            let now = self.clock.now();
            let mut tx = self.db.begin().await?;
            let ended = users::claim_ended(&mut tx, now, BATCH).await?;
            if ended.is_empty() {
                return Ok(total);
            }
            let events: Vec<Event> = ended
                .iter()
                .map(|m| {
                    Event::new(&scheduler(), Action::MemberDeactivated, Some(&m.email))
                        .detail(format!(
                            "access ended at its end date ({})",
                            model::fmt_utc(m.access_ends_at)
                        ))
                        .member(&m.id)
                })
                .collect();
            audit_store::insert_many_tx(&mut tx, &events, now).await?;
            tx.commit().await?;
            for m in &ended {
                self.sessions.delete_for_user(&m.id).await?;
            }
            self.live.publish(Change::general("members")).await;
            total += ended.len();
        }
    }

    /// Emails each inviter whose invitee's access ends within `WARNING_NOTICE`, once per end
    /// date; how many were warned.
    pub async fn warn_access_ending(&self) -> DomainResult<usize> {
        let mut total = 0;
        loop {
            let now = self.clock.now();
            let mut tx = self.db.begin().await?;
            let ending = users::claim_ending(&mut tx, now, WARNING_NOTICE, BATCH).await?;
            if ending.is_empty() {
                return Ok(total);
            }
            let jobs: Vec<NewJob> = ending
                .iter()
                .filter_map(|m| {
                    Some(NewJob::new(
                        m.invite_id.as_deref()?,
                        JobKind::AccessEndingSoon,
                        m.inviter_email.as_deref()?,
                        None,
                    ))
                })
                .collect();
            let events: Vec<Event> = ending
                .iter()
                .map(|m| {
                    let to = m.inviter_email.as_deref().unwrap_or("nobody (no inviter)");
                    Event::new(&scheduler(), Action::EmailQueued, Some(&m.email))
                        .detail(format!(
                            "access ends {}: {to} warned",
                            model::fmt_utc(m.access_ends_at)
                        ))
                        .member(&m.id)
                })
                .collect();
            if !jobs.is_empty() {
                outbox::insert_many(&mut tx, &jobs, now).await?;
            }
            audit_store::insert_many_tx(&mut tx, &events, now).await?;
            tx.commit().await?;
            self.mail_wakeup.notify_one();
            total += ending.len();
        }
    }

    /// Every piece of time-driven work that is due: expiry events, ended access, warnings.
    /// The server runs it every few seconds; tests call it after moving the manual clock.
    pub async fn run_due_work(&self) -> DomainResult<usize> {
        Ok(self.announce_expired().await?
            + self.end_access_due().await?
            + self.warn_access_ending().await?)
    }
}
