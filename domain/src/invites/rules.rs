//! Pure rules of an invitation: expiry choices, the personal message, and what an
//! invitee's link shows. No I/O here.

use model::{InviteStatus, LinkView, Permissions};

use crate::clock::{Millis, HOUR};
use crate::error::DomainError;

pub const DEFAULT_EXPIRY_HOURS: i64 = 7 * 24;
pub const MIN_EXPIRY_HOURS: i64 = 1;
pub const MAX_EXPIRY_HOURS: i64 = 30 * 24;
pub const MAX_MESSAGE_CHARS: usize = 500;
/// The longest reason an invitee may give when declining.
pub const MAX_DECLINE_REASON_CHARS: usize = 500;
/// The longest landing path an invite may carry.
pub const MAX_LANDING_PATH_CHARS: usize = 300;

/// Hours from 1 to 720 (30 days), as milliseconds.
pub fn parse_expiry_hours(hours: i64) -> Result<Millis, DomainError> {
    if (MIN_EXPIRY_HOURS..=MAX_EXPIRY_HOURS).contains(&hours) {
        Ok(hours * HOUR)
    } else {
        Err(DomainError::invalid(
            "expiry",
            "Choose an expiry from 1 hour to 30 days.",
        ))
    }
}

/// When an invite's links stop working: so many hours from now (the panel's choice) or at a
/// moment (the API's `expires_at`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expiry {
    Hours(i64),
    At(Millis),
}

impl Expiry {
    /// The form field or API property that holds it.
    pub fn field(self) -> &'static str {
        match self {
            Expiry::Hours(_) => "expiry",
            Expiry::At(_) => "expires_at",
        }
    }

    /// How long the links live from `now`, in milliseconds: from 1 hour to 30 days, and no
    /// longer than the invite policy's `max_hours`.
    pub fn lifetime(self, now: Millis, max_hours: i64) -> Result<Millis, DomainError> {
        let ttl = match self {
            Expiry::Hours(h) => parse_expiry_hours(h)?,
            Expiry::At(at) => {
                let ttl = at - now;
                if !(MIN_EXPIRY_HOURS * HOUR..=MAX_EXPIRY_HOURS * HOUR).contains(&ttl) {
                    return Err(DomainError::invalid(
                        "expires_at",
                        "Choose a time from 1 hour to 30 days from now.",
                    ));
                }
                ttl
            }
        };
        if ttl > max_hours * HOUR {
            return Err(DomainError::invalid(
                self.field(),
                format!("The invite policy allows links of at most {max_hours} hours."),
            ));
        }
        Ok(ttl)
    }
}

/// Text a person wrote for another to read (`field` names it in errors): trimmed, at most
/// `max` characters, line breaks kept, other control characters refused. It is escaped
/// wherever it is shown.
fn parse_note(
    field: &'static str,
    what: &str,
    input: &str,
    max: usize,
) -> Result<String, DomainError> {
    let m = input.trim().replace("\r\n", "\n");
    if m.chars().count() > max {
        return Err(DomainError::invalid(
            field,
            format!("Keep the {what} to {max} characters or fewer."),
        ));
    }
    if m.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(DomainError::invalid(
            field,
            format!("The {what} contains characters that cannot be sent."),
        ));
    }
    Ok(m)
}

/// The inviter's note: plain text, at most 500 characters.
pub fn parse_message(input: &str) -> Result<String, DomainError> {
    parse_note("message", "message", input, MAX_MESSAGE_CHARS)
}

/// Why the invitee declines, if they say: plain text, at most 500 characters; `None` when
/// left empty.
pub fn parse_decline_reason(input: &str) -> Result<Option<String>, DomainError> {
    let reason = parse_note("reason", "reason", input, MAX_DECLINE_REASON_CHARS)?;
    Ok((!reason.is_empty()).then_some(reason))
}

/// Where the new member lands after accepting: a path on this site ("/reports?tab=new"),
/// never a URL of another (no scheme, no host, no "//", no backslash, no whitespace), and no
/// "." or ".." segment. Empty or "/": the home page (`None`).
pub fn parse_landing_path(input: &str) -> Result<Option<String>, DomainError> {
    let path = input.trim();
    if path.is_empty() || path == "/" {
        return Ok(None);
    }
    let refuse = |why: &str| {
        Err(DomainError::invalid(
            "landing_path",
            format!("The landing page must be a path in this app, such as /dashboard: {why}."),
        ))
    };
    if path.chars().count() > MAX_LANDING_PATH_CHARS {
        return refuse(&format!("at most {MAX_LANDING_PATH_CHARS} characters"));
    }
    if model::safe_redirect(path) != path || path.chars().any(char::is_whitespace) {
        return refuse("it starts with one \"/\" and holds no spaces or backslashes");
    }
    let route = path.split(['?', '#']).next().unwrap_or_default();
    if route.split('/').any(|seg| seg == "." || seg == "..") {
        return refuse("no \".\" or \"..\" in it");
    }
    Ok(Some(path.to_owned()))
}

