//! The invite life cycle: create, list, revoke, resend, open, accept, and "request a new one".
//!
//! Every state change is one transaction: the invite, its teams, its outbox job and its audit
//! events commit together or not at all.

use model::{
    AuditEntry, InviteList, InviteOptions, InvitePreview, InviteQuery, InviteRow, IssuedLink,
    JoinedVia, LinkView, ListFilterOptions, Permission, Permissions, RoleInfo, TeamInfo,
};
use uuid::Uuid;

use crate::access::Caller;
use crate::accounts::parse_name;
use crate::address_confirmation::{queue_confirmation_email, ConfirmationEmail};
use crate::audit::{Action, Actor, Event};
use crate::clock::{Millis, HOUR};
use crate::directory::chosen_teams;
use crate::email::EmailAddress;
use crate::error::{DomainError, DomainResult};
use crate::invite::{inviter_may_grant, parse_expiry_hours, parse_message, view_for_status};
use crate::live::Change;
use crate::password::NewPassword;
use crate::policy as policy_rules;
use crate::store::audit::AuditRow;
use crate::store::invites::{self as store, InviteFull, NewInvite};
use crate::store::outbox::{JobKind, NewJob};
use crate::store::users::{self, NewUser, UserWithRole};
use crate::store::{audit as audit_store, invite_list, outbox, roles, teams};
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

pub struct CreateInvite<'a> {
    pub email: &'a str,
    pub role_id: &'a str,
    pub team_ids: &'a [String],
    pub expiry_hours: i64,
    pub message: &'a str,
}

fn to_row(i: &InviteFull, teams: Vec<String>) -> DomainResult<InviteRow> {
    Ok(InviteRow {
        id: i.id.clone(),
        email: i.email.clone(),
        role_name: i.role_name.clone(),
        teams,
        inviter_name: i.inviter_name.clone(),
        inviter_email: i.inviter_email.clone(),
        created_at: i.created_at,
        expires_at: i.expires_at,
        accepted_at: i.accepted_at,
        revoked_at: i.revoked_at,
        status: i.stored_status()?,
        delivery: i.delivery()?,
        delivery_error: i.delivery_error.clone(),
        open_count: i.open_count,
        message: i.message.clone(),
        inviter_can_grant: inviter_may_grant(
            i.inviter_active,
            Permissions::from_bits(i.inviter_permissions),
            Permissions::from_bits(i.role_permissions),
        ),
    })
}

fn role_info(r: roles::RoleRow) -> RoleInfo {
    RoleInfo {
        id: r.id,
        name: r.name,
        description: r.description,
        permissions: Permissions::from_bits(r.permissions),
        built_in: r.built_in,
        in_use: r.in_use,
    }
}

fn team_info(t: teams::TeamRow) -> TeamInfo {
    TeamInfo {
        id: t.id,
        name: t.name,
        members: t.members,
    }
}

impl Services {
    pub fn invite_link(&self, token: &str) -> String {
        self.public_url.link(&format!("/invite/{token}"))
    }

    /// Roles the user may grant and every team: what the invite form offers.
    pub async fn invite_options(&self, caller: &Caller) -> DomainResult<InviteOptions> {
        let held = caller.require(Permission::SendInvites)?;
        let roles = roles::list(&self.db)
            .await?
            .into_iter()
            .map(role_info)
            .filter(|r| held.may_grant(r.permissions))
            .collect();
        let teams = teams::list(&self.db)
            .await?
            .into_iter()
            .map(team_info)
            .collect();
        let policy = self.policy().await?;
        Ok(InviteOptions {
            roles,
            teams,
            default_expiry_hours: policy.default_expiry_hours,
            expiry_choices: policy
                .expiry_choices()
                .into_iter()
                .map(|(h, l)| (h, l.to_owned()))
                .collect(),
        })
    }

