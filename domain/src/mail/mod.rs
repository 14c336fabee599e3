//! Outgoing email. Requests never send mail themselves: they queue it and a worker sends it
//! (from the invite issue on). This module builds multipart messages and hands them to
//! one of three transports: SMTP, a directory of .eml files, or the console.

pub mod templates;
mod transport;

pub use transport::{Mailer, SmtpSettings, SmtpTls, Transport};

use crate::email::EmailAddress;

/// One message, ready to send.
#[derive(Debug, Clone)]
pub struct OutgoingEmail {
    pub to: EmailAddress,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// Stable per job, so a receiver can drop a duplicate delivered after a crash.
    pub message_id: String,
}

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum MailError {
    /// Worth retrying later: connection refused, timeouts, 4xx replies.
    #[error("temporary mail failure: {0}")]
    Transient(String),
    /// Will never succeed as it is: 5xx replies, a bad address, a bad message.
    #[error("permanent mail failure: {0}")]
    Permanent(String),
}

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Makes text safe for a single header line: line breaks and control characters become
/// spaces, so no one can add headers through a name or subject.
pub fn header_safe(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escaping_covers_markup_and_quotes() {
        assert_eq!(
            escape_html("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
    }

    #[test]
    fn header_safe_removes_line_breaks() {
        assert_eq!(
            header_safe("Hi\r\nBcc: evil@example.com"),
            "Hi  Bcc: evil@example.com"
        );
    }
}
