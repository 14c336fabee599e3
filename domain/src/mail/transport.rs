use std::path::PathBuf;
use std::time::Duration;

use lettre::message::{header::ContentType, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::{header_safe, MailError, OutgoingEmail};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// Plain SMTP: only for a local relay or a test sink.
    None,
    /// Upgrade with STARTTLS (usually port 587); refuses to send if the server cannot.
    StartTls,
    /// TLS from the first byte (usually port 465).
    Tls,
}

#[derive(Clone)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    pub username: Option<String>,
    pub password: Option<String>,
    pub timeout: Duration,
}

impl std::fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// Where mail goes.
#[derive(Debug, Clone)]
pub enum Transport {
    /// Printed to standard output: the embedded default, so a newcomer can follow links
    /// without an SMTP server.
    Console,
    /// Written as .eml files into a directory.
    File(PathBuf),
    Smtp(SmtpSettings),
}

#[derive(Clone)]
enum Inner {
    Console,
    File(AsyncFileTransport<Tokio1Executor>),
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
}

#[derive(Clone)]
pub struct Mailer {
    from: Mailbox,
    inner: Inner,
    description: String,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.description)
    }
}

impl Mailer {
    pub fn new(from: &str, transport: &Transport) -> Result<Mailer, String> {
        let from: Mailbox = from.parse().map_err(|e| {
            format!(
                "is not a valid sender address ({e}); use e.g. Vestibule <no-reply@example.com>"
            )
        })?;
        let (inner, description) = match transport {
            Transport::Console => (Inner::Console, "console".to_owned()),
            Transport::File(dir) => {
                std::fs::create_dir_all(dir)
                    .map_err(|e| format!("cannot create mail directory {}: {e}", dir.display()))?;
                (
                    Inner::File(AsyncFileTransport::new(dir)),
                    format!("files in {}", dir.display()),
                )
            }
            Transport::Smtp(s) => {
                let builder = match s.tls {
                    SmtpTls::None => {
                        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&s.host)
                    }
                    SmtpTls::StartTls => {
                        AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&s.host)
                            .map_err(|e| format!("cannot use STARTTLS with {}: {e}", s.host))?
                    }
                    SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&s.host)
                        .map_err(|e| format!("cannot use TLS with {}: {e}", s.host))?,
                };
                let mut builder = builder.port(s.port).timeout(Some(s.timeout));
                if let (Some(u), Some(p)) = (&s.username, &s.password) {
                    builder = builder.credentials(Credentials::new(u.clone(), p.clone()));
                }
                (
                    Inner::Smtp(builder.build()),
                    format!("smtp://{}:{} ({:?})", s.host, s.port, s.tls),
                )
            }
        };
        Ok(Mailer {
            from,
            inner,
            description,
        })
    }

    pub fn describe(&self) -> &str {
        &self.description
    }

    fn build(&self, m: &OutgoingEmail) -> Result<Message, MailError> {
        let to: Mailbox =
            m.to.as_str()
                .parse()
                .map_err(|e| MailError::Permanent(format!("bad recipient: {e}")))?;
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(header_safe(&m.subject))
            .message_id(Some(m.message_id.clone()))
            .multipart(
                MultiPart::alternative()
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_PLAIN)
                            .body(m.text.clone()),
                    )
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_HTML)
                            .body(m.html.clone()),
                    ),
            )
            .map_err(|e| MailError::Permanent(format!("cannot build the message: {e}")))
    }

    pub async fn send(&self, m: &OutgoingEmail) -> Result<(), MailError> {
        let message = self.build(m)?;
        match &self.inner {
            Inner::Console => {
                println!(
                    "----- email to {} -----\nSubject: {}\nMessage-ID: {}\n\n{}\n----- end of email -----",
                    m.to,
                    header_safe(&m.subject),
                    m.message_id,
                    m.text
                );
                Ok(())
            }
            Inner::File(t) => t
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| MailError::Transient(format!("cannot write the mail file: {e}"))),
            Inner::Smtp(t) => match t.send(message).await {
                Ok(_) => Ok(()),
                Err(e) if e.is_permanent() => Err(MailError::Permanent(e.to_string())),
                Err(e) => Err(MailError::Transient(e.to_string())),
            },
        }
    }
}
