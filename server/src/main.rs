use std::process::ExitCode;

use clap::Parser;
use domain::email::EmailAddress;
use domain::mail::OutgoingEmail;
use server::cli::{AdminCommand, Cli, Command, MailCommand};
use server::config::Config;
use server::import::Report;
use server::progress::Progress;
use server::startup::{build_services, Application};

#[tokio::main]
async fn main() -> ExitCode {
    // A missing .env is normal; a broken one is worth saying.
    if let Err(e) = dotenvy::dotenv() {
        if !e.not_found() {
            eprintln!("vestibule: cannot read .env: {e}");
            return ExitCode::from(2);
        }
    }
    let cli = Cli::parse();
    let config = match Config::from_raw(&cli.config) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("vestibule: configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    init_tracing(&config.log, config.log_format);
    match run(cli.command.unwrap_or(Command::Serve), config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("vestibule: {e}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing(filter: &str, format: server::config::LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Logs go to stderr, so that what a command prints (a key, a link) is alone on stdout.
    let logs = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(filter);
    match format {
        // Colours only for a person at a terminal, not in a file or the journal.
        server::config::LogFormat::Text => logs
            .with_target(false)
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .init(),
        // One object per line; the request's span (its id) rides along in "span".
        server::config::LogFormat::Json => logs
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .init(),
    }
}

async fn run(command: Command, config: Config) -> anyhow::Result<()> {
    match command {
        Command::Serve => {
            let app = Application::build(config.clone()).await?;
            println!(
                "Vestibule is running at {} (listening on {}). Press Ctrl-C to stop.",
                config.public_url.as_str(),
                app.local_addr()
            );
            if !app.services().has_admin().await? {
                println!(
                    "\nNo admin account yet. Create the first one (in another terminal):\n  \
                     ./scripts/run.sh admin bootstrap --email you@example.com --name \"Your Name\"\n\
                     It prints a one-time link to choose your password.\n"
                );
            }
            app.run_until_stopped().await?;
        }
        Command::Migrate => {
            let services = build_services(&config).await?;
            println!("Database is up to date ({}).", services.db.backend());
        }
        Command::Backup { to } => println!("{}", server::backup::backup(&config, &to).await?),
        Command::Restore { from } => {
            println!("{}", server::backup::restore(&config, &from).await?)
        }
        Command::Admin(AdminCommand::Bootstrap { email, name }) => {
            let email = EmailAddress::parse(&email).map_err(|e| anyhow::anyhow!("--email: {e}"))?;
            let services = build_services(&config).await?;
            let link = services.bootstrap_admin(&email, &name).await?;
            println!("Created the first admin, {email}.");
            println!("Open this link within 24 hours to choose a password (it works once):\n");
            println!("  {link}\n");
            println!("Then sign in at {}", config.public_url.link("/sign-in"));
        }
        Command::Mail(MailCommand::Test { to }) => {
            let to = EmailAddress::parse(&to).map_err(|e| anyhow::anyhow!("--to: {e}"))?;
            let services = build_services(&config).await?;
            let id = uuid::Uuid::now_v7();
            let message = OutgoingEmail {
                to: to.clone(),
                subject: "Vestibule test email".into(),
                text: format!("This is a test email from Vestibule at {}.\nIf you can read it, mail works.\n", config.public_url.as_str()),
                html: format!(
                    "<p>This is a test email from Vestibule at {}.</p><p>If you can read it, mail works.</p>",
                    domain::mail::escape_html(config.public_url.as_str())
                ),
                message_id: format!("<test-{id}@vestibule>"),
            };
            services.mailer.send(&message).await?;
            println!(
                "Sent a test email to {to} via {}.",
                services.mailer.describe()
            );
        }
        Command::Invite {
            email,
            role,
            teams,
            inviter,
            expiry_hours,
            message,
            no_email,
            landing_path,
        } => {
            let services = build_services(&config).await?;
            let args = server::commands::InviteArgs {
                email: &email,
                role: &role,
                teams: &teams,
                inviter: inviter.as_deref(),
                expiry_hours,
                message: &message,
                send_email: !no_email,
                landing_path: &landing_path,
            };
            println!("{}", server::commands::invite(&services, args).await?);
        }
        Command::ApiKey(command) => {
            let services = build_services(&config).await?;
            println!("{}", server::commands::api_key(&services, command).await?);
        }
        Command::Import {
            file,
            inviter,
            expiry_hours,
            message,
            dry_run,
        } => {
            let services = build_services(&config).await?;
            let started = std::time::Instant::now();
            match server::import::run(&services, &file, &inviter, expiry_hours, &message, dry_run)
                .await?
            {
                Report::Checked(rows) => {
                    let problems: Vec<_> = rows.iter().filter(|r| r.error.is_some()).collect();
                    for r in &problems {
                        println!(
                            "line {}: {}: {}",
                            r.line,
                            r.email,
                            r.error.as_deref().unwrap_or("")
                        );
                    }
                    println!(
                        "Dry run: {} rows, {} ready, {} with problems. Nothing was sent.",
                        rows.len(),
                        rows.len() - problems.len(),
                        problems.len()
                    );
                }
                Report::Imported(outcome) => {
                    for r in &outcome.skipped {
                        println!(
                            "skipped line {}: {}: {}",
                            r.line,
                            r.email,
                            r.error.as_deref().unwrap_or("")
                        );
                    }
                    println!(
                        "Invited {} of {} rows in {:.1} s; {} skipped. The emails go out from the running server's mail worker.",
                        outcome.created,
                        outcome.total,
                        started.elapsed().as_secs_f64(),
                        outcome.skipped.len()
                    );
                }
            }
        }
        Command::Seed {
            invites,
            days,
            inviters,
            seed,
        } => {
            let services = build_services(&config).await?;
            let opts = domain::seed::SeedOptions {
                invites: invites as usize,
                days: i64::from(days),
                inviters: inviters as usize,
                seed,
            };
            let started = std::time::Instant::now();
            let mut bar = Progress::new("seeding invites", opts.invites);
            let report = services.seed(&opts, |n| bar.set(n)).await?;
            bar.finish();
            println!(
                "Added {} invites over {} days in {:.1} s ({} inviters and {} teams created).",
                report.invites,
                days,
                started.elapsed().as_secs_f64(),
                report.inviters_created,
                report.teams_created
            );
        }
    }
    Ok(())
}
