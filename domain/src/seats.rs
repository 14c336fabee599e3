//! Seat caps, from the invite policy: members in the workspace, members in each team, and
//! pending invitations per inviter (each 0 for none). At create a seat counts an active
//! member or a live (pending or scheduled) invitation, so a workspace cannot be promised to
//! more people than it has room for; at accept only members count (the invitation being
//! accepted held its own seat), counted again inside the accepting transaction after
//! `store::seats::lock`, so that of racing accepts into the last seat exactly one joins.
//! A refused accept creates nothing and leaves the invitation pending.

use model::{InvitePolicy, LinkView};

use crate::clock::Millis;
use crate::error::{DomainError, DomainResult};
use crate::store::seats::{self, Count};
use crate::store::{Db, Tx};

/// A team an invitation is for: its id and, for messages, its name.
pub(crate) struct SeatTeam<'a> {
    pub id: &'a str,
    pub name: &'a str,
}

/// "1 member", "3 members".
fn counted(n: i64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Whether `policy` caps anything `check_create` or `check_accept` would count.
pub(crate) fn any_cap(policy: &InvitePolicy) -> bool {
    policy.workspace_seats > 0 || policy.team_seats > 0 || policy.pending_per_inviter > 0
}

/// At create, in `tx` after `seats::lock`: room for one more live invitation from `inviter`
/// to `teams`, or the refusal that says what is full.
pub(crate) async fn check_create(
    tx: &mut Tx,
    policy: &InvitePolicy,
    inviter: &str,
    teams: &[SeatTeam<'_>],
    now: Millis,
) -> DomainResult<()> {
    if policy.pending_per_inviter > 0 {
        let mine = seats::count_tx(tx, Count::InviterLiveInvites(inviter), now).await?;
        if mine >= policy.pending_per_inviter {
            return Err(DomainError::Conflict(format!(
                "You have {}, the most the invite policy allows one person. Revoke some, or \
                 wait until they are accepted or expire.",
                counted(mine, "pending invitation", "pending invitations")
            )));
        }
    }
    if policy.workspace_seats > 0 {
        let members = seats::count_tx(tx, Count::Members, now).await?;
        let invited = seats::count_tx(tx, Count::LiveInvites, now).await?;
        if members + invited >= policy.workspace_seats {
            return Err(DomainError::Conflict(format!(
                "The workspace has no free seat: {} and {} fill its {}. Revoke a pending \
                 invitation, deactivate a member, or raise the cap in the invite policy.",
                counted(members, "member", "members"),
                counted(invited, "pending invitation", "pending invitations"),
                counted(policy.workspace_seats, "seat", "seats"),
            )));
        }
    }
    if policy.team_seats > 0 {
        for team in teams {
            let members = seats::count_tx(tx, Count::TeamMembers(team.id), now).await?;
            let invited = seats::count_tx(tx, Count::TeamLiveInvites(team.id), now).await?;
            if members + invited >= policy.team_seats {
                return Err(DomainError::invalid(
                    "teams",
                    format!(
                        "{} has no free seat: {} and {} fill its {}.",
                        team.name,
                        counted(members, "member", "members"),
                        counted(invited, "pending invitation", "pending invitations"),
                        counted(policy.team_seats, "seat", "seats"),
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Whether one more member fits the workspace and every team of invitation `invite_id`:
/// `None` when they do, else the refusal the invitee sees.
async fn accept_view(
    counts: &mut impl Counts,
    policy: &InvitePolicy,
    invite_id: &str,
    now: Millis,
) -> DomainResult<Option<LinkView>> {
    let full = |n: i64, cap: i64| cap > 0 && n >= cap;
    if policy.workspace_seats > 0
        && full(
            counts.count(Count::Members, now).await?,
            policy.workspace_seats,
        )
    {
        return Ok(Some(LinkView::NoSeat));
    }
    if policy.team_seats > 0
        && full(
            counts.count(Count::FullestTeamOf(invite_id), now).await?,
            policy.team_seats,
        )
    {
        return Ok(Some(LinkView::NoSeat));
    }
    Ok(None)
}

/// Where counts come from: the pool (opening a link) or the accepting transaction.
trait Counts {
    async fn count(&mut self, what: Count<'_>, now: Millis) -> Result<i64, sqlx::Error>;
}

impl Counts for &Db {
    async fn count(&mut self, what: Count<'_>, now: Millis) -> Result<i64, sqlx::Error> {
        seats::count(self, what, now).await
    }
}

impl Counts for &mut Tx {
    async fn count(&mut self, what: Count<'_>, now: Millis) -> Result<i64, sqlx::Error> {
        seats::count_tx(self, what, now).await
    }
}

/// At open: whether the invitee could join now (a read).
pub(crate) async fn view_at_open(
    db: &Db,
    policy: &InvitePolicy,
    invite_id: &str,
    now: Millis,
) -> DomainResult<Option<LinkView>> {
    accept_view(&mut &*db, policy, invite_id, now).await
}

/// At accept, in `tx` after `seats::lock`.
pub(crate) async fn view_at_accept(
    mut tx: &mut Tx,
    policy: &InvitePolicy,
    invite_id: &str,
    now: Millis,
) -> DomainResult<Option<LinkView>> {
    accept_view(&mut tx, policy, invite_id, now).await
}
