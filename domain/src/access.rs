//! Who is asking, and what they may do: the one place a rule learns its caller's rights.
//!
//! Every rule that acts for a person takes a `Caller`, built once per request by the web
//! layer from the signed-in session (`Caller::signed_in`). Its permissions are a field, not
//! read from the role at each check, so that an API key can build one too, with the key's
//! scopes within its creator's current rights, and every rule stays as it is.

use model::{Permission, Permissions};

use crate::audit::Actor;
use crate::error::{DomainError, DomainResult};
use crate::store::users::UserWithRole;

#[derive(Clone, Debug)]
pub struct Caller {
    /// The person the request acts for (active, as of when the request was read).
    pub user: UserWithRole,
    permissions: Permissions,
    /// For the audit log: the person, and the request's IP and browser.
    pub actor: Actor,
}

impl Caller {
    /// `user`, signed in on a request from `request` (its IP and browser): their role's
    /// permissions, all of them.
    pub fn signed_in(user: UserWithRole, request: &Actor) -> Caller {
        Caller {
            permissions: Permissions::from_bits(user.permissions),
            actor: Actor {
                user_id: Some(user.id.clone()),
                email: Some(user.email.clone()),
                ..request.clone()
            },
            user,
        }
    }

    pub fn id(&self) -> &str {
        &self.user.id
    }

    pub fn permissions(&self) -> Permissions {
        self.permissions
    }

    /// Everything the caller holds, if it includes `permission`; `Forbidden` otherwise.
    pub fn require(&self, permission: Permission) -> DomainResult<Permissions> {
        if self.permissions.contains(permission) {
            Ok(self.permissions)
        } else {
            Err(DomainError::Forbidden)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(permissions: Permissions) -> UserWithRole {
        UserWithRole {
            id: "u1".into(),
            email: "ed@example.com".into(),
            name: "Ed".into(),
            password_hash: None,
            active: true,
            role_id: "editor".into(),
            role_name: "Editor".into(),
            permissions: permissions.bits(),
            address_confirmed: true,
        }
    }

    #[test]
    fn a_caller_holds_its_roles_rights_and_names_itself_in_the_audit_log() {
        let request = Actor {
            ip: Some("203.0.113.5".into()),
            ..Actor::default()
        };
        let held = Permissions::of(&[Permission::ViewInvites, Permission::SendInvites]);
        let caller = Caller::signed_in(user(held), &request);
        assert_eq!(caller.require(Permission::SendInvites).unwrap(), held);
        assert!(matches!(
            caller.require(Permission::ManageMembers),
            Err(DomainError::Forbidden)
        ));
        assert_eq!(caller.actor.user_id.as_deref(), Some("u1"));
        assert_eq!(caller.actor.email.as_deref(), Some("ed@example.com"));
        assert_eq!(caller.actor.ip.as_deref(), Some("203.0.113.5"));
    }
}
