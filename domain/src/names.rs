//! Names of roles and teams: trimmed, bounded, one line, and unique (a clash with an existing
//! name is an error on the name field, not a database error).

use crate::error::{DomainError, DomainResult};
use crate::store::is_unique_violation;

pub(crate) fn parse_label(
    field: &'static str,
    input: &str,
    max: usize,
    what: &str,
) -> DomainResult<String> {
    let s = input.trim();
    if s.is_empty() {
        return Err(DomainError::invalid(field, format!("Enter a {what}.")));
    }
    if s.chars().count() > max {
        return Err(DomainError::invalid(
            field,
            format!("Use at most {max} characters."),
        ));
    }
    if s.chars().any(char::is_control) {
        return Err(DomainError::invalid(
            field,
            "Line breaks and control characters are not allowed.",
        ));
    }
    Ok(s.to_owned())
}

/// Turns a clash with an existing name (a unique index) into an error on the name field;
/// passes every other result through.
pub(crate) fn unique_name<T>(
    result: Result<T, sqlx::Error>,
    what: &str,
    name: &str,
) -> DomainResult<T> {
    match result {
        Err(e) if is_unique_violation(&e) => Err(DomainError::invalid(
            "name",
            format!("A {what} named {name} already exists."),
        )),
        other => Ok(other?),
    }
}
