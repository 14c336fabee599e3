//! `vestibule seed`: realistic data that the app itself treats as valid, on both backends.

use crate::common;

use common::{spawn_app, Backend};
use domain::model::InviteList;

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
    let list: InviteList = app.read("list_invites", &[("per_page", "200")]).await;
    assert_eq!(list.rows.len(), 200);
    assert_eq!(list.counts.total(), 200);
    assert!(list.counts.accepted > 0 && list.counts.expired > 0);
    assert!(
        list.rows.iter().all(|r| r.inviter_can_grant),
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
