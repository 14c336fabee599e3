//! `vestibule seed`: realistic data that the app itself treats as valid, on both backends.

use crate::common;

use common::{spawn_app, Backend};
use serde_json::Value;

async fn seeded_invites_are_listed_counted_and_within_their_inviters_rights(backend: Backend) {
    let app = spawn_app(backend).await;
    let opts = domain::seed::SeedOptions {
        invites: 200,
        days: 60,
        inviters: 5,
        seed: 7,
    };
    let report = app.services.seed(&opts, |_| {}).await.unwrap();
    assert_eq!((report.invites, report.inviters_created), (200, 5));
    // Seeding leaves the workspace without an Admin, so the first one can still be made.
    app.signed_in_admin().await;
    let list: Value = app
        .call("list_invites", &[("per_page", "200")])
        .await
        .json()
        .await
        .unwrap();
    let rows = list["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 200);
    let c = &list["counts"];
    let total: i64 = ["pending", "accepted", "expired", "revoked"]
        .iter()
        .map(|k| c[k].as_i64().unwrap())
        .sum();
    assert_eq!(total, 200);
    assert!(c["accepted"].as_i64().unwrap() > 0 && c["expired"].as_i64().unwrap() > 0);
    assert!(
        rows.iter().all(|r| r["inviter_can_grant"] == true),
        "every seeded invite is within its inviter's ceiling"
    );
    // A second run adds more without creating the inviters again.
    let again = app.services.seed(&opts, |_| {}).await.unwrap();
    assert_eq!((again.invites, again.inviters_created), (200, 0));
}
both_backends!(
    seeded_invites_are_listed_counted_and_within_their_inviters_rights,
    super::seeded_invites_are_listed_counted_and_within_their_inviters_rights
);
