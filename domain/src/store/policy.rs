//! The invite policy row (migration 0005).

use model::InvitePolicy;

use crate::clock::Millis;
use crate::store::{Db, Tx};
use crate::{on_db, on_tx};

fn lines(list: &[String]) -> String {
    list.join("\n")
}

fn unlines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

pub async fn load(db: &Db) -> Result<InvitePolicy, sqlx::Error> {
    type Row = (i64, i64, String, String, i64, String, i64, i64, i64, i64);
    let row: Option<Row> = on_db!(db, p => sqlx::query_as(
        "SELECT default_expiry_hours, max_expiry_hours, allowed_domains, blocked_domains, daily_cap, \
         reminder_hours, resend_cooldown_minutes, workspace_seats, team_seats, pending_per_inviter \
         FROM invite_policy WHERE id = 1",
    )
    .fetch_optional(p)
    .await)?;
    Ok(match row {
        Some((
            default_expiry_hours,
            max_expiry_hours,
            allowed,
            blocked,
            daily_cap,
            reminders,
            cooldown,
            workspace_seats,
            team_seats,
            pending_per_inviter,
        )) => {
            InvitePolicy {
                default_expiry_hours,
                max_expiry_hours,
                allowed_domains: unlines(&allowed),
                blocked_domains: unlines(&blocked),
                daily_cap,
                // Written by `save` from a parsed list; anything else would be a bug, and
                // is read as no reminders rather than guessed.
                reminder_hours: model::parse_reminder_hours(&reminders).unwrap_or_default(),
                resend_cooldown_minutes: cooldown,
                workspace_seats,
                team_seats,
                pending_per_inviter,
            }
        }
        None => InvitePolicy::default(),
    })
}

pub async fn save(tx: &mut Tx, p: &InvitePolicy, by: &str, now: Millis) -> Result<(), sqlx::Error> {
    on_tx!(tx, c => sqlx::query(
        "UPDATE invite_policy SET default_expiry_hours = $1, max_expiry_hours = $2, allowed_domains = $3, \
         blocked_domains = $4, daily_cap = $5, updated_at = $6, updated_by = $7, reminder_hours = $8, \
         resend_cooldown_minutes = $9, workspace_seats = $10, team_seats = $11, \
         pending_per_inviter = $12 WHERE id = 1",
    )
    .bind(p.default_expiry_hours)
    .bind(p.max_expiry_hours)
    .bind(lines(&p.allowed_domains))
    .bind(lines(&p.blocked_domains))
    .bind(p.daily_cap)
    .bind(now)
    .bind(by)
    .bind(
        p.reminder_hours
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(","),
    )
    .bind(p.resend_cooldown_minutes)
    .bind(p.workspace_seats)
    .bind(p.team_seats)
    .bind(p.pending_per_inviter)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// (invites created by `inviter` since `since`, the oldest of them): for the daily cap.
pub async fn created_since(
    db: &Db,
    inviter: &str,
    since: Millis,
) -> Result<(i64, Option<Millis>), sqlx::Error> {
    on_db!(db, p => sqlx::query_as(
        "SELECT COUNT(*), MIN(created_at) FROM invites WHERE inviter_id = $1 AND created_at > $2",
    )
    .bind(inviter)
    .bind(since)
    .fetch_one(p)
    .await)
}
