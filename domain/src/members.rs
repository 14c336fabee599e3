//! Members: the people who joined. Role changes obey the role ceiling; deactivation ends the
//! person's sessions at once and stops their pending invites from being honoured.

use model::{MemberInfo, Permission, Permissions, TeamRef};

use crate::access::Caller;
use crate::audit::{Action, Event};
use crate::clock::{Millis, DAY};
use crate::error::{DomainError, DomainResult};
use crate::invites::rules::check_access_end;
use crate::live::Change;
use crate::store::users::{self, UserWithRole};
use crate::store::{audit as audit_store, teams};
use crate::teams::chosen_teams;
use crate::Services;

impl Services {
    /// Every member, or with `ends_within_days` only those whose access ends within so many
    /// days from now (1 to 3,650).
    pub async fn list_members(
        &self,
        caller: &Caller,
        ends_within_days: Option<i64>,
    ) -> DomainResult<Vec<MemberInfo>> {
        caller.require(Permission::ManageMembers)?;
        let now = self.clock.now();
        let window = ends_within_days
            .map(|d| ends_within(d).map(|span| (now, now + span)))
            .transpose()?;
        let memberships = teams::all_memberships(&self.db).await?;
        Ok(users::list_members(&self.db, window)
            .await?
            .into_iter()
            .map(|m| MemberInfo {
                teams: memberships
                    .iter()
                    .filter(|(u, _, _)| *u == m.id)
                    .map(|(_, id, name)| TeamRef {
                        id: id.clone(),
                        name: name.clone(),
                    })
                    .collect(),
                id: m.id,
                email: m.email,
                name: m.name,
                active: m.active,
                role_id: m.role_id,
                role_name: m.role_name,
                joined_at: m.created_at,
                last_sign_in_at: m.last_sign_in_at,
                invited_by: m.invited_by,
                address_confirmed: m.address_confirmed,
                access_ends_at: m.access_ends_at,
            })
            .collect())
    }

    /// The member `id`, who must not be `caller` and whose role `caller` may grant.
    pub(crate) async fn member_in_reach(
        &self,
        caller: &Caller,
        id: &str,
        what: &str,
    ) -> DomainResult<(Permissions, UserWithRole)> {
        caller.require(Permission::ManageMembers)?;
        let held = caller.ceiling();
        if caller.user.id == id {
            return Err(DomainError::Conflict(format!(
                "You cannot {what} yourself. Ask another admin."
            )));
        }
        let target = users::find_by_id(&self.db, id)
            .await?
            .ok_or(DomainError::NotFound)?;
        if !held.may_grant(Permissions::from_bits(target.permissions)) {
            return Err(DomainError::Conflict(format!(
                "{} holds permissions your role lacks, so you cannot {what} them.",
                target.name
            )));
        }
        Ok((held, target))
    }

