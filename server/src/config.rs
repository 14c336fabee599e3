//! Configuration from flags, environment variables and an optional `.env` file.
//!
//! Everything arrives as text and is checked here, so a bad value stops start-up with a
//! message that names the variable and says what is wrong with it.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use domain::mail::{SmtpSettings, SmtpTls, Transport};
use domain::public_url::PublicUrl;
use domain::secret::SecretKey;

#[derive(clap::Args, Debug, Clone)]
pub struct RawConfig {
    /// Database: sqlite://PATH (embedded default) or postgres://USER[:PASSWORD]@HOST[:PORT]/DB
    #[arg(
        long,
        env = "VESTIBULE_DATABASE_URL",
        default_value = "sqlite://data/vestibule.db",
        hide_env_values = true
    )]
    pub database_url: String,
    /// Public base URL of this server; every link in every email is built from it
    #[arg(
        long,
        env = "VESTIBULE_PUBLIC_URL",
        default_value = "http://127.0.0.1:3000"
    )]
    pub public_url: String,
    /// Address and port to listen on
    #[arg(long, env = "VESTIBULE_LISTEN", default_value = "127.0.0.1:3000")]
    pub listen: String,
    /// Directory for the SQLite database, the generated server key and mail files
    #[arg(long, env = "VESTIBULE_DATA_DIR", default_value = "data")]
    pub data_dir: String,
    /// Server key (64 hex characters or base64 of 32+ bytes). When unset, one is generated
    /// into DATA_DIR/secret.key (mode 0600) on first start. Several servers sharing one
    /// PostgreSQL database must share this key.
    #[arg(long, env = "VESTIBULE_SECRET_KEY", hide_env_values = true)]
    pub secret_key: Option<String>,
    /// Directory holding the built site (pkg/ with the WASM, JS and CSS)
    #[arg(long, env = "VESTIBULE_SITE_ROOT", default_value = "target/site")]
    pub site_root: String,
    /// Where mail goes: console (printed), file (.eml files in MAIL_DIR) or smtp
    #[arg(long, env = "VESTIBULE_MAIL_TRANSPORT", default_value = "console")]
    pub mail_transport: String,
    /// Sender of every email, e.g. "Acme Access <access@acme.example>"
    #[arg(
        long,
        env = "VESTIBULE_MAIL_FROM",
        default_value = "Vestibule <no-reply@vestibule.localhost>"
    )]
    pub mail_from: String,
    /// Directory for the file mail transport [default: DATA_DIR/mail]
    #[arg(long, env = "VESTIBULE_MAIL_DIR")]
    pub mail_dir: Option<String>,
    /// SMTP server host name (mail transport smtp)
    #[arg(long, env = "VESTIBULE_SMTP_HOST")]
    pub smtp_host: Option<String>,
    /// SMTP port [default: 587 for starttls, 465 for tls, 25 for none]
    #[arg(long, env = "VESTIBULE_SMTP_PORT")]
    pub smtp_port: Option<String>,
    /// SMTP transport security: starttls, tls or none
    #[arg(long, env = "VESTIBULE_SMTP_TLS", default_value = "starttls")]
    pub smtp_tls: String,
    /// SMTP user name (set with SMTP_PASSWORD, or neither)
    #[arg(long, env = "VESTIBULE_SMTP_USER")]
    pub smtp_user: Option<String>,
    /// SMTP password
    #[arg(long, env = "VESTIBULE_SMTP_PASSWORD", hide_env_values = true)]
    pub smtp_password: Option<String>,
    /// Seconds to wait for the SMTP server before giving up on one attempt
    #[arg(long, env = "VESTIBULE_SMTP_TIMEOUT_SECS", default_value = "10")]
    pub smtp_timeout_secs: String,
    /// Invites one person may create or resend per minute (0: no limit, for load tests).
    /// The invite policy's daily cap applies on top.
    #[arg(long, env = "VESTIBULE_INVITES_PER_MINUTE", default_value = "60")]
    pub invites_per_minute: String,
    /// Requests one API key may make per minute (0: no limit, for load tests).
    #[arg(long, env = "VESTIBULE_API_REQUESTS_PER_MINUTE", default_value = "600")]
    pub api_requests_per_minute: String,
    /// Let webhook endpoints be on loopback addresses (127.0.0.1, ::1, over plain http too):
    /// for receivers on a development machine and tests, never in production
    #[arg(
        long,
        env = "VESTIBULE_ALLOW_LOOPBACK_WEBHOOKS",
        default_value = "false"
    )]
    pub allow_loopback_webhooks: String,
    /// Reverse proxies whose X-Forwarded-For is believed, comma-separated IP addresses (e.g.
    /// 127.0.0.1,10.0.0.5). Empty: the client IP is the socket's peer, whatever headers say.
    #[arg(long, env = "VESTIBULE_TRUSTED_PROXIES", default_value = "")]
    pub trusted_proxies: String,
    /// Live-update streams (/events) this process holds open at once, for everyone together;
    /// past it, new ones get 429. Each holds a connection (a file descriptor).
    #[arg(long, env = "VESTIBULE_MAX_LIVE_STREAMS", default_value = "500")]
    pub max_live_streams: String,
    /// Log filter, e.g. info, debug, or vestibule=debug,sqlx=warn
    #[arg(long, env = "VESTIBULE_LOG", default_value = "info")]
    pub log: String,
    /// Log lines as text (for people) or json (one object per line, for a log collector)
    #[arg(long, env = "VESTIBULE_LOG_FORMAT", default_value = "text")]
    pub log_format: String,
    /// Bearer token that GET /metrics (Prometheus) requires, 32 characters or more. Unset:
    /// there is no /metrics.
    #[arg(long, env = "VESTIBULE_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
    /// Seconds after SIGTERM during which this server says it is not ready and answers new
    /// requests 503 (nothing done), so a proxy sends them to the others, before it stops
    /// accepting. 0 for a single server; a few seconds behind a proxy (see the README).
    #[arg(long, env = "VESTIBULE_SHUTDOWN_DRAIN_SECS", default_value = "0")]
    pub shutdown_drain_secs: String,
    /// Seconds a stopping server waits for requests in flight and the email or webhook it is
    /// sending before it exits anyway
    #[arg(long, env = "VESTIBULE_SHUTDOWN_GRACE_SECS", default_value = "20")]
    pub shutdown_grace_secs: String,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// The shortest metrics token accepted: a guessable one would show the server's traffic.
