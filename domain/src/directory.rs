//! Roles, teams and the audit log as the admin pages manage them.

use model::{AuditEntry, Permission, Permissions, RoleInfo, TeamInfo};
use uuid::Uuid;

use crate::access::Caller;
use crate::audit::{Action, Event};
use crate::error::{DomainError, DomainResult};
use crate::store::audit::AuditRow;
use crate::store::is_unique_violation;
use crate::store::{audit as audit_store, roles, teams};
use crate::Services;

pub const MAX_ROLE_NAME: usize = 50;
pub const MAX_DESCRIPTION: usize = 200;
pub const MAX_TEAM_NAME: usize = 60;

fn parse_label(field: &'static str, input: &str, max: usize, what: &str) -> DomainResult<String> {
    let s = input.trim();
    if s.is_empty() {
        return Err(DomainError::invalid(field, format!("Enter a {what}.")));
    }
    if s.chars().count() > max {
        return Err(DomainError::invalid(
            field,
            format!("Use at most {max} characters."),
        ));
    }
    if s.chars().any(char::is_control) {
        return Err(DomainError::invalid(
            field,
            "Line breaks and control characters are not allowed.",
        ));
    }
    Ok(s.to_owned())
}

/// A role's description: optional, one line, at most `MAX_DESCRIPTION` characters. Refused
/// when longer, never cut: what was typed is either kept whole or named as the problem.
fn parse_description(input: &str) -> DomainResult<String> {
    let s = input.trim();
    if s.chars().count() > MAX_DESCRIPTION {
        return Err(DomainError::invalid(
            "description",
            format!("Use at most {MAX_DESCRIPTION} characters."),
        ));
    }
    if s.chars().any(char::is_control) {
        return Err(DomainError::invalid(
            "description",
            "Line breaks and control characters are not allowed.",
        ));
    }
    Ok(s.to_owned())
}

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

/// Turns a clash with an existing name (a unique index) into an error on the name field;
/// passes every other result through.
fn unique_name<T>(result: Result<T, sqlx::Error>, what: &str, name: &str) -> DomainResult<T> {
    match result {
        Err(e) if is_unique_violation(&e) => Err(DomainError::invalid(
            "name",
            format!("A {what} named {name} already exists."),
        )),
        other => Ok(other?),
    }
}

/// The role ceiling for role edits: nobody creates or edits a role to hold permissions
/// they lack themselves.
fn check_ceiling(held: Permissions, wanted: Permissions) -> DomainResult<()> {
    if held.may_grant(wanted) {
        Ok(())
    } else {
        Err(DomainError::invalid(
            "permissions",
            "A role cannot have permissions your own role lacks.",
        ))
    }
}

impl Services {
    pub async fn list_roles(&self, caller: &Caller) -> DomainResult<Vec<RoleInfo>> {
        caller.require(Permission::ManageRolesAndTeams)?;
        Ok(roles::list(&self.db)
            .await?
            .into_iter()
            .map(|r| RoleInfo {
                id: r.id,
                name: r.name,
                description: r.description,
                permissions: Permissions::from_bits(r.permissions),
                built_in: r.built_in,
                in_use: r.in_use,
            })
            .collect())
    }

    pub async fn create_role(
        &self,
        caller: &Caller,
        name: &str,
        description: &str,
        permissions: Permissions,
    ) -> DomainResult<String> {
        let held = caller.require(Permission::ManageRolesAndTeams)?;
        let name = parse_label("name", name, MAX_ROLE_NAME, "role name")?;
        let description = parse_description(description)?;
        check_ceiling(held, permissions)?;
        let id = Uuid::now_v7().to_string();
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        unique_name(
            roles::insert(&mut tx, &id, &name, &description, permissions.bits(), now).await,
            "role",
            &name,
        )?;
        let labels: Vec<_> = permissions.iter().map(|p| p.label()).collect();
        let event =
            Event::new(&caller.actor, Action::RoleCreated, Some(&name)).detail(labels.join(", "));
        audit_store::insert_tx(&mut tx, &event, now).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn update_role(
        &self,
        caller: &Caller,
        id: &str,
        name: &str,
        description: &str,
        permissions: Permissions,
    ) -> DomainResult<()> {
        let held = caller.require(Permission::ManageRolesAndTeams)?;
        let name = parse_label("name", name, MAX_ROLE_NAME, "role name")?;
        let description = parse_description(description)?;
        check_ceiling(held, permissions)?;
        let current = roles::find(&self.db, id)
            .await?
            .ok_or(DomainError::NotFound)?;
        if current.built_in {
            return Err(DomainError::Conflict(
                "Built-in roles cannot be changed.".into(),
            ));
        }
        // Editing a role one cannot grant would let someone strip or reshape a stronger role.
        check_ceiling(held, Permissions::from_bits(current.permissions))?;
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        unique_name(
            roles::update(&mut tx, id, &name, &description, permissions.bits()).await,
            "role",
            &name,
        )?;
        let labels: Vec<_> = permissions.iter().map(|p| p.label()).collect();
        let event = Event::new(&caller.actor, Action::RoleUpdated, Some(&name)).detail(format!(
            "was {}; now {}",
            current.name,
            labels.join(", ")
        ));
        audit_store::insert_tx(&mut tx, &event, now).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn delete_role(&self, caller: &Caller, id: &str) -> DomainResult<()> {
        let held = caller.require(Permission::ManageRolesAndTeams)?;
        let current = roles::find(&self.db, id)
            .await?
            .ok_or(DomainError::NotFound)?;
        if current.built_in {
            return Err(DomainError::Conflict(
                "Built-in roles cannot be deleted.".into(),
            ));
        }
        check_ceiling(held, Permissions::from_bits(current.permissions))?;
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        if roles::delete_unused(&mut tx, id).await? != 1 {
            return Err(DomainError::Conflict(format!(
                "{} is in use by members or invites, so it cannot be deleted.",
                current.name
            )));
        }
        let event = Event::new(&caller.actor, Action::RoleDeleted, Some(&current.name));
        audit_store::insert_tx(&mut tx, &event, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Teams are listed to anyone who can send invites (the form offers them).
    pub async fn list_teams(&self, caller: &Caller) -> DomainResult<Vec<TeamInfo>> {
        let held = caller.permissions();
        if !(held.contains(Permission::ManageRolesAndTeams)
            || held.contains(Permission::SendInvites))
        {
            return Err(DomainError::Forbidden);
        }
        Ok(teams::list(&self.db)
            .await?
            .into_iter()
            .map(|t| TeamInfo {
                id: t.id,
                name: t.name,
                members: t.members,
            })
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

    pub async fn audit_log(
        &self,
        caller: &Caller,
        actor: &str,
        action: &str,
        subject: &str,
    ) -> DomainResult<Vec<AuditEntry>> {
        caller.require(Permission::ViewAuditLog)?;
        let rows = audit_store::search(
            &self.db,
            actor.trim(),
            action.trim(),
            &subject.trim().to_lowercase(),
            500,
        )
        .await?;
        Ok(rows.into_iter().map(AuditRow::into_entry).collect())
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

    #[test]
    fn descriptions_are_refused_not_cut() {
        assert_eq!(parse_description("  Edits media  ").unwrap(), "Edits media");
        assert!(parse_description(&"d".repeat(MAX_DESCRIPTION)).is_ok());
        assert!(parse_description(&"d".repeat(MAX_DESCRIPTION + 1)).is_err());
        assert!(parse_description("nul\0byte").is_err());
    }
}
