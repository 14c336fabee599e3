//! The REST API (`/api/v1`) with a key, checked against the panel's own view of the same
//! invitations: one door more to the same rules.

use domain::model::{Delivery, InviteStatus, LinkView};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use server::api::invitations::{
    BulkAnswer, BulkOutcome, DeliveryStatus, Invitation, InvitationDetail, InvitationPage,
    InvitationStatus, IssuedInvitation,
};

use crate::common::api::Api;
use crate::common::{Backend, TestApp};

const ALL_INVITATION_SCOPES: [&str; 3] = [
    "invitations:read",
    "invitations:write",
    "invitations:revoke",
];

fn token_of_link(link: &str) -> String {
    link.rsplit('/').next().unwrap().to_owned()
}

async fn create(api: &Api, body: Value) -> IssuedInvitation {
    api.post("/invitations", &body)
        .await
        .expect(StatusCode::CREATED)
}

async fn page(api: &Api, query: &str) -> InvitationPage {
    api.get(&format!("/invitations?{query}"))
        .await
        .expect(StatusCode::OK)
}

fn emails(p: &InvitationPage) -> Vec<&str> {
    p.data.iter().map(|i| i.email.as_str()).collect()
}

both_backends!(
    the_whole_life_cycle_goes_through_the_api_with_a_key,
    super::whole_life_cycle
);
async fn whole_life_cycle(backend: Backend) {
    let app = TestApp::builder()
        .backend(backend)
        .mail_files()
        .start()
        .await;
    app.signed_in_admin().await;
    let brand = app.create_team("Brand").await;
    let api = app.api_key("platform", &ALL_INVITATION_SCOPES).await;

    // Create, with email: no link in the answer; the panel sees the invite as the API says.
    let ann = create(
        &api,
        json!({"email": "Ann@Example.com", "role": "Editor", "team_ids": [brand],
               "message": "Welcome", "metadata": {"crm_id": "A-17"}}),
    )
    .await;
    assert_eq!(ann.link, None, "an emailed invite's link is not handed out");
    let a = &ann.invitation;
    assert_eq!(
        (a.email.as_str(), a.status, a.role.id.as_str()),
        ("ann@example.com", InvitationStatus::Pending, "editor")
    );
    assert_eq!(a.delivery.status, DeliveryStatus::Queued);
    assert_eq!(a.metadata, Some(json!({"crm_id": "A-17"})));
    let panel = app.detail(&a.id).await;
    assert_eq!(panel.invite.email, "ann@example.com");
    assert_eq!(panel.invite.role_name, "Editor");
    assert_eq!(panel.invite.team_names(), "Brand");
    assert_eq!(panel.invite.message, "Welcome");
    assert_eq!(panel.invite.status, InviteStatus::Pending);
    let created = panel
        .events
        .iter()
        .find(|e| e.action == "invite.created")
        .expect("a created event");
    assert_eq!(created.api_key.as_deref(), Some("platform"));
    assert_eq!(created.actor.as_deref(), Some(crate::common::ADMIN_EMAIL));

    // Create without email: the link comes back once, and nothing is mailed.
    let bob = create(
        &api,
        json!({"email": "bob@example.com", "role": "analyst", "send_email": false,
               "expires_in_hours": 2}),
    )
    .await;
    let bob_link = bob.link.clone().expect("the link, with send_email false");
    assert_eq!(bob.invitation.delivery.status, DeliveryStatus::NotSent);
    assert_eq!(
        app.detail(&bob.invitation.id).await.invite.delivery,
        Delivery::NotSent
    );
    app.deliver_all().await;
    let mails = app.mails();
    assert_eq!(mails.len(), 1, "only Ann's invitation is emailed");
    assert!(mails[0].contains("ann@example.com"));
    assert!(matches!(
        app.open_link(&token_of_link(&bob_link)).await,
        LinkView::Open(_)
    ));

    // The API's get answers the same as the panel, with the timeline.
    let got: InvitationDetail = api
        .get(&format!("/invitations/{}", a.id))
        .await
        .expect(StatusCode::OK);
    assert_eq!(got.invitation.delivery.status, DeliveryStatus::Sent);
    let actions: Vec<&str> = got.timeline.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["invite.created", "email.queued", "email.sent"]);

    // List: filters and cursors, forward and back.
    for e in ["c1@example.com", "c2@example.com", "c3@example.com"] {
        create(&api, json!({"email": e, "role": "analyst"})).await;
    }
    let first = page(&api, "role=analyst&limit=2").await;
    assert_eq!(emails(&first), ["c3@example.com", "c2@example.com"]);
    assert_eq!(first.counts.pending, 5);
    let after = first.next_after.clone().expect("a next page");
    let second = page(&api, &format!("role=analyst&limit=2&after={after}")).await;
    assert_eq!(emails(&second), ["c1@example.com", "bob@example.com"]);
    assert_eq!(second.next_after, None, "the last page");
    let before = second.prev_before.clone().expect("a previous page");
    let back = page(&api, &format!("role=analyst&limit=2&before={before}")).await;
    assert_eq!(emails(&back), emails(&first));
    let found = page(&api, "email=bo&match=prefix").await;
    assert_eq!(emails(&found), ["bob@example.com"]);
    let not_sent = page(&api, "delivery=not_sent").await;
    assert_eq!(emails(&not_sent), ["bob@example.com"]);
    let by_team = page(&api, &format!("team={brand}")).await;
    assert_eq!(emails(&by_team), ["ann@example.com"]);
    let (field, _) = api
        .get("/invitations?status=sleeping")
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field.as_deref(), Some("status"));
    let (field, _) = api
        .get("/invitations?limit=0")
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field.as_deref(), Some("limit"));

    // Patch: role, teams, expiry, with the panel agreeing; the links stay.
    let at = "2030-01-01T00:00:00Z";
    let r = api
        .patch(
            &format!("/invitations/{}", bob.invitation.id),
            &json!({"role": "Editor", "team_ids": [brand], "expires_at": at}),
        )
        .await;
    let (field, message) = r.problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field.as_deref(), Some("expires_at"), "{message}");
    let changed: Invitation = api
        .patch(
            &format!("/invitations/{}", bob.invitation.id),
            &json!({"role": "Editor", "team_ids": [brand], "expires_in_hours": 48}),
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(changed.role.name, "Editor");
    assert_eq!(changed.teams.len(), 1);
    let panel = app.detail(&bob.invitation.id).await.invite;
    assert_eq!(
        (panel.role_name.as_str(), panel.team_names().as_str()),
        ("Editor", "Brand")
    );
    assert_eq!(panel.expires_at - panel.created_at, 48 * 3_600_000);
    assert!(matches!(
        app.open_link(&token_of_link(&bob_link)).await,
        LinkView::Open(_)
    ));

    // Resend without email: a new link; the old one is dead.
    let resent: IssuedInvitation = api
        .send(
            Method::POST,
            &format!("/invitations/{}/resend", bob.invitation.id),
            Some(&json!({"send_email": false})),
            None,
        )
        .await
        .expect(StatusCode::OK);
    let new_link = resent.link.expect("the new link");
    assert_ne!(new_link, bob_link);
    assert!(!matches!(
        app.open_link(&token_of_link(&bob_link)).await,
        LinkView::Open(_)
    ));

    // Revoke: the panel says revoked, the link says withdrawn, a second revoke is a conflict.
    let revoked: Invitation = api
        .send(
            Method::POST,
            &format!("/invitations/{}/revoke", a.id),
            None,
            None,
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(revoked.status, InvitationStatus::Revoked);
    assert_eq!(app.status_of(&a.id).await, InviteStatus::Revoked);
    api.send(
        Method::POST,
        &format!("/invitations/{}/revoke", a.id),
        None,
        None,
    )
    .await
    .problem(StatusCode::CONFLICT);

    // Bulk: a dry run writes nothing; the real run creates the good items only.
    let items = json!({"items": [
        {"email": "d1@example.com", "role": "analyst"},
        {"email": "not an address", "role": "analyst"},
        {"email": "d2@example.com", "role": "Editor", "team_ids": [brand]},
        {"email": "c1@example.com", "role": "analyst"},
    ]});
    let dry: BulkAnswer = api
        .post("/invitations/bulk?dry_run=true", &items)
        .await
        .expect(StatusCode::OK);
    let outcomes: Vec<BulkOutcome> = dry.results.iter().map(|r| r.outcome).collect();
    use BulkOutcome::*;
    assert_eq!(outcomes, [Ready, Refused, Ready, Refused]);
    assert!(dry.results[3]
        .error
        .as_deref()
        .unwrap()
        .contains("Already invited"));
    assert_eq!(
        page(&api, "status=pending").await.counts.pending,
        4,
        "the dry run wrote nothing"
    );
    let real: BulkAnswer = api
        .post("/invitations/bulk", &items)
        .await
        .expect(StatusCode::OK);
    assert_eq!(real.created, 2);
    let d2 = real.results[2].invitation_id.clone().expect("d2's id");
    assert_eq!(app.detail(&d2).await.invite.team_names(), "Brand");
    assert_eq!(real.results[1].outcome, Refused);

    // Accept through the link the API handed out: the API sees the acceptance.
    let (r, _) = app.accept(&token_of_link(&new_link), "Bob").await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let bob_now: InvitationDetail = api
        .get(&format!("/invitations/{}", bob.invitation.id))
        .await
        .expect(StatusCode::OK);
    assert_eq!(bob_now.invitation.status, InvitationStatus::Accepted);
    assert!(bob_now.invitation.accepted_at.is_some());
}