/// The longest an end date may lie ahead: ten years.
pub const MAX_ACCESS_END: Millis = 3_653 * crate::clock::DAY;

/// A contractor's end date for access through role `role_id`: after the invite's link
/// expires (`after`; a member's end date: after now), within ten years of `now`, and never
/// for an Admin (the workspace's last Admin would lock everyone out at that moment).
pub fn check_access_end(
    end: Millis,
    after: Millis,
    role_id: &str,
    now: Millis,
) -> Result<(), DomainError> {
    let refuse = |m: &str| Err(DomainError::invalid("access_ends_at", m));
    if role_id == "admin" {
        return refuse("An Admin's access cannot have an end date.");
    }
    if end <= after {
        return refuse(if after > now {
            "Access must end after the invitation link expires."
        } else {
            "Choose an end date in the future."
        });
    }
    if end > now + MAX_ACCESS_END {
        return refuse("Choose an end date within ten years.");
    }
    Ok(())
}

/// How far ahead an invite's email may be scheduled.
pub const MAX_SCHEDULE_AHEAD: Millis = 365 * crate::clock::DAY;

/// When a scheduled invite's email goes out: after `now` and within a year.
pub fn check_send_at(send_at: Millis, now: Millis) -> Result<Millis, DomainError> {
    if send_at <= now {
        return Err(DomainError::invalid(
            "send_at",
            "Choose a time in the future, or leave it empty to send at once.",
        ));
    }
    if send_at > now + MAX_SCHEDULE_AHEAD {
        return Err(DomainError::invalid(
            "send_at",
            "Choose a time within a year.",
        ));
    }
    Ok(send_at)
}

/// Whether an inviter (active, holding `inviter`) may still grant a role holding `role`.
/// Checked when the invite is created and again when it is accepted.
pub fn inviter_may_grant(inviter_active: bool, inviter: Permissions, role: Permissions) -> bool {
    inviter_active && inviter.may_grant(role)
}

