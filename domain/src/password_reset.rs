//! Password resets: a member who forgot their password asks for a link by email, or an admin
//! sends them one from Members. The link is a set-password token (the same machinery as the
//! first admin's: 256 random bits, keyed digest at rest, single use), valid for an hour, and
//! it can only ever reach an account that exists: no invitation is looked at, accepted or
//! revived on this path (devise_invitable's CVE-2023-48220 was a reset that accepted one).

use uuid::Uuid;

use crate::access::Caller;
use crate::audit::{bounded, Action, Actor, Event};
use crate::clock::{Millis, HOUR};
use crate::email::EmailAddress;
use crate::error::{DomainError, DomainResult};
use crate::live::Change;
use crate::ratelimit::wait_phrase;
use crate::store::outbox::{self, Job, NewJob};
use crate::store::users::{self, UserWithRole};
use crate::store::{audit as audit_store, password_tokens, Tx};
use crate::token::{self, Purpose};
use crate::Services;

/// How long a reset link works.
pub const PASSWORD_RESET_TTL: Millis = HOUR;

/// A reset email ready to send: where the link goes and until when it works.
pub(crate) struct ResetEmail {
    pub name: String,
    pub link: String,
    pub expires_at: Millis,
}

impl Services {
    /// "Forgot password" for the address typed in. The answer is the same, after the same
    /// work (one transaction with one audit row), whether or not an active account has the
    /// address: only the audit log, which only admins read, says which it was. Past three
    /// links an hour for one address nothing more is sent, still with the same answer; past
    /// ten requests an hour from one IP address the answer is 429, whatever was typed.
    pub async fn request_password_reset(
        &self,
        email_input: &str,
        actor: &Actor,
    ) -> DomainResult<()> {
        let now = self.clock.now();
        let limits = &self.limits.password_resets;
        let ip_key = actor.ip.clone().unwrap_or_default();
        if let Some(secs) = limits.per_ip.take(&ip_key, now).await {
            return Err(DomainError::RateLimited {
                retry_after_secs: secs,
                message: format!(
                    "Too many password reset requests from this network. {}",
                    wait_phrase(secs)
                ),
            });
        }
        let email = EmailAddress::parse(email_input)
            .map_err(|e| DomainError::invalid("email", e.to_string()))?;
        let user = users::find_by_email(&self.db, email.as_str())
            .await?
            .filter(|u| u.may_act_at(now));
        // Counted for every address, with or without an account, so the count says nothing.
        let within_limit = limits.per_account.take(email.as_str(), now).await.is_none();
        let mut tx = self.db.begin().await?;
        let detail = match (&user, within_limit) {
            (Some(user), true) => {
                self.queue_password_reset(&mut tx, user, now).await?;
                "link emailed"
            }
            (Some(_), false) => "nothing sent: three links went to this address in the last hour",
            (None, _) => "nothing sent: no active account has this address",
        };
        let event =
            Event::new(actor, Action::PasswordResetRequested, Some(email.as_str())).detail(detail);
        audit_store::insert_tx(&mut tx, &event, now).await?;
        tx.commit().await?;
        if user.is_some() && within_limit {
            self.mail_wakeup.notify_one();
        }
        Ok(())
    }

    /// An admin sends member `id` a reset link (to the member's own address, never to the
    /// admin). The same reach as any other member change: not oneself, nobody who holds
    /// permissions the admin lacks, nobody deactivated. Returns the address it went to.
    pub async fn send_password_reset(&self, caller: &Caller, id: &str) -> DomainResult<String> {
        let (_, target) = self
            .member_in_reach(caller, id, "send a password reset link to")
            .await?;
        let now = self.clock.now();
        if !target.may_act_at(now) {
            return Err(DomainError::Conflict(format!(
                "{} is deactivated, so a reset link would not work. Reactivate them first.",
                target.name
            )));
        }
        if let Some(secs) = self
            .limits
            .password_resets
            .per_account
            .take(&target.email, now)
            .await
        {
            return Err(DomainError::RateLimited {
                retry_after_secs: secs,
                message: format!(
                    "Three reset links went to {} in the last hour. {}",
                    target.email,
                    wait_phrase(secs)
                ),
            });
        }
        let mut tx = self.db.begin().await?;
        self.queue_password_reset(&mut tx, &target, now).await?;
        let event = Event::new(
            &caller.actor,
            Action::MemberPasswordResetSent,
            Some(&target.email),
        )
        .member(&target.id)
        .detail(format!(
            "link emailed to {}, valid for an hour",
            bounded(&target.email, 100)
        ));
        audit_store::insert_tx(&mut tx, &event, now).await?;
        tx.commit().await?;
        self.mail_wakeup.notify_one();
        self.live.publish(Change::general("members")).await;
        Ok(target.email)
    }

    /// A new reset token for `user` and the outbox job that emails it, in `tx`. Earlier live
    /// links stay usable until one of them is used: then all of them die (`set_password`).
    async fn queue_password_reset(
        &self,
        tx: &mut Tx,
        user: &UserWithRole,
        now: Millis,
    ) -> DomainResult<()> {
        let id = Uuid::now_v7();
        let seed = token::new_seed()?;
        let issued = token::issue_from_seed(&self.key, Purpose::SetPassword, id, &seed);
        let id = id.to_string();
        password_tokens::insert(
            tx,
            &id,
            &user.id,
            &issued.digest,
            now,
            now + PASSWORD_RESET_TTL,
        )
        .await?;
        outbox::insert(tx, &NewJob::password_reset(&id, &user.email, &seed), now).await?;
        Ok(())
    }

    /// The reset email of `job`, rebuilt from its seed, if the link still works and the
    /// account still has the address the job was queued for.
    pub(crate) async fn password_reset_email(&self, job: &Job) -> DomainResult<Option<ResetEmail>> {
        let (Some(seed), Ok(id)) = (job.link_seed.as_deref(), Uuid::parse_str(&job.id)) else {
            return Ok(None);
        };
        let issued = token::issue_from_seed(&self.key, Purpose::SetPassword, id, seed);
        let live =
            password_tokens::live(&self.db, &id.to_string(), &issued.digest, self.clock.now())
                .await?;
        Ok(live
            .filter(|t| t.email == job.recipient)
            .map(|t| ResetEmail {
                name: t.name,
                link: self
                    .public_url
                    .link(&format!("/set-password/{}", issued.token)),
                expires_at: t.expires_at,
            }))
    }
}
