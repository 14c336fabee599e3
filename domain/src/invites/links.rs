//! The invitee's side: opening a link (which changes nothing), accepting it or declining it
//! (exactly once, either), and asking for a new invitation from a dead one.

use model::{InvitePolicy, InvitePreview, JoinedVia, LinkView, Permissions};
use uuid::Uuid;

use super::rules::{inviter_may_grant, parse_decline_reason, view_for_status};
use crate::accounts::parse_name;
use crate::address_confirmation::{queue_confirmation_email, ConfirmationEmail};
use crate::audit::{Action, Actor, Event};
use crate::clock::Millis;
use crate::error::{DomainError, DomainResult};
use crate::live::Change;
use crate::password::NewPassword;
use crate::seats;
use crate::store::invites::{self as store, InviteFull};
use crate::store::outbox::{JobKind, NewJob};
use crate::store::users::{self, NewUser, UserWithRole};
use crate::store::{audit as audit_store, outbox, teams};
use crate::token::{self, Purpose};
use crate::Services;

/// Which of the invite's current links `digest` belongs to, if either: the emailed one or the
/// copy shown to the inviter.
fn link_used(invite: &InviteFull, digest: &str) -> Option<JoinedVia> {
    let matches = |stored: &str| token::constant_time_eq(stored.as_bytes(), digest.as_bytes());
    if matches(&invite.token_digest) {
        Some(JoinedVia::Email)
    } else if invite.copy_digest.as_deref().is_some_and(matches) {
        Some(JoinedVia::CopiedLink)
    } else {
        None
    }
}

/// A new member, and where the invite meant them to land (a checked path; "/" by default).
#[derive(Debug)]
pub struct Joined {
    pub user: UserWithRole,
    pub lands_on: String,
}

impl Services {
    /// Looks a link up for its invitee. Records that it was opened (audit, open count) but
    /// changes no state: mail scanners open links too.
    pub async fn open_invite_link(&self, token: &str, request: &Actor) -> DomainResult<LinkView> {
        let now = self.clock.now();
        let (view, invite, _) = self.classify_for_joining(token, request, now).await?;
        if let Some(invite) = invite {
            store::record_open(&self.db, &invite.id, now).await?;
            let detail = match &view {
                LinkView::Open(_) => "link opened".to_owned(),
                other => format!("link opened; refused: {}", other.refusal()),
            };
            let event = Event::new(request, Action::InviteOpened, Some(&invite.email))
                .detail(detail)
                .invite(&invite.id);
            audit_store::insert(&self.db, &event, now).await?;
            self.live
                .publish(Change::invite(&invite.id, "opened"))
                .await;
        }
        Ok(view)
    }

    /// `classify_counted`, and for a link that is open, whether a seat is free for the
    /// invitee (the policy's caps): a link to a full team shows why it cannot be used yet.
    /// Declining needs no seat, so it classifies without this. The policy, read only for a
    /// link that is open (never for a guess), comes back for the caller to use again.
    async fn classify_for_joining(
        &self,
        token: &str,
        request: &Actor,
        now: Millis,
    ) -> DomainResult<(LinkView, Option<InviteFull>, Option<InvitePolicy>)> {
        let (view, invite) = self.classify_counted(token, request, now).await?;
        let (LinkView::Open(_), Some(i)) = (&view, &invite) else {
            return Ok((view, invite, None));
        };
        let policy = self.policy().await?;
        if seats::any_cap(&policy) {
            if let Some(full) = seats::view_at_open(&self.db, &policy, &i.id, now).await? {
                return Ok((full, invite, Some(policy)));
            }
        }
        Ok((view, invite, Some(policy)))
    }

