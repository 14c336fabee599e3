//! Teams and their members.

use sqlx::FromRow;

use crate::clock::Millis;
use crate::store::{Db, Tx};
use crate::{on_db, on_tx};

#[derive(Debug, Clone, FromRow)]
pub struct TeamRow {
    pub id: String,
    pub name: String,
    pub members: i64,
}

pub async fn list(db: &Db) -> Result<Vec<TeamRow>, sqlx::Error> {
    on_db!(db, p => sqlx::query_as(
        "SELECT t.id, t.name, (SELECT COUNT(*) FROM team_members m WHERE m.team_id = t.id) AS members \
         FROM teams t ORDER BY lower(t.name)",
    )
    .fetch_all(p)
    .await)
}

pub async fn insert(tx: &mut Tx, id: &str, name: &str, now: Millis) -> Result<(), sqlx::Error> {
    on_tx!(tx, c => sqlx::query("INSERT INTO teams (id, name, created_at) VALUES ($1, $2, $3)")
        .bind(id)
        .bind(name)
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn rename(tx: &mut Tx, id: &str, name: &str) -> Result<u64, sqlx::Error> {
    on_tx!(tx, c => sqlx::query("UPDATE teams SET name = $2 WHERE id = $1")
        .bind(id)
        .bind(name)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))
}

pub async fn delete(tx: &mut Tx, id: &str) -> Result<u64, sqlx::Error> {
    on_tx!(tx, c => sqlx::query("DELETE FROM teams WHERE id = $1")
        .bind(id)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))
}

pub async fn add_member(tx: &mut Tx, team_id: &str, user_id: &str) -> Result<(), sqlx::Error> {
    on_tx!(tx, c => sqlx::query("INSERT INTO team_members (team_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        .bind(team_id)
        .bind(user_id)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Names of the teams a user belongs to.
pub async fn of_user(db: &Db, user_id: &str) -> Result<Vec<String>, sqlx::Error> {
    on_db!(db, p => sqlx::query_scalar(
        "SELECT t.name FROM team_members m JOIN teams t ON t.id = m.team_id WHERE m.user_id = $1 ORDER BY lower(t.name)",
    )
    .bind(user_id)
    .fetch_all(p)
    .await)
}

/// (user id, team id, team name) for every membership: one query for the Members page.
pub async fn all_memberships(db: &Db) -> Result<Vec<(String, String, String)>, sqlx::Error> {
    on_db!(db, p => sqlx::query_as(
        "SELECT m.user_id, t.id, t.name FROM team_members m JOIN teams t ON t.id = m.team_id ORDER BY lower(t.name)",
    )
    .fetch_all(p)
    .await)
}

/// Replaces a user's teams with `team_ids`.
pub async fn set_user_teams(
    tx: &mut Tx,
    user_id: &str,
    team_ids: &[String],
) -> Result<(), sqlx::Error> {
    on_tx!(tx, c => sqlx::query("DELETE FROM team_members WHERE user_id = $1")
        .bind(user_id)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    for team in team_ids {
        add_member(tx, team, user_id).await?;
    }
    Ok(())
}
