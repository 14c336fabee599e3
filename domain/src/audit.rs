//! Audit events: who did what, when, from where. Every admin action and every sign-in
//! attempt is recorded. Tokens and links never go into an event.
//!
//! Some of what an event says comes from people who are not signed in (the address typed at
//! sign-in, for one), so every subject and detail is bounded and made one line here, where
//! every event is built: no caller can store a megabyte by forgetting to.

/// Longest subject kept, in characters: room for any email address (254) and then some.
pub const MAX_SUBJECT_CHARS: usize = 320;
/// Longest detail kept, in characters.
pub const MAX_DETAIL_CHARS: usize = 1000;

/// Who caused an event and from where. Built by the web layer from the session and the
/// request (client IP from the socket, User-Agent header).
#[derive(Debug, Clone, Default)]
pub struct Actor {
    pub user_id: Option<String>,
    pub email: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// The API key the person acted through (its name), when the request came with one.
    pub api_key: Option<String>,
}

impl Actor {
    /// The command line: no IP, no browser.
    pub fn cli() -> Actor {
        Actor {
            user_agent: Some("vestibule CLI".into()),
            ..Actor::default()
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    AdminBootstrapped,
    PasswordSet,
    SignInSucceeded,
    SignInFailed,
    SignInRateLimited,
    SignedOut,
    SignedOutEverywhere,
    PasswordChanged,
    PasswordResetRequested,
    MemberPasswordResetSent,
    InviteCreated,
    InviteResent,
    InviteSentNow,
    InviteRevoked,
    InviteUpdated,
    InviteExpired,
    InviteOpened,
    InviteAccepted,
    InviteAcceptRefused,
    InviteDeclined,
    NewInviteRequested,
    BulkImported,
    BulkRevoked,
    PolicyChanged,
    EmailQueued,
    EmailSent,
    EmailRetrying,
    EmailFailed,
    RoleCreated,
    RoleUpdated,
    RoleDeleted,
    TeamCreated,
    TeamRenamed,
    TeamDeleted,
    MemberRoleChanged,
    MemberTeamsChanged,
    MemberDeactivated,
    MemberReactivated,
    MemberEmailConfirmed,
    MemberAccessEndChanged,
    ApiKeyCreated,
    ApiKeyRevoked,
    WebhookCreated,
    WebhookChanged,
    WebhookSecretRotated,
    WebhookDeleted,
    WebhookDisabled,
    WebhookReplayed,
}

impl Action {
    /// The webhook events an action is, by itself (see `Event::hooks`).
    pub fn hooks(self) -> &'static [&'static str] {
        match self {
            Action::InviteCreated => &["invitation.created"],
            Action::InviteOpened => &["invitation.opened"],
            Action::InviteResent => &["invitation.resent"],
            Action::InviteUpdated | Action::InviteSentNow => &["invitation.updated"],
            Action::InviteAccepted => &["invitation.accepted", "member.joined"],
            Action::InviteRevoked => &["invitation.revoked"],
            Action::InviteDeclined => &["invitation.declined"],
            Action::InviteExpired => &["invitation.expired"],
            Action::MemberRoleChanged => &["member.role_changed"],
            Action::MemberDeactivated => &["member.deactivated"],
            Action::MemberReactivated => &["member.reactivated"],
            Action::MemberAccessEndChanged => &["member.access_end_changed"],
            Action::MemberPasswordResetSent => &["member.password_reset_sent"],
            _ => &[],
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Action::AdminBootstrapped => "admin.bootstrapped",
            Action::PasswordSet => "user.password_set",
            Action::SignInSucceeded => "auth.sign_in",
            Action::SignInFailed => "auth.sign_in_failed",
            Action::SignInRateLimited => "auth.sign_in_rate_limited",
            Action::SignedOut => "auth.sign_out",
            Action::SignedOutEverywhere => "auth.sign_out_everywhere",
            Action::PasswordChanged => "user.password_changed",
            Action::PasswordResetRequested => "user.password_reset_requested",
            Action::MemberPasswordResetSent => "member.password_reset_sent",
            Action::InviteCreated => "invite.created",
            Action::InviteResent => "invite.resent",
            Action::InviteSentNow => "invite.sent_now",
            Action::InviteRevoked => "invite.revoked",
            Action::InviteUpdated => "invite.updated",
            Action::InviteExpired => "invite.expired",
            Action::InviteOpened => "invite.opened",
            Action::InviteAccepted => "invite.accepted",
            Action::InviteAcceptRefused => "invite.accept_refused",
            Action::InviteDeclined => "invite.declined",
            Action::NewInviteRequested => "invite.new_requested",
            Action::BulkImported => "invite.bulk_imported",
            Action::BulkRevoked => "invite.bulk_revoked",
            Action::PolicyChanged => "policy.changed",
            Action::EmailQueued => "email.queued",
            Action::EmailSent => "email.sent",
            Action::EmailRetrying => "email.retrying",
            Action::EmailFailed => "email.failed",
            Action::RoleCreated => "role.created",
            Action::RoleUpdated => "role.updated",
            Action::RoleDeleted => "role.deleted",
            Action::TeamCreated => "team.created",
            Action::TeamRenamed => "team.renamed",
            Action::TeamDeleted => "team.deleted",
            Action::MemberRoleChanged => "member.role_changed",
            Action::MemberTeamsChanged => "member.teams_changed",
            Action::MemberDeactivated => "member.deactivated",
            Action::MemberReactivated => "member.reactivated",
            Action::MemberEmailConfirmed => "member.email_confirmed",
            Action::MemberAccessEndChanged => "member.access_end_changed",
            Action::ApiKeyCreated => "api_key.created",
            Action::ApiKeyRevoked => "api_key.revoked",
            Action::WebhookCreated => "webhook.created",
            Action::WebhookChanged => "webhook.changed",
            Action::WebhookSecretRotated => "webhook.secret_rotated",
            Action::WebhookDeleted => "webhook.deleted",
            Action::WebhookDisabled => "webhook.disabled",
            Action::WebhookReplayed => "webhook.replayed",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Event {
    pub actor: Actor,
    pub action: Action,
    /// What the action was about, e.g. the email of the account.
    pub subject: Option<String>,
    pub detail: String,
    /// The invite this event belongs to, if any.
    pub invite_id: Option<String>,
    /// The member it is about, if any (member events, and the member an accept created).
    pub member_id: Option<String>,
    /// The webhook event types it is delivered as (`webhooks`): set from the action, so every
    /// door that records the action also tells the webhooks, in the same transaction.
    pub hooks: &'static [&'static str],
}

impl Event {
    pub fn new(actor: &Actor, action: Action, subject: Option<&str>) -> Event {
        Event {
            actor: actor.clone(),
            action,
            subject: subject.map(|s| bounded(s, MAX_SUBJECT_CHARS)),
            detail: String::new(),
            invite_id: None,
            member_id: None,
            hooks: action.hooks(),
        }
    }

    pub fn member(mut self, member_id: &str) -> Event {
        self.member_id = Some(member_id.to_owned());
        self
    }

    /// Delivered to webhooks as `hooks` (for actions whose meaning depends on more than the
    /// action: an email sent is `invitation.sent` only for an invitation's email).
    pub fn hooks(mut self, hooks: &'static [&'static str]) -> Event {
        self.hooks = hooks;
        self
    }

    pub fn invite(mut self, invite_id: &str) -> Event {
        self.invite_id = Some(invite_id.to_owned());
        self
    }

    /// `invite`, when there is one (account emails belong to none).
    pub fn on_invite(self, invite_id: Option<&str>) -> Event {
        match invite_id {
            Some(id) => self.invite(id),
            None => self,
        }
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Event {
        self.detail = bounded(&detail.into(), MAX_DETAIL_CHARS);
        self
    }
}

/// `text` on one line (control characters become spaces) and at most `max` characters, the
/// last of them "…" when it was cut.
pub fn bounded(text: &str, max: usize) -> String {
    let mut out: String = text
        .chars()
        .take(max)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if text.chars().nth(max).is_some() {
        out.pop();
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_and_details_are_bounded_and_on_one_line() {
        let huge = "x".repeat(1_000_000);
        let e = Event::new(&Actor::default(), Action::SignInFailed, Some(&huge)).detail(&huge);
        let subject = e.subject.unwrap();
        assert_eq!(subject.chars().count(), MAX_SUBJECT_CHARS);
        assert!(subject.ends_with('…'));
        assert_eq!(e.detail.chars().count(), MAX_DETAIL_CHARS);
        assert_eq!(bounded("a\nb\u{0}c", 10), "a b c");
        assert_eq!(bounded("exactly", 7), "exactly");
        assert_eq!(bounded("ünïcödé", 4), "ünï…");
    }
}
