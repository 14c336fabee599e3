//! Confirming an address. A link shown to the inviter for copying lets whoever holds it join
//! as the invited address without owning that mailbox, so a member who joined through one is
//! "address not confirmed" until they follow a link emailed to that address, signed in as
//! themselves: proof that the person with the account also reads the mailbox. (Someone who
//! only reads the mailbox cannot confirm an account that is not theirs.)

use uuid::Uuid;

use crate::access::Caller;
use crate::audit::{Action, Actor, Event};
use crate::clock::{Millis, DAY};
use crate::error::{DomainError, DomainResult};
use crate::live::Change;
use crate::ratelimit::wait_phrase;
use crate::store::outbox::{JobKind, NewJob};
use crate::store::users::{self, PendingConfirmation};
use crate::store::{audit as audit_store, outbox, Tx};
use crate::token::{self, Purpose};
use crate::Services;

/// How long a confirmation link works. The member can ask for a new one from their home page.
pub const CONFIRMATION_TTL: Millis = 7 * DAY;

/// A confirmation link just made: the seed its email is built from (kept in the outbox job,
/// as for invitations), and what the account row stores.
pub(crate) struct MintedConfirmation {
    seed: String,
    digest: String,
    expires_at: Millis,
}

impl MintedConfirmation {
    pub(crate) fn pending(&self) -> PendingConfirmation<'_> {
        PendingConfirmation {
            digest: &self.digest,
            expires_at: self.expires_at,
        }
    }
}

/// Where a confirmation email goes, and who caused it (for the audit log).
pub(crate) struct ConfirmationEmail<'a> {
    /// The invite the member joined through: its timeline shows the email.
    pub invite_id: &'a str,
    pub address: &'a str,
    pub actor: &'a Actor,
}

/// Queues the email that carries confirmation `c`, with its audit entry, in `tx`.
pub(crate) async fn queue_confirmation_email(
    tx: &mut Tx,
    to: &ConfirmationEmail<'_>,
    c: &MintedConfirmation,
    now: Millis,
) -> DomainResult<()> {
    outbox::insert(
        tx,
        &NewJob::new(
            to.invite_id,
            JobKind::ConfirmAddress,
            to.address,
            Some(&c.seed),
        ),
        now,
    )
    .await?;
    let queued = Event::new(to.actor, Action::EmailQueued, Some(to.address))
        .detail("address confirmation")
        .invite(to.invite_id);
    audit_store::insert_tx(tx, &queued, now).await?;
    Ok(())
}

impl Services {
    /// A new confirmation link for account `user`, valid for `CONFIRMATION_TTL` from `now`.
    pub(crate) fn mint_confirmation(
        &self,
        user: Uuid,
        now: Millis,
    ) -> DomainResult<MintedConfirmation> {
        let seed = token::new_seed()?;
        let issued = token::issue_from_seed(&self.key, Purpose::ConfirmEmail, user, &seed);
        Ok(MintedConfirmation {
            seed,
            digest: issued.digest,
            expires_at: now + CONFIRMATION_TTL,
        })
    }

    /// The confirmation link for the member who joined through `invite_id`, rebuilt from the
    /// outbox job's seed, if that confirmation is still pending and live.
    pub(crate) async fn address_confirmation_link(
        &self,
        invite_id: &str,
        seed: Option<&str>,
    ) -> DomainResult<Option<String>> {
        let now = self.clock.now();
        let Some((user_id, pending)) =
            users::pending_confirmation(&self.db, invite_id, now).await?
        else {
            return Ok(None);
        };
        let (Some(seed), Ok(id)) = (seed, Uuid::parse_str(&user_id)) else {
            return Ok(None);
        };
        let issued = token::issue_from_seed(&self.key, Purpose::ConfirmEmail, id, seed);
        // A newer link replaced this job's: that one's email is on its way.
        if !token::constant_time_eq(issued.digest.as_bytes(), pending.as_bytes()) {
            return Ok(None);
        }
        Ok(Some(
            self.public_url
                .link(&format!("/confirm-address/{}", issued.token)),
        ))
    }

    /// The address a confirmation link is for, while it is pending. Reads only: opening the
    /// link changes nothing (mail scanners open links).
    pub async fn address_to_confirm(&self, token: &str) -> DomainResult<String> {
        let verified = token::verify(&self.key, Purpose::ConfirmEmail, token)
            .map_err(|_| DomainError::LinkInvalid)?;
        let id = verified.id.to_string();
        let now = self.clock.now();
        if !users::confirmation_pending(&self.db, &id, &verified.digest, now).await? {
            return Err(DomainError::LinkInvalid);
        }
        let user = users::find_by_id(&self.db, &id)
            .await?
            .ok_or(DomainError::LinkInvalid)?;
        Ok(user.email)
    }

    /// `user` confirms that the address of their account is theirs, with the link that was
    /// emailed to it. Only the account's own person may: the link alone is not enough.
    pub async fn confirm_address(&self, caller: &Caller, token: &str) -> DomainResult<()> {
        let verified = token::verify(&self.key, Purpose::ConfirmEmail, token)
            .map_err(|_| DomainError::LinkInvalid)?;
        if verified.id.to_string() != caller.user.id {
            return Err(DomainError::ForbiddenBecause(
                "This confirmation link is for another account. Sign out, then sign in as the \
                 person it was sent to."
                    .into(),
            ));
        }
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        if users::confirm_address(&mut tx, caller.id(), &verified.digest, now).await? != 1 {
            return Err(DomainError::LinkInvalid);
        }
        let event = Event::new(
            &caller.actor,
            Action::MemberEmailConfirmed,
            Some(&caller.user.email),
        )
        .detail("confirmed from the address's own mailbox");
        audit_store::insert_tx(&mut tx, &event, now).await?;
        tx.commit().await?;
        self.live.publish(Change::general("members")).await;
        Ok(())
    }

    /// Emails `caller` a new confirmation link (the previous one dies). At most three an hour,
    /// so the address is not flooded.
    pub async fn resend_address_confirmation(&self, caller: &Caller) -> DomainResult<()> {
        if caller.user.address_confirmed {
            return Err(DomainError::Conflict(
                "Your address is confirmed already: there is nothing to send.".into(),
            ));
        }
        let now = self.clock.now();
        if let Some(secs) = self.limits.confirmation_sends.take(caller.id(), now).await {
            return Err(DomainError::RateLimited {
                retry_after_secs: secs,
                message: format!(
                    "A confirmation email was sent a moment ago. Look in your inbox (and spam \
                     folder) first. {}",
                    wait_phrase(secs)
                ),
            });
        }
        let uuid = Uuid::parse_str(caller.id()).map_err(|_| DomainError::NotFound)?;
        let minted = self.mint_confirmation(uuid, now)?;
        let actor = caller.actor.clone();
        let mut tx = self.db.begin().await?;
        let Some(invite_id) =
            users::renew_confirmation(&mut tx, caller.id(), minted.pending()).await?
        else {
            return Err(DomainError::Conflict(
                "Your address needs no confirming.".into(),
            ));
        };
        let to = ConfirmationEmail {
            invite_id: &invite_id,
            address: &caller.user.email,
            actor: &actor,
        };
        queue_confirmation_email(&mut tx, &to, &minted, now).await?;
        tx.commit().await?;
        self.mail_wakeup.notify_one();
        self.live.publish(Change::general("members")).await;
        Ok(())
    }
}
