//! Rate limits: invalid links at open and accept (per client IP), invite creation (per
//! inviter), and where the client IP comes from. Sign-in's limits are in auth.rs.

use crate::common;

use app::error::AppError;
use common::{spawn_app, Backend, TestApp, GUESSED_TOKEN};
use domain::model::{AuditEntry, InviteList};
use reqwest::header::RETRY_AFTER;
use reqwest::StatusCode;

async fn accept_from(app: &TestApp, token: &str, forwarded_for: Option<&str>) -> reqwest::Response {
    let mut req = common::client(&app.base)
        .post(app.url("/api/accept_invite"))
        .form(&[
            ("token", token),
            ("name", "Guesser"),
            ("password", "a good long password"),
            ("confirm", "a good long password"),
        ]);
    if let Some(xff) = forwarded_for {
        req = req.header("x-forwarded-for", xff);
    }
    req.send().await.unwrap()
}

async fn guessing_links_is_limited_per_client_with_retry_after(backend: Backend) {
    let app = spawn_app(backend).await;
    app.signed_in_admin().await;
    let (_, real) = app.invite_ok("real@example.com", "analyst", &[]).await;
    for i in 0..30 {
        let r = accept_from(&app, &format!("{GUESSED_TOKEN}{i}"), None).await;
        assert_eq!(r.status(), StatusCode::GONE, "try {i}");
    }
    // The 31st bad link, at accept and at open, is not even looked at.
    let r = accept_from(&app, GUESSED_TOKEN, None).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = r.headers()[RETRY_AFTER].to_str().unwrap().parse().unwrap();
    assert!((1..=600).contains(&wait), "{wait}");
    let body: AppError = r.json().await.unwrap();
    let AppError::RateLimited { message, .. } = &body else {
        panic!("{body:?}")
    };
    assert!(
        message.starts_with("Too many invalid invitation links came from your network."),
        "{message}"
    );
    let r = app
        .call_with(
            &common::client(&app.base),
            "open_invite",
            &[("token", GUESSED_TOKEN)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    // Without a trusted proxy configured, X-Forwarded-For changes nothing.
    let r = accept_from(&app, GUESSED_TOKEN, Some("203.0.113.50")).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    // Once the window has passed, links are answered again, and the real one works.
    app.clock.advance(wait as i64 * domain::clock::SECOND);
    let r = accept_from(&app, GUESSED_TOKEN, None).await;
    assert_eq!(r.status(), StatusCode::GONE);
    assert_eq!(app.accept(&real, "Real").await.0.status(), StatusCode::OK);
}
both_backends!(
    guessing_links_is_limited_per_client_with_retry_after,
    super::guessing_links_is_limited_per_client_with_retry_after
);

async fn behind_a_trusted_proxy_the_forwarded_client_is_limited_and_logged(backend: Backend) {
    let app = TestApp::builder()
        .backend(backend)
        .flags(&["--trusted-proxies", "127.0.0.1"])
        .start()
        .await;
    app.signed_in_admin().await;
    for _ in 0..31 {
        accept_from(&app, GUESSED_TOKEN, Some("203.0.113.50")).await;
    }
    let r = accept_from(&app, GUESSED_TOKEN, Some("203.0.113.50")).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    // A different client behind the same proxy is not blocked by the first one's guesses…
    let r = accept_from(&app, GUESSED_TOKEN, Some("198.51.100.7")).await;
    assert_eq!(r.status(), StatusCode::GONE);
    // …and a client cannot pose as another by prepending addresses: the proxy's entry counts.
    let r = accept_from(&app, GUESSED_TOKEN, Some("198.51.100.7, 203.0.113.50")).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    // The audit log records the forwarded address of a real acceptance.
    let (_, token) = app.invite_ok("proxied@example.com", "analyst", &[]).await;
    let r = accept_from(&app, &token, Some("192.0.2.44")).await;
    assert_eq!(r.status(), StatusCode::OK);
    let log: Vec<AuditEntry> = app.read("audit_log", &[]).await;
    let accepted = log.iter().find(|e| e.action == "invite.accepted").unwrap();
    assert_eq!(accepted.ip.as_deref(), Some("192.0.2.44"), "{accepted:?}");
}
both_backends!(
    behind_a_trusted_proxy_the_forwarded_client_is_limited_and_logged,
    super::behind_a_trusted_proxy_the_forwarded_client_is_limited_and_logged
);

async fn invite_creation_is_limited_per_inviter_with_retry_after(backend: Backend) {
    let app = spawn_app(backend).await;
    app.signed_in_admin().await;
    for i in 0..60 {
        let r = app
            .invite(&format!("burst{i}@example.com"), "analyst", &[])
            .await;
        assert_eq!(r.status(), StatusCode::OK, "invite {i}");
    }
    let r = app.invite("one-too-many@example.com", "analyst", &[]).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().contains_key(RETRY_AFTER));
    let message = r.json::<AppError>().await.unwrap().to_string();
    assert!(message.contains("invites in the last minute"), "{message}");
    let listed: InviteList = app.read("list_invites", &[("q", "one-too-many")]).await;
    assert!(listed.rows.is_empty(), "nothing was created");
    app.clock.advance(domain::clock::MINUTE);
    let r = app.invite("one-too-many@example.com", "analyst", &[]).await;
    assert_eq!(r.status(), StatusCode::OK);
}
both_backends!(
    invite_creation_is_limited_per_inviter_with_retry_after,
    super::invite_creation_is_limited_per_inviter_with_retry_after
);

async fn the_invite_limit_can_be_set_and_turned_off(backend: Backend) {
    let app = TestApp::builder()
        .backend(backend)
        .flags(&["--invites-per-minute", "3"])
        .start()
        .await;
    app.signed_in_admin().await;
    for i in 0..3 {
        let r = app
            .invite(&format!("three{i}@example.com"), "analyst", &[])
            .await;
        assert_eq!(r.status(), StatusCode::OK);
    }
    let r = app.invite("four@example.com", "analyst", &[]).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);

    let app = TestApp::builder()
        .backend(backend)
        .flags(&["--invites-per-minute", "0"])
        .start()
        .await;
    app.signed_in_admin().await;
    for i in 0..70 {
        let r = app
            .invite(&format!("free{i}@example.com"), "analyst", &[])
            .await;
        assert_eq!(r.status(), StatusCode::OK, "invite {i} with the limit off");
    }
}
both_backends!(
    the_invite_limit_can_be_set_and_turned_off,
    super::the_invite_limit_can_be_set_and_turned_off
);