    /// `classify_link` for a &caller.actor from a client: a client that has shown many links that
    /// are not ours gets 429 instead of an answer, so guessing is slow as well as hopeless.
    /// A link whose signature verifies was issued by us and is no guess: it is answered
    /// whatever else came from the same address (an office NAT shares one address between
    /// honest invitees and whoever is guessing).
    async fn classify_counted(
        &self,
        token: &str,
        request: &Actor,
        now: Millis,
    ) -> DomainResult<(LinkView, Option<InviteFull>)> {
        let client = request.ip.as_deref().unwrap_or("unknown");
        let verified = token::verify(&self.key, Purpose::Invite, token).ok();
        if verified.is_none() {
            if let Some(secs) = self.limits.bad_links.check(client, now).await {
                return Err(DomainError::RateLimited {
                    retry_after_secs: secs,
                    message: format!(
                        "Too many invalid invitation links came from your network. Check the \
                         link in your email. {}",
                        crate::ratelimit::wait_phrase(secs)
                    ),
                });
            }
        }
        let classified = match verified {
            Some(v) => self.classify_verified(&v, now).await?,
            None => (LinkView::Invalid, None),
        };
        if matches!(classified.0, LinkView::Invalid) {
            self.limits.bad_links.hit(client, now).await;
        }
        Ok(classified)
    }

    /// Whether `token` is a link that could be used right now, without recording anything
    /// (no open, no guess counted: the call that follows counts it).
    pub async fn link_is_open(&self, token: &str) -> DomainResult<bool> {
        let (view, _) = self.classify_link(token, self.clock.now()).await?;
        Ok(matches!(view, LinkView::Open(_)))
    }

    /// What a link shows, and the invite behind it when the token is authentic.
    async fn classify_link(
        &self,
        token: &str,
        now: Millis,
    ) -> DomainResult<(LinkView, Option<InviteFull>)> {
        match token::verify(&self.key, Purpose::Invite, token) {
            Ok(verified) => self.classify_verified(&verified, now).await,
            Err(_) => Ok((LinkView::Invalid, None)),
        }
    }

    /// `classify_link` for a token whose signature has been checked.
    async fn classify_verified(
        &self,
        verified: &token::Verified,
        now: Millis,
    ) -> DomainResult<(LinkView, Option<InviteFull>)> {
        let Some(invite) = store::find(&self.db, &verified.id.to_string(), now).await? else {
            return Ok((LinkView::Invalid, None));
        };
        if link_used(&invite, &verified.digest).is_none() {
            return Ok((LinkView::Replaced, Some(invite)));
        }
        let status = invite.status_at(now);
        if let Some(view) = view_for_status(status) {
            return Ok((view, Some(invite)));
        }
        let inviter = Permissions::from_bits(invite.inviter_permissions);
        if !inviter_may_grant(
            invite.inviter_active,
            inviter,
            Permissions::from_bits(invite.role_permissions),
        ) {
            return Ok((LinkView::InviterLacksRights, Some(invite)));
        }
        // The policy may have changed since the invite was sent: its domain rules apply again.
        let domain = invite.email.rsplit('@').next().unwrap_or_default();
        if self.policy().await?.check_domain(domain).is_err() {
            return Ok((LinkView::DomainNotAllowed, Some(invite)));
        }
        let teams = store::team_names(&self.db, &invite.id).await?;
        let preview = InvitePreview {
            email: invite.email.clone(),
            inviter_name: invite.inviter_name.clone(),
            role_name: invite.role_name.clone(),
            teams,
            expires_at: invite.expires_at,
            message: invite.message.clone(),
        };
        Ok((LinkView::Open(preview), Some(invite)))
    }

