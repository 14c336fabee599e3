//! Invites as the pages see them, and the one definition of an invite's status.

use serde::{Deserialize, Serialize};

use crate::Permissions;

/// Where an invite is in its life. Derived from the row and the clock, never stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum InviteStatus {
    /// Its email goes out at a set time (a new hire's first day); until then the link does
    /// not work. It may be revoked or sent at once meanwhile.
    Scheduled,
    Pending,
    Accepted,
    Expired,
    Revoked,
    /// The invitee said no (terminal, like accepted and revoked).
    Declined,
}

/// The moments an invite's life turned, as stored: what its status is derived from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Moments {
    pub accepted_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub declined_at: Option<i64>,
    /// When its email goes (or went) out, if it was scheduled.
    pub send_at: Option<i64>,
    pub expires_at: i64,
}

impl InviteStatus {
    pub const ALL: [InviteStatus; 6] = [
        InviteStatus::Scheduled,
        InviteStatus::Pending,
        InviteStatus::Accepted,
        InviteStatus::Expired,
        InviteStatus::Revoked,
        InviteStatus::Declined,
    ];

    /// The status of an invite at time `now` (ms). Mirrors the SQL `CASE` in
    /// `domain::store::invites`; an integration test checks that both agree. At most one
    /// terminal moment is ever set (each is written only while the others are unset).
    pub fn derive(m: Moments, now: i64) -> InviteStatus {
        if m.accepted_at.is_some() {
            InviteStatus::Accepted
        } else if m.revoked_at.is_some() {
            InviteStatus::Revoked
        } else if m.declined_at.is_some() {
            InviteStatus::Declined
        } else if m.send_at.is_some_and(|at| at > now) {
            InviteStatus::Scheduled
        } else if m.expires_at <= now {
            InviteStatus::Expired
        } else {
            InviteStatus::Pending
        }
    }

    /// Accepted, revoked and declined never change again; expired may (a resend renews it).
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            InviteStatus::Accepted | InviteStatus::Revoked | InviteStatus::Declined
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            InviteStatus::Scheduled => "scheduled",
            InviteStatus::Pending => "pending",
            InviteStatus::Accepted => "accepted",
            InviteStatus::Expired => "expired",
            InviteStatus::Revoked => "revoked",
            InviteStatus::Declined => "declined",
        }
    }

    pub fn parse(s: &str) -> Option<InviteStatus> {
        InviteStatus::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            InviteStatus::Scheduled => "Scheduled",
            InviteStatus::Pending => "Pending",
            InviteStatus::Accepted => "Accepted",
            InviteStatus::Expired => "Expired",
            InviteStatus::Revoked => "Revoked",
            InviteStatus::Declined => "Declined",
        }
    }
}

/// Whether the invitation email went out: its own axis, beside the status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Delivery {
    Queued,
    Sent,
    Failed,
    /// Created without an email (the API's `send_email: false`): the link was handed to the
    /// inviter to share by other means.
    NotSent,
}

impl Delivery {
    pub fn as_str(self) -> &'static str {
        match self {
            Delivery::Queued => "queued",
            Delivery::Sent => "sent",
            Delivery::Failed => "failed",
            Delivery::NotSent => "not_sent",
        }
    }

    /// `None` for anything but the three stored names.
    pub fn parse(s: &str) -> Option<Delivery> {
        match s {
            "queued" => Some(Delivery::Queued),
            "sent" => Some(Delivery::Sent),
            "failed" => Some(Delivery::Failed),
            "not_sent" => Some(Delivery::NotSent),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Delivery::Queued => "Queued or retrying",
            Delivery::Sent => "Sent",
            Delivery::Failed => "Failed",
            Delivery::NotSent => "Not emailed",
        }
    }
}

