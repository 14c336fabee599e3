//! The outbox worker: sends what the outbox holds, one job per call, claimed with a lease,
//! marked sent right after the server accepts it. Transient failures are retried with
//! backoff; permanent ones stop. See SECURITY.md for what "sent once" can and cannot mean.
//! (The outbox's rows are in `store::outbox`; the texts and transports in `mail`.)

use model::{Delivery, InviteStatus};
use uuid::Uuid;

use crate::audit::{Action, Actor, Event};
use crate::clock::{Millis, MINUTE, SECOND};
use crate::email::EmailAddress;
use crate::error::DomainResult;
use crate::live::Change;
use crate::mail::templates::{self, Invitation};
use crate::mail::{MailError, OutgoingEmail};
use crate::store::dynamic::Batch;
use crate::store::outbox::{self, Job, JobKind};
use crate::store::{audit as audit_store, invites, users};
use crate::token::{self, Purpose};
use crate::Services;

/// A claimed job is someone else's again after this long (a crashed worker's lease).
pub const LEASE: Millis = MINUTE;
/// Attempts before a transient failure is treated as final.
pub const MAX_ATTEMPTS: i64 = 10;

/// Wait before attempt `attempts + 1`: 5 s, 10 s, 20 s … capped at 15 minutes.
pub fn backoff(attempts: i64) -> Millis {
    let exp = attempts.clamp(1, 20) - 1;
    (5 * SECOND).saturating_mul(1 << exp).min(15 * MINUTE)
}

fn worker() -> Actor {
    Actor {
        user_agent: Some("mail worker".into()),
        ..Actor::default()
    }
}

enum Rendered {
    Send(OutgoingEmail),
    /// Nothing to send any more (the invite was revoked or accepted meanwhile).
    Drop(&'static str),
}

impl Services {
    /// Sends the next due email, if any. Returns whether there was one.
    pub async fn deliver_next(&self) -> DomainResult<bool> {
        let now = self.clock.now();
        let Some(job) = outbox::claim(&self.db, now, now + LEASE).await? else {
            return Ok(false);
        };
        let invite_id = job.invite_id.clone().unwrap_or_default();
        let result = match self.render(&job).await? {
            Rendered::Drop(why) => {
                let mut tx = self.db.begin().await?;
                outbox::mark_failed(&mut tx, &job.id, now, why).await?;
                tx.commit().await?;
                return Ok(true);
            }
            Rendered::Send(email) => self.mailer.send(&email).await,
        };
        let now = self.clock.now();
        let is_invite = job.kind() == Some(JobKind::Invite);
        match result {
            Ok(()) => {
                // Lock order everywhere: the invite row, then its outbox rows (as revoke and
                // resend do), so PostgreSQL never sees the two wait on each other.
                let mut batch = Batch::default();
                if is_invite {
                    invites::mark_sent_by_job_into(&mut batch, &invite_id, &job.id, now);
                }
                outbox::mark_sent_into(&mut batch, &job.id, now);
                let event = Event::new(&worker(), Action::EmailSent, Some(&job.recipient))
                    .detail(format!("{} email, attempt {}", job.kind, job.attempts))
                    .on_invite(job.invite_id.as_deref())
                    .hooks(match job.kind() {
                        Some(JobKind::Invite) => &["invitation.sent"],
                        Some(JobKind::Reminder) => &["invitation.reminded"],
                        _ => &[],
                    });
                audit_store::insert_many_into(&mut batch, std::slice::from_ref(&event), now);
                batch.submit(&self.db).await?;
                crate::metrics::domain().email("sent");
            }
            Err(MailError::Transient(e)) if job.attempts < MAX_ATTEMPTS => {
                tracing::warn!(job = %job.id, attempts = job.attempts, error = %e, "email not sent yet, will retry");
                outbox::retry_later(&self.db, &job.id, now + backoff(job.attempts), &e).await?;
                let mut tx = self.db.begin().await?;
                if is_invite {
                    invites::set_delivery(
                        &mut tx,
                        &invite_id,
                        Delivery::Queued,
                        Some(&format!("retrying: {e}")),
                    )
                    .await?;
                }
                let event = Event::new(&worker(), Action::EmailRetrying, Some(&job.recipient))
                    .detail(format!("attempt {} failed: {e}", job.attempts))
                    .on_invite(job.invite_id.as_deref());
                audit_store::insert_tx(&mut tx, &event, now).await?;
                tx.commit().await?;
                crate::metrics::domain().email("retrying");
            }
            Err(MailError::Transient(e) | MailError::Permanent(e)) => {
                tracing::warn!(job = %job.id, attempts = job.attempts, error = %e, "email failed for good");
                let mut tx = self.db.begin().await?;
                if is_invite {
                    invites::set_delivery(&mut tx, &invite_id, Delivery::Failed, Some(&e)).await?;
                }
                outbox::mark_failed(&mut tx, &job.id, now, &e).await?;
                let event = Event::new(&worker(), Action::EmailFailed, Some(&job.recipient))
                    .detail(format!("attempt {}: {e}", job.attempts))
                    .on_invite(job.invite_id.as_deref())
                    .hooks(if is_invite {
                        &["invitation.delivery_failed"]
                    } else {
                        &[]
                    });
                audit_store::insert_tx(&mut tx, &event, now).await?;
                tx.commit().await?;
                crate::metrics::domain().email("failed");
            }
        }
        if is_invite || job.kind() == Some(JobKind::Reminder) {
            self.live.publish(Change::invite(&invite_id, "email")).await;
        }
        Ok(true)
    }

