//! Email texts. Everything a person typed (names, the personal message) is escaped in the
//! HTML part and kept out of headers.

use super::{escape_html, header_safe};
use crate::clock::Millis;

pub use model::fmt_utc;

/// Every HTML part: one document shell and one type style, so the emails read as one family.
fn page(body: &str) -> String {
    format!(
        "<!DOCTYPE html><html><body style=\"font-family:system-ui,sans-serif;color:#1c2430\">{body}</body></html>"
    )
}

/// Something a person wrote (a note, a reason), escaped and set apart as a quotation.
fn quote(text: &str) -> String {
    format!(
        "<blockquote style=\"margin:16px 0;padding:8px 12px;border-left:3px solid #dde1e7;color:#566173\">{}</blockquote>",
        escape_html(text).replace('\n', "<br>")
    )
}

/// Small print under the main text.
const QUIET: &str = "style=\"color:#566173\"";

pub struct Invitation<'a> {
    pub inviter_name: &'a str,
    pub role_name: &'a str,
    pub teams: &'a [String],
    pub expires_at: Millis,
    pub message: &'a str,
    pub link: &'a str,
    /// A reminder before expiry: the same link, and a subject and opening that say so.
    pub reminder: bool,
}

/// (subject, plain text, HTML)
pub fn invitation(i: &Invitation<'_>) -> (String, String, String) {
    let subject = header_safe(&format!(
        "{}{} invited you to join as {}",
        if i.reminder { "Reminder: " } else { "" },
        i.inviter_name,
        i.role_name
    ));
    let expires = fmt_utc(i.expires_at);
    let opening = if i.reminder {
        format!("A reminder: your invitation expires on {expires}.\n\n")
    } else {
        String::new()
    };
    let opening_html = if i.reminder {
        format!("<p><strong>A reminder: your invitation expires on {expires}.</strong></p>")
    } else {
        String::new()
    };
    let teams = if i.teams.is_empty() {
        String::new()
    } else {
        format!(" in {}", i.teams.join(", "))
    };
    let mut text = format!(
        "{opening}{} invited you to join as {}{}.\n\n",
        i.inviter_name, i.role_name, teams
    );
    if !i.message.is_empty() {
        text.push_str(&format!("Their note:\n{}\n\n", i.message));
    }
    text.push_str(&format!(
        "Accept the invitation (the link works once, until {expires}):\n{}\n\n\
         If you did not expect this invitation, you can ignore this email.\n",
        i.link
    ));
    let note = if i.message.is_empty() {
        String::new()
    } else {
        quote(i.message)
    };
    let html = page(&format!(
        "{opening_html}<p><strong>{inviter}</strong> invited you to join as <strong>{role}</strong>{teams}.</p>{note}\
         <p><a href=\"{link}\" style=\"display:inline-block;padding:10px 16px;background:#2f5bd3;color:#fff;border-radius:6px;text-decoration:none\">Accept the invitation</a></p>\
         <p {QUIET}>The link works once, until {expires}. If the button does not work, paste this address into your browser:<br>{link}</p>\
         <p {QUIET}>If you did not expect this invitation, you can ignore this email.</p>",
        inviter = escape_html(i.inviter_name),
        role = escape_html(i.role_name),
        teams = escape_html(&teams),
        link = escape_html(i.link),
    ));
    (subject, text, html)
}

/// To a member who joined through a copied link: is this address really theirs?
pub fn address_confirmation(
    address: &str,
    inviter_name: &str,
    link: &str,
) -> (String, String, String) {
    let subject = "Confirm your email address".to_owned();
    let text = format!(
        "Someone joined the workspace as {address}, through an invitation link that \
         {inviter_name} shared by other means than this mailbox.\n\n\
         If that was you, sign in and confirm that this address is yours:\n{link}\n\n\
         If it was not you, do not follow the link, and tell {inviter_name}: an account is using \
         your address.\n"
    );
    let html = page(&format!(
        "<p>Someone joined the workspace as <strong>{address}</strong>, through an invitation link \
         that {inviter} shared by other means than this mailbox.</p>\
         <p>If that was you, <a href=\"{link}\">sign in and confirm that this address is yours</a>.</p>\
         <p {QUIET}>If it was not you, do not follow the link, and tell {inviter}: \
         an account is using your address.</p>",
        address = escape_html(address),
        inviter = escape_html(inviter_name),
        link = escape_html(link),
    ));
    (subject, text, html)
}

/// To an inviter: the invitee's link no longer works and they asked for a new one.
pub fn new_invite_request(invitee: &str, invite_page: &str) -> (String, String, String) {
    let subject = header_safe(&format!("{invitee} asked for a new invitation"));
    let text = format!(
        "{invitee} opened an invitation link that no longer works and asked for a new one.\n\n\
         Review the invitation and resend it if you agree:\n{invite_page}\n"
    );
    let html = page(&format!(
        "<p>{who} opened an invitation link that no longer works and asked for a new one.</p>\
         <p><a href=\"{url}\">Review the invitation</a> and resend it if you agree.</p>",
        who = escape_html(invitee),
        url = escape_html(invite_page),
    ));
    (subject, text, html)
}