/// Two servers on one PostgreSQL share every limit: failed sign-ins for one account spread
/// over both are counted together, and so are an API key's requests.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn limits_hold_across_two_servers_on_one_postgres() {
    let first = TestApp::builder()
        .postgres()
        .flags(&["--api-requests-per-minute", "10"])
        .start()
        .await;
    first.signed_in_admin().await;
    let second = TestApp::builder()
        .peer_of(&first)
        .flags(&["--api-requests-per-minute", "10"])
        .start()
        .await;
    // Five failures per account per 15 minutes: three on each server make six.
    let mut statuses = Vec::new();
    for app in [&first, &second, &first, &second, &first, &second] {
        let browser = common::client(&app.base);
        let r = app
            .call_with(
                &browser,
                "sign_in",
                &[
                    ("email", common::ADMIN_EMAIL),
                    ("password", "wrong password"),
                ],
            )
            .await;
        statuses.push(r.status().as_u16());
    }
    assert_eq!(
        statuses,
        [401, 401, 401, 401, 401, 429],
        "counted across both servers"
    );
    // Ten requests a minute per key: five on each server, then the eleventh is refused.
    let key = first.api_key("shared", &["invitations:read"]).await;
    let on_second = common::api::Api::new(&second, &key.key);
    for i in 0..10 {
        let api = if i % 2 == 0 { &key } else { &on_second };
        api.get("/roles")
            .await
            .expect::<serde_json::Value>(StatusCode::OK);
    }
    let refused = on_second.get("/roles").await;
    let (_, detail) = refused.problem(StatusCode::TOO_MANY_REQUESTS);
    assert!(detail.contains("too many requests"), "{detail}");
    let wait: u64 = refused.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    key.get("/roles")
        .await
        .problem(StatusCode::TOO_MANY_REQUESTS);
}
