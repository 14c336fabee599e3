//! The admin's side of the life cycle: the list and its filters, one invite's timeline,
//! revoking (one or many) and resending.

use model::{
    AuditEntry, Delivery, InviteList, InviteQuery, InviteRow, InviteStatus, IssuedLink,
    ListFilterOptions, Permission, Permissions, TeamRef,
};
use uuid::Uuid;

use super::rules::inviter_may_grant;
use crate::access::Caller;
use crate::audit::{Action, Event};
use crate::clock::{HOUR, MINUTE};
use crate::error::{DomainError, DomainResult};
use crate::live::Change;
use crate::store::audit::AuditRow;
use crate::store::invites::{self as store, InviteFull};
use crate::store::users::{self};
use crate::store::{audit as audit_store, invite_list, outbox, roles, teams};
use crate::Services;

use super::issue::{record_issued, Issuing, LinkCopy};

fn to_row(i: &InviteFull, teams: Vec<TeamRef>) -> DomainResult<InviteRow> {
    Ok(InviteRow {
        id: i.id.clone(),
        email: i.email.clone(),
        role_id: i.role_id.clone(),
        role_name: i.role_name.clone(),
        teams,
        inviter_id: i.inviter_id.clone(),
        inviter_name: i.inviter_name.clone(),
        inviter_email: i.inviter_email.clone(),
        created_at: i.created_at,
        expires_at: i.expires_at,
        accepted_at: i.accepted_at,
        revoked_at: i.revoked_at,
        declined_at: i.declined_at,
        send_at: i.send_at,
        decline_reason: i.decline_reason.clone(),
        landing_path: i.landing_path.clone(),
        access_ends_at: i.access_ends_at,
        status: i.stored_status()?,
        delivery: i.delivery()?,
        delivery_error: i.delivery_error.clone(),
        open_count: i.open_count,
        message: i.message.clone(),
        metadata: i.metadata.clone(),
        inviter_can_grant: inviter_may_grant(
            i.inviter_active,
            Permissions::from_bits(i.inviter_permissions),
            Permissions::from_bits(i.role_permissions),
        ),
    })
}

impl Services {
    /// One page of the list, filtered and sorted as `query` says, with counts per status.
    pub async fn list_invites(
        &self,
        caller: &Caller,
        query: &InviteQuery,
    ) -> DomainResult<InviteList> {
        caller.require(Permission::ViewInvites)?;
        let now = self.clock.now();
        let page = invite_list::page(&self.db, query, now)
            .await?
            .map_err(|_| {
                DomainError::invalid(
                    "after",
                    "That page no longer exists. Start again from the first page.",
                )
            })?;
        let ids: Vec<String> = page.rows.iter().map(|i| i.id.clone()).collect();
        let pairs = invite_list::teams_of(&self.db, &ids).await?;
        let counts = invite_list::counts(&self.db, now).await?;
        let next_after = page
            .more_after
            .then(|| page.rows.last().map(|r| r.id.clone()))
            .flatten();
        let prev_before = page
            .more_before
            .then(|| page.rows.first().map(|r| r.id.clone()))
            .flatten();
        let rows = page
            .rows
            .iter()
            .map(|i| {
                let teams = pairs
                    .iter()
                    .filter(|(invite, _, _)| invite == &i.id)
                    .map(|(_, id, name)| TeamRef {
                        id: id.clone(),
                        name: name.clone(),
                    })
                    .collect();
                to_row(i, teams)
            })
            .collect::<DomainResult<_>>()?;
        Ok(InviteList {
            rows,
            counts,
            next_after,
            prev_before,
        })
    }

