//! Roles are permission sets. A set is a bit mask so it fits one integer column and the
//! "may this person grant that role" rule is one subset test.

use serde::{Deserialize, Serialize};

/// One thing a person may do in the workspace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Permission {
    ViewInvites,
    SendInvites,
    RevokeInvites,
    ManageMembers,
    ManageRolesAndTeams,
    ViewAuditLog,
    ManagePolicy,
    /// API keys and webhook endpoints: the doors other software uses.
    ManageApiKeys,
}

impl Permission {
    /// Every permission, in the order the UI lists them.
    pub const ALL: [Permission; 8] = [
        Permission::ViewInvites,
        Permission::SendInvites,
        Permission::RevokeInvites,
        Permission::ManageMembers,
        Permission::ManageRolesAndTeams,
        Permission::ViewAuditLog,
        Permission::ManagePolicy,
        Permission::ManageApiKeys,
    ];

    // The bit values are stored in the database: never renumber them.
    const fn bit(self) -> u32 {
        match self {
            Permission::ViewInvites => 1,
            Permission::SendInvites => 1 << 1,
            Permission::RevokeInvites => 1 << 2,
            Permission::ManageMembers => 1 << 3,
            Permission::ManageRolesAndTeams => 1 << 4,
            Permission::ViewAuditLog => 1 << 5,
            Permission::ManagePolicy => 1 << 6,
            Permission::ManageApiKeys => 1 << 7,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Permission::ViewInvites => "View invites",
            Permission::SendInvites => "Send invites",
            Permission::RevokeInvites => "Revoke invites",
            Permission::ManageMembers => "Manage members",
            Permission::ManageRolesAndTeams => "Manage roles and teams",
            Permission::ViewAuditLog => "View audit log",
            Permission::ManagePolicy => "Manage invite policy",
            Permission::ManageApiKeys => "Manage API keys",
        }
    }
}

/// A set of permissions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Permissions(u32);

impl Permissions {
    pub const NONE: Permissions = Permissions(0);
    pub const ALL: Permissions = Permissions(0b1111_1111);

    /// Builds a set from stored bits, dropping bits no permission uses.
    pub fn from_bits(bits: i64) -> Permissions {
        Permissions((bits as u32) & Self::ALL.0)
    }

    pub fn bits(self) -> i64 {
        i64::from(self.0)
    }

    pub fn of(list: &[Permission]) -> Permissions {
        Permissions(list.iter().fold(0, |acc, p| acc | p.bit()))
    }

    pub fn contains(self, permission: Permission) -> bool {
        self.0 & permission.bit() != 0
    }

    /// The role ceiling: someone holding `self` may grant `other` only if every permission
    /// in `other` is also in `self`.
    pub fn may_grant(self, other: Permissions) -> bool {
        other.0 & !self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = Permission> {
        Permission::ALL
            .into_iter()
            .filter(move |p| self.contains(*p))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_contains_every_permission_and_nothing_else() {
        assert_eq!(Permissions::of(&Permission::ALL), Permissions::ALL);
        assert_eq!(
            Permissions::from_bits(i64::from(u32::MAX)),
            Permissions::ALL
        );
    }

    #[test]
    fn a_role_may_grant_only_subsets_of_its_own_permissions() {
        let editor = Permissions::of(&[Permission::ViewInvites, Permission::SendInvites]);
        let analyst = Permissions::of(&[Permission::ViewInvites]);
        assert!(Permissions::ALL.may_grant(editor));
        assert!(editor.may_grant(analyst));
        assert!(editor.may_grant(editor));
        assert!(!editor.may_grant(Permissions::ALL));
        assert!(!analyst.may_grant(editor));
        assert!(Permissions::NONE.may_grant(Permissions::NONE));
    }

    #[test]
    fn bits_round_trip() {
        for p in Permission::ALL {
            let set = Permissions::of(&[p]);
            assert_eq!(Permissions::from_bits(set.bits()), set);
            assert_eq!(set.iter().collect::<Vec<_>>(), vec![p]);
        }
    }
}