    pub async fn create_invite(
        &self,
        caller: &Caller,
        req: CreateInvite<'_>,
    ) -> DomainResult<IssuedLink> {
        let held = caller.require(Permission::SendInvites)?;
        self.count_invite_send(caller)?;
        let email = EmailAddress::parse(req.email)
            .map_err(|e| DomainError::invalid("email", e.to_string()))?;
        let role = roles::find(&self.db, req.role_id)
            .await?
            .ok_or_else(|| DomainError::invalid("role", "Choose a role."))?;
        if !held.may_grant(Permissions::from_bits(role.permissions)) {
            return Err(DomainError::invalid(
                "role",
                format!(
                    "You cannot invite people as {}: it has permissions your role lacks.",
                    role.name
                ),
            ));
        }
        let known_teams = teams::list(&self.db).await?;
        let chosen = chosen_teams(&known_teams, req.team_ids)?;
        let ttl = parse_expiry_hours(req.expiry_hours)?;
        let message = parse_message(req.message)?;
        let now = self.clock.now();
        let policy = self.policy().await?;
        policy_rules::check_invite(&policy, &email, req.expiry_hours)?;
        if let Some((0, frees_at)) = self.cap_room(&policy, caller, now).await? {
            return Err(policy_rules::cap_reached(&policy, frees_at, now));
        }

        let id = Uuid::now_v7();
        let seed = token::new_seed()?;
        let issued = token::issue_from_seed(&self.key, Purpose::Invite, id, &seed);
        // The inviter is shown a link of its own, so an acceptance tells which one was used.
        let copy = token::issue(&self.key, Purpose::Invite, id)?;
        let id_s = id.to_string();
        let actor = caller.actor.clone();

        let new_invite = NewInvite {
            id: &id_s,
            email: email.as_str(),
            role_id: &role.id,
            inviter_id: caller.id(),
            message: &message,
            token_digest: &issued.digest,
            copy_digest: Some(&copy.digest),
            created_at: now,
            expires_at: now + ttl,
        };
        let mut tx = self.db.begin().await?;
        // The common case is one statement; only a refused insert looks for the reason. The
        // one-live-invite index decides, so two racing creates cannot both win.
        let mut inserted = store::insert_if_free(&mut tx, &new_invite).await?;
        if !inserted {
            if users::email_taken(&mut tx, email.as_str()).await? {
                return Err(DomainError::invalid(
                    "email",
                    format!("{email} already has an account."),
                ));
            }
            // An expired invite still holds the address until it is closed.
            if store::close_expired_for_email(&mut tx, email.as_str(), now).await? > 0 {
                inserted = store::insert_if_free(&mut tx, &new_invite).await?;
            }
        }
        if !inserted {
            return Err(DomainError::Conflict(format!(
                "{email} already has a pending invitation. Use Resend in the list to send it again."
            )));
        }
        for team in &chosen {
            store::add_team(&mut tx, &id_s, &team.id).await?;
        }
        outbox::insert(
            &mut tx,
            &NewJob::new(&id_s, JobKind::Invite, email.as_str(), Some(&seed)),
            now,
        )
        .await?;
        let detail = format!(
            "role {}; expires in {} h; a copy of the link shown to the inviter",
            role.name,
            ttl / HOUR
        );
        let created = Event::new(&actor, Action::InviteCreated, Some(email.as_str()))
            .detail(detail)
            .invite(&id_s);
        let queued = Event::new(&actor, Action::EmailQueued, Some(email.as_str())).invite(&id_s);
        audit_store::insert_many_tx(&mut tx, &[created, queued], now).await?;
        tx.commit().await?;
        self.mail_wakeup.notify_one();
        self.live.publish(Change::invite(&id_s, "created")).await;
        Ok(IssuedLink {
            invite_id: id_s,
            email: email.to_string(),
            link: self.invite_link(&copy.token),
        })
    }

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
                    .filter(|(id, _)| id == &i.id)
                    .map(|(_, t)| t.clone())
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
        let teams = store::team_names(&self.db, id).await?;
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
            drop(tx);
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

    /// The invite's status as stored now, in lower case, for a refusal message. Read after a
    /// conditional update matched nothing: a status read before it may be stale (another
    /// &caller.actor may have accepted or revoked the invite in between).
    async fn status_now(&self, id: &str) -> DomainResult<String> {
        let now = self.clock.now();
        let invite = store::find(&self.db, id, now)
            .await?
            .ok_or(DomainError::NotFound)?;
        Ok(invite.status_at(now).label().to_lowercase())
    }

