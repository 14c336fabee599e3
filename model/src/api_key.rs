//! API keys as the pages and the API show them, and their scopes.
//!
//! A key acts for the person who created it. What it may do is its scopes' permissions
//! within that person's *current* permissions, worked out on every request, so demoting or
//! deactivating the creator shrinks or stops the key at once.

use serde::{Deserialize, Serialize};

use crate::{Permission, Permissions};

/// One thing a key may be allowed to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ApiScope {
    InvitationsRead,
    InvitationsWrite,
    InvitationsRevoke,
    MembersRead,
    MembersWrite,
    AuditRead,
    WebhooksManage,
    PolicyManage,
}

impl ApiScope {
    /// Every scope, in the order the API keys page lists them.
    pub const ALL: [ApiScope; 8] = [
        ApiScope::InvitationsRead,
        ApiScope::InvitationsWrite,
        ApiScope::InvitationsRevoke,
        ApiScope::MembersRead,
        ApiScope::MembersWrite,
        ApiScope::AuditRead,
        ApiScope::WebhooksManage,
        ApiScope::PolicyManage,
    ];

    /// The name in requests, responses and the database, e.g. `invitations:read`.
    pub fn as_str(self) -> &'static str {
        match self {
            ApiScope::InvitationsRead => "invitations:read",
            ApiScope::InvitationsWrite => "invitations:write",
            ApiScope::InvitationsRevoke => "invitations:revoke",
            ApiScope::MembersRead => "members:read",
            ApiScope::MembersWrite => "members:write",
            ApiScope::AuditRead => "audit:read",
            ApiScope::WebhooksManage => "webhooks:manage",
            ApiScope::PolicyManage => "policy:manage",
        }
    }

    pub fn parse(name: &str) -> Option<ApiScope> {
        ApiScope::ALL.into_iter().find(|s| s.as_str() == name)
    }

    pub fn label(self) -> &'static str {
        match self {
            ApiScope::InvitationsRead => "Read invitations, roles and teams",
            ApiScope::InvitationsWrite => "Create, change and resend invitations",
            ApiScope::InvitationsRevoke => "Revoke invitations",
            ApiScope::MembersRead => "Read members",
            ApiScope::MembersWrite => "Change members' roles, teams and access",
            ApiScope::AuditRead => "Read the audit log",
            ApiScope::WebhooksManage => "Manage webhook endpoints",
            ApiScope::PolicyManage => "Read and change the invite policy",
        }
    }

    /// The permission a person needs for this scope to do anything.
    pub fn permission(self) -> Permission {
        match self {
            ApiScope::InvitationsRead => Permission::ViewInvites,
            ApiScope::InvitationsWrite => Permission::SendInvites,
            ApiScope::InvitationsRevoke => Permission::RevokeInvites,
            ApiScope::MembersRead | ApiScope::MembersWrite => Permission::ManageMembers,
            ApiScope::AuditRead => Permission::ViewAuditLog,
            ApiScope::WebhooksManage => Permission::ManageApiKeys,
            ApiScope::PolicyManage => Permission::ManagePolicy,
        }
    }

    /// What the rules let a key with this scope use: its permission, and for writing or
    /// revoking invitations, viewing them too, so that the answer can show the invitation
    /// changed. Which endpoints a key may call is decided by its scopes, not by these.
    pub fn permissions(self) -> Permissions {
        match self {
            ApiScope::InvitationsWrite | ApiScope::InvitationsRevoke => {
                Permissions::of(&[self.permission(), Permission::ViewInvites])
            }
            _ => Permissions::of(&[self.permission()]),
        }
    }
}

/// A set of scopes, stored as one integer like `Permissions`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ApiScopes(u32);

impl ApiScopes {
    pub const NONE: ApiScopes = ApiScopes(0);

    // Stored in the database: never renumber.
    const fn bit(scope: ApiScope) -> u32 {
        match scope {
            ApiScope::InvitationsRead => 1,
            ApiScope::InvitationsWrite => 1 << 1,
            ApiScope::InvitationsRevoke => 1 << 2,
            ApiScope::MembersRead => 1 << 3,
            ApiScope::MembersWrite => 1 << 4,
            ApiScope::AuditRead => 1 << 5,
            ApiScope::WebhooksManage => 1 << 6,
            ApiScope::PolicyManage => 1 << 7,
        }
    }

    pub fn of(list: &[ApiScope]) -> ApiScopes {
        ApiScopes(list.iter().fold(0, |acc, s| acc | Self::bit(*s)))
    }

    pub fn from_bits(bits: i64) -> ApiScopes {
        ApiScopes(bits as u32 & Self::of(&ApiScope::ALL).0)
    }

    pub fn bits(self) -> i64 {
        i64::from(self.0)
    }

    pub fn contains(self, scope: ApiScope) -> bool {
        self.0 & Self::bit(scope) != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = ApiScope> {
        ApiScope::ALL.into_iter().filter(move |s| self.contains(*s))
    }

    /// The permissions these scopes could use, before the creator's own rights cut them down.
    pub fn permissions(self) -> Permissions {
        let bits = self
            .iter()
            .fold(0, |acc, s| acc | ApiScope::permissions(s).bits());
        Permissions::from_bits(bits)
    }

    /// The names, comma-separated (`invitations:read, audit:read`).
    pub fn names(self) -> String {
        self.iter()
            .map(ApiScope::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Whether a key still works, as the page shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ApiKeyState {
    Active,
    Expired,
    Revoked,
}

impl ApiKeyState {
    pub fn label(self) -> &'static str {
        match self {
            ApiKeyState::Active => "Active",
            ApiKeyState::Expired => "Expired",
            ApiKeyState::Revoked => "Revoked",
        }
    }
}

/// A key as it is listed: never the key itself, only its first characters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeyInfo {
    pub id: String,
    pub name: String,
    /// `vsk_` and the first characters of the key, to tell keys apart.
    pub prefix: String,
    pub scopes: ApiScopes,
    pub creator_email: String,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub state: ApiKeyState,
}

/// A key just created: the only time the key itself is shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedApiKey {
    pub id: String,
    pub name: String,
    pub key: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_names_round_trip_and_bits_are_distinct() {
        for s in ApiScope::ALL {
            assert_eq!(ApiScope::parse(s.as_str()), Some(s));
            let set = ApiScopes::of(&[s]);
            assert_eq!(ApiScopes::from_bits(set.bits()), set);
            assert_eq!(set.iter().collect::<Vec<_>>(), vec![s]);
        }
        assert_eq!(ApiScope::parse("invitations:*"), None);
    }

    #[test]
    fn read_and_write_scopes_of_members_need_the_same_permission() {
        let read = ApiScopes::of(&[ApiScope::MembersRead]);
        let write = ApiScopes::of(&[ApiScope::MembersWrite]);
        assert_eq!(read.permissions(), write.permissions());
        assert!(read.permissions().contains(Permission::ManageMembers));
    }
}
