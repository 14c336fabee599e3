//! Set-up shared by the domain test binaries: services on a migrated database with a manual
//! clock and file mail, and users made straight in the store.

#![allow(dead_code)]

use std::path::Path;
use std::sync::Arc;

use domain::access::Caller;
use domain::audit::Actor;
use domain::clock::ManualClock;
use domain::mail::{Mailer, Transport};
use domain::public_url::PublicUrl;
use domain::ratelimit::Limits;
use domain::secret::SecretKey;
use domain::store::users::{self, NewUser, UserWithRole};
use domain::store::Db;
use domain::Services;

/// Migrates `db` and builds the services on it; mail goes to files under `dir`.
pub async fn services(db: Db, dir: &Path) -> (Services, ManualClock) {
    db.migrate().await.unwrap();
    let clock = ManualClock::at(1_800_000_000_000);
    let mailer = Mailer::new(
        "Vestibule <v@example.com>",
        &Transport::File(dir.join("mail")),
    )
    .unwrap();
    let s = Services::new(
        db,
        SecretKey::generate().unwrap(),
        Arc::new(clock.clone()),
        PublicUrl::parse("https://v.example").unwrap(),
        mailer,
        Limits::default(),
    );
    (s, clock)
}

/// An account with `role`, made straight in the store, as the rules' caller (no IP, no
/// browser).
pub async fn caller(s: &Services, email: &str, role: &str) -> Caller {
    Caller::signed_in(user(s, email, role).await, &Actor::default())
}

/// An account with `role`, made straight in the store (no invite, no password).
pub async fn user(s: &Services, email: &str, role: &str) -> UserWithRole {
    let id = uuid::Uuid::now_v7().to_string();
    let mut tx = s.db.begin().await.unwrap();
    users::insert(
        &mut tx,
        &NewUser {
            id: &id,
            email,
            name: "Someone",
            password_hash: None,
            role_id: role,
            created_at: 0,
            invite_id: None,
            joined_via: None,
            confirmation: None,
            access_ends_at: None,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    users::find_by_id(&s.db, &id).await.unwrap().unwrap()
}
