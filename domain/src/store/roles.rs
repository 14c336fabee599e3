//! Roles: built-in (seeded by the migrations) and custom.

use sqlx::FromRow;

use crate::clock::Millis;
use crate::store::{Db, Tx};
use crate::{on_db, on_tx};

#[derive(Debug, Clone, FromRow)]
pub struct RoleRow {
    pub id: String,
    pub name: String,
    pub description: String,
    pub permissions: i64,
    pub built_in: bool,
    pub in_use: i64,
}

/// Every role with how many people hold it plus how many live invites point at it.
pub async fn list(db: &Db) -> Result<Vec<RoleRow>, sqlx::Error> {
    on_db!(db, p => sqlx::query_as(
        "SELECT r.id, r.name, r.description, r.permissions, r.built_in, \
         (SELECT COUNT(*) FROM users u WHERE u.role_id = r.id) + \
         (SELECT COUNT(*) FROM invites i WHERE i.role_id = r.id AND i.accepted_at IS NULL \
            AND i.revoked_at IS NULL AND i.closed_at IS NULL) AS in_use \
         FROM roles r ORDER BY r.built_in DESC, lower(r.name)",
    )
    .fetch_all(p)
    .await)
}

/// One role, without the usage count (which scans members and invites): creating an
/// invite looks the role up on every request.
pub async fn find(db: &Db, id: &str) -> Result<Option<RoleRow>, sqlx::Error> {
    on_db!(db, p => sqlx::query_as(
        "SELECT id, name, description, permissions, built_in, CAST(0 AS BIGINT) AS in_use FROM roles WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(p)
    .await)
}

/// The role whose id is `key`, or else whose name is `key` (any case: names are unique
/// regardless of case).
pub async fn find_by_id_or_name(db: &Db, key: &str) -> Result<Option<RoleRow>, sqlx::Error> {
    on_db!(db, p => sqlx::query_as(
        "SELECT id, name, description, permissions, built_in, CAST(0 AS BIGINT) AS in_use FROM roles \
         WHERE id = $1 OR lower(name) = lower($1) ORDER BY id = $1 DESC LIMIT 1",
    )
    .bind(key)
    .fetch_optional(p)
    .await)
}

pub async fn insert(
    tx: &mut Tx,
    id: &str,
    name: &str,
    description: &str,
    permissions: i64,
    now: Millis,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO roles (id, name, description, permissions, built_in, created_at) \
         VALUES ($1, $2, $3, $4, FALSE, $5)",
    )
    .bind(id)
    .bind(name)
    .bind(description)
    .bind(permissions)
    .bind(now)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Updates a custom role; built-in roles are never changed. Returns rows changed.
pub async fn update(
    tx: &mut Tx,
    id: &str,
    name: &str,
    description: &str,
    permissions: i64,
) -> Result<u64, sqlx::Error> {
    on_tx!(tx, c => sqlx::query(
        "UPDATE roles SET name = $2, description = $3, permissions = $4 WHERE id = $1 AND built_in = FALSE",
    )
    .bind(id)
    .bind(name)
    .bind(description)
    .bind(permissions)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))
}

/// Deletes a custom role nobody holds and no live invite names. Returns rows deleted.
pub async fn delete_unused(tx: &mut Tx, id: &str) -> Result<u64, sqlx::Error> {
    on_tx!(tx, c => sqlx::query(
        "DELETE FROM roles WHERE id = $1 AND built_in = FALSE \
         AND NOT EXISTS (SELECT 1 FROM users u WHERE u.role_id = roles.id) \
         AND NOT EXISTS (SELECT 1 FROM invites i WHERE i.role_id = roles.id)",
    )
    .bind(id)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))
}
