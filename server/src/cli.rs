//! Command-line interface: `serve` (the default), `migrate`, `admin bootstrap`, `mail test`,
//! `seed`.

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
pub enum MailCommand {
    /// Send a test email through the configured transport
    Test {
        #[arg(long)]
        to: String,
    },
}