/// One line of the invites panel.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteRow {
    pub id: String,
    pub email: String,
    pub role_id: String,
    pub role_name: String,
    pub teams: Vec<TeamRef>,
    pub inviter_id: String,
    pub inviter_name: String,
    pub inviter_email: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub accepted_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub declined_at: Option<i64>,
    /// When its email goes out (Scheduled until then) or went out as planned; `None`: at
    /// creation.
    pub send_at: Option<i64>,
    /// What the invitee wrote when declining, if anything (plain text).
    pub decline_reason: Option<String>,
    /// Where the new member lands after accepting (a path in the app); `None`: the home page.
    pub landing_path: Option<String>,
    /// When the access this invite grants ends (a contractor's end date), if it does.
    pub access_ends_at: Option<i64>,
    pub status: InviteStatus,
    pub delivery: Delivery,
    pub delivery_error: Option<String>,
    pub open_count: i64,
    pub message: String,
    /// The small JSON object an integration kept with the invite (the API's `metadata`).
    pub metadata: Option<String>,
    /// False when the inviter was deactivated or can no longer grant this role: a pending
    /// invite like that will not be honoured at acceptance.
    pub inviter_can_grant: bool,
}

impl InviteRow {
    /// The teams' names, comma-separated ("" for none).
    pub fn team_names(&self) -> String {
        self.teams
            .iter()
            .map(|t| t.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteCounts {
    pub scheduled: i64,
    pub pending: i64,
    pub accepted: i64,
    pub expired: i64,
    pub revoked: i64,
    pub declined: i64,
}

impl InviteCounts {
    pub fn total(&self) -> i64 {
        self.scheduled + self.pending + self.accepted + self.expired + self.revoked + self.declined
    }

    pub fn of(&self, s: InviteStatus) -> i64 {
        match s {
            InviteStatus::Scheduled => self.scheduled,
            InviteStatus::Pending => self.pending,
            InviteStatus::Accepted => self.accepted,
            InviteStatus::Expired => self.expired,
            InviteStatus::Revoked => self.revoked,
            InviteStatus::Declined => self.declined,
        }
    }
}

/// One page of the invites panel, and the counts per status of all invites.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteList {
    pub rows: Vec<InviteRow>,
    pub counts: InviteCounts,
    /// Cursor (an invite id) for the next page, if there is one.
    pub next_after: Option<String>,
    /// Cursor for the previous page, if there is one.
    pub prev_before: Option<String>,
}

/// A role as listed for choosing and managing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleInfo {
    pub id: String,
    pub name: String,
    pub description: String,
    pub permissions: Permissions,
    pub built_in: bool,
    /// People holding the role plus pending invites to it (a role in use cannot be deleted).
    pub in_use: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamInfo {
    pub id: String,
    pub name: String,
    pub members: i64,
}

/// What the invite form offers: only roles the signed-in person may grant.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteOptions {
    pub roles: Vec<RoleInfo>,
    pub teams: Vec<TeamInfo>,
    pub default_expiry_hours: i64,
    /// (hours, label) the invite policy allows.
    pub expiry_choices: Vec<(i64, String)>,
}

/// Answer to create and resend: the link, shown once for copying; none for a scheduled
/// invite (its link must not exist anywhere before its email goes out).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedLink {
    pub invite_id: String,
    pub email: String,
    pub link: Option<String>,
}

/// What the invitee sees when opening a link.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LinkView {
    /// A pending invitation they can accept.
    Open(InvitePreview),
    Expired,
    Revoked,
    Used,
    /// The invitee declined it.
    Declined,
    /// Replaced by a newer invitation for the same address (after a resend).
    Replaced,
    /// The inviter was deactivated or lost the right to grant this role.
    InviterLacksRights,
    /// The invite policy no longer allows the invited address's domain.
    DomainNotAllowed,
    /// The workspace or one of the invite's teams has no free seat (the invite policy's
    /// caps). The invite stays pending: once a seat is free, the same link works.
    NoSeat,
    /// Forged, mangled or unknown.
    Invalid,
}