    /// A new link (the old one dies), a renewed expiry, and a new email.
    pub async fn resend_invite(&self, caller: &Caller, id: &str) -> DomainResult<IssuedLink> {
        let held = caller.require(Permission::SendInvites)?;
        self.count_invite_send(caller)?;
        let now = self.clock.now();
        let invite = store::find(&self.db, id, now)
            .await?
            .ok_or(DomainError::NotFound)?;
        if !held.may_grant(Permissions::from_bits(invite.role_permissions)) {
            return Err(DomainError::Forbidden);
        }
        // A resend kills the link already sent, so for someone else's invite it takes what
        // revoking takes.
        let own = invite.inviter_id == caller.user.id;
        if !own && !held.contains(Permission::RevokeInvites) {
            return Err(DomainError::ForbiddenBecause(format!(
                "Only {} (who sent this invite) or someone who may revoke invites can resend it: \
                 a resend replaces the link already sent.",
                invite.inviter_name
            )));
        }
        let max = self.policy().await?.max_expiry_hours;
        let ttl = invite.lifetime.clamp(HOUR, max * HOUR);
        let uuid = Uuid::parse_str(id).map_err(|_| DomainError::NotFound)?;
        let seed = token::new_seed()?;
        let issued = token::issue_from_seed(&self.key, Purpose::Invite, uuid, &seed);
        let copy = token::issue(&self.key, Purpose::Invite, uuid)?;
        let actor = caller.actor.clone();
        let mut tx = self.db.begin().await?;
        let digests = (issued.digest.as_str(), copy.digest.as_str());
        if store::renew(&mut tx, id, digests, now + ttl, caller.id()).await? != 1 {
            drop(tx);
            let status = self.status_now(id).await?;
            return Err(DomainError::Conflict(format!(
                "This invite is {status} and cannot be resent. Send a new invite instead."
            )));
        }
        outbox::cancel_for_invite(&mut tx, id, now, "replaced by a resend").await?;
        outbox::insert(
            &mut tx,
            &NewJob::new(id, JobKind::Invite, &invite.email, Some(&seed)),
            now,
        )
        .await?;
        let resent = Event::new(&actor, Action::InviteResent, Some(&invite.email))
            .detail(if own {
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
            })
            .invite(id);
        audit_store::insert_tx(&mut tx, &resent, now).await?;
        let queued = Event::new(&actor, Action::EmailQueued, Some(&invite.email)).invite(id);
        audit_store::insert_tx(&mut tx, &queued, now).await?;
        tx.commit().await?;
        self.mail_wakeup.notify_one();
        self.live.publish(Change::invite(id, "resent")).await;
        Ok(IssuedLink {
            invite_id: id.to_owned(),
            email: invite.email,
            link: self.invite_link(&copy.token),
        })
    }

    /// Looks a link up for its invitee. Records that it was opened (audit, open count) but
    /// changes no state: mail scanners open links too.
    pub async fn open_invite_link(&self, token: &str, request: &Actor) -> DomainResult<LinkView> {
        let now = self.clock.now();
        let (view, invite) = self.classify_counted(token, request, now).await?;
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

    /// Counts one invite created or resent by `user`; 429 past the per-minute limit.
    fn count_invite_send(&self, caller: &Caller) -> DomainResult<()> {
        let now = self.clock.now();
        if let Some(secs) = self.invite_sends.check(caller.id(), now) {
            return Err(DomainError::RateLimited {
                retry_after_secs: secs,
                message: format!(
                    "You have sent a great many invites in the last minute. {}",
                    crate::ratelimit::wait_phrase(secs)
                ),
            });
        }
        self.invite_sends.hit(caller.id(), now);
        Ok(())
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
            if let Some(secs) = self.bad_links.check(client, now) {
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
            self.bad_links.hit(client, now);
        }
        Ok(classified)
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
    ) -> DomainResult<UserWithRole> {
        let name = parse_name(name)?;
        let now = self.clock.now();
        let (view, invite) = self.classify_counted(token, request, now).await?;
        let invite = match (view, invite) {
            (LinkView::Open(_), Some(invite)) => invite,
            (view, invite) => {
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
        let mut tx = self.db.begin().await?;
        // Claim the invite first, so that the losers of a race on one link hear that it was
        // used (not that an account exists: the winner's, created a moment ago).
        if store::accept(&mut tx, &invite.id, &verified.digest, &user_id, now).await? != 1 {
            drop(tx);
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
            },
        )
        .await?;
        for team in store::team_ids(&mut tx, &invite.id).await? {
            teams::add_member(&mut tx, &team, &user_id).await?;
        }
        let mut actor = request.clone();
        actor.user_id = Some(user_id.clone());
        actor.email = Some(invite.email.clone());
        let accepted = Event::new(&actor, Action::InviteAccepted, Some(&invite.email))
            .detail(format!("joined as {} {}", invite.role_name, via.phrase()))
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
        users::find_by_id(&self.db, &user_id)
            .await?
            .ok_or(DomainError::NotFound)
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
        if let Some(secs) = self.new_invite_requests.check(&invite.id, now) {
            return Err(DomainError::RateLimited {
                retry_after_secs: secs,
                message: "Your administrator has already been asked. You can ask again later."
                    .into(),
            });
        }
        self.new_invite_requests.hit(&invite.id, now);
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
