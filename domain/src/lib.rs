//! Vestibule's rules and their storage. No Leptos and no HTTP here: the web app calls these
//! functions, and they are unit-tested without a browser.

pub mod access;
pub mod access_end;
pub mod accounts;
pub mod address_confirmation;
pub mod api_keys;
pub mod audit;
pub mod audit_log;
pub mod clock;
pub mod csv;
pub mod dashboard;
pub mod email;
pub mod error;
#[cfg(feature = "tools")]
pub mod fuzzing;
pub mod idempotency;
pub mod invites;
pub mod live;
pub mod mail;
pub mod members;
pub mod metrics;
pub mod names;
pub mod outbox;
pub mod password;
pub mod password_reset;
pub mod ratelimit;
pub mod roles;
pub mod seats;
pub mod secret;
#[cfg(feature = "tools")]
pub mod seed;
pub mod store;
pub mod teams;
pub mod token;
pub mod webhooks;

pub use error::DomainError;
pub use model;
pub mod public_url;

use std::sync::Arc;

use clock::SharedClock;
use password::PasswordHasherPool;
use public_url::PublicUrl;
use secret::SecretKey;
use store::sessions::DbSessionStore;
use store::Db;

/// Everything the rules need, built once at start-up and shared by every request.
#[derive(Clone, Debug)]
pub struct Services {
    pub db: Db,
    pub key: SecretKey,
    pub clock: SharedClock,
    pub hasher: PasswordHasherPool,
    pub public_url: PublicUrl,
    /// The rate limits kept in this process's memory.
    pub limits: Arc<ratelimit::Limits>,
    pub sessions: DbSessionStore,
    pub mailer: mail::Mailer,
    /// Wakes the mail worker as soon as a job is queued.
    pub mail_wakeup: Arc<tokio::sync::Notify>,
    /// Tells open admin pages (on every server process) what changed.
    pub live: live::LiveHub,
    /// Where webhooks may go (loopback only with the development setting).
    pub outbound: webhooks::address::Outbound,
}

impl Services {
    pub fn new(
        db: Db,
        key: SecretKey,
        clock: SharedClock,
        public_url: PublicUrl,
        mailer: mail::Mailer,
        limits: ratelimit::Limits,
    ) -> Services {
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2);
        let limits = match &db {
            Db::Postgres(pool) => limits.shared_on(pool),
            Db::Sqlite(_) => limits,
        };
        Services {
            sessions: DbSessionStore::new(db.clone()),
            live: live::LiveHub::new(db.clone()),
            db,
            key,
            clock,
            hasher: PasswordHasherPool::new(cores),
            public_url,
            limits: Arc::new(limits),
            mailer,
            mail_wakeup: Arc::new(tokio::sync::Notify::new()),
            outbound: webhooks::address::Outbound::default(),
        }
    }
}
