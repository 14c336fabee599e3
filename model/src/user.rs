use serde::{Deserialize, Serialize};

use crate::{Permission, Permissions};

/// The built-in roles, seeded by the migrations: (id, name, permissions).
pub const BUILT_IN_ROLES: [(&str, &str, &[Permission]); 3] = [
    ("admin", "Admin", &Permission::ALL),
    (
        "editor",
        "Editor",
        &[
            Permission::ViewInvites,
            Permission::SendInvites,
            Permission::RevokeInvites,
        ],
    ),
    (
        "analyst",
        "Analyst",
        &[Permission::ViewInvites, Permission::ViewAuditLog],
    ),
];

/// The signed-in person, as the pages see them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role_name: String,
    pub permissions: Permissions,
    /// False while someone who joined through a copied link has not confirmed their address.
    pub address_confirmed: bool,
}

impl CurrentUser {
    pub fn can(&self, permission: Permission) -> bool {
        self.permissions.contains(permission)
    }
}
