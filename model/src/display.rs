//! Formatting shared by the pages and the emails. No time library: this compiles to WASM
//! too, and UTC civil dates are a few lines of arithmetic.

/// "2026-12-02 14:00 UTC" for milliseconds since the Unix epoch.
pub fn fmt_utc(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02} UTC",
        rem / 3600,
        (rem % 3600) / 60
    )
}

// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian calendar).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// A person-readable name for an audit action code.
pub fn action_label(action: &str) -> &str {
    match action {
        "admin.bootstrapped" => "First admin created",
        "user.password_set" => "Password set",
        "auth.sign_in" => "Signed in",
        "auth.sign_in_failed" => "Sign-in failed",
        "auth.sign_in_rate_limited" => "Sign-in rate-limited",
        "auth.sign_out" => "Signed out",
        "invite.created" => "Invite created",
        "invite.resent" => "Invite resent",
        "invite.revoked" => "Invite revoked",
        "invite.opened" => "Link opened",
        "invite.accepted" => "Invite accepted",
        "invite.accept_refused" => "Acceptance refused",
        "invite.declined" => "Invite declined",
        "invite.new_requested" => "New invitation requested",
        "invite.bulk_imported" => "Bulk invite",
        "invite.bulk_revoked" => "Bulk revoke",
        "email.queued" => "Email queued",
        "email.sent" => "Email sent",
        "email.retrying" => "Email delayed, retrying",
        "email.failed" => "Email failed",
        "role.created" => "Role created",
        "role.updated" => "Role changed",
        "role.deleted" => "Role deleted",
        "team.created" => "Team created",
        "team.renamed" => "Team renamed",
        "team.deleted" => "Team deleted",
        "member.role_changed" => "Member's role changed",
        "member.teams_changed" => "Member's teams changed",
        "member.deactivated" => "Member deactivated",
        "member.reactivated" => "Member reactivated",
        "member.email_confirmed" => "Member confirmed their address",
        "policy.changed" => "Invite policy changed",
        "invite.updated" => "Invite changed",
        "invite.expired" => "Invite expired",
        "webhook.created" => "Webhook endpoint added",
        "webhook.changed" => "Webhook endpoint changed",
        "webhook.secret_rotated" => "Webhook secret rotated",
        "webhook.deleted" => "Webhook endpoint deleted",
        "webhook.disabled" => "Webhook endpoint disabled",
        "webhook.replayed" => "Webhook delivery replayed",
        "api_key.created" => "API key created",
        "api_key.revoked" => "API key revoked",
        other => other,
    }
}

/// The action codes, for the audit log's filter.
pub const ACTION_GROUPS: [(&str, &str); 9] = [
    ("invite.", "Invites"),
    ("email.", "Email"),
    ("auth.", "Sign-in"),
    ("role.", "Roles"),
    ("team.", "Teams"),
    ("member.", "Members"),
    ("policy.", "Policy"),
    ("api_key.", "API keys"),
    ("webhook.", "Webhooks"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_utc_dates() {
        assert_eq!(fmt_utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(fmt_utc(1_764_000_000_000), "2025-11-24 16:00 UTC");
        assert_eq!(fmt_utc(951_782_400_000), "2000-02-29 00:00 UTC");
        assert_eq!(fmt_utc(-1_000), "1969-12-31 23:59 UTC");
    }
}
