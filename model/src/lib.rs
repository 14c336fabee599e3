//! Types that cross the wire between the browser and the server, and the pure rules over them.
//!
//! This crate compiles both to WASM (for the pages) and natively (for the domain), so it has
//! no I/O and no heavy dependencies.

mod api_key;
mod dashboard;
mod display;
mod invite;
mod list;
mod permissions;
mod policy;
mod user;
mod webhook;

pub use api_key::{ApiKeyInfo, ApiKeyState, ApiScope, ApiScopes, IssuedApiKey};
pub use dashboard::{fmt_duration, Dashboard, DASHBOARD_DAYS};
pub use display::{
    action_label, fmt_iso, fmt_times, fmt_utc, fmt_utc_input, parse_utc_input, ACTION_GROUPS,
};
pub use invite::{
    AuditEntry, BulkPreview, BulkProgress, BulkRow, Delivery, InviteCounts, InviteList,
    InviteOptions, InvitePreview, InviteRow, InviteStatus, IssuedLink, JoinedVia, LinkView,
    MemberInfo, Moments, RoleInfo, TeamInfo, TeamRef,
};
pub use list::{
    Cursor, InviteQuery, ListFilterOptions, ListParams, QueryError, SearchMode, SortDir, SortKey,
    DEFAULT_PER_PAGE, MAX_PER_PAGE, MAX_SEARCH_CHARS,
};
pub use permissions::{Permission, Permissions};
pub use policy::{
    parse_domains, parse_reminder_hours, InvitePolicy, EXPIRY_CHOICES, MAX_DAILY_CAP,
    MAX_REMINDERS, MAX_RESEND_COOLDOWN_MINUTES, MAX_SEATS,
};
pub use user::{CurrentUser, BUILT_IN_ROLES};
pub use webhook::{
    is_event_type, DeliveryState, IssuedSecret, WebhookAttemptInfo, WebhookDeliveryInfo,
    WebhookEndpointInfo, EVENT_TYPES,
};

/// Where to go after signing in: only a path on this site. Anything that could leave it
/// (`//evil.example`, `https://…`, `javascript:`, backslash tricks) becomes "/".
pub fn safe_redirect(next: &str) -> &str {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.chars().any(|c| c.is_control() || c == '\\');
    if ok {
        next
    } else {
        "/"
    }
}

#[cfg(test)]
mod tests {
    use super::safe_redirect;

    #[test]
    fn redirects_stay_on_this_site() {
        assert_eq!(
            safe_redirect("/invites?status=pending"),
            "/invites?status=pending"
        );
        for bad in [
            "//evil.example",
            "https://evil.example",
            "javascript:alert(1)",
            "/\\evil.example",
            "",
            "invites",
            "/a\nb",
            "/\\/x",
        ] {
            assert_eq!(safe_redirect(bad), "/", "{bad:?}");
        }
    }
}
