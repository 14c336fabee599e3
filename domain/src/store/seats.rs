//! Counting seats for the invite policy's caps. Each count has one SQL text, run on the pool
//! (opening a link: a read) or in a transaction (create and accept, after `lock`).

use crate::clock::Millis;
use crate::store::{Db, Tx};
use crate::{on_db, on_tx};

/// What a seat count is of, at a time `now` (`$1`).
#[derive(Clone, Copy, Debug)]
pub enum Count<'a> {
    /// Active members whose end date has not come: each holds a workspace seat.
    Members,
    /// Live invitations (pending or scheduled): each holds a seat until it ends.
    LiveInvites,
    TeamMembers(&'a str),
    TeamLiveInvites(&'a str),
    /// The live invitations one person sent.
    InviterLiveInvites(&'a str),
    /// The members of the fullest team an invitation is for (0 without teams).
    FullestTeamOf(&'a str),
}

impl<'a> Count<'a> {
    /// The statement, and the id it names as `$2` (if any).
    fn parts(self) -> (&'static str, Option<&'a str>) {
        match self {
            Count::Members => (
                concat!(
                    "SELECT COUNT(*) FROM users u WHERE ",
                    crate::may_act_at!("$1")
                ),
                None,
            ),
            Count::LiveInvites => (
                "SELECT COUNT(*) FROM invites i WHERE i.state = 0 AND i.expires_at > $1",
                None,
            ),
            Count::TeamMembers(team) => (
                concat!(
                    "SELECT COUNT(*) FROM team_members tm JOIN users u ON u.id = tm.user_id \
                     WHERE tm.team_id = $2 AND ",
                    crate::may_act_at!("$1")
                ),
                Some(team),
            ),
            Count::TeamLiveInvites(team) => (
                "SELECT COUNT(*) FROM invite_teams it JOIN invites i ON i.id = it.invite_id \
                 WHERE it.team_id = $2 AND i.state = 0 AND i.expires_at > $1",
                Some(team),
            ),
            Count::InviterLiveInvites(inviter) => (
                "SELECT COUNT(*) FROM invites i WHERE i.inviter_id = $2 AND i.state = 0 \
                 AND i.expires_at > $1",
                Some(inviter),
            ),
            Count::FullestTeamOf(invite) => (
                concat!(
                    "SELECT COALESCE(MAX(n), 0) FROM (SELECT COUNT(u.id) AS n FROM invite_teams it \
                     LEFT JOIN team_members tm ON tm.team_id = it.team_id \
                     LEFT JOIN users u ON u.id = tm.user_id AND ",
                    crate::may_act_at!("$1"),
                    " WHERE it.invite_id = $2 GROUP BY it.team_id) AS per_team"
                ),
                Some(invite),
            ),
        }
    }
}

pub async fn count(db: &Db, what: Count<'_>, now: Millis) -> Result<i64, sqlx::Error> {
    let (sql, key) = what.parts();
    on_db!(db, p => {
        let q = sqlx::query_scalar(sql).bind(now);
        let q = match key {
            Some(k) => q.bind(k),
            None => q,
        };
        q.fetch_one(p).await
    })
}

pub async fn count_tx(tx: &mut Tx, what: Count<'_>, now: Millis) -> Result<i64, sqlx::Error> {
    let (sql, key) = what.parts();
    on_tx!(tx, c => {
        let q = sqlx::query_scalar(sql).bind(now);
        let q = match key {
            Some(k) => q.bind(k),
            None => q,
        };
        q.fetch_one(c).await
    })
}

/// Makes the seat counts that follow in `tx` exact until it ends, so that of racing creates
/// and accepts none overshoots a cap. On PostgreSQL: the policy row, locked (creates and
/// accepts take it first, before any invite row, so they never wait on each other in a
/// circle). On SQLite every write transaction already holds the one write lock.
pub async fn lock(tx: &mut Tx) -> Result<(), sqlx::Error> {
    if let Tx::Postgres(t) = tx {
        sqlx::query("SELECT id FROM invite_policy WHERE id = 1 FOR UPDATE")
            .execute(&mut **t)
            .await?;
    }
    Ok(())
}