    pub async fn change_member_role(
        &self,
        caller: &Caller,
        id: &str,
        role_id: &str,
    ) -> DomainResult<()> {
        let (held, target) = self
            .member_in_reach(caller, id, "change the role of")
            .await?;
        let role = self
            .role_to_grant(held, role_id, |name| {
                format!("You cannot make anyone {name}: it has permissions your role lacks.")
            })
            .await?;
        if role.id == "admin" && target.access_ends_at.is_some() {
            return Err(DomainError::Conflict(format!(
                "{}'s access has an end date; clear it before making them Admin.",
                target.name
            )));
        }
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        users::set_role(&mut tx, id, &role.id).await?;
        if target.role_id == "admin"
            && role.id != "admin"
            && target.active
            && users::active_admins(&mut tx).await? == 0
        {
            return Err(DomainError::Conflict(
                "This is the last active Admin; make someone else Admin first.".into(),
            ));
        }
        let event = Event::new(
            &caller.actor,
            Action::MemberRoleChanged,
            Some(&target.email),
        )
        .detail(format!("{} → {}", target.role_name, role.name))
        .member(&target.id);
        audit_store::insert_tx(&mut tx, &event, now).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn set_member_teams(
        &self,
        caller: &Caller,
        id: &str,
        team_ids: &[String],
    ) -> DomainResult<()> {
        let (_, target) = self
            .member_in_reach(caller, id, "change the teams of")
            .await?;
        let known = teams::list(&self.db).await?;
        let chosen = chosen_teams(&known, team_ids)?;
        let names: Vec<String> = chosen.iter().map(|t| t.name.clone()).collect();
        let ids: Vec<String> = chosen.iter().map(|t| t.id.clone()).collect();
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        teams::set_user_teams(&mut tx, id, &ids).await?;
        let detail = if names.is_empty() {
            "no teams".to_owned()
        } else {
            names.join(", ")
        };
        let event = Event::new(
            &caller.actor,
            Action::MemberTeamsChanged,
            Some(&target.email),
        )
        .detail(detail);
        audit_store::insert_tx(&mut tx, &event, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Deactivating ends every session of the member at once; they cannot sign in until
    /// reactivated, and their pending invites are not honoured.
    pub async fn set_member_active(
        &self,
        caller: &Caller,
        id: &str,
        active: bool,
    ) -> DomainResult<()> {
        let what = if active { "reactivate" } else { "deactivate" };
        let (_, target) = self.member_in_reach(caller, id, what).await?;
        let now = self.clock.now();
        if active && target.access_ends_at.is_some_and(|end| end <= now) {
            return Err(DomainError::Conflict(format!(
                "{}'s access ended on {}. Give it a later end date, or clear it, first.",
                target.name,
                model::fmt_utc(target.access_ends_at.unwrap_or_default())
            )));
        }
        let mut tx = self.db.begin().await?;
        users::set_active(&mut tx, id, active).await?;
        if !active && target.role_id == "admin" && users::active_admins(&mut tx).await? == 0 {
            return Err(DomainError::Conflict(
                "This is the last active Admin; make someone else Admin first.".into(),
            ));
        }
        let action = if active {
            Action::MemberReactivated
        } else {
            Action::MemberDeactivated
        };
        let event = Event::new(&caller.actor, action, Some(&target.email)).member(&target.id);
        audit_store::insert_tx(&mut tx, &event, now).await?;
        tx.commit().await?;
        if !active {
            self.sessions.delete_for_user(id).await?;
        }
        Ok(())
    }

    /// Sets, moves or (with `None`) clears when a member's access ends. The new end must be
    /// in the future; the inviter's warning is due again for it.
    pub async fn set_member_access_end(
        &self,
        caller: &Caller,
        id: &str,
        ends_at: Option<Millis>,
    ) -> DomainResult<()> {
        let (_, target) = self
            .member_in_reach(caller, id, "change the end date of")
            .await?;
        let now = self.clock.now();
        if let Some(end) = ends_at {
            check_access_end(end, now, &target.role_id, now)?;
        }
        let mut tx = self.db.begin().await?;
        users::set_access_end(&mut tx, id, ends_at).await?;
        let detail = match (target.access_ends_at, ends_at) {
            (_, Some(end)) => format!("access ends {}", model::fmt_utc(end)),
            (Some(_), None) => "end date cleared".to_owned(),
            (None, None) => "no end date".to_owned(),
        };
        let event = Event::new(
            &caller.actor,
            Action::MemberAccessEndChanged,
            Some(&target.email),
        )
        .detail(detail)
        .member(&target.id);
        audit_store::insert_tx(&mut tx, &event, now).await?;
        tx.commit().await?;
        self.live.publish(Change::general("members")).await;
        Ok(())
    }
}

/// "Ends within N days" as a span of time: N from 1 to 3,650.
pub fn ends_within(days: i64) -> DomainResult<Millis> {
    if (1..=3_650).contains(&days) {
        Ok(days * DAY)
    } else {
        Err(DomainError::invalid(
            "ends_within_days",
            "Give a number of days from 1 to 3650.",
        ))
    }
}