    async fn render(&self, job: &Job) -> DomainResult<Rendered> {
        let Ok(to) = EmailAddress::parse(&job.recipient) else {
            return Ok(Rendered::Drop("bad recipient address"));
        };
        let now = self.clock.now();
        let Some(kind) = job.kind() else {
            return Ok(Rendered::Drop("unknown job kind"));
        };
        // Account emails belong to no invite.
        if kind == JobKind::PasswordReset {
            let Some(reset) = self.password_reset_email(job).await? else {
                return Ok(Rendered::Drop("link used, expired or account deactivated"));
            };
            let (subject, text, html) =
                templates::password_reset(&reset.name, &reset.link, reset.expires_at);
            return Ok(Rendered::Send(outgoing(job, to, subject, text, html)));
        }
        let Some(invite) =
            invites::find(&self.db, job.invite_id.as_deref().unwrap_or_default(), now).await?
        else {
            return Ok(Rendered::Drop("invite no longer exists"));
        };
        let (subject, text, html) = match kind {
            JobKind::Invite | JobKind::Reminder => {
                if invite.stored_status()? != InviteStatus::Pending {
                    return Ok(Rendered::Drop("invite no longer pending"));
                }
                let (Some(seed), Ok(id)) = (job.link_seed.as_deref(), Uuid::parse_str(&invite.id))
                else {
                    return Ok(Rendered::Drop("link seed missing"));
                };
                let issued = token::issue_from_seed(&self.key, Purpose::Invite, id, seed);
                if !token::constant_time_eq(
                    issued.digest.as_bytes(),
                    invite.token_digest.as_bytes(),
                ) {
                    return Ok(Rendered::Drop("replaced by a newer link"));
                }
                let teams = invites::team_names(&self.db, &invite.id).await?;
                let link = self.invite_link(&issued.token);
                templates::invitation(&Invitation {
                    inviter_name: &invite.inviter_name,
                    role_name: &invite.role_name,
                    teams: &teams,
                    expires_at: invite.expires_at,
                    message: &invite.message,
                    link: &link,
                    reminder: kind == JobKind::Reminder,
                })
            }
            JobKind::ConfirmAddress => {
                let Some(link) = self
                    .address_confirmation_link(&invite.id, job.link_seed.as_deref())
                    .await?
                else {
                    return Ok(Rendered::Drop("address already confirmed"));
                };
                templates::address_confirmation(&invite.email, &invite.inviter_name, &link)
            }
            JobKind::NewInviteRequest => templates::new_invite_request(
                &invite.email,
                &self.public_url.link(&format!("/invites/{}", invite.id)),
            ),
            JobKind::AccessEndingSoon => {
                // Checked again now: the end may have been moved, cleared or reached.
                let Some((true, Some(end), name)) =
                    users::access_of_invitee(&self.db, &invite.id).await?
                else {
                    return Ok(Rendered::Drop("end date cleared or member deactivated"));
                };
                if end <= now {
                    return Ok(Rendered::Drop("access already ended"));
                }
                templates::access_ending(
                    &name,
                    &invite.email,
                    end,
                    &self.public_url.link("/members"),
                )
            }
            JobKind::InviteDeclined => templates::invite_declined(
                &invite.email,
                invite.decline_reason.as_deref(),
                &self.public_url.link(&format!("/invites/{}", invite.id)),
            ),
            JobKind::PasswordReset => unreachable!("handled above: it has no invite"),
        };
        Ok(Rendered::Send(outgoing(job, to, subject, text, html)))
    }
}

fn outgoing(
    job: &Job,
    to: EmailAddress,
    subject: String,
    text: String,
    html: String,
) -> OutgoingEmail {
    OutgoingEmail {
        to,
        subject,
        text,
        html,
        // Stable per job: a receiver can drop a copy resent after a crash.
        message_id: format!("<{}@vestibule>", job.id),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_five_seconds_and_caps_at_fifteen_minutes() {
        assert_eq!(backoff(1), 5 * SECOND);
        assert_eq!(backoff(2), 10 * SECOND);
        assert_eq!(backoff(4), 40 * SECOND);
        assert_eq!(backoff(10), 15 * MINUTE);
        assert_eq!(backoff(100), 15 * MINUTE);
    }
}