    /// Accepts: creates exactly one account with the invite's email, role and teams (all from
    /// the row, never from the request), in the same transaction that uses the invite up.
    pub async fn accept_invite(
        &self,
        token: &str,
        name: &str,
        password: &NewPassword,
        request: &Actor,
    ) -> DomainResult<Joined> {
        let name = parse_name(name)?;
        let now = self.clock.now();
        let (view, invite, policy) = self.classify_for_joining(token, request, now).await?;
        let (invite, policy) = match (view, invite, policy) {
            (LinkView::Open(_), Some(invite), Some(policy)) => (invite, policy),
            (view, invite, _) => {
                if let Some(invite) = invite {
                    let event =
                        Event::new(request, Action::InviteAcceptRefused, Some(&invite.email))
                            .detail(view.refusal())
                            .invite(&invite.id);
                    audit_store::insert(&self.db, &event, now).await?;
                }
                return Err(DomainError::InviteUnusable(Box::new(view)));
            }
        };
        // Hash before taking the write lock: argon2 takes tens of milliseconds.
        let hash = self.hasher.hash(password).await?;
        let user_uuid = Uuid::now_v7();
        let user_id = user_uuid.to_string();
        let verified = token::verify(&self.key, Purpose::Invite, token)
            .map_err(|_| DomainError::LinkInvalid)?;
        let via = link_used(&invite, &verified.digest).ok_or(DomainError::LinkInvalid)?;
        // Joining through a copied link proves nothing about the mailbox: the member is asked
        // to confirm the address from an email, with a link of their own.
        let confirmation = match via {
            JoinedVia::Email => None,
            JoinedVia::CopiedLink => Some(self.mint_confirmation(user_uuid, now)?),
        };
        let capped = seats::any_cap(&policy);
        let mut tx = self.db.begin().await?;
        if capped {
            // Before any invite row: the order every create and accept takes.
            crate::store::seats::lock(&mut tx).await?;
        }
        // Claim the invite first, so that the losers of a race on one link hear that it was
        // used (not that an account exists: the winner's, created a moment ago).
        if store::accept(&mut tx, &invite.id, &verified.digest, &user_id, now).await? != 1 {
            tx.rollback().await?;
            // Someone else won the race (or it was revoked meanwhile): say what happened.
            let (view, _) = self.classify_link(token, self.clock.now()).await?;
            let view = if matches!(view, LinkView::Open(_)) {
                LinkView::Used
            } else {
                view
            };
            return Err(DomainError::InviteUnusable(Box::new(view)));
        }
        if users::email_taken(&mut tx, &invite.email).await? {
            // The address got an account some other way. Dropping the transaction undoes the
            // claim: never touch an existing account's password, never sign anyone in.
            return Err(DomainError::Conflict(
                "An account with this email already exists. Sign in instead.".into(),
            ));
        }
        // Counted again now, members only: of racing accepts into the last seat, one joins.
        if capped {
            if let Some(full) = seats::view_at_accept(&mut tx, &policy, &invite.id, now).await? {
                // Dropping the transaction undoes the claim: the invite stays pending.
                tx.rollback().await?;
                let event = Event::new(request, Action::InviteAcceptRefused, Some(&invite.email))
                    .detail(full.refusal())
                    .invite(&invite.id);
                audit_store::insert(&self.db, &event, now).await?;
                return Err(DomainError::InviteUnusable(Box::new(full)));
            }
        }
        users::insert(
            &mut tx,
            &NewUser {
                id: &user_id,
                email: &invite.email,
                name: &name,
                password_hash: Some(&hash),
                role_id: &invite.role_id,
                created_at: now,
                invite_id: Some(&invite.id),
                joined_via: Some(via),
                confirmation: confirmation.as_ref().map(|c| c.pending()),
                access_ends_at: invite.access_ends_at,
            },
        )
        .await?;
        for team in store::team_ids(&mut tx, &invite.id).await? {
            teams::add_member(&mut tx, &team, &user_id).await?;
        }
        let mut actor = request.clone();
        actor.user_id = Some(user_id.clone());
        actor.email = Some(invite.email.clone());
        let ends = invite
            .access_ends_at
            .map(|end| format!("; access ends {}", model::fmt_utc(end)))
            .unwrap_or_default();
        let accepted = Event::new(&actor, Action::InviteAccepted, Some(&invite.email))
            .detail(format!(
                "joined as {} {}{ends}",
                invite.role_name,
                via.phrase()
            ))
            .invite(&invite.id);
        audit_store::insert_tx(&mut tx, &accepted, now).await?;
        if let Some(c) = &confirmation {
            let to = ConfirmationEmail {
                invite_id: &invite.id,
                address: &invite.email,
                actor: &actor,
            };
            queue_confirmation_email(&mut tx, &to, c, now).await?;
        }
        tx.commit().await?;
        if confirmation.is_some() {
            self.mail_wakeup.notify_one();
        }
        self.live
            .publish(Change::invite(&invite.id, "accepted"))
            .await;
        let user = users::find_by_id(&self.db, &user_id)
            .await?
            .ok_or(DomainError::NotFound)?;
        // Checked at create; checked again here, as every redirect is.
        let lands_on = model::safe_redirect(invite.landing_path.as_deref().unwrap_or("/"));
        Ok(Joined {
            user,
            lands_on: lands_on.to_owned(),
        })
    }