/// To an inviter: the invitee declined, and why if they said.
pub fn invite_declined(
    invitee: &str,
    reason: Option<&str>,
    invite_page: &str,
) -> (String, String, String) {
    let subject = header_safe(&format!("{invitee} declined your invitation"));
    let said = match reason {
        Some(r) => format!("Their reason:\n{r}\n\n"),
        None => "They gave no reason.\n\n".to_owned(),
    };
    let text = format!(
        "{invitee} declined your invitation; its link no longer works.\n\n{said}\
         The invitation's history:\n{invite_page}\n"
    );
    let said_html = match reason {
        Some(r) => format!("<p>Their reason:</p>{}", quote(r)),
        None => "<p>They gave no reason.</p>".to_owned(),
    };
    let html = page(&format!(
        "<p>{who} declined your invitation; its link no longer works.</p>{said_html}\
         <p><a href=\"{url}\">See the invitation's history</a>.</p>",
        who = escape_html(invitee),
        url = escape_html(invite_page),
    ));
    (subject, text, html)
}

/// To an inviter: the access of someone they invited ends soon.
pub fn access_ending(
    name: &str,
    address: &str,
    ends_at: Millis,
    members_page: &str,
) -> (String, String, String) {
    let when = fmt_utc(ends_at);
    let subject = header_safe(&format!("{name}'s access ends on {when}"));
    let text = format!(
        "The access of {name} ({address}), whom you invited, ends on {when}. They will be \
         signed out and deactivated then.\n\nTo extend or clear the end date, open Members:\n\
         {members_page}\n"
    );
    let html = page(&format!(
        "<p>The access of <strong>{who}</strong> ({addr}), whom you invited, ends on \
         <strong>{when}</strong>. They will be signed out and deactivated then.</p>\
         <p>To extend or clear the end date, open <a href=\"{url}\">Members</a>.</p>",
        who = escape_html(name),
        addr = escape_html(address),
        url = escape_html(members_page),
    ));
    (subject, text, html)
}

/// To a member: a link to choose a new password, asked for by them or sent by an admin.
pub fn password_reset(name: &str, link: &str, expires_at: Millis) -> (String, String, String) {
    let subject = "Choose a new password".to_owned();
    let until = fmt_utc(expires_at);
    let why = "A link to choose a new password was asked for your account, by you or by an \
               admin of your workspace.";
    let text = format!(
        "Hello {name},\n\n{why}\n\nChoose a new password (the link works once, until {until}):\n         {link}\n\nChoosing one signs you out everywhere. If you did not ask for this, ignore          this email: your password stays as it is.\n"
    );
    let html = page(&format!(
        "<p>Hello {who},</p><p>{why}</p>\
         <p><a href=\"{url}\">Choose a new password</a></p>\
         <p {QUIET}>The link works once, until {until}; choosing a password signs you out \
         everywhere. If you did not ask for this, ignore this email: your password stays as it \
         is. If the link does not work, paste this address into your browser:<br>{url}</p>",
        who = escape_html(name),
        why = escape_html(why),
        url = escape_html(link),
    ));
    (subject, text, html)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_text_is_escaped_in_html_and_kept_out_of_headers() {
        let (subject, text, html) = invitation(&Invitation {
            inviter_name: "Eve <script>alert(1)</script>\r\nBcc: x@evil.example",
            role_name: "Media Editor",
            teams: &["Brand".into()],
            expires_at: 0,
            message: "<b>hi</b>\nsecond line",
            link: "https://v.example/invite/abc",
            reminder: false,
        });
        assert!(
            !subject.contains('\n') && !subject.contains('\r'),
            "{subject:?}"
        );
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("&lt;script&gt;"));
        assert!(html.contains("&lt;b&gt;hi&lt;/b&gt;<br>second line"));
        assert!(
            text.contains("<b>hi</b>"),
            "plain text keeps the message as typed"
        );
        assert!(
            text.contains("https://v.example/invite/abc")
                && html.contains("https://v.example/invite/abc")
        );
        assert!(text.contains("in Brand"));
    }

    #[test]
    fn a_decline_reason_is_escaped_in_html_and_kept_out_of_the_subject() {
        let (subject, text, html) = invite_declined(
            "x@example.com",
            Some("<img src=x onerror=alert(1)>\nnot now"),
            "https://v.example/invites/1",
        );
        assert_eq!(subject, "x@example.com declined your invitation");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;<br>not now"));
        assert!(text.contains("<img src=x onerror=alert(1)>\nnot now"));
        let (_, text, html) = invite_declined("x@example.com", None, "https://v.example/i");
        assert!(text.contains("no reason") && html.contains("no reason"));
    }

    #[test]
    fn a_reset_email_names_the_hour_escapes_the_name_and_carries_the_link_once_per_part() {
        let link = "https://v.example/set-password/tok";
        let (subject, text, html) = password_reset("Ann <i>&</i>", link, 3_600_000);
        assert_eq!(subject, "Choose a new password");
        assert!(text.contains("Hello Ann <i>&</i>") && text.contains(link));
        assert!(html.contains("Ann &lt;i&gt;&amp;&lt;/i&gt;"), "{html}");
        assert!(text.contains("until 1970-01-01 01:00 UTC"), "{text}");
        assert!(html.contains(&format!("href=\"{link}\"")));
        assert!(html.starts_with("<!DOCTYPE html>") && html.ends_with("</body></html>"));
    }
}
