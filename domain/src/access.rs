//! Who is asking, and what they may do: the one place a rule learns its caller's rights.
//!
//! Every rule that acts for a person takes a `Caller`, built once per request by the web
//! layer from the signed-in session (`Caller::signed_in`). Its permissions are a field, not
//! read from the role at each check, so that an API key can build one too, with the key's
//! scopes within its creator's current rights (`Caller::through_key`), and every rule stays
//! as it is.

use model::{ApiScopes, Permission, Permissions};

use crate::audit::Actor;
use crate::error::{DomainError, DomainResult};
use crate::store::users::UserWithRole;

#[derive(Clone, Debug)]
pub struct Caller {
    /// The person the request acts for (active, as of when the request was read).
    pub user: UserWithRole,
    permissions: Permissions,
    /// What the caller may grant (the role ceiling): the person's own current permissions.
    /// A key's scopes limit what it may *do*, not whom it may invite to what: a key that may
    /// write invitations, made by an Admin, invites as that Admin would.
    ceiling: Permissions,
    /// The key's scopes, when the request came through one (the REST API checks them per
    /// endpoint); `None` for a signed-in browser session, which holds every scope.
    scopes: Option<ApiScopes>,
    /// For the audit log: the person, and the request's IP and browser.
    pub actor: Actor,
}

impl Caller {
    /// `user`, signed in on a request from `request` (its IP and browser): their role's
    /// permissions, all of them.
    pub fn signed_in(user: UserWithRole, request: &Actor) -> Caller {
        let held = Permissions::from_bits(user.permissions);
        Caller {
            permissions: held,
            ceiling: held,
            scopes: None,
            actor: Actor {
                user_id: Some(user.id.clone()),
                email: Some(user.email.clone()),
                ..request.clone()
            },
            user,
        }
    }

    /// `user` (the key's creator, active, read on this request) acting through the API key
    /// `key_name` with `scopes`: the scopes' permissions within the creator's current ones.
    /// Every audit row the request writes names the key.
    pub fn through_key(
        user: UserWithRole,
        key_name: &str,
        scopes: ApiScopes,
        request: &Actor,
    ) -> Caller {
        let held = Permissions::from_bits(user.permissions);
        let mut caller = Caller::signed_in(user, request);
        caller.permissions = Permissions::from_bits(held.bits() & scopes.permissions().bits());
        caller.scopes = Some(scopes);
        caller.actor.api_key = Some(key_name.to_owned());
        caller
    }

    /// The scopes of the key the request came through (`None`: a browser session).
    pub fn scopes(&self) -> Option<ApiScopes> {
        self.scopes
    }

    /// What the caller may grant: their own current permissions (see `ceiling`).
    pub fn ceiling(&self) -> Permissions {
        self.ceiling
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
            access_ends_at: None,
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
        assert_eq!(caller.ceiling(), held);
        assert_eq!(caller.scopes(), None);
    }

    #[test]
    fn a_key_holds_its_scopes_within_its_creators_rights_and_grants_as_its_creator() {
        use model::ApiScope;
        let editor = Permissions::of(&[
            Permission::ViewInvites,
            Permission::SendInvites,
            Permission::RevokeInvites,
        ]);
        let scopes = ApiScopes::of(&[ApiScope::InvitationsWrite, ApiScope::AuditRead]);
        let caller = Caller::through_key(user(editor), "ci", scopes, &Actor::default());
        // Audit read is in the scopes but not in an Editor's rights; revoking is the other way.
        assert!(caller.require(Permission::SendInvites).is_ok());
        assert!(caller.require(Permission::ViewAuditLog).is_err());
        assert!(caller.require(Permission::RevokeInvites).is_err());
        // Writing invitations lets the rules read them back (the answer shows the invite).
        assert!(caller.require(Permission::ViewInvites).is_ok());
        assert!(caller.require(Permission::ManageMembers).is_err());
        assert_eq!(caller.ceiling(), editor);
        assert_eq!(caller.scopes(), Some(scopes));
        assert_eq!(caller.actor.api_key.as_deref(), Some("ci"));
    }
}
