//! Roles: the built-in ones and custom roles such as "Media Editor". Nobody creates, raises or
//! edits a role beyond their own permissions (the role ceiling).

use model::{Permission, Permissions, RoleInfo};
use uuid::Uuid;

use crate::access::Caller;
use crate::audit::{Action, Event};
use crate::error::{DomainError, DomainResult};
use crate::names::{parse_label, unique_name};
use crate::store::{audit as audit_store, roles};
use crate::Services;

pub const MAX_ROLE_NAME: usize = 50;
pub const MAX_DESCRIPTION: usize = 200;

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

/// A role as the pages show it.
pub(crate) fn role_info(r: roles::RoleRow) -> RoleInfo {
    RoleInfo {
        id: r.id,
        name: r.name,
        description: r.description,
        permissions: Permissions::from_bits(r.permissions),
        built_in: r.built_in,
        in_use: r.in_use,
    }
}

impl Services {
    /// Role `role_id`, if someone holding `held` may grant it (the role ceiling); otherwise an
    /// error on the role field, worded by `refusal` from the role's name.
    pub(crate) async fn role_to_grant(
        &self,
        held: Permissions,
        role_id: &str,
        refusal: impl FnOnce(&str) -> String,
    ) -> DomainResult<roles::RoleRow> {
        if role_id.trim().is_empty() {
            return Err(DomainError::invalid("role", "Choose a role."));
        }
        let role = roles::find_by_id_or_name(&self.db, role_id.trim())
            .await?
            .ok_or_else(|| {
                DomainError::invalid("role", format!("There is no role {:?}.", role_id.trim()))
            })?;
        if !held.may_grant(Permissions::from_bits(role.permissions)) {
            return Err(DomainError::invalid("role", refusal(&role.name)));
        }
        Ok(role)
    }

    /// Every role, for whoever sees or sends invites (the API's `GET /roles`: an integration
    /// must know what an invitation can name). The Roles page's list is `list_roles`.
    pub async fn role_directory(&self, caller: &Caller) -> DomainResult<Vec<RoleInfo>> {
        let held = caller.permissions();
        if !(held.contains(Permission::ViewInvites) || held.contains(Permission::SendInvites)) {
            return Err(DomainError::Forbidden);
        }
        Ok(roles::list(&self.db)
            .await?
            .into_iter()
            .map(role_info)
            .collect())
    }

    pub async fn list_roles(&self, caller: &Caller) -> DomainResult<Vec<RoleInfo>> {
        caller.require(Permission::ManageRolesAndTeams)?;
        Ok(roles::list(&self.db)
            .await?
            .into_iter()
            .map(role_info)
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

    /// The custom role `id`, if one holding `held` may change or delete it: built-in roles
    /// are fixed, and reshaping a role one cannot grant would let someone strip or reshape a
    /// stronger role. `verb` completes "Built-in roles cannot be …".
    async fn custom_role_within_reach(
        &self,
        held: Permissions,
        id: &str,
        verb: &str,
    ) -> DomainResult<roles::RoleRow> {
        let current = roles::find(&self.db, id)
            .await?
            .ok_or(DomainError::NotFound)?;
        if current.built_in {
            return Err(DomainError::Conflict(format!(
                "Built-in roles cannot be {verb}."
            )));
        }
        check_ceiling(held, Permissions::from_bits(current.permissions))?;
        Ok(current)
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
        let current = self.custom_role_within_reach(held, id, "changed").await?;
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
        let current = self.custom_role_within_reach(held, id, "deleted").await?;
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_are_refused_not_cut() {
        assert_eq!(parse_description("  Edits media  ").unwrap(), "Edits media");
        assert!(parse_description(&"d".repeat(MAX_DESCRIPTION)).is_ok());
        assert!(parse_description(&"d".repeat(MAX_DESCRIPTION + 1)).is_err());
        assert!(parse_description("nul\0byte").is_err());
    }
}
