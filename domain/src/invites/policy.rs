//! The invite policy as the services apply it: reading and changing it (Admin only, audited),
//! and the checks at create time. The domain rules themselves are `model::InvitePolicy`.

use model::{
    parse_domains, parse_reminder_hours, InvitePolicy, Permission, MAX_DAILY_CAP,
    MAX_RESEND_COOLDOWN_MINUTES, MAX_SEATS,
};

use super::rules::{MAX_EXPIRY_HOURS, MIN_EXPIRY_HOURS};
use crate::access::Caller;
use crate::audit::{Action, Event};
use crate::clock::{Millis, DAY};
use crate::email::EmailAddress;
use crate::error::{DomainError, DomainResult};
use crate::store::{audit as audit_store, policy as store};
use crate::Services;

/// What the settings form sends.
pub struct PolicyInput<'a> {
    pub default_expiry_hours: i64,
    pub max_expiry_hours: i64,
    pub allowed_domains: &'a str,
    pub blocked_domains: &'a str,
    pub daily_cap: i64,
    /// Hours before expiry, such as "48, 24"; `None` keeps the current ones.
    pub reminder_hours: Option<&'a str>,
    /// `None` keeps the current cooldown.
    pub resend_cooldown_minutes: Option<i64>,
    /// The seat caps (`None` keeps the current one; 0 for none).
    pub workspace_seats: Option<i64>,
    pub team_seats: Option<i64>,
    pub pending_per_inviter: Option<i64>,
}

/// A seat cap from the form: `None` keeps `current`; else 0 (none) to `MAX_SEATS`.
fn seat_cap(field: &'static str, input: Option<i64>, current: i64) -> DomainResult<i64> {
    let n = input.unwrap_or(current);
    if !(0..=MAX_SEATS).contains(&n) {
        return Err(DomainError::invalid(
            field,
            format!("Give a number from 0 (no cap) to {MAX_SEATS}."),
        ));
    }
    Ok(n)
}

fn parse(input: &PolicyInput<'_>, current: &InvitePolicy) -> DomainResult<InvitePolicy> {
    let hours = MIN_EXPIRY_HOURS..=MAX_EXPIRY_HOURS;
    if !hours.contains(&input.max_expiry_hours) {
        return Err(DomainError::invalid(
            "max_expiry_hours",
            "Choose a maximum from 1 hour to 30 days.",
        ));
    }
    if !hours.contains(&input.default_expiry_hours)
        || input.default_expiry_hours > input.max_expiry_hours
    {
        return Err(DomainError::invalid(
            "default_expiry_hours",
            "The default expiry must be at least 1 hour and no longer than the maximum.",
        ));
    }
    if !(0..=MAX_DAILY_CAP).contains(&input.daily_cap) {
        return Err(DomainError::invalid(
            "daily_cap",
            format!("The daily cap is a number from 0 (no cap) to {MAX_DAILY_CAP}."),
        ));
    }
    let allowed = parse_domains(input.allowed_domains)
        .map_err(|m| DomainError::invalid("allowed_domains", m))?;
    let blocked = parse_domains(input.blocked_domains)
        .map_err(|m| DomainError::invalid("blocked_domains", m))?;
    let reminder_hours = match input.reminder_hours {
        Some(text) => {
            parse_reminder_hours(text).map_err(|m| DomainError::invalid("reminder_hours", m))?
        }
        None => current.reminder_hours.clone(),
    };
    let resend_cooldown_minutes = input
        .resend_cooldown_minutes
        .unwrap_or(current.resend_cooldown_minutes);
    if !(0..=MAX_RESEND_COOLDOWN_MINUTES).contains(&resend_cooldown_minutes) {
        return Err(DomainError::invalid(
            "resend_cooldown_minutes",
            format!(
                "The resend cooldown is a number of minutes from 0 (none) to {MAX_RESEND_COOLDOWN_MINUTES}."
            ),
        ));
    }
    let workspace_seats = seat_cap(
        "workspace_seats",
        input.workspace_seats,
        current.workspace_seats,
    )?;
    let team_seats = seat_cap("team_seats", input.team_seats, current.team_seats)?;
    let pending_per_inviter = seat_cap(
        "pending_per_inviter",
        input.pending_per_inviter,
        current.pending_per_inviter,
    )?;
    Ok(InvitePolicy {
        default_expiry_hours: input.default_expiry_hours,
        max_expiry_hours: input.max_expiry_hours,
        allowed_domains: allowed,
        blocked_domains: blocked,
        daily_cap: input.daily_cap,
        reminder_hours,
        resend_cooldown_minutes,
        workspace_seats,
        team_seats,
        pending_per_inviter,
    })
}

