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

/// "2026-12-02T14:00:05Z" (RFC 3339, UTC): the machine-readable moment of a `<time>`, which
/// the browser shows in the viewer's own time zone.
pub fn fmt_iso(ms: i64) -> String {
    let text = fmt_utc(ms);
    let secs = ms.div_euclid(1000).rem_euclid(60);
    format!("{}T{}:{secs:02}Z", &text[..10], &text[11..16])
}

/// How often something happened, as a reader says it: "never", "once", "twice", "5 times".
pub fn fmt_times(n: i64) -> String {
    match n {
        n if n <= 0 => "never".to_owned(),
        1 => "once".to_owned(),
        2 => "twice".to_owned(),
        n => format!("{n} times"),
    }
}

/// "2026-12-02T14:00" (or "…T14:00:30" when the seconds are not zero): what an
/// `<input type="datetime-local">` holds, in UTC.
pub fn fmt_utc_input(ms: i64) -> String {
    let text = fmt_utc(ms);
    let secs = ms.div_euclid(1000).rem_euclid(60);
    if secs == 0 {
        format!("{}T{}", &text[..10], &text[11..16])
    } else {
        format!("{}T{}:{secs:02}", &text[..10], &text[11..16])
    }
}

/// The moment (ms, UTC) an `<input type="datetime-local">` names: "YYYY-MM-DDTHH:MM", with
/// optional ":SS". `None` for anything else, or a date that does not exist.
pub fn parse_utc_input(text: &str) -> Option<i64> {
    let t = text.trim();
    let (date, time) = t.split_once('T')?;
    let mut d = date.splitn(3, '-');
    let (y, m, day): (i64, u32, u32) = (
        d.next()?.parse().ok()?,
        d.next()?.parse().ok()?,
        d.next()?.parse().ok()?,
    );
    let mut c = time.splitn(3, ':');
    let (h, min): (i64, i64) = (c.next()?.parse().ok()?, c.next()?.parse().ok()?);
    let sec: i64 = match c.next() {
        Some(s) => s.parse().ok()?,
        None => 0,
    };
    if date.len() != 10
        || !(0..24).contains(&h)
        || !(0..60).contains(&min)
        || !(0..60).contains(&sec)
    {
        return None;
    }
    let days = days_from_civil(y, m, day)?;
    Some(((days * 86_400) + h * 3600 + min * 60 + sec) * 1000)
}

// The inverse of `civil_from_days`; `None` for a day the month does not have.
fn days_from_civil(y: i64, m: u32, d: u32) -> Option<i64> {
    if !(1..=12).contains(&m) || d == 0 {
        return None;
    }
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let month_days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if d > month_days[(m - 1) as usize] {
        return None;
    }
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
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
        "auth.sign_out_everywhere" => "Signed out everywhere",
        "user.password_changed" => "Password changed",
        "user.password_reset_requested" => "Password reset asked for",
        "member.password_reset_sent" => "Password reset link sent",
        "invite.created" => "Invite created",
        "invite.resent" => "Invite resent",
        "invite.sent_now" => "Scheduled invite sent now",
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
        "member.access_end_changed" => "Member's end date changed",
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
    fn moments_read_the_same_for_people_and_machines() {
        let ms = 1_796_220_305_000; // 2026-12-02 14:05:05 UTC
        assert_eq!(fmt_utc(ms), "2026-12-02 14:05 UTC");
        assert_eq!(fmt_iso(ms), "2026-12-02T14:05:05Z");
        assert_eq!(fmt_iso(0), "1970-01-01T00:00:00Z");
    }

    #[test]
    fn counts_read_as_words_where_people_would_say_them() {
        let said: Vec<String> = [0, 1, 2, 3, 17].into_iter().map(fmt_times).collect();
        assert_eq!(said, ["never", "once", "twice", "3 times", "17 times"]);
    }

    #[test]
    fn datetime_inputs_round_trip_in_utc() {
        for ms in [
            0,
            1_796_000_040_000,
            951_782_400_000,
            4_102_444_740_000,
            1_796_220_330_000,
        ] {
            assert_eq!(parse_utc_input(&fmt_utc_input(ms)), Some(ms), "{ms}");
        }
        assert_eq!(parse_utc_input("2026-12-02T14:05"), Some(1_796_220_300_000));
        assert_eq!(
            parse_utc_input("2026-12-02T14:05:30"),
            Some(1_796_220_330_000)
        );
        assert_eq!(fmt_utc_input(1_796_220_330_000), "2026-12-02T14:05:30");
        for bad in [
            "",
            "2026-12-02",
            "2026-02-30T10:00",
            "2026-13-01T10:00",
            "2026-12-02T24:00",
            "x",
            "2026-12-02T10:60",
        ] {
            assert_eq!(parse_utc_input(bad), None, "{bad}");
        }
    }

    #[test]
    fn formats_utc_dates() {
        assert_eq!(fmt_utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(fmt_utc(1_764_000_000_000), "2025-11-24 16:00 UTC");
        assert_eq!(fmt_utc(951_782_400_000), "2000-02-29 00:00 UTC");
        assert_eq!(fmt_utc(-1_000), "1969-12-31 23:59 UTC");
    }
}
