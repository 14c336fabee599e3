//! The invite policy: expiry limits, allowed and blocked email domains, a daily cap per
//! inviter. Checked when an invite is created (one or in bulk), and the domain rules again
//! when it is accepted. There is no open sign-up: every account starts from an invite.

use serde::{Deserialize, Serialize};

/// The longest expiry any policy may allow (30 days).
pub const MAX_EXPIRY_HOURS: i64 = 30 * 24;
pub const MAX_DAILY_CAP: i64 = 100_000;

/// Every link lifetime the forms offer: (hours, label).
pub const EXPIRY_CHOICES: [(i64, &str); 6] = [
    (1, "1 hour"),
    (24, "1 day"),
    (72, "3 days"),
    (168, "7 days"),
    (336, "14 days"),
    (720, "30 days"),
];
pub const MAX_DOMAINS: usize = 200;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitePolicy {
    pub default_expiry_hours: i64,
    pub max_expiry_hours: i64,
    /// Empty: any domain not blocked.
    pub allowed_domains: Vec<String>,
    pub blocked_domains: Vec<String>,
    /// Invites one person may create per 24 hours; 0 for no cap.
    pub daily_cap: i64,
    /// Hours before expiry at which a pending invite's invitee is reminded (largest first, at
    /// most `MAX_REMINDERS`); empty for none.
    pub reminder_hours: Vec<i64>,
    /// Minutes a resend of one invite must wait after its last send; 0 for none.
    pub resend_cooldown_minutes: i64,
    /// Seats in the workspace (active members plus live invitations); 0 for no cap.
    pub workspace_seats: i64,
    /// Seats in each team (its active members plus live invitations to it); 0 for no cap.
    pub team_seats: i64,
    /// Pending (or scheduled) invitations one person may have out at once; 0 for no cap.
    pub pending_per_inviter: i64,
}

/// The largest seat cap any policy may set.
pub const MAX_SEATS: i64 = 1_000_000;

/// Reminders an invite may get at most.
pub const MAX_REMINDERS: usize = 3;
/// The longest resend cooldown: a day.
pub const MAX_RESEND_COOLDOWN_MINUTES: i64 = 24 * 60;

/// Parses reminder times: hours before expiry, separated by commas or spaces ("48, 24"); each
/// from 1 to 719, at most three, kept once each, largest first. `Err` says what is wrong.
pub fn parse_reminder_hours(text: &str) -> Result<Vec<i64>, String> {
    let mut out: Vec<i64> = Vec::new();
    for raw in text.split(|c: char| c == ',' || c.is_whitespace()) {
        let raw = raw.trim();
        if raw.is_empty() {
            continue;
        }
        let h: i64 = raw
            .parse()
            .map_err(|_| format!("\"{raw}\" is not a number of hours."))?;
        if !(1..MAX_EXPIRY_HOURS).contains(&h) {
            return Err(format!(
                "A reminder comes 1 to {} hours before expiry; {h} is outside that.",
                MAX_EXPIRY_HOURS - 1
            ));
        }
        if !out.contains(&h) {
            out.push(h);
        }
    }
    if out.len() > MAX_REMINDERS {
        return Err(format!("Set at most {MAX_REMINDERS} reminders."));
    }
    out.sort_unstable_by(|a, b| b.cmp(a));
    Ok(out)
}

impl Default for InvitePolicy {
    fn default() -> Self {
        InvitePolicy {
            default_expiry_hours: 7 * 24,
            max_expiry_hours: MAX_EXPIRY_HOURS,
            allowed_domains: Vec::new(),
            blocked_domains: Vec::new(),
            daily_cap: 0,
            reminder_hours: Vec::new(),
            resend_cooldown_minutes: 10,
            workspace_seats: 0,
            team_seats: 0,
            pending_per_inviter: 0,
        }
    }
}

/// Whether `domain` is `rule` or one of its subdomains (`example.com` covers
/// `eu.example.com`, not `badexample.com`).
fn covers(rule: &str, domain: &str) -> bool {
    domain == rule
        || domain
            .strip_suffix(rule)
            .is_some_and(|head| head.ends_with('.'))
}