    /// What the list's filters offer: every role and team, and everyone who has invited.
    pub async fn list_filter_options(&self, caller: &Caller) -> DomainResult<ListFilterOptions> {
        caller.require(Permission::ViewInvites)?;
        let roles = roles::list(&self.db)
            .await?
            .into_iter()
            .map(|r| (r.id, r.name))
            .collect();
        let teams = teams::list(&self.db)
            .await?
            .into_iter()
            .map(|t| (t.id, t.name))
            .collect();
        let inviters = users::inviters(&self.db).await?;
        Ok(ListFilterOptions {
            roles,
            teams,
            inviters,
        })
    }

    /// One invite with its timeline (oldest event first).
    pub async fn invite_detail(
        &self,
        caller: &Caller,
        id: &str,
    ) -> DomainResult<(InviteRow, Vec<AuditEntry>)> {
        caller.require(Permission::ViewInvites)?;
        let invite = store::find(&self.db, id, self.clock.now())
            .await?
            .ok_or(DomainError::NotFound)?;
        let teams = store::teams(&self.db, id)
            .await?
            .into_iter()
            .map(|(id, name)| TeamRef { id, name })
            .collect();
        let events = audit_store::for_invite(&self.db, id)
            .await?
            .into_iter()
            .map(AuditRow::into_entry)
            .collect();
        Ok((to_row(&invite, teams)?, events))
    }

    pub async fn revoke_invite(&self, caller: &Caller, id: &str) -> DomainResult<()> {
        caller.require(Permission::RevokeInvites)?;
        let now = self.clock.now();
        let invite = store::find(&self.db, id, now)
            .await?
            .ok_or(DomainError::NotFound)?;
        let mut tx = self.db.begin().await?;
        if store::revoke(&mut tx, id, caller.id(), now).await? != 1 {
            tx.rollback().await?;
            let status = self.status_now(id).await?;
            return Err(DomainError::Conflict(format!(
                "Only pending invites can be revoked; this one is {status}."
            )));
        }
        outbox::cancel_for_invite(&mut tx, id, now, "invite revoked").await?;
        let event =
            Event::new(&caller.actor, Action::InviteRevoked, Some(&invite.email)).invite(id);
        audit_store::insert_tx(&mut tx, &event, now).await?;
        tx.commit().await?;
        self.live.publish(Change::invite(id, "revoked")).await;
        Ok(())
    }

    /// Revokes every invite of `ids` that is still pending, in one transaction; the others
    /// (accepted, expired, revoked already, unknown) are counted as skipped.
    pub async fn revoke_many(
        &self,
        caller: &Caller,
        ids: &[String],
    ) -> DomainResult<(usize, usize)> {
        caller.require(Permission::RevokeInvites)?;
        if ids.is_empty() {
            return Err(DomainError::invalid(
                "ids",
                "Select the invites to revoke first.",
            ));
        }
        if ids.len() > model::MAX_PER_PAGE as usize {
            return Err(DomainError::invalid(
                "ids",
                format!("Revoke at most {} invites at once.", model::MAX_PER_PAGE),
            ));
        }
        let now = self.clock.now();
        let actor = caller.actor.clone();
        let mut revoked = Vec::new();
        let mut tx = self.db.begin().await?;
        for id in ids {
            if store::revoke(&mut tx, id, caller.id(), now).await? != 1 {
                continue;
            }
            outbox::cancel_for_invite(&mut tx, id, now, "invite revoked").await?;
            let email = store::email_of(&mut tx, id).await?;
            let event = Event::new(&actor, Action::InviteRevoked, email.as_deref())
                .detail("bulk revoke")
                .invite(id);
            audit_store::insert_tx(&mut tx, &event, now).await?;
            revoked.push(id.clone());
        }
        let summary = Event::new(&actor, Action::BulkRevoked, None).detail(format!(
            "{} selected: {} revoked, {} were no longer pending",
            ids.len(),
            revoked.len(),
            ids.len() - revoked.len()
        ));
        audit_store::insert_tx(&mut tx, &summary, now).await?;
        tx.commit().await?;
        for id in &revoked {
            self.live.publish(Change::invite(id, "revoked")).await;
        }
        Ok((revoked.len(), ids.len() - revoked.len()))
    }

