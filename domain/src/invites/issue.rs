//! Issuing invites: what the form offers, and creating one (its link, teams, email job and
//! audit rows in one transaction).

use model::{Delivery, InviteOptions, IssuedLink, Permission};
use uuid::Uuid;

use super::policy as policy_rules;
use super::rules::{check_access_end, check_send_at, parse_landing_path, parse_message, Expiry};
use crate::access::Caller;
use crate::audit::{Action, Actor, Event};
use crate::clock::{Millis, HOUR};
use crate::email::EmailAddress;
use crate::error::{DomainError, DomainResult};
use crate::live::Change;
use crate::roles::role_info;
use crate::seats::{self, SeatTeam};
use crate::store::dynamic::{Batch, Guarded};
use crate::store::invite_batches as batches;
use crate::store::invites::{self as store, NewInvite};
use crate::store::outbox::{JobKind, NewJob};
use crate::store::users::{self};
use crate::store::{audit as audit_store, outbox, roles, teams, Tx};
use crate::teams::{chosen_teams, team_info};
use crate::token::{self, Purpose};
use crate::Services;

pub struct CreateInvite<'a> {
    pub email: &'a str,
    /// A role's id (the panel) or its name (the API and the command line may use either).
    pub role: &'a str,
    pub team_ids: &'a [String],
    pub expiry: Expiry,
    pub message: &'a str,
    /// False: no email; the link is only handed to the inviter (the API's `send_email`).
    pub send_email: bool,
    /// A small JSON object an integration keeps with the invite (`parse_metadata`).
    pub metadata: Option<&'a serde_json::Value>,
    /// Where the new member lands after accepting (`parse_landing_path`); "" for home.
    pub landing_path: &'a str,
    /// When the member's access ends (`check_access_end`), for a contractor.
    pub access_ends_at: Option<Millis>,
    /// When the email goes out, for a scheduled invite (`check_send_at`): Scheduled until
    /// then, its expiry counted from then; no link is shown to the inviter. `None`: now.
    pub send_at: Option<Millis>,
}

/// The longest `metadata` kept with an invite, as JSON text.
pub const MAX_METADATA_BYTES: usize = 4096;

/// An integration's metadata: a JSON object of at most 4 KB (as compact JSON), stored as
/// that text and handed back as it came. It is the integration's, never shown to invitees.
pub fn parse_metadata(value: &serde_json::Value) -> DomainResult<String> {
    if !value.is_object() {
        return Err(DomainError::invalid(
            "metadata",
            "metadata must be a JSON object, such as {\"crm_id\": \"A-17\"}.",
        ));
    }
    let text = value.to_string();
    if text.len() > MAX_METADATA_BYTES {
        return Err(DomainError::invalid(
            "metadata",
            format!(
                "metadata may hold at most {MAX_METADATA_BYTES} bytes of JSON (this is {}).",
                text.len()
            ),
        ));
    }
    Ok(text)
}

/// Whether the inviter is shown a link to copy (create and resend) or not (bulk imports).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LinkCopy {
    Shown,
    None,
}

/// An invite's new links: the emailed one, rebuilt by the mail worker from `seed` (so no
/// token is stored), and the copy shown to the inviter, a token of its own so that an
/// acceptance tells which one was used.
pub(crate) struct MintedLinks {
    pub seed: String,
    pub emailed: token::Issued,
    pub copy: Option<token::Issued>,
}

impl MintedLinks {
    /// The copy for the inviter (minted with `LinkCopy::Shown`).
    pub fn shown(&self) -> DomainResult<&token::Issued> {
        self.copy
            .as_ref()
            .ok_or_else(|| DomainError::Internal("no copy of the link was minted".into()))
    }
}

/// What issuing writes for one invite once its row is in place (inserted, or renewed by a
/// resend): its teams, its email job, and its audit rows (`event`, then "email queued").
pub(crate) struct Issuing<'a> {
    pub invite_id: &'a str,
    pub email: &'a str,
    /// The emailed link's seed (`MintedLinks::seed`); `None` when no email is sent.
    pub seed: Option<&'a str>,
    pub team_ids: Vec<&'a str>,
    /// What the timeline says happened: created (how, with which role) or resent.
    pub event: Event,
    /// When its links expire: reminders are planned back from it.
    pub expires_at: Millis,
    /// When its email goes out: now, or a scheduled time. Reminders come after it.
    pub sends_at: Millis,
}

