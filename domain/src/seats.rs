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
use crate::store::teams::TeamRow;
use crate::store::{Db, Tx};

/// A team an invitation is for: its id and, for messages, its name.
pub(crate) struct SeatTeam<'a> {
    pub id: &'a str,
    pub name: &'a str,
}

impl<'a> From<&'a TeamRow> for SeatTeam<'a> {
    fn from(t: &'a TeamRow) -> SeatTeam<'a> {
        SeatTeam {
            id: &t.id,
            name: &t.name,
        }
    }
}

/// "1 member", "3 members".
fn counted(n: i64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Whether `policy` caps anything `check_create` or `check_accept` would count.
pub(crate) fn any_cap(policy: &InvitePolicy) -> bool {
    policy.workspace_seats > 0 || policy.team_seats > 0 || policy.pending_per_inviter > 0
}

/// What is full, as counted when a seat was asked for.
#[derive(Debug)]
pub(crate) enum Full {
    Inviter {
        pending: i64,
    },
    Workspace {
        members: i64,
        invited: i64,
    },
    Team {
        name: String,
        members: i64,
        invited: i64,
    },
}

impl Full {
    /// The refusal of a single create.
    pub(crate) fn error(&self, policy: &InvitePolicy) -> DomainError {
        match self {
            Full::Inviter { .. } | Full::Workspace { .. } => {
                DomainError::Conflict(self.message(policy))
            }
            Full::Team { .. } => DomainError::invalid("teams", self.message(policy)),
        }
    }

    /// What is full, in a sentence (also a bulk row's reason).
    pub(crate) fn message(&self, policy: &InvitePolicy) -> String {
        match self {
            Full::Inviter { pending } => format!(
                "You have {}, the most the invite policy allows one person. Revoke some, or \
                 wait until they are accepted or expire.",
                counted(*pending, "pending invitation", "pending invitations")
            ),
            Full::Workspace { members, invited } => format!(
                "The workspace has no free seat: {} and {} fill its {}. Revoke a pending \
                 invitation, deactivate a member, or raise the cap in the invite policy.",
                counted(*members, "member", "members"),
                counted(*invited, "pending invitation", "pending invitations"),
                counted(policy.workspace_seats, "seat", "seats"),
            ),
            Full::Team {
                name,
                members,
                invited,
            } => format!(
                "{name} has no free seat: {} and {} fill its {}.",
                counted(*members, "member", "members"),
                counted(*invited, "pending invitation", "pending invitations"),
                counted(policy.team_seats, "seat", "seats"),
            ),
        }
    }
}

/// The seats held now (for the caps `policy` sets), counted once in a transaction after
/// `seats::lock`, then taken one invitation at a time: a single create and a bulk batch
/// count the same way.
pub(crate) struct Room<'p> {
    policy: &'p InvitePolicy,
    /// The inviter's live invitations.
    pending: i64,
    /// (members, live invitations) of the workspace.
    workspace: (i64, i64),
    /// (members, live invitations) of each team asked about so far.
    teams: std::collections::HashMap<String, (i64, i64)>,
}

impl<'p> Room<'p> {
    /// Counts what the caps of `policy` need, in `tx` (already locked).
    pub(crate) async fn count(
        tx: &mut Tx,
        policy: &'p InvitePolicy,
        inviter: &str,
        now: Millis,
    ) -> DomainResult<Room<'p>> {
        let pending = if policy.pending_per_inviter > 0 {
            seats::count_tx(tx, Count::InviterLiveInvites(inviter), now).await?
        } else {
            0
        };
        let workspace = if policy.workspace_seats > 0 {
            (
                seats::count_tx(tx, Count::Members, now).await?,
                seats::count_tx(tx, Count::LiveInvites, now).await?,
            )
        } else {
            (0, 0)
        };
        Ok(Room {
            policy,
            pending,
            workspace,
            teams: Default::default(),
        })
    }

    /// Takes a seat for one more live invitation to `teams`, or says what is full (and
    /// takes nothing).
    pub(crate) async fn take(
        &mut self,
        tx: &mut Tx,
        teams: &[SeatTeam<'_>],
        now: Millis,
    ) -> DomainResult<Result<(), Full>> {
        let p = self.policy;
        if p.pending_per_inviter > 0 && self.pending >= p.pending_per_inviter {
            return Ok(Err(Full::Inviter {
                pending: self.pending,
            }));
        }
        let (members, invited) = self.workspace;
        if p.workspace_seats > 0 && members + invited >= p.workspace_seats {
            return Ok(Err(Full::Workspace { members, invited }));
        }
        if p.team_seats > 0 {
            for team in teams {
                if !self.teams.contains_key(team.id) {
                    let held = (
                        seats::count_tx(tx, Count::TeamMembers(team.id), now).await?,
                        seats::count_tx(tx, Count::TeamLiveInvites(team.id), now).await?,
                    );
                    self.teams.insert(team.id.to_owned(), held);
                }
                let (members, invited) = self.teams[team.id];
                if members + invited >= p.team_seats {
                    return Ok(Err(Full::Team {
                        name: team.name.to_owned(),
                        members,
                        invited,
                    }));
                }
            }
            for team in teams {
                if let Some(held) = self.teams.get_mut(team.id) {
                    held.1 += 1;
                }
            }
        }
        self.pending += 1;
        self.workspace.1 += 1;
        Ok(Ok(()))
    }
}

/// At create, in `tx`, when any cap is set: takes the seat lock, then `check_create`.
pub(crate) async fn hold_for_create(
    tx: &mut Tx,
    policy: &InvitePolicy,
    inviter: &str,
    teams: &[SeatTeam<'_>],
    now: Millis,
) -> DomainResult<()> {
    if !any_cap(policy) {
        return Ok(());
    }
    seats::lock(tx).await?;
    check_create(tx, policy, inviter, teams, now).await
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
    let mut room = Room::count(tx, policy, inviter, now).await?;
    room.take(tx, teams, now)
        .await?
        .map_err(|full| full.error(policy))
}

/// Whether one more member fits the workspace and every team of invitation `invite_id`:
/// `None` when they do, else the refusal the invitee sees.
async fn accept_view(
    counts: &mut impl Counts,
    policy: &InvitePolicy,
    invite_id: &str,
    now: Millis,
) -> DomainResult<Option<LinkView>> {
    // Each cap is counted only when it is set (0: no cap).
    if policy.workspace_seats > 0
        && counts.count(Count::Members, now).await? >= policy.workspace_seats
    {
        return Ok(Some(LinkView::NoSeat));
    }
    if policy.team_seats > 0
        && counts.count(Count::FullestTeamOf(invite_id), now).await? >= policy.team_seats
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