    /// Invite `id`, for `caller` (who may send invites) to resend, change or send now: they
    /// must be able to grant its role, and it must be their own unless they may revoke
    /// invites: acting on someone else's invite replaces or moves what that person sent,
    /// which takes what revoking takes. `doing` ends the refusal ("… can send it now").
    pub(super) async fn invite_in_reach(
        &self,
        caller: &Caller,
        id: &str,
        doing: &str,
    ) -> DomainResult<InviteFull> {
        let invite = store::find(&self.db, id, self.clock.now())
            .await?
            .ok_or(DomainError::NotFound)?;
        if !caller
            .ceiling()
            .may_grant(Permissions::from_bits(invite.role_permissions))
        {
            return Err(DomainError::Forbidden);
        }
        let may_revoke = caller.require(Permission::RevokeInvites).is_ok();
        if invite.inviter_id != caller.user.id && !may_revoke {
            return Err(DomainError::ForbiddenBecause(format!(
                "Only {} (who sent this invite) or someone who may revoke invites can {doing}.",
                invite.inviter_name
            )));
        }
        Ok(invite)
    }

    /// The invite's status as stored now, in lower case, for a refusal message. Read after a
    /// conditional update matched nothing: a status read before it may be stale (another
    /// &caller.actor may have accepted or revoked the invite in between).
    pub(super) async fn status_now(&self, id: &str) -> DomainResult<String> {
        let now = self.clock.now();
        let invite = store::find(&self.db, id, now)
            .await?
            .ok_or(DomainError::NotFound)?;
        Ok(invite.status_at(now).label().to_lowercase())
    }