pub const MIN_METRICS_TOKEN_CHARS: usize = 32;

/// A configuration value that cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{var} {problem}")]
pub struct ConfigError {
    pub var: &'static str,
    pub problem: String,
}

fn bad(var: &'static str, problem: impl Into<String>) -> ConfigError {
    ConfigError {
        var,
        problem: problem.into(),
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: String,
    pub public_url: PublicUrl,
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub secret_key: Option<SecretKey>,
    pub site_root: PathBuf,
    pub mail: Transport,
    pub mail_from: String,
    pub trusted_proxies: Vec<std::net::IpAddr>,
    pub invites_per_minute: u32,
    pub api_requests_per_minute: u32,
    pub allow_loopback_webhooks: bool,
    pub max_live_streams: usize,
    pub log: String,
    pub log_format: LogFormat,
    pub metrics_token: Option<String>,
    pub shutdown_drain: Duration,
    pub shutdown_grace: Duration,
}

impl Config {
    pub fn from_raw(raw: &RawConfig) -> Result<Config, ConfigError> {
        let database_url = raw.database_url.trim().to_owned();
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://"))
        {
            return Err(bad(
                "VESTIBULE_DATABASE_URL",
                "must start with sqlite:// or postgres:// (e.g. sqlite://data/vestibule.db)",
            ));
        }
        let public_url =
            PublicUrl::parse(&raw.public_url).map_err(|e| bad("VESTIBULE_PUBLIC_URL", e))?;
        let listen = raw.listen.trim().parse::<SocketAddr>().map_err(|_| {
            bad(
                "VESTIBULE_LISTEN",
                format!(
                    "must be an IP address and port such as 127.0.0.1:3000 (got {:?})",
                    raw.listen
                ),
            )
        })?;
        let secret_key = match raw
            .secret_key
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            Some(k) => {
                Some(SecretKey::parse(k).map_err(|e| bad("VESTIBULE_SECRET_KEY", e.to_string()))?)
            }
            None => None,
        };
        let data_dir = PathBuf::from(raw.data_dir.trim());
        let mail = match raw.mail_transport.trim().to_ascii_lowercase().as_str() {
            "console" => Transport::Console,
            "file" => Transport::File(
                raw.mail_dir
                    .as_deref()
                    .map(PathBuf::from)
                    .unwrap_or_else(|| data_dir.join("mail")),
            ),
            "smtp" => Transport::Smtp(smtp_settings(raw)?),
            other => {
                return Err(bad(
                    "VESTIBULE_MAIL_TRANSPORT",
                    format!("must be console, file or smtp (got {other:?})"),
                ))
            }
        };
        let trusted_proxies = raw
            .trusted_proxies
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| {
                p.parse().map_err(|_| {
                    bad(
                        "VESTIBULE_TRUSTED_PROXIES",
                        format!("must list IP addresses separated by commas ({p:?} is not one)"),
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let invites_per_minute = raw.invites_per_minute.trim().parse::<u32>().map_err(|_| {
            bad(
                "VESTIBULE_INVITES_PER_MINUTE",
                format!(
                    "must be a whole number, 0 for no limit (got {:?})",
                    raw.invites_per_minute
                ),
            )
        })?;
        let api_requests_per_minute =
            raw.api_requests_per_minute
                .trim()
                .parse::<u32>()
                .map_err(|_| {
                    bad(
                        "VESTIBULE_API_REQUESTS_PER_MINUTE",
                        format!(
                            "must be a whole number, 0 for no limit (got {:?})",
                            raw.api_requests_per_minute
                        ),
                    )
                })?;
        let allow_loopback_webhooks = match raw.allow_loopback_webhooks.trim() {
            "true" | "1" | "yes" => true,
            "false" | "0" | "no" | "" => false,
            other => {
                return Err(bad(
                    "VESTIBULE_ALLOW_LOOPBACK_WEBHOOKS",
                    format!("must be true or false (got {other:?})"),
                ))
            }
        };
        let max_live_streams = raw
            .max_live_streams
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=100_000).contains(n))
            .ok_or_else(|| {
                bad(
                    "VESTIBULE_MAX_LIVE_STREAMS",
                    format!(
                        "must be a whole number from 1 to 100000 (got {:?})",
                        raw.max_live_streams
                    ),
                )
            })?;
        let log_format = match raw.log_format.trim().to_ascii_lowercase().as_str() {
            "text" | "" => LogFormat::Text,
            "json" => LogFormat::Json,
            other => {
                return Err(bad(
                    "VESTIBULE_LOG_FORMAT",
                    format!("must be text or json (got {other:?})"),
                ))
            }
        };
        let metrics_token = match raw.metrics_token.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(t) if t.chars().count() < MIN_METRICS_TOKEN_CHARS || !t.is_ascii() => {
                return Err(bad(
                    "VESTIBULE_METRICS_TOKEN",
                    format!(
                        "must be at least {MIN_METRICS_TOKEN_CHARS} ASCII characters (e.g. \
                         `openssl rand -hex 32`)"
                    ),
                ))
            }
            Some(t) => Some(t.to_owned()),
        };
        let shutdown_drain = seconds(
            "VESTIBULE_SHUTDOWN_DRAIN_SECS",
            &raw.shutdown_drain_secs,
            0..=300,
        )?;
        let shutdown_grace = seconds(
            "VESTIBULE_SHUTDOWN_GRACE_SECS",
            &raw.shutdown_grace_secs,
            1..=3600,
        )?;
        // Validate the sender now rather than at the first email.
        domain::mail::Mailer::new(&raw.mail_from, &Transport::Console)
            .map_err(|e| bad("VESTIBULE_MAIL_FROM", e))?;
        Ok(Config {
            database_url,
            public_url,
            listen,
            data_dir,
            secret_key,
            site_root: PathBuf::from(raw.site_root.trim()),
            mail,
            mail_from: raw.mail_from.trim().to_owned(),
            trusted_proxies,
            invites_per_minute,
            api_requests_per_minute,
            allow_loopback_webhooks,
            max_live_streams,
            log: raw.log.clone(),
            log_format,
            metrics_token,
            shutdown_drain,
            shutdown_grace,
        })
    }
}

/// A whole number of seconds within `range`.
fn seconds(
    var: &'static str,
    value: &str,
    range: std::ops::RangeInclusive<u64>,
) -> Result<Duration, ConfigError> {
    value
        .trim()
        .parse::<u64>()
        .ok()
        .filter(|n| range.contains(n))
        .map(Duration::from_secs)
        .ok_or_else(|| {
            bad(
                var,
                format!(
                    "must be a whole number of seconds from {} to {} (got {value:?})",
                    range.start(),
                    range.end()
                ),
            )
        })
}

fn smtp_settings(raw: &RawConfig) -> Result<SmtpSettings, ConfigError> {
    let host = raw
        .smtp_host
        .as_deref()
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .ok_or_else(|| {
            bad(
                "VESTIBULE_SMTP_HOST",
                "must be set when VESTIBULE_MAIL_TRANSPORT is smtp",
            )
        })?;
    let tls = match raw.smtp_tls.trim().to_ascii_lowercase().as_str() {
        "starttls" => SmtpTls::StartTls,
        "tls" => SmtpTls::Tls,
        "none" => SmtpTls::None,
        other => {
            return Err(bad(
                "VESTIBULE_SMTP_TLS",
                format!("must be starttls, tls or none (got {other:?})"),
            ))
        }
    };
    let port = match raw
        .smtp_port
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        None => match tls {
            SmtpTls::StartTls => 587,
            SmtpTls::Tls => 465,
            SmtpTls::None => 25,
        },
        Some(p) => p.parse::<u16>().ok().filter(|p| *p > 0).ok_or_else(|| {
            bad(
                "VESTIBULE_SMTP_PORT",
                format!("must be a port number from 1 to 65535 (got {p:?})"),
            )
        })?,
    };
    let timeout = raw
        .smtp_timeout_secs
        .trim()
        .parse::<u64>()
        .ok()
        .filter(|s| (1..=300).contains(s))
        .ok_or_else(|| {
            bad(
                "VESTIBULE_SMTP_TIMEOUT_SECS",
                format!(
                    "must be a whole number of seconds from 1 to 300 (got {:?})",
                    raw.smtp_timeout_secs
                ),
            )
        })?;
    let username = raw.smtp_user.clone().filter(|u| !u.is_empty());
    let password = raw.smtp_password.clone().filter(|p| !p.is_empty());
    if username.is_some() != password.is_some() {
        return Err(bad(
            if username.is_some() { "VESTIBULE_SMTP_PASSWORD" } else { "VESTIBULE_SMTP_USER" },
            "must be set together with the other: set both VESTIBULE_SMTP_USER and VESTIBULE_SMTP_PASSWORD, or neither",
        ));
    }
    Ok(SmtpSettings {
        host: host.to_owned(),
        port,
        tls,
        username,
        password,
        timeout: Duration::from_secs(timeout),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Wrapper {
        #[command(flatten)]
        raw: RawConfig,
    }

    /// Parses flags only: the test must not depend on the machine's environment.
    fn raw(args: &[&str]) -> RawConfig {
        let mut all = vec!["vestibule"];
        all.extend_from_slice(args);
        Wrapper::try_parse_from(all).unwrap().raw
    }

    fn err(args: &[&str]) -> ConfigError {
        Config::from_raw(&raw(args)).unwrap_err()
    }

    #[test]
    fn defaults_give_an_embedded_setup_with_console_mail() {
        let c = Config::from_raw(&raw(&[])).unwrap();
        assert!(c.database_url.starts_with("sqlite://"));
        assert_eq!(c.listen.to_string(), "127.0.0.1:3000");
        assert_eq!(c.public_url.as_str(), "http://127.0.0.1:3000");
        assert!(matches!(c.mail, Transport::Console));
        assert!(c.secret_key.is_none());
    }

    #[test]
    fn smtp_settings_are_read_with_sensible_port_defaults() {
        let c = Config::from_raw(&raw(&[
            "--mail-transport",
            "smtp",
            "--smtp-host",
            "mail.example.com",
        ]))
        .unwrap();
        match c.mail {
            Transport::Smtp(s) => {
                assert_eq!(
                    (s.host.as_str(), s.port, s.tls),
                    ("mail.example.com", 587, SmtpTls::StartTls)
                );
            }
            other => panic!("expected smtp, got {other:?}"),
        }
        let c = Config::from_raw(&raw(&[
            "--mail-transport",
            "smtp",
            "--smtp-host",
            "h",
            "--smtp-tls",
            "none",
            "--smtp-port",
            "1025",
        ]))
        .unwrap();
        assert!(matches!(
            c.mail,
            Transport::Smtp(SmtpSettings {
                port: 1025,
                tls: SmtpTls::None,
                ..
            })
        ));
    }

    #[test]
    fn each_bad_value_names_its_variable() {
        assert_eq!(
            err(&["--database-url", "mysql://x"]).var,
            "VESTIBULE_DATABASE_URL"
        );
        assert_eq!(
            err(&["--public-url", "example.com"]).var,
            "VESTIBULE_PUBLIC_URL"
        );
        assert_eq!(err(&["--listen", "localhost"]).var, "VESTIBULE_LISTEN");
        assert_eq!(err(&["--secret-key", "short"]).var, "VESTIBULE_SECRET_KEY");
        assert_eq!(
            err(&["--mail-transport", "pigeon"]).var,
            "VESTIBULE_MAIL_TRANSPORT"
        );
        assert_eq!(
            err(&["--mail-from", "not an address"]).var,
            "VESTIBULE_MAIL_FROM"
        );
        assert_eq!(
            err(&["--mail-transport", "smtp"]).var,
            "VESTIBULE_SMTP_HOST"
        );
        let smtp = ["--mail-transport", "smtp", "--smtp-host", "h"];
        assert_eq!(
            err(&[&smtp[..], &["--smtp-port", "abc"]].concat()).var,
            "VESTIBULE_SMTP_PORT"
        );
        assert_eq!(
            err(&[&smtp[..], &["--smtp-port", "70000"]].concat()).var,
            "VESTIBULE_SMTP_PORT"
        );
        assert_eq!(
            err(&[&smtp[..], &["--smtp-tls", "ssl3"]].concat()).var,
            "VESTIBULE_SMTP_TLS"
        );
        assert_eq!(
            err(&[&smtp[..], &["--smtp-timeout-secs", "0"]].concat()).var,
            "VESTIBULE_SMTP_TIMEOUT_SECS"
        );
        assert_eq!(
            err(&[&smtp[..], &["--smtp-user", "u"]].concat()).var,
            "VESTIBULE_SMTP_PASSWORD"
        );
        assert_eq!(
            err(&["--trusted-proxies", "10.0.0.1, proxy.internal"]).var,
            "VESTIBULE_TRUSTED_PROXIES"
        );
        assert_eq!(
            err(&["--invites-per-minute", "lots"]).var,
            "VESTIBULE_INVITES_PER_MINUTE"
        );
        assert_eq!(err(&["--log-format", "xml"]).var, "VESTIBULE_LOG_FORMAT");
        assert_eq!(
            err(&["--metrics-token", "short"]).var,
            "VESTIBULE_METRICS_TOKEN"
        );
        assert_eq!(
            err(&["--shutdown-drain-secs", "301"]).var,
            "VESTIBULE_SHUTDOWN_DRAIN_SECS"
        );
        assert_eq!(
            err(&["--shutdown-grace-secs", "0"]).var,
            "VESTIBULE_SHUTDOWN_GRACE_SECS"
        );
    }

    #[test]
    fn messages_say_what_is_wrong_and_show_the_bad_value() {
        let e = err(&[
            "--mail-transport",
            "smtp",
            "--smtp-host",
            "h",
            "--smtp-port",
            "abc",
        ]);
        assert_eq!(
            e.to_string(),
            "VESTIBULE_SMTP_PORT must be a port number from 1 to 65535 (got \"abc\")"
        );
    }
}
