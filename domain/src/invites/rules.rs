//! Pure rules of an invitation: expiry choices, the personal message, and what an
//! invitee's link shows. No I/O here.

use model::{InviteStatus, LinkView, Permissions};

use crate::clock::{Millis, HOUR};
use crate::error::DomainError;

pub const DEFAULT_EXPIRY_HOURS: i64 = 7 * 24;
pub const MIN_EXPIRY_HOURS: i64 = 1;
pub const MAX_EXPIRY_HOURS: i64 = 30 * 24;
pub const MAX_MESSAGE_CHARS: usize = 500;

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

/// The inviter's note: plain text, at most 500 characters. Line breaks stay; other control
/// characters are refused. It is escaped wherever it is shown.
pub fn parse_message(input: &str) -> Result<String, DomainError> {
    let m = input.trim().replace("\r\n", "\n");
    if m.chars().count() > MAX_MESSAGE_CHARS {
        return Err(DomainError::invalid(
            "message",
            format!("Keep the message to {MAX_MESSAGE_CHARS} characters or fewer."),
        ));
    }
    if m.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(DomainError::invalid(
            "message",
            "The message contains characters that cannot be sent.",
        ));
    }
    Ok(m)
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
        InviteStatus::Accepted => Some(LinkView::Used),
        InviteStatus::Expired => Some(LinkView::Expired),
        InviteStatus::Revoked => Some(LinkView::Revoked),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::Permission;

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
    }
}