impl InvitePolicy {
    /// `Err` with the reason when the policy refuses addresses at `domain` (lower case).
    pub fn check_domain(&self, domain: &str) -> Result<(), String> {
        if let Some(rule) = self.blocked_domains.iter().find(|r| covers(r, domain)) {
            return Err(format!(
                "Invitations to {domain} are blocked by the invite policy ({rule})."
            ));
        }
        if !self.allowed_domains.is_empty()
            && !self.allowed_domains.iter().any(|r| covers(r, domain))
        {
            return Err(format!(
                "The invite policy only allows addresses at {}.",
                self.allowed_domains.join(", ")
            ));
        }
        Ok(())
    }

    /// The expiry choices the invite forms offer: (hours, label) up to the maximum.
    pub fn expiry_choices(&self) -> Vec<(i64, &'static str)> {
        EXPIRY_CHOICES
            .into_iter()
            .filter(|(h, _)| *h <= self.max_expiry_hours)
            .collect()
    }
}

/// Parses a list of domains (one per line, or separated by commas or spaces): lower-cased,
/// a leading `@` or `*.` dropped, duplicates removed. `Err` names the first bad entry.
pub fn parse_domains(text: &str) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    for raw in text.split(|c: char| c == ',' || c.is_whitespace()) {
        let d = raw.trim().to_lowercase();
        let d = d.trim_start_matches('@').trim_start_matches("*.");
        if d.is_empty() {
            continue;
        }
        let labels_ok = d.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
        if !labels_ok || !d.contains('.') || d.len() > 253 {
            return Err(format!("\"{raw}\" is not a domain name like example.com."));
        }
        if !out.iter().any(|x| x == d) {
            out.push(d.to_owned());
        }
    }
    if out.len() > MAX_DOMAINS {
        return Err(format!("List at most {MAX_DOMAINS} domains."));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocked_domains_win_and_cover_subdomains_only() {
        let p = InvitePolicy {
            blocked_domains: vec!["rival.example".into()],
            ..InvitePolicy::default()
        };
        assert!(p.check_domain("rival.example").is_err());
        assert!(p.check_domain("eu.rival.example").is_err());
        assert!(p.check_domain("notrival.example").is_ok());
        assert!(p.check_domain("anything.example").is_ok());
    }

    #[test]
    fn an_allow_list_admits_only_its_domains() {
        let p = InvitePolicy {
            allowed_domains: vec!["acme.example".into()],
            blocked_domains: vec!["old.acme.example".into()],
            ..InvitePolicy::default()
        };
        assert!(p.check_domain("acme.example").is_ok());
        assert!(p.check_domain("eu.acme.example").is_ok());
        assert!(p.check_domain("old.acme.example").is_err());
        let e = p.check_domain("gmail.example").unwrap_err();
        assert!(e.contains("only allows addresses at acme.example"), "{e}");
    }

    #[test]
    fn domain_lists_are_cleaned_and_bad_entries_named() {
        assert_eq!(
            parse_domains(" Acme.Example\n@b.example, *.c.example b.example").unwrap(),
            vec!["acme.example", "b.example", "c.example"]
        );
        assert!(parse_domains("").unwrap().is_empty());
        for bad in [
            "localhost",
            "a..b",
            "-a.example",
            "a_b.example",
            "ü.example",
        ] {
            assert!(parse_domains(bad).unwrap_err().contains(bad), "{bad}");
        }
    }

    #[test]
    fn reminder_hours_are_few_distinct_in_range_and_largest_first() {
        assert_eq!(parse_reminder_hours(" 24, 48 24 ").unwrap(), vec![48, 24]);
        assert!(parse_reminder_hours("").unwrap().is_empty());
        for bad in ["0", "720", "-3", "soon", "1,2,3,4"] {
            assert!(parse_reminder_hours(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn expiry_choices_stop_at_the_maximum() {
        let p = InvitePolicy {
            max_expiry_hours: 72,
            ..InvitePolicy::default()
        };
        let hours: Vec<i64> = p.expiry_choices().into_iter().map(|(h, _)| h).collect();
        assert_eq!(hours, vec![1, 24, 72]);
    }
}
