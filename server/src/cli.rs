//! Command-line interface: `serve` (the default), `migrate`, `admin bootstrap`, `mail test`.

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
