//! Command-line interface: `serve` (the default), `migrate`, `backup`, `restore`,
//! `admin bootstrap`, `mail test`, `seed`.

use clap::{Parser, Subcommand};

use crate::config::RawConfig;

#[derive(Parser, Debug)]
#[command(
    name = "vestibule",
    version,
    about = "Vestibule: invitations and onboarding for private, invite-only workspaces.",
    after_help = "Every option can also be given as the environment variable shown in brackets, \
                  or in a .env file in the working directory.\n\n\
                  First run:\n  vestibule admin bootstrap --email you@example.com --name \"Your Name\"\n  \
                  vestibule serve"
)]
pub struct Cli {
    #[command(flatten)]
    pub config: RawConfig,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the web server (the default)
    Serve,
    /// Apply database migrations and exit
    Migrate,
    /// Copy the SQLite database, consistently, while the server runs (PostgreSQL: pg_dump).
    /// The copy holds no server key: keep DATA_DIR/secret.key or VESTIBULE_SECRET_KEY too.
    Backup {
        /// The file to write (must not exist yet)
        #[arg(long, value_name = "FILE")]
        to: std::path::PathBuf,
    },
    /// Put a backup in place of the SQLite database. Refused while any Vestibule process
    /// uses it; the database it replaces is kept beside it.
    Restore {
        /// A file made by `vestibule backup`
        #[arg(long, value_name = "FILE")]
        from: std::path::PathBuf,
    },
    /// Administer accounts
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Check the mail settings
    #[command(subcommand)]
    Mail(MailCommand),
    /// Invite many people from a CSV file (email, role, teams; header row optional; teams
    /// separated by ;). Rows with problems are listed and skipped; the rest are invited.
    Import {
        /// The CSV file (UTF-8)
        #[arg(long)]
        file: std::path::PathBuf,
        /// Email of the account the invites come from (its role ceiling applies)
        #[arg(long = "as", value_name = "EMAIL")]
        inviter: String,
        /// Hours until the links expire (1 to 720)
        #[arg(long, default_value_t = 168)]
        expiry_hours: i64,
        /// Personal note for everyone
        #[arg(long, default_value = "")]
        message: String,
        /// Only check the rows; invite nobody
        #[arg(long)]
        dry_run: bool,
    },
    /// Invite one person, as the panel's Send invite does
    Invite {
        #[arg(long)]
        email: String,
        /// A role's name or id
        #[arg(long)]
        role: String,
        /// A team's name or id; repeat for several
        #[arg(long = "team")]
        teams: Vec<String>,
        /// Email of the account the invite comes from (its role ceiling applies); the only
        /// active Admin when omitted
        #[arg(long = "as", value_name = "EMAIL")]
        inviter: Option<String>,
        /// Hours until the link expires (the invite policy's default when omitted)
        #[arg(long)]
        expiry_hours: Option<i64>,
        /// Personal note
        #[arg(long, default_value = "")]
        message: String,
        /// Send no email; print the link instead
        #[arg(long)]
        no_email: bool,
        /// A path in the app where the new member lands after accepting (home by default)
        #[arg(long, default_value = "")]
        landing_path: String,
    },
    /// API keys for the REST API (/api/v1)
    #[command(subcommand, name = "api-key")]
    ApiKey(ApiKeyCommand),
    /// Fill the database with realistic invites, for benchmarks and demos. Seeded links do
    /// not work, acceptances create no accounts, and no email is sent.
    Seed {
        /// How many invites to add
        #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u32).range(1..=10_000_000))]
        invites: u32,
        /// Spread their creation over this many days before now
        #[arg(long, default_value_t = 730, value_parser = clap::value_parser!(u32).range(1..=3650))]
        days: u32,
        /// How many inviters to spread them over (created when missing; they cannot sign in)
        #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=1000))]
        inviters: u32,
        /// Random seed: the same seed gives the same data
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

#[derive(Subcommand, Debug)]
pub enum AdminCommand {
    /// Create the first Admin and print a one-time link to set their password.
    /// Refused once an Admin exists.
    Bootstrap {
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "Administrator")]
        name: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum ApiKeyCommand {
    /// Create a key and print it (shown this once)
    Create {
        /// What uses it
        #[arg(long)]
        name: String,
        /// Comma-separated: invitations:read, invitations:write, invitations:revoke,
        /// members:read, members:write, audit:read, webhooks:manage, policy:manage
        #[arg(long, value_delimiter = ',', required = true)]
        scopes: Vec<String>,
        /// The account the key acts for; the only active Admin when omitted
        #[arg(long = "as", value_name = "EMAIL")]
        creator: Option<String>,
        /// Days until it expires (1 to 730); never when omitted
        #[arg(long)]
        expires_in_days: Option<i64>,
    },
    /// List the keys (never the keys themselves)
    List {
        /// Who reads the list; the only active Admin when omitted
        #[arg(long = "as", value_name = "EMAIL")]
        reader: Option<String>,
    },
    /// Revoke a key at once
    Revoke {
        /// The key's id (from `api-key list`)
        #[arg(long)]
        id: String,
        /// Who revokes it; the only active Admin when omitted
        #[arg(long = "as", value_name = "EMAIL")]
        by: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum MailCommand {
    /// Send a test email through the configured transport
    Test {
        #[arg(long)]
        to: String,
    },
}