    /// The invitee's no, with an optional reason: the invite becomes Declined (terminal), its
    /// links die, its unsent email is cancelled, and the inviter is told by email. A link that
    /// can no longer be used (expired, revoked, used, declined) is refused with its reason
    /// and nothing changes; of racing declines and accepts, exactly one wins.
    pub async fn decline_invite(
        &self,
        token: &str,
        reason: &str,
        request: &Actor,
    ) -> DomainResult<()> {
        let reason = parse_decline_reason(reason)?;
        let now = self.clock.now();
        let (view, invite) = self.classify_counted(token, request, now).await?;
        let invite = match (view, invite) {
            (LinkView::Open(_), Some(invite)) => invite,
            (view, _) => return Err(DomainError::InviteUnusable(Box::new(view))),
        };
        let verified = token::verify(&self.key, Purpose::Invite, token)
            .map_err(|_| DomainError::LinkInvalid)?;
        let mut tx = self.db.begin().await?;
        if store::decline(
            &mut tx,
            &invite.id,
            &verified.digest,
            reason.as_deref(),
            now,
        )
        .await?
            != 1
        {
            tx.rollback().await?;
            let (view, _) = self.classify_link(token, self.clock.now()).await?;
            return Err(DomainError::InviteUnusable(Box::new(view)));
        }
        outbox::cancel_for_invite(&mut tx, &invite.id, now, "invite declined").await?;
        outbox::insert(
            &mut tx,
            &NewJob::new(
                &invite.id,
                JobKind::InviteDeclined,
                &invite.inviter_email,
                None,
            ),
            now,
        )
        .await?;
        let mut actor = request.clone();
        actor.email = Some(invite.email.clone());
        let detail = match &reason {
            Some(r) => format!("declined; reason: {r}; {} notified", invite.inviter_email),
            None => format!(
                "declined (no reason given); {} notified",
                invite.inviter_email
            ),
        };
        let event = Event::new(&actor, Action::InviteDeclined, Some(&invite.email))
            .detail(detail)
            .invite(&invite.id);
        audit_store::insert_tx(&mut tx, &event, now).await?;
        tx.commit().await?;
        self.mail_wakeup.notify_one();
        self.live
            .publish(Change::invite(&invite.id, "declined"))
            .await;
        Ok(())
    }

    /// From a dead link: tells the inviter (audit + email) that the invitee wants a new one.
    /// At most once an hour per invite.
    pub async fn request_new_invite(&self, token: &str, request: &Actor) -> DomainResult<()> {
        let now = self.clock.now();
        let (view, invite) = self.classify_counted(token, request, now).await?;
        let Some(invite) = invite else {
            return Err(DomainError::LinkInvalid);
        };
        if matches!(view, LinkView::Open(_)) {
            return Err(DomainError::Conflict(
                "This invitation is still valid: you can accept it now.".into(),
            ));
        }
        if !view.can_request_new() {
            return Err(DomainError::Conflict(format!(
                "{} A new invitation cannot be requested from this link.",
                view.refusal()
            )));
        }
        if let Some(secs) = self.limits.new_invite_requests.take(&invite.id, now).await {
            return Err(DomainError::RateLimited {
                retry_after_secs: secs,
                message: "Your administrator has already been asked. You can ask again later."
                    .into(),
            });
        }
        let mut tx = self.db.begin().await?;
        outbox::insert(
            &mut tx,
            &NewJob::new(
                &invite.id,
                JobKind::NewInviteRequest,
                &invite.inviter_email,
                None,
            ),
            now,
        )
        .await?;
        let event = Event::new(request, Action::NewInviteRequested, Some(&invite.email))
            .detail(format!(
                "{} asked for a new invitation; {} notified",
                invite.email, invite.inviter_email
            ))
            .invite(&invite.id);
        audit_store::insert_tx(&mut tx, &event, now).await?;
        tx.commit().await?;
        self.mail_wakeup.notify_one();
        Ok(())
    }
}
