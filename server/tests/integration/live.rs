//! Live updates: `GET /events` tells open admin pages what changed, within a moment, on one
//! server and across servers sharing one PostgreSQL.

use crate::common;

use std::time::Duration;

use common::{spawn_app, Backend, TestApp};
use domain::model::InviteList;
use reqwest::{Response, StatusCode};

/// An open event stream and everything read from it so far (changes arriving close
/// together share one message).
struct Events {
    stream: Response,
    seen: String,
}

/// Opens the event stream with the given (signed-in) client.
async fn open_stream(app: &TestApp, client: &reqwest::Client) -> Events {
    let r = client.get(app.url("/events")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.headers()["content-type"].to_str().unwrap(),
        "text/event-stream"
    );
    Events {
        stream: r,
        seen: String::new(),
    }
}

/// Waits until a `data:` line has mentioned both `invite_id` and `what`, or fails after five
/// seconds.
async fn expect_change(events: &mut Events, invite_id: &str, what: &str) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    let wanted = format!("\"what\":\"{what}\"");
    loop {
        let found = events
            .seen
            .lines()
            .filter(|l| l.starts_with("data:"))
            .flat_map(|l| l.split("},{"))
            .any(|c| c.contains(invite_id) && c.contains(&wanted));
        if found {
            return;
        }
        let chunk = tokio::time::timeout_at(deadline, events.stream.chunk())
            .await
            .unwrap_or_else(|_| {
                panic!(
                    "no {what:?} change for {invite_id} within 5 s; got:\n{}",
                    events.seen
                )
            })
            .unwrap()
            .expect("the stream stayed open");
        events.seen.push_str(&String::from_utf8_lossy(&chunk));
    }
}

async fn an_open_stream_hears_create_open_accept_revoke_decline_and_email(backend: Backend) {
    let app = spawn_app(backend).await;
    app.signed_in_admin().await;
    let mut stream = open_stream(&app, &app.client).await;
    let (id, token) = app.invite_ok("live@example.com", "analyst", &[]).await;
    expect_change(&mut stream, &id, "created").await;
    app.deliver_all().await;
    expect_change(&mut stream, &id, "email").await;
    let r = app
        .client
        .get(app.url(&format!("/invite/{token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    expect_change(&mut stream, &id, "opened").await;
    let (r, _) = app.accept(&token, "Liv").await;
    assert_eq!(r.status(), StatusCode::OK);
    expect_change(&mut stream, &id, "accepted").await;
    let (other, _) = app.invite_ok("gone@example.com", "analyst", &[]).await;
    app.call("revoke_invite", &[("id", &other)]).await;
    expect_change(&mut stream, &other, "revoked").await;
    let (no, token) = app.invite_ok("no@example.com", "analyst", &[]).await;
    assert_eq!(app.decline(&token, "").await.status(), StatusCode::OK);
    expect_change(&mut stream, &no, "declined").await;
}
both_backends!(
    an_open_stream_hears_create_open_accept_revoke_decline_and_email,
    super::an_open_stream_hears_create_open_accept_revoke_decline_and_email
);

async fn visitors_get_no_stream(backend: Backend) {
    let app = spawn_app(backend).await;
    app.signed_in_admin().await;
    let visitor = common::client(&app.base);
    let r = visitor.get(app.url("/events")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}
both_backends!(visitors_get_no_stream, super::visitors_get_no_stream);

/// Two stateless servers on one PostgreSQL: an accept handled by one shows up live on a
/// page served by the other (LISTEN/NOTIFY).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_accept_on_one_server_reaches_a_page_served_by_another() {
    let a = spawn_app(Backend::Postgres).await;
    a.signed_in_admin().await;
    let b = TestApp::builder().peer_of(&a).start().await;
    let r = b.sign_in(common::ADMIN_EMAIL, common::ADMIN_PASSWORD).await;
    assert_eq!(r.status(), StatusCode::OK);
    let mut on_b = open_stream(&b, &b.client).await;
    // Give B's listener a moment to be subscribed before A acts.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (id, token) = a.invite_ok("across@example.com", "analyst", &[]).await;
    expect_change(&mut on_b, &id, "created").await;
    let (r, _) = a.accept(&token, "Cross").await;
    assert_eq!(r.status(), StatusCode::OK);
    expect_change(&mut on_b, &id, "accepted").await;
    // And B's list shows it accepted at once.
    let list: InviteList = b.read("list_invites", &[("status", "accepted")]).await;
    assert_eq!(list.rows[0].id, id);
}

/// An admin deactivated while their page is open: their stream ends within seconds (the
/// process re-checks every open stream every 5 s), and a new one is refused.
async fn a_deactivated_admins_open_stream_ends_within_seconds(backend: Backend) {
    let app = spawn_app(backend).await;
    app.signed_in_admin().await;
    let (_, token) = app.invite_ok("second@example.com", "admin", &[]).await;
    let (r, second) = app.accept(&token, "Second Admin").await;
    assert_eq!(r.status(), StatusCode::OK);
    let mut events = open_stream(&app, &second).await;
    let id = app.member_id("second@example.com").await;
    let r = app
        .call("set_member_active", &[("id", &id), ("active", "false")])
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(8);
    loop {
        match tokio::time::timeout_at(deadline, events.stream.chunk()).await {
            Err(_) => panic!("the stream was still open 8 s after the deactivation"),
            Ok(Ok(Some(chunk))) => events.seen.push_str(&String::from_utf8_lossy(&chunk)),
            Ok(_) => break, // ended
        }
    }
    let again = second.get(app.url("/events")).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::UNAUTHORIZED);
}
both_backends!(
    a_deactivated_admins_open_stream_ends_within_seconds,
    super::a_deactivated_admins_open_stream_ends_within_seconds
);

/// Everything the stream says while an invite lives its life (created, resent, emailed,
/// opened, accepted): ids and what happened, never a token, a link or an address.
async fn the_stream_never_carries_a_token_link_or_address(backend: Backend) {
    let app = spawn_app(backend).await;
    app.signed_in_admin().await;
    let mut events = open_stream(&app, &app.client).await;
    let (id, first) = app.invite_ok("quiet@example.com", "analyst", &[]).await;
    expect_change(&mut events, &id, "created").await;
    let r = app.call("resend_invite", &[("id", &id)]).await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let issued: domain::model::IssuedLink = r.json().await.unwrap();
    let second = common::token_of(&issued);
    app.deliver_all().await;
    expect_change(&mut events, &id, "email").await;
    let page = app.page(&format!("/invite/{second}")).await;
    assert_eq!(page.status(), StatusCode::OK);
    expect_change(&mut events, &id, "opened").await;
    let (r, _) = app.accept(&second, "Quiet").await;
    assert_eq!(r.status(), StatusCode::OK);
    expect_change(&mut events, &id, "accepted").await;
    for secret in [
        first.as_str(),
        second.as_str(),
        "/invite/",
        "quiet@example.com",
    ] {
        assert!(
            !events.seen.contains(secret),
            "the stream carried {secret:?}:\n{}",
            events.seen
        );
    }
}
both_backends!(
    the_stream_never_carries_a_token_link_or_address,
    super::the_stream_never_carries_a_token_link_or_address
);