/// The one issuing path's writes, for one invite or a bulk batch alike, in `tx`: a few
/// multi-row statements whatever the count (on PostgreSQL each statement is a round trip).
/// Each emailed invite also gets its reminders (`reminder_hours` before expiry, the policy's),
/// planned now as outbox jobs due then, with the same seed: the same link, no new token. A
/// reminder whose time would not come after the send is skipped.
pub(crate) async fn record_issued(
    tx: &mut Tx,
    issued: &[Issuing<'_>],
    actor: &Actor,
    now: Millis,
    reminder_hours: &[i64],
) -> DomainResult<()> {
    issued_writes(issued, actor, now, reminder_hours)
        .execute(tx)
        .await?;
    Ok(())
}

/// `record_issued`'s statements, built without the writer: a single create builds them before
/// its transaction begins, so that on SQLite the one writer is held only while they run.
pub(crate) fn issued_writes(
    issued: &[Issuing<'_>],
    actor: &Actor,
    now: Millis,
    reminder_hours: &[i64],
) -> Batch {
    let teams: Vec<(&str, &str)> = issued
        .iter()
        .flat_map(|i| i.team_ids.iter().map(move |t| (i.invite_id, *t)))
        .collect();
    let jobs: Vec<NewJob> = issued
        .iter()
        .filter_map(|i| Some((i, i.seed?)))
        .flat_map(|(i, seed)| {
            let reminders = reminder_hours
                .iter()
                .map(move |h| i.expires_at - h * HOUR)
                .filter(move |due| *due > i.sends_at)
                .map(move |due| {
                    NewJob::new(i.invite_id, JobKind::Reminder, i.email, Some(seed)).due(due)
                });
            std::iter::once(
                NewJob::new(i.invite_id, JobKind::Invite, i.email, Some(seed)).due(i.sends_at),
            )
            .chain(reminders)
        })
        .collect();
    let events: Vec<Event> = issued
        .iter()
        .flat_map(|i| {
            let queued = i
                .seed
                .map(|_| Event::new(actor, Action::EmailQueued, Some(i.email)).invite(i.invite_id));
            std::iter::once(i.event.clone().invite(i.invite_id)).chain(queued)
        })
        .collect();
    // Nothing reads what these statements return, so they go together (`Batch`).
    let mut batch = Batch::default();
    batches::add_teams_into(&mut batch, &teams);
    outbox::insert_many_into(&mut batch, &jobs, now);
    audit_store::insert_many_into(&mut batch, &events, now);
    batch
}

impl Services {
    /// New links for invite `id` (see `MintedLinks`).
    pub(crate) fn mint_links(&self, id: Uuid, copy: LinkCopy) -> DomainResult<MintedLinks> {
        let seed = token::new_seed()?;
        let emailed = token::issue_from_seed(&self.key, Purpose::Invite, id, &seed);
        let copy = match copy {
            LinkCopy::Shown => Some(token::issue(&self.key, Purpose::Invite, id)?),
            LinkCopy::None => None,
        };
        Ok(MintedLinks {
            seed,
            emailed,
            copy,
        })
    }

    pub fn invite_link(&self, token: &str) -> String {
        self.public_url.link(&format!("/invite/{token}"))
    }

    /// Roles the user may grant and every team: what the invite form offers.
    pub async fn invite_options(&self, caller: &Caller) -> DomainResult<InviteOptions> {
        caller.require(Permission::SendInvites)?;
        let held = caller.ceiling();
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
        caller.require(Permission::SendInvites)?;
        let held = caller.ceiling();
        self.count_invite_send(caller).await?;
        let email = EmailAddress::parse(req.email)
            .map_err(|e| DomainError::invalid("email", e.to_string()))?;
        let role = self
            .role_to_grant(held, req.role, |name| {
                format!("You cannot invite people as {name}: it has permissions your role lacks.")
            })
            .await?;
        // Without teams chosen there is nothing to look up (one read fewer per create).
        let known_teams = if req.team_ids.is_empty() {
            Vec::new()
        } else {
            teams::list(&self.db).await?
        };
        let chosen = chosen_teams(&known_teams, req.team_ids)?;
        let message = parse_message(req.message)?;
        let metadata = req.metadata.map(parse_metadata).transpose()?;
        let landing_path = parse_landing_path(req.landing_path)?;
        let now = self.clock.now();
        let send_at = req.send_at.map(|at| check_send_at(at, now)).transpose()?;
        if send_at.is_some() && !req.send_email {
            return Err(DomainError::invalid(
                "send_at",
                "A scheduled invitation goes out by email: it cannot also be created without one.",
            ));
        }
        // The link lives from the send on.
        let sends_at = send_at.unwrap_or(now);
        let policy = self.policy().await?;
        let ttl = req.expiry.lifetime(sends_at, policy.max_expiry_hours)?;
        policy_rules::check_address(&policy, &email)?;
        if let Some(end) = req.access_ends_at {
            check_access_end(end, sends_at + ttl, &role.id, now)?;
        }
        if let Some((0, frees_at)) = self.cap_room(&policy, caller, now).await? {
            return Err(policy_rules::cap_reached(&policy, frees_at, now));
        }

        let id = Uuid::now_v7();
        // A scheduled invite's link must not exist anywhere before its email goes out.
        let copy = if send_at.is_some() {
            LinkCopy::None
        } else {
            LinkCopy::Shown
        };
        let links = self.mint_links(id, copy)?;
        let id_s = id.to_string();

        let new_invite = NewInvite {
            id: &id_s,
            email: email.as_str(),
            role_id: &role.id,
            inviter_id: caller.id(),
            message: &message,
            token_digest: &links.emailed.digest,
            copy_digest: links.copy.as_ref().map(|c| c.digest.as_str()),
            created_at: now,
            expires_at: sends_at + ttl,
            delivery: if req.send_email {
                Delivery::Queued
            } else {
                Delivery::NotSent
            },
            metadata: metadata.as_deref(),
            landing_path: landing_path.as_deref(),
            access_ends_at: req.access_ends_at,
            send_at,
        };
        let ends = req
            .access_ends_at
            .map(|end| format!("; access ends {}", model::fmt_utc(end)))
            .unwrap_or_default();
        let created = Event::new(&caller.actor, Action::InviteCreated, Some(email.as_str()))
            .detail(format!(
                "role {}; expires in {} h{ends}; {}",
                role.name,
                ttl / HOUR,
                match (send_at, req.send_email) {
                    (Some(at), _) => format!(
                        "scheduled: the email goes out at {}, and the link lives from then",
                        model::fmt_utc(at)
                    ),
                    (None, true) => "a copy of the link shown to the inviter".to_owned(),
                    (None, false) =>
                        "no email: the link was handed to the inviter to share".to_owned(),
                }
            ));
        let issuing = Issuing {
            invite_id: &id_s,
            email: email.as_str(),
            // Without an email the seed goes nowhere, so the emailed link can never be built.
            seed: req.send_email.then_some(links.seed.as_str()),
            team_ids: chosen.iter().map(|t| t.id.as_str()).collect(),
            event: created,
            expires_at: sends_at + ttl,
            sends_at,
        };
        // Built before the transaction: on SQLite the one writer is held only while they run.
        let issued = || {
            issued_writes(
                std::slice::from_ref(&issuing),
                &caller.actor,
                now,
                &policy.reminder_hours,
            )
        };
        let seat_teams: Vec<SeatTeam> = chosen.iter().map(|t| SeatTeam::from(*t)).collect();
        // The common case is one batch, committed with it (on SQLite one round trip to the
        // writer): the invite, then its other writes only if it went in. The one-live-invite
        // index decides, so two racing creates cannot both win.
        let mut batch = Batch::default();
        store::insert_if_free_into(&mut batch, &new_invite);
        batch.append(issued());
        let outcome = if seats::any_cap(&policy) {
            let mut tx = self.db.begin().await?;
            seats::hold_for_create(&mut tx, &policy, caller.id(), &seat_teams, now).await?;
            batch.commit_if_first_changes(tx).await?
        } else {
            // Nothing to count first: the batch is the whole write, handed to the writer
            // (on SQLite it runs with the writes queued beside it, in one text).
            batch.submit_if_first_changes(&self.db).await?
        };
        if outcome == Guarded::Unchanged {
            // Refused: find out why, in a write of its own. An expired invite still holds
            // the address until it is closed.
            let mut tx = self.db.begin().await?;
            seats::hold_for_create(&mut tx, &policy, caller.id(), &seat_teams, now).await?;
            if users::email_taken(&mut tx, email.as_str()).await? {
                return Err(DomainError::invalid(
                    "email",
                    format!("{email} already has an account."),
                ));
            }
            let inserted = store::close_expired_for_email(&mut tx, email.as_str(), now).await? > 0
                && store::insert_if_free(&mut tx, &new_invite).await?;
            if !inserted {
                return Err(DomainError::Conflict(format!(
                    "{email} already has a pending invitation. Use Resend in the list to send it again."
                )));
            }
            issued().commit(tx).await?;
        }
        self.mail_wakeup.notify_one();
        self.live.publish(Change::invite(&id_s, "created")).await;
        Ok(IssuedLink {
            invite_id: id_s,
            email: email.to_string(),
            link: links.copy.as_ref().map(|c| self.invite_link(&c.token)),
        })
    }

    /// Counts one invite created or resent by `user`; 429 past the per-minute limit.
    pub(super) async fn count_invite_send(&self, caller: &Caller) -> DomainResult<()> {
        let now = self.clock.now();
        if let Some(secs) = self.limits.invite_sends.take(caller.id(), now).await {
            return Err(DomainError::RateLimited {
                retry_after_secs: secs,
                message: format!(
                    "You have sent a great many invites in the last minute. {}",
                    crate::ratelimit::wait_phrase(secs)
                ),
            });
        }
        Ok(())
    }
}
