//! Changing a pending invite: its role, teams or expiry (the API's `PATCH /invitations/{id}`).
//! The links stay as they are; the role ceiling is checked again, for the role the invite
//! has and the one it gets.

use model::Permission;

use super::rules::{check_access_end, Expiry};
use crate::access::Caller;
use crate::audit::{Action, Event};
use crate::clock::HOUR;
use crate::error::{DomainError, DomainResult};
use crate::live::Change;
use crate::store::invites::{self as store};
use crate::store::{audit as audit_store, invite_batches as batches, outbox, teams};
use crate::teams::chosen_teams;
use crate::Services;

/// What to change; `None` keeps it.
#[derive(Default)]
pub struct InviteChanges<'a> {
    /// A role's id or name.
    pub role: Option<&'a str>,
    /// The teams, all of them (an empty list: none).
    pub team_ids: Option<&'a [String]>,
    pub expiry: Option<Expiry>,
}

impl Services {
    pub async fn change_invite(
        &self,
        caller: &Caller,
        id: &str,
        changes: InviteChanges<'_>,
    ) -> DomainResult<()> {
        caller.require(Permission::SendInvites)?;
        if changes.role.is_none() && changes.team_ids.is_none() && changes.expiry.is_none() {
            return Err(DomainError::invalid(
                "body",
                "Say what to change: role, team_ids or an expiry.",
            ));
        }
        let now = self.clock.now();
        let invite = self.invite_in_reach(caller, id, "change it").await?;
        let role = match changes.role {
            Some(r) => Some(
                self.role_to_grant(caller.ceiling(), r, |name| {
                    format!(
                        "You cannot invite people as {name}: it has permissions your role lacks."
                    )
                })
                .await?,
            ),
            None => None,
        };
        let known_teams = teams::list(&self.db).await?;
        let chosen = match changes.team_ids {
            Some(ids) => Some(chosen_teams(&known_teams, ids)?),
            None => None,
        };
        // A scheduled invite's link lives from its send, not from now.
        let starts = invite.scheduled_until(now).unwrap_or(now);
        let lifetime = match changes.expiry {
            Some(e) => Some(e.lifetime(starts, self.policy().await?.max_expiry_hours)?),
            None => None,
        };

        let mut said = Vec::new();
        if let Some(r) = &role {
            said.push(format!("role {} → {}", invite.role_name, r.name));
        }
        if let Some(t) = &chosen {
            let names: Vec<&str> = t.iter().map(|t| t.name.as_str()).collect();
            said.push(if names.is_empty() {
                "teams: none".to_owned()
            } else {
                format!("teams: {}", names.join(", "))
            });
        }
        if let Some(ttl) = lifetime {
            said.push(format!("expires in {} h", (ttl + HOUR - 1) / HOUR));
        }
        let role_id = role
            .as_ref()
            .map_or(invite.role_id.as_str(), |r| r.id.as_str());
        let expiry = lifetime.map(|ttl| (starts + ttl, ttl));
        // The end date must still come after the link expires, and suit the role.
        if let Some(end) = invite.access_ends_at {
            let expires_at = expiry.map_or(invite.expires_at, |(at, _)| at);
            check_access_end(end, expires_at, role_id, now)?;
        }
        let mut tx = self.db.begin().await?;
        if store::change_pending(&mut tx, id, role_id, expiry, now).await? != 1 {
            tx.rollback().await?;
            let status = self.status_now(id).await?;
            return Err(DomainError::Conflict(format!(
                "Only pending invites can be changed; this one is {status}."
            )));
        }
        if let Some((expires_at, _)) = expiry {
            // Planned reminders keep their distance to the expiry.
            outbox::shift_reminders(&mut tx, id, expires_at - invite.expires_at, now).await?;
        }
        if let Some(t) = &chosen {
            store::clear_teams(&mut tx, id).await?;
            let pairs: Vec<(&str, &str)> = t.iter().map(|t| (id, t.id.as_str())).collect();
            if !pairs.is_empty() {
                batches::add_teams_many(&mut tx, &pairs).await?;
            }
        }
        let event = Event::new(&caller.actor, Action::InviteUpdated, Some(&invite.email))
            .detail(said.join("; "))
            .invite(id);
        audit_store::insert_tx(&mut tx, &event, now).await?;
        tx.commit().await?;
        self.live.publish(Change::invite(id, "updated")).await;
        Ok(())
    }
}