    /// A new link (the old one dies), a renewed expiry, and a new email (unless `send_email`
    /// is false: then only the link handed back, as at a create without email).
    pub async fn resend_invite(
        &self,
        caller: &Caller,
        id: &str,
        send_email: bool,
    ) -> DomainResult<IssuedLink> {
        caller.require(Permission::SendInvites)?;
        self.count_invite_send(caller).await?;
        let now = self.clock.now();
        let invite = self
            .invite_in_reach(
                caller,
                id,
                "resend it: a resend replaces the link already sent",
            )
            .await?;
        let own = invite.inviter_id == caller.user.id;
        if let Some(at) = invite.scheduled_until(now) {
            return Err(DomainError::Conflict(format!(
                "This invite is scheduled to go out at {}. Send it now instead, or revoke it.",
                model::fmt_utc(at)
            )));
        }
        let policy = self.policy().await?;
        // One address is not flooded: a resend waits out the cooldown after the last send.
        let cooldown = policy.resend_cooldown_minutes * MINUTE;
        let wait = invite.issued_at + cooldown - now;
        // (An accepted, revoked or declined invite is refused below for what it is.)
        if send_email && wait > 0 && !invite.status_at(now).is_terminal() {
            let secs = (wait + 999) / 1000;
            return Err(DomainError::RateLimited {
                retry_after_secs: secs as u64,
                message: format!(
                    "This invite was sent less than {} minutes ago, so one address is not \
                     flooded. {}",
                    policy.resend_cooldown_minutes,
                    crate::ratelimit::wait_phrase(secs as u64)
                ),
            });
        }
        let max = policy.max_expiry_hours;
        let ttl = invite.lifetime.clamp(HOUR, max * HOUR);
        let uuid = Uuid::parse_str(id).map_err(|_| DomainError::NotFound)?;
        let links = self.mint_links(uuid, LinkCopy::Shown)?;
        let shown = links.shown()?;
        let mut tx = self.db.begin().await?;
        // An expired invite comes back to life: it takes a seat again, as a new one would.
        if invite.status_at(now) == InviteStatus::Expired && crate::seats::any_cap(&policy) {
            crate::store::seats::lock(&mut tx).await?;
            let known = teams::list(&self.db).await?;
            let mine = store::team_ids(&mut tx, id).await?;
            let teams: Vec<crate::seats::SeatTeam> = known
                .iter()
                .filter(|t| mine.contains(&t.id))
                .map(Into::into)
                .collect();
            crate::seats::check_create(&mut tx, &policy, caller.id(), &teams, now).await?;
        }
        let digests = (links.emailed.digest.as_str(), shown.digest.as_str());
        let delivery = if send_email {
            Delivery::Queued
        } else {
            Delivery::NotSent
        };
        if store::renew(
            &mut tx,
            id,
            digests,
            (now, now + ttl),
            caller.id(),
            delivery,
        )
        .await?
            != 1
        {
            tx.rollback().await?;
            let status = self.status_now(id).await?;
            return Err(DomainError::Conflict(format!(
                "This invite is {status} and cannot be resent. Send a new invite instead."
            )));
        }
        outbox::cancel_for_invite(&mut tx, id, now, "replaced by a resend").await?;
        let resent =
            Event::new(&caller.actor, Action::InviteResent, Some(&invite.email)).detail(if own {
                format!(
                    "new links; the old ones no longer work; re-issued by {}",
                    caller.user.email
                )
            } else {
                format!(
                    "new links; the old ones no longer work; re-issued by {} for {}, who sent \
                     it before (the invite is now {}'s)",
                    caller.user.email, invite.inviter_email, caller.user.email
                )
            });
        let issuing = Issuing {
            invite_id: id,
            email: &invite.email,
            seed: send_email.then_some(links.seed.as_str()),
            // The teams stay as they were.
            team_ids: vec![],
            event: resent,
            expires_at: now + ttl,
            sends_at: now,
        };
        record_issued(
            &mut tx,
            &[issuing],
            &caller.actor,
            now,
            &policy.reminder_hours,
        )
        .await?;
        tx.commit().await?;
        self.mail_wakeup.notify_one();
        self.live.publish(Change::invite(id, "resent")).await;
        Ok(IssuedLink {
            invite_id: id.to_owned(),
            email: invite.email,
            link: Some(self.invite_link(&shown.token)),
        })
    }

    /// Sends a scheduled invite's email at once instead of at its time: the same link (no
    /// new token), its expiry counted from now, its reminders moved with it. Who may resend
    /// an invite may do this.
    pub async fn send_invite_now(&self, caller: &Caller, id: &str) -> DomainResult<()> {
        caller.require(Permission::SendInvites)?;
        let now = self.clock.now();
        let invite = self.invite_in_reach(caller, id, "send it now").await?;
        let not_scheduled = |status: String| {
            DomainError::Conflict(format!(
                "Only a scheduled invite can be sent now; this one is {status}."
            ))
        };
        let Some(was) = invite.scheduled_until(now) else {
            return Err(not_scheduled(invite.status_at(now).label().to_lowercase()));
        };
        let expires_at = now + invite.lifetime;
        let mut tx = self.db.begin().await?;
        if store::send_now(&mut tx, id, now, expires_at).await? != 1 {
            tx.rollback().await?;
            return Err(not_scheduled(self.status_now(id).await?));
        }
        outbox::bring_forward(&mut tx, id, now).await?;
        outbox::shift_reminders(&mut tx, id, expires_at - invite.expires_at, now).await?;
        let event = Event::new(&caller.actor, Action::InviteSentNow, Some(&invite.email))
            .detail(format!(
                "sent now instead of at {}; the link now expires {}",
                model::fmt_utc(was),
                model::fmt_utc(expires_at)
            ))
            .invite(id);
        audit_store::insert_tx(&mut tx, &event, now).await?;
        tx.commit().await?;
        self.mail_wakeup.notify_one();
        self.live.publish(Change::invite(id, "sent_now")).await;
        Ok(())
    }
}