impl Services {
    pub async fn policy(&self) -> DomainResult<InvitePolicy> {
        Ok(store::load(&self.db).await?)
    }

    pub async fn policy_for_admin(&self, caller: &Caller) -> DomainResult<InvitePolicy> {
        caller.require(Permission::ManagePolicy)?;
        self.policy().await
    }

    pub async fn update_policy(
        &self,
        caller: &Caller,
        input: &PolicyInput<'_>,
    ) -> DomainResult<InvitePolicy> {
        caller.require(Permission::ManagePolicy)?;
        let policy = parse(input, &self.policy().await?)?;
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        store::save(&mut tx, &policy, caller.id(), now).await?;
        let reminders = if policy.reminder_hours.is_empty() {
            "none".to_owned()
        } else {
            policy
                .reminder_hours
                .iter()
                .map(|h| format!("{h} h"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let detail = format!(
            "expiry default {} h, max {} h; allowed: {}; blocked: {}; daily cap: {}; \
             reminders before expiry: {reminders}; resend cooldown: {} min; seats: workspace {}, \
             per team {}, pending per inviter {}",
            policy.default_expiry_hours,
            policy.max_expiry_hours,
            if policy.allowed_domains.is_empty() {
                "any".to_owned()
            } else {
                policy.allowed_domains.join(", ")
            },
            if policy.blocked_domains.is_empty() {
                "none".to_owned()
            } else {
                policy.blocked_domains.join(", ")
            },
            if policy.daily_cap == 0 {
                "none".to_owned()
            } else {
                policy.daily_cap.to_string()
            },
            policy.resend_cooldown_minutes,
            cap_text(policy.workspace_seats),
            cap_text(policy.team_seats),
            cap_text(policy.pending_per_inviter),
        );
        let event = Event::new(&caller.actor, Action::PolicyChanged, None).detail(detail);
        audit_store::insert_tx(&mut tx, &event, now).await?;
        tx.commit().await?;
        Ok(policy)
    }

    /// How many more invites `caller` may create now under the daily cap (None: no cap), and
    /// when the oldest invite in the window leaves it.
    pub(crate) async fn cap_room(
        &self,
        policy: &InvitePolicy,
        caller: &Caller,
        now: Millis,
    ) -> DomainResult<Option<(i64, Millis)>> {
        if policy.daily_cap == 0 {
            return Ok(None);
        }
        let (count, oldest) = store::created_since(&self.db, caller.id(), now - DAY).await?;
        let frees_at = oldest.map_or(now, |o| o + DAY);
        Ok(Some(((policy.daily_cap - count).max(0), frees_at)))
    }
}

/// "none" for 0, else the number.
fn cap_text(n: i64) -> String {
    if n == 0 {
        "none".to_owned()
    } else {
        n.to_string()
    }
}

/// The create-time check of one address against the allowed and blocked domains.
pub(crate) fn check_address(policy: &InvitePolicy, email: &EmailAddress) -> DomainResult<()> {
    policy
        .check_domain(email.domain())
        .map_err(|m| DomainError::invalid("email", m))
}

pub(crate) fn check_expiry(policy: &InvitePolicy, expiry_hours: i64) -> DomainResult<()> {
    if expiry_hours > policy.max_expiry_hours {
        return Err(DomainError::invalid(
            "expiry",
            format!(
                "The invite policy allows links of at most {} hours.",
                policy.max_expiry_hours
            ),
        ));
    }
    Ok(())
}

/// The refusal when the daily cap is used up.
pub(crate) fn cap_reached(policy: &InvitePolicy, frees_at: Millis, now: Millis) -> DomainError {
    let secs = ((frees_at - now).max(1000) / 1000) as u64;
    DomainError::RateLimited {
        retry_after_secs: secs,
        message: format!(
            "You have sent {} invites in the last 24 hours, the daily cap of the invite policy. You can send more in {} minutes.",
            policy.daily_cap,
            secs.div_ceil(60)
        ),
    }
}
