//! Vestibule's rules and their storage. No Leptos and no HTTP here: the web app calls these
//! functions, and they are unit-tested without a browser.

pub mod access;
pub mod accounts;
pub mod address_confirmation;
pub mod audit;
pub mod audit_log;
pub mod clock;
pub mod csv;
pub mod dashboard;
pub mod email;
pub mod error;
#[cfg(feature = "tools")]
pub mod fuzzing;
pub mod invites;
pub mod live;
pub mod mail;
pub mod members;
pub mod names;
pub mod outbox;
pub mod password;
pub mod ratelimit;
pub mod roles;
pub mod secret;
#[cfg(feature = "tools")]
pub mod seed;
pub mod store;
pub mod teams;
pub mod token;

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
    pub sign_in_limits: Arc<accounts::SignInLimits>,
    pub sessions: DbSessionStore,
    pub mailer: mail::Mailer,
    /// Wakes the mail worker as soon as a job is queued.
    pub mail_wakeup: Arc<tokio::sync::Notify>,
    /// "Request a new invitation" is limited per invite.
    pub new_invite_requests: Arc<ratelimit::RateLimiter>,
    /// Links that are not ours (forged, mistyped, guessed), counted per client IP at open
    /// and accept: 30 per 10 minutes, then 429.
    pub bad_links: Arc<ratelimit::RateLimiter>,
    /// Invites created or resent, per inviter: 60 a minute, then 429. (The policy's daily cap
    /// is the admin-set limit; this one stops a runaway script or a stolen session.)
    pub invite_sends: Arc<ratelimit::RateLimiter>,
    /// Address confirmation emails a member asks for again: 3 an hour.
    pub confirmation_sends: Arc<ratelimit::RateLimiter>,
    /// Tells open admin pages (on every server process) what changed.
    pub live: live::LiveHub,
}

impl Services {
    pub fn new(
        db: Db,
        key: SecretKey,
        clock: SharedClock,
        public_url: PublicUrl,
        mailer: mail::Mailer,
    ) -> Services {
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2);
        Services {
            sessions: DbSessionStore::new(db.clone()),
            live: live::LiveHub::new(db.clone()),
            db,
            key,
            clock,
            hasher: PasswordHasherPool::new(cores),
            public_url,
            sign_in_limits: Arc::new(accounts::SignInLimits::default()),
            mailer,
            mail_wakeup: Arc::new(tokio::sync::Notify::new()),
            new_invite_requests: Arc::new(ratelimit::RateLimiter::new(1, clock::HOUR)),
            bad_links: Arc::new(ratelimit::RateLimiter::new(30, 10 * clock::MINUTE)),
            invite_sends: Arc::new(ratelimit::RateLimiter::new(60, clock::MINUTE)),
            confirmation_sends: Arc::new(ratelimit::RateLimiter::new(3, clock::HOUR)),
        }
    }
}
