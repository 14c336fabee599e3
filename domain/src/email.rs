//! Email addresses, parsed once at the edge. A function that takes `&EmailAddress` cannot be
//! handed a malformed or un-normalised address.

use std::fmt;

#[derive(Clone, PartialEq, Eq, Hash)]
pub struct EmailAddress(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("Enter an email address.")]
    Empty,
    #[error("An email address can be at most 254 characters long.")]
    TooLong,
    #[error("An email address needs exactly one @, with a name before it and a domain after it.")]
    Shape,
    #[error("The part before the @ can be at most 64 characters long.")]
    LocalTooLong,
    #[error("The domain after the @ must look like example.com.")]
    Domain,
    #[error(
        "An email address cannot contain spaces, quotes, angle brackets or control characters."
    )]
    Characters,
}

impl EmailAddress {
    /// Trims and lower-cases the address and checks its shape. Deliberately stricter than
    /// RFC 5322 (no quoted local parts, no IP-literal domains): invitations go to ordinary
    /// mailboxes, and a strict shape keeps header injection and look-alike tricks out.
    pub fn parse(input: &str) -> Result<EmailAddress, EmailError> {
        let s = input.trim().to_lowercase();
        if s.is_empty() {
            return Err(EmailError::Empty);
        }
        if s.len() > 254 {
            return Err(EmailError::TooLong);
        }
        if s.chars().any(|c| {
            c.is_control()
                || c.is_whitespace()
                || matches!(
                    c,
                    '"' | '<' | '>' | '(' | ')' | ',' | ';' | ':' | '\\' | '[' | ']'
                )
        }) {
            return Err(EmailError::Characters);
        }
        let mut parts = s.split('@');
        let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(EmailError::Shape);
        };
        if local.is_empty() || domain.is_empty() {
            return Err(EmailError::Shape);
        }
        if local.len() > 64 {
            return Err(EmailError::LocalTooLong);
        }
        if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
            return Err(EmailError::Shape);
        }
        let labels: Vec<&str> = domain.split('.').collect();
        let label_ok = |l: &&str| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        };
        if labels.len() < 2 || !labels.iter().all(label_ok) {
            return Err(EmailError::Domain);
        }
        Ok(EmailAddress(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn domain(&self) -> &str {
        self.0.rsplit('@').next().unwrap_or_default()
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EmailAddress({})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_case_and_surrounding_space() {
        let e = EmailAddress::parse("  Designer@Agency.Example ").unwrap();
        assert_eq!(e.as_str(), "designer@agency.example");
        assert_eq!(e.domain(), "agency.example");
    }

    #[test]
    fn accepts_ordinary_addresses() {
        for ok in [
            "a@b.co",
            "first.last+tag@sub.example.org",
            "x_y-z@xn--bcher-kva.example",
        ] {
            assert!(EmailAddress::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn refuses_malformed_addresses_with_a_reason() {
        assert_eq!(EmailAddress::parse("   "), Err(EmailError::Empty));
        assert_eq!(EmailAddress::parse("no-at-sign"), Err(EmailError::Shape));
        assert_eq!(EmailAddress::parse("a@b@c.com"), Err(EmailError::Shape));
        assert_eq!(EmailAddress::parse("@example.com"), Err(EmailError::Shape));
        assert_eq!(
            EmailAddress::parse("a..b@example.com"),
            Err(EmailError::Shape)
        );
        assert_eq!(EmailAddress::parse("a@localhost"), Err(EmailError::Domain));
        assert_eq!(EmailAddress::parse("a@-x.com"), Err(EmailError::Domain));
        assert_eq!(EmailAddress::parse("a@x..com"), Err(EmailError::Domain));
        assert_eq!(
            EmailAddress::parse("a b@x.com"),
            Err(EmailError::Characters)
        );
        assert_eq!(
            EmailAddress::parse("a@x.com\r\nBcc: evil@x.com"),
            Err(EmailError::Characters)
        );
        assert_eq!(
            EmailAddress::parse("<a@x.com>"),
            Err(EmailError::Characters)
        );
        let long_local = format!("{}@x.com", "a".repeat(65));
        assert_eq!(
            EmailAddress::parse(&long_local),
            Err(EmailError::LocalTooLong)
        );
        let long = format!("a@{}.com", "b".repeat(260));
        assert_eq!(EmailAddress::parse(&long), Err(EmailError::TooLong));
    }
}