/// What an authentic link for an invite in `status` shows, before the inviter check.
pub fn view_for_status(status: InviteStatus) -> Option<LinkView> {
    match status {
        InviteStatus::Pending => None,
        // Its email has not gone out, so nobody may hold its link yet: whoever does is not
        // the invitee.
        InviteStatus::Scheduled => Some(LinkView::Invalid),
        InviteStatus::Accepted => Some(LinkView::Used),
        InviteStatus::Expired => Some(LinkView::Expired),
        InviteStatus::Revoked => Some(LinkView::Revoked),
        InviteStatus::Declined => Some(LinkView::Declined),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::Permission;

    #[test]
    fn a_send_is_scheduled_in_the_future_within_a_year() {
        let now = 1_000_000_000;
        assert_eq!(check_send_at(now + 1, now).unwrap(), now + 1);
        assert_eq!(
            check_send_at(now + MAX_SCHEDULE_AHEAD, now).unwrap(),
            now + MAX_SCHEDULE_AHEAD
        );
        for bad in [now - 1, now, now + MAX_SCHEDULE_AHEAD + 1] {
            let e = check_send_at(bad, now).unwrap_err();
            assert!(
                matches!(
                    e,
                    DomainError::Invalid {
                        field: "send_at",
                        ..
                    }
                ),
                "{e:?}"
            );
        }
    }

    #[test]
    fn expiry_is_one_hour_to_thirty_days() {
        assert_eq!(parse_expiry_hours(1).unwrap(), HOUR);
        let now = 1_000_000_000;
        assert_eq!(Expiry::Hours(3).lifetime(now, 720).unwrap(), 3 * HOUR);
        assert_eq!(
            Expiry::At(now + 90 * 60_000).lifetime(now, 720).unwrap(),
            90 * 60_000
        );
        for (bad, max) in [
            (Expiry::At(now + HOUR - 1), 720),
            (Expiry::At(now - HOUR), 720),
            (Expiry::At(now + 721 * HOUR), 720),
            (Expiry::At(now + 49 * HOUR), 48),
        ] {
            let err = bad.lifetime(now, max).unwrap_err();
            assert!(
                matches!(
                    err,
                    DomainError::Invalid {
                        field: "expires_at",
                        ..
                    }
                ),
                "{bad:?}"
            );
        }
        assert!(matches!(
            Expiry::Hours(49).lifetime(now, 48),
            Err(DomainError::Invalid {
                field: "expiry",
                ..
            })
        ));
        assert_eq!(parse_expiry_hours(720).unwrap(), 720 * HOUR);
        for bad in [0, -1, 721, i64::MAX] {
            assert!(parse_expiry_hours(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn message_is_trimmed_bounded_and_free_of_control_characters() {
        assert_eq!(parse_message("  hi\r\nthere  ").unwrap(), "hi\nthere");
        assert!(parse_message(&"x".repeat(500)).is_ok());
        assert!(parse_message(&"x".repeat(501)).is_err());
        assert!(parse_message("bell\u{7}").is_err());
        assert_eq!(
            parse_message("<script>alert(1)</script>").unwrap(),
            "<script>alert(1)</script>"
        );
    }

    #[test]
    fn access_ends_after_the_link_within_ten_years_and_never_for_an_admin() {
        let now = 1_000_000;
        let expires = now + 24 * HOUR;
        assert!(check_access_end(expires + 1, expires, "analyst", now).is_ok());
        for (end, role) in [
            (expires, "analyst"),
            (now - 1, "analyst"),
            (expires + HOUR, "admin"),
            (now + MAX_ACCESS_END + 1, "analyst"),
        ] {
            assert!(
                matches!(
                    check_access_end(end, expires, role, now),
                    Err(DomainError::Invalid {
                        field: "access_ends_at",
                        ..
                    })
                ),
                "{end} {role}"
            );
        }
        // A member's end date: any moment after now.
        assert!(check_access_end(now + 1, now, "editor", now).is_ok());
    }

    #[test]
    fn a_decline_reason_is_optional_bounded_plain_text() {
        assert_eq!(parse_decline_reason("   ").unwrap(), None);
        assert_eq!(
            parse_decline_reason(" wrong person \r\n")
                .unwrap()
                .as_deref(),
            Some("wrong person")
        );
        assert!(parse_decline_reason(&"x".repeat(500)).is_ok());
        for bad in ["x".repeat(501), "nul\u{0}".into()] {
            assert!(matches!(
                parse_decline_reason(&bad),
                Err(DomainError::Invalid {
                    field: "reason",
                    ..
                })
            ));
        }
    }

    #[test]
    fn a_landing_path_stays_on_this_site() {
        assert_eq!(parse_landing_path("").unwrap(), None);
        assert_eq!(parse_landing_path("/").unwrap(), None);
        assert_eq!(
            parse_landing_path(" /invites?status=pending#top ")
                .unwrap()
                .as_deref(),
            Some("/invites?status=pending#top")
        );
        for bad in [
            "https://evil.example/",
            "//evil.example",
            "/\\evil.example",
            "javascript:alert(1)",
            "dashboard",
            "/a b",
            "/a\tb",
            "/../etc",
            "/x/./y",
            &format!("/{}", "a".repeat(300)),
        ] {
            assert!(
                matches!(
                    parse_landing_path(bad),
                    Err(DomainError::Invalid {
                        field: "landing_path",
                        ..
                    })
                ),
                "{bad:?}"
            );
        }
        // Dots inside a segment or in the query are fine.
        assert!(parse_landing_path("/files/report.v2?x=..").is_ok());
    }

    #[test]
    fn a_deactivated_or_demoted_inviter_can_no_longer_grant() {
        let editor = Permissions::of(&[Permission::ViewInvites, Permission::SendInvites]);
        assert!(inviter_may_grant(true, Permissions::ALL, editor));
        assert!(!inviter_may_grant(false, Permissions::ALL, editor));
        assert!(!inviter_may_grant(true, editor, Permissions::ALL));
    }

    #[test]
    fn terminal_statuses_map_to_their_refusals() {
        assert_eq!(view_for_status(InviteStatus::Pending), None);
        assert_eq!(
            view_for_status(InviteStatus::Accepted),
            Some(LinkView::Used)
        );
        assert_eq!(
            view_for_status(InviteStatus::Expired),
            Some(LinkView::Expired)
        );
        assert_eq!(
            view_for_status(InviteStatus::Revoked),
            Some(LinkView::Revoked)
        );
        assert_eq!(
            view_for_status(InviteStatus::Declined),
            Some(LinkView::Declined)
        );
    }
}
