//! Teams: created and named by admins, chosen for invites and members.

use model::{Permission, TeamInfo};
use uuid::Uuid;

use crate::access::Caller;
use crate::audit::{Action, Event};
use crate::error::{DomainError, DomainResult};
use crate::names::{parse_label, unique_name};
use crate::store::{audit as audit_store, teams};
use crate::Services;

pub const MAX_TEAM_NAME: usize = 60;

/// The teams a request chose, each once, in the order first given: every id must name a
/// team that exists. So what is stored is bounded by the number of teams, however many copies
/// of an id a request repeats (a form field can be sent 36,000 times).
pub(crate) fn chosen_teams<'a>(
    known: &'a [teams::TeamRow],
    ids: &[String],
) -> DomainResult<Vec<&'a teams::TeamRow>> {
    let mut chosen: Vec<&teams::TeamRow> = Vec::new();
    for id in ids {
        let team = known.iter().find(|k| &k.id == id).ok_or_else(|| {
            DomainError::invalid("teams", "One of the chosen teams no longer exists.")
        })?;
        if !chosen.iter().any(|c| c.id == team.id) {
            chosen.push(team);
        }
    }
    Ok(chosen)
}

/// A team as the pages show it.
pub(crate) fn team_info(t: teams::TeamRow) -> TeamInfo {
    TeamInfo {
        id: t.id,
        name: t.name,
        members: t.members,
    }
}

impl Services {
    /// Teams are listed to anyone who can send invites (the form offers them) or view them
    /// (the list's filters name them).
    pub async fn list_teams(&self, caller: &Caller) -> DomainResult<Vec<TeamInfo>> {
        let held = caller.permissions();
        if !(held.contains(Permission::ManageRolesAndTeams)
            || held.contains(Permission::SendInvites)
            || held.contains(Permission::ViewInvites))
        {
            return Err(DomainError::Forbidden);
        }
        Ok(teams::list(&self.db)
            .await?
            .into_iter()
            .map(team_info)
            .collect())
    }

    pub async fn create_team(&self, caller: &Caller, name: &str) -> DomainResult<String> {
        caller.require(Permission::ManageRolesAndTeams)?;
        let name = parse_label("name", name, MAX_TEAM_NAME, "team name")?;
        let id = Uuid::now_v7().to_string();
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        unique_name(teams::insert(&mut tx, &id, &name, now).await, "team", &name)?;
        let event = Event::new(&caller.actor, Action::TeamCreated, Some(&name));
        audit_store::insert_tx(&mut tx, &event, now).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn rename_team(&self, caller: &Caller, id: &str, name: &str) -> DomainResult<()> {
        caller.require(Permission::ManageRolesAndTeams)?;
        let name = parse_label("name", name, MAX_TEAM_NAME, "team name")?;
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        if unique_name(teams::rename(&mut tx, id, &name).await, "team", &name)? == 0 {
            return Err(DomainError::NotFound);
        }
        let event = Event::new(&caller.actor, Action::TeamRenamed, Some(&name));
        audit_store::insert_tx(&mut tx, &event, now).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn delete_team(&self, caller: &Caller, id: &str) -> DomainResult<()> {
        caller.require(Permission::ManageRolesAndTeams)?;
        let name = teams::list(&self.db)
            .await?
            .into_iter()
            .find(|t| t.id == id)
            .map(|t| t.name)
            .ok_or(DomainError::NotFound)?;
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        teams::delete(&mut tx, id).await?;
        let event = Event::new(&caller.actor, Action::TeamDeleted, Some(&name));
        audit_store::insert_tx(&mut tx, &event, now).await?;
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn team(id: &str) -> teams::TeamRow {
        teams::TeamRow {
            id: id.into(),
            name: id.to_uppercase(),
            members: 0,
        }
    }

    #[test]
    fn chosen_teams_are_known_and_each_kept_once() {
        let known = [team("a"), team("b")];
        let ids: Vec<String> = std::iter::repeat_n("a".to_owned(), 36_000)
            .chain(["b".to_owned(), "a".to_owned()])
            .collect();
        let chosen = chosen_teams(&known, &ids).unwrap();
        let chosen: Vec<&str> = chosen.iter().map(|t| t.id.as_str()).collect();
        assert_eq!(chosen, ["a", "b"]);
        assert!(chosen_teams(&known, &["a".into(), "gone".into()]).is_err());
        assert!(chosen_teams(&known, &[]).unwrap().is_empty());
    }
}
