//! Confirming an address. A link shown to the inviter for copying lets whoever holds it join
//! as the invited address without owning that mailbox, so a member who joined through one is
//! "address not confirmed" until they follow a link emailed to that address, signed in as
//! themselves: proof that the person with the account also reads the mailbox. (Someone who
//! only reads the mailbox cannot confirm an account that is not theirs.)

use uuid::Uuid;

use crate::audit::{Action, Actor, Event};
use crate::error::{DomainError, DomainResult};
use crate::invites::actor_for;
use crate::live::Change;
use crate::store::audit as audit_store;
use crate::store::users::{self, UserWithRole};
use crate::token::{self, Purpose};
use crate::Services;

impl Services {
    /// The confirmation link for the member who joined through `invite_id`, rebuilt from the
    /// outbox job's seed, if that confirmation is still pending.
    pub(crate) async fn address_confirmation_link(
        &self,
        invite_id: &str,
        seed: Option<&str>,
    ) -> DomainResult<Option<String>> {
        let Some((user_id, Some(pending))) =
            users::pending_confirmation(&self.db, invite_id).await?
        else {
            return Ok(None);
        };
        let (Some(seed), Ok(id)) = (seed, Uuid::parse_str(&user_id)) else {
            return Ok(None);
        };
        let issued = token::issue_from_seed(&self.key, Purpose::ConfirmEmail, id, seed);
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
        if !users::confirmation_pending(&self.db, &id, &verified.digest).await? {
            return Err(DomainError::LinkInvalid);
        }
        let user = users::find_by_id(&self.db, &id)
            .await?
            .ok_or(DomainError::LinkInvalid)?;
        Ok(user.email)
    }

    /// `user` confirms that the address of their account is theirs, with the link that was
    /// emailed to it. Only the account's own person may: the link alone is not enough.
    pub async fn confirm_address(
        &self,
        user: &UserWithRole,
        request: &Actor,
        token: &str,
    ) -> DomainResult<()> {
        let verified = token::verify(&self.key, Purpose::ConfirmEmail, token)
            .map_err(|_| DomainError::LinkInvalid)?;
        if verified.id.to_string() != user.id {
            return Err(DomainError::ForbiddenBecause(
                "This confirmation link is for another account. Sign out, then sign in as the \
                 person it was sent to."
                    .into(),
            ));
        }
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        if users::confirm_address(&mut tx, &user.id, &verified.digest, now).await? != 1 {
            return Err(DomainError::LinkInvalid);
        }
        let event = Event::new(
            &actor_for(user, request),
            Action::MemberEmailConfirmed,
            Some(&user.email),
        )
        .detail("confirmed from the address's own mailbox");
        audit_store::insert_tx(&mut tx, &event, now).await?;
        tx.commit().await?;
        self.live.publish(Change::general("members")).await;
        Ok(())
    }
}
