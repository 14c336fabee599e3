//! Server functions, one file per resource. Each is a POST to `/api/<name>`; bodies run
//! only on the server and call the domain crate.

pub mod accept;
pub mod address;
pub mod api_keys;
pub mod auth;
pub mod bulk;
pub mod dashboard;
pub mod directory;
pub mod invites;
pub mod members;
pub mod policy;
pub mod webhooks;

/// A moment from a `datetime-local` field (UTC), for `field`: empty is none; anything else
/// that is not a date and time is refused with the field named (a 422, like every rule).
#[cfg(feature = "ssr")]
pub fn utc_input(
    field: &'static str,
    value: Option<&str>,
) -> Result<Option<i64>, domain::DomainError> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => model::parse_utc_input(v).map(Some).ok_or_else(|| {
            domain::DomainError::invalid(
                field,
                "Give a date and time, such as 2026-12-31T17:00 (UTC).",
            )
        }),
    }
}