impl LinkView {
    /// What the invitee is told when the link cannot be used.
    pub fn refusal(&self) -> &'static str {
        match self {
            LinkView::Open(_) => "",
            LinkView::Expired => "This invitation has expired.",
            LinkView::Revoked => "This invitation was withdrawn by your administrator.",
            LinkView::Used => "This invitation has already been used. If it was you, sign in instead.",
            LinkView::Declined => "This invitation was declined, so it can no longer be used.",
            LinkView::Replaced => "This link was replaced by a newer invitation. Use the link in the most recent email.",
            LinkView::InviterLacksRights => {
                "The person who invited you can no longer grant this role, so the invitation cannot be used."
            }
            LinkView::DomainNotAllowed => {
                "The workspace's invite policy no longer allows your email domain, so the invitation cannot be used."
            }
            LinkView::NoSeat => {
                "There is no free seat for you yet: the workspace, or a team this invitation is for, is full. Your invitation stays valid until it expires; ask the person who invited you to free a seat, then open this link again."
            }
            LinkView::Invalid => "This invitation is not valid. Ask your administrator for a new one.",
        }
    }

    /// Whether the invitee may ask the inviter for a new invitation from this link: when it
    /// ran out or was replaced, or its inviter can no longer vouch for it, or the invitee
    /// declined and changed their mind (the inviter decides). Not when it was used,
    /// withdrawn on purpose or its domain is barred (a new one would meet the same fate), nor
    /// for a link that is still good or is not ours. The page and the endpoint both ask this.
    pub fn can_request_new(&self) -> bool {
        matches!(
            self,
            LinkView::Expired
                | LinkView::Replaced
                | LinkView::InviterLacksRights
                | LinkView::Declined
        )
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitePreview {
    pub email: String,
    pub inviter_name: String,
    pub role_name: String,
    pub teams: Vec<String>,
    pub expires_at: i64,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamRef {
    pub id: String,
    pub name: String,
}

/// Someone who joined.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberInfo {
    pub id: String,
    pub email: String,
    pub name: String,
    pub active: bool,
    pub role_id: String,
    pub role_name: String,
    pub teams: Vec<TeamRef>,
    pub joined_at: i64,
    pub last_sign_in_at: Option<i64>,
    /// The name of whoever invited them (none for the first admin).
    pub invited_by: Option<String>,
    /// False while someone who joined through a copied link has not confirmed from an email
    /// that the address is theirs.
    pub address_confirmed: bool,
    /// When their access ends (they are deactivated at that moment), if it does.
    pub access_ends_at: Option<i64>,
}

/// Which link of an invite its invitee used: the emailed one proves they read that mailbox;
/// a copied one (shown to the inviter, passed on by other means) proves nothing about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum JoinedVia {
    Email,
    CopiedLink,
}

impl JoinedVia {
    pub fn as_str(self) -> &'static str {
        match self {
            JoinedVia::Email => "email",
            JoinedVia::CopiedLink => "copied_link",
        }
    }

    pub fn parse(s: &str) -> Option<JoinedVia> {
        [JoinedVia::Email, JoinedVia::CopiedLink]
            .into_iter()
            .find(|v| v.as_str() == s)
    }

    /// How the timeline says it.
    pub fn phrase(self) -> &'static str {
        match self {
            JoinedVia::Email => "through the emailed link",
            JoinedVia::CopiedLink => "through a copied link (address not confirmed yet)",
        }
    }
}

/// One row of a bulk CSV, as checked: ready (`error` is none) or not, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkRow {
    pub line: usize,
    pub email: String,
    pub role: String,
    pub teams: Vec<String>,
    pub error: Option<String>,
}

/// A bulk dry run: every row with a problem, and a sample of the ready ones.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkPreview {
    pub total: usize,
    pub ready: usize,
    pub problems: Vec<BulkRow>,
    pub sample: Vec<BulkRow>,
}

/// A bulk import under way or done.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkProgress {
    pub job_id: String,
    pub total: usize,
    pub done: usize,
    pub created: usize,
    pub finished: bool,
    /// The server stopped before the import finished (whole invites were kept).
    pub interrupted: bool,
    /// Set when the import failed as a whole.
    pub error: Option<String>,
    /// Rows not created and why (once finished).
    pub skipped: Vec<BulkRow>,
}

/// One audit-log line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: String,
    pub at: i64,
    pub actor: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub action: String,
    pub subject: Option<String>,
    pub detail: String,
    /// The API key (its name) the actor acted through, if any.
    pub api_key: Option<String>,
}

impl AuditEntry {
    /// Who did it, as the log shows it: "ed@example.com", "ed@example.com via API key ci",
    /// or "system".
    pub fn who(&self) -> String {
        let actor = self.actor.as_deref().unwrap_or("system");
        match &self.api_key {
            Some(key) => format!("{actor} via API key {key}"),
            None => actor.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joined_via_round_trips() {
        for v in [JoinedVia::Email, JoinedVia::CopiedLink] {
            assert_eq!(JoinedVia::parse(v.as_str()), Some(v));
        }
        assert_eq!(JoinedVia::parse("fax"), None);
    }

    #[test]
    fn only_links_that_ran_out_or_were_replaced_may_ask_for_a_new_one() {
        for ok in [
            LinkView::Expired,
            LinkView::Replaced,
            LinkView::InviterLacksRights,
            LinkView::Declined,
        ] {
            assert!(ok.can_request_new(), "{ok:?}");
        }
        for no in [
            LinkView::Used,
            LinkView::Revoked,
            LinkView::DomainNotAllowed,
            LinkView::NoSeat,
            LinkView::Invalid,
        ] {
            assert!(!no.can_request_new(), "{no:?}");
        }
    }

    #[test]
    fn status_follows_the_life_cycle_rules() {
        let open = Moments {
            expires_at: 1_000,
            ..Moments::default()
        };
        assert_eq!(InviteStatus::derive(open, 999), InviteStatus::Pending);
        assert_eq!(InviteStatus::derive(open, 1_000), InviteStatus::Expired);
        let accepted = Moments {
            accepted_at: Some(5),
            ..open
        };
        let revoked = Moments {
            revoked_at: Some(5),
            ..open
        };
        let declined = Moments {
            declined_at: Some(5),
            ..open
        };
        // Terminal states win over expiry and never change as time passes.
        for now in [0, 999, 1_000, 5_000, i64::MAX] {
            assert_eq!(InviteStatus::derive(accepted, now), InviteStatus::Accepted);
            assert_eq!(InviteStatus::derive(revoked, now), InviteStatus::Revoked);
            assert_eq!(InviteStatus::derive(declined, now), InviteStatus::Declined);
        }
        // Scheduled until its send, pending from that very moment; a revoke wins.
        let scheduled = Moments {
            send_at: Some(500),
            ..open
        };
        assert_eq!(
            InviteStatus::derive(scheduled, 499),
            InviteStatus::Scheduled
        );
        assert_eq!(InviteStatus::derive(scheduled, 500), InviteStatus::Pending);
        assert_eq!(
            InviteStatus::derive(scheduled, 1_000),
            InviteStatus::Expired
        );
        let revoked_early = Moments {
            revoked_at: Some(100),
            ..scheduled
        };
        assert_eq!(
            InviteStatus::derive(revoked_early, 200),
            InviteStatus::Revoked
        );
        // Expired is not terminal: a resend makes the invite pending again.
        let terminal: Vec<_> = InviteStatus::ALL
            .into_iter()
            .filter(|s| s.is_terminal())
            .collect();
        assert_eq!(
            terminal,
            [
                InviteStatus::Accepted,
                InviteStatus::Revoked,
                InviteStatus::Declined
            ]
        );
    }

    #[test]
    fn status_names_round_trip() {
        for s in InviteStatus::ALL {
            assert_eq!(InviteStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(InviteStatus::parse("nope"), None);
    }
}
