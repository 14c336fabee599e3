//! Webhooks, received by a real HTTP server that checks every signature with the Standard
//! Webhooks reference library (scripts/webhook_receiver.py): each change arrives once, signed,
//! in commit order per invite; retries, 410, rotation, and where webhooks may not go.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::json;
use server::api::invitations::IssuedInvitation;
use server::api::webhooks::Secret;

use crate::common::api::Api;
use crate::common::receiver::{Received, Receiver};
use crate::common::sink::Sink;
use crate::common::{Backend, TestApp};

const SCOPES: [&str; 6] = [
    "webhooks:manage",
    "invitations:read",
    "invitations:write",
    "invitations:revoke",
    "members:read",
    "members:write",
];

async fn app_with_loopback_hooks(backend: Backend, sink: &Sink) -> TestApp {
    let port = sink.port.to_string();
    let app = TestApp::builder()
        .backend(backend)
        .flags(&[
            "--allow-loopback-webhooks",
            "true",
            "--mail-transport",
            "smtp",
            "--smtp-host",
            "127.0.0.1",
            "--smtp-port",
            &port,
            "--smtp-tls",
            "none",
        ])
        .start()
        .await;
    app.signed_in_admin().await;
    app
}

/// Adds an endpoint for every event at the receiver and tells the receiver its secret.
async fn subscribe(api: &Api, receiver: &Receiver, types: &[&str]) -> String {
    let s: Secret = api
        .post(
            "/webhooks",
            &json!({"url": receiver.url("/hook"), "event_types": types}),
        )
        .await
        .expect(StatusCode::CREATED);
    receiver.set_secrets(&[s.secret.as_deref().unwrap()]);
    s.endpoint_id
}

/// Sends every due delivery and emails until none is left; then waits for the receiver to
/// have accepted `n` webhook-ids. Returns every accepted request (repeats included).
async fn settle(app: &TestApp, receiver: &Receiver, n: usize) -> Vec<Received> {
    for _ in 0..400 {
        app.deliver_all().await;
        while app.services.deliver_next_webhook().await.unwrap() {}
        if unique(&receiver.accepted()).len() >= n {
            tokio::time::sleep(Duration::from_millis(300)).await;
            return receiver.accepted();
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!(
        "the receiver accepted {} of {n}: {:?}",
        receiver.accepted().len(),
        receiver.received()
    );
}

/// Sends every due delivery, and waits for those the background workers are sending.
async fn drain(app: &TestApp) {
    for _ in 0..2 {
        while app.services.deliver_next_webhook().await.unwrap() {}
        advance(app, 0).await;
    }
}

/// Moves the app's clock on by `ms`, in steps shorter than the 30 s delivery lease, each once
/// no delivery is on the wire. One jump past the lease while a background worker is sending
/// would let a second worker take the same delivery (a claim can come just after any check):
/// real clocks do not jump half an hour, the tests' manual one does.
async fn advance(app: &TestApp, ms: i64) {
    // A third of the lease: a claim the check below missed (its statement still committing)
    // would need three unseen steps to lose its lease.
    const STEP: i64 = 10_000;
    let mut left = ms;
    loop {
        let mut waited = 0;
        loop {
            // Through the writer on SQLite: it runs after any claim that has returned its row.
            let in_flight: i64 = domain::on_db_write!(&app.services.db, p => sqlx::query_scalar(
                "SELECT COUNT(*) FROM webhook_deliveries WHERE locked_until IS NOT NULL",
            )
            .fetch_one(p)
            .await)
            .unwrap();
            if in_flight == 0 {
                break;
            }
            waited += 1;
            assert!(waited < 1000, "deliveries stayed in flight");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        if left <= 0 {
            return;
        }
        app.clock.advance(STEP.min(left));
        left -= STEP;
    }
}

/// The first arrival of each webhook-id. Delivery is at least once: an attempt whose answer
/// never came back (a timeout on a busy machine) is sent again with the same id, and the
/// receiver de-duplicates on it, as the spec tells receivers to.
fn unique(got: &[Received]) -> Vec<Received> {
    let mut seen = BTreeSet::new();
    got.iter()
        .filter(|r| seen.insert(r.id.clone()))
        .cloned()
        .collect()
}

/// Every webhook-id that arrived twice was sent again only after an attempt that failed on
/// our side (no answer, or not 2xx), as the endpoint's attempt log shows.
async fn repeats_follow_failures(api: &Api, endpoint: &str, got: &[Received]) {
    let repeated: BTreeSet<&str> = got
        .iter()
        .filter(|r| got.iter().filter(|o| o.id == r.id).count() > 1)
        .map(|r| r.id.as_str())
        .collect();
    if repeated.is_empty() {
        return;
    }
    let detail: serde_json::Value = api
        .get(&format!("/webhooks/{endpoint}"))
        .await
        .expect(StatusCode::OK);
    for id in repeated {
        let delivery = detail["deliveries"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["msg_id"] == id)
            .unwrap();
        let attempts = delivery["attempt_log"].as_array().unwrap();
        let failed_first = attempts.len() > 1
            && attempts[..attempts.len() - 1].iter().any(|a| {
                !a["error"].is_null() || !(200..300).contains(&a["status"].as_i64().unwrap_or(0))
            });
        assert!(
            failed_first,
            "{id} was sent twice without a failed attempt: {delivery}"
        );
    }
}

fn token(link: &str) -> String {
    link.rsplit('/').next().unwrap().to_owned()
}

fn by_invite(got: &[Received]) -> BTreeMap<String, Vec<String>> {
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in got {
        let key = r.data()["invitation_id"]
            .as_str()
            .or(r.data()["member_id"].as_str())
            .unwrap()
            .to_owned();
        map.entry(key)
            .or_default()
            .push(r.event_type.clone().unwrap());
    }
    map
}

crate::both_backends!(
    each_change_arrives_once_signed_and_in_commit_order_per_invite,
    super::each_change_arrives_once
);
async fn each_change_arrives_once(backend: Backend) {
    let sink = Sink::start("accept").await;
    let app = app_with_loopback_hooks(backend, &sink).await;
    let receiver = Receiver::start().await;
    let api = app.api_key("hooks", &SCOPES).await;
    let endpoint = subscribe(&api, &receiver, &["*"]).await;

    // Ann: created (and emailed), resent as a link, opened, changed, accepted.
    let ann: IssuedInvitation = api
        .post(
            "/invitations",
            &json!({"email": "ann@example.com", "role": "editor"}),
        )
        .await
        .expect(StatusCode::CREATED);
    let ann_id = ann.invitation.id.clone();
    app.deliver_all().await;
    let resent: IssuedInvitation = api
        .send(
            Method::POST,
            &format!("/invitations/{ann_id}/resend"),
            Some(&json!({"send_email": false})),
            None,
        )
        .await
        .expect(StatusCode::OK);
    let link = token(&resent.link.unwrap());
    app.open_link(&link).await;
    api.patch(
        &format!("/invitations/{ann_id}"),
        &json!({"expires_in_hours": 48}),
    )
    .await
    .expect::<serde_json::Value>(StatusCode::OK);
    let (r, _) = app.accept(&link, "Ann").await;
    assert_eq!(r.status(), StatusCode::OK);
    let member = app.member_id("ann@example.com").await;
    // Her membership: role changed, an end date, deactivated, reactivated.
    let ten_days = domain::clock::Clock::now(&app.clock) + 10 * domain::clock::DAY;
    let ten_days = ten_days - ten_days % 60_000;
    let ends = format!("{}:00Z", domain::model::fmt_utc_input(ten_days));
    for change in [
        json!({"role": "analyst"}),
        json!({"access_ends_at": ends}),
        json!({"active": false}),
        json!({"active": true}),
    ] {
        api.patch(&format!("/members/{member}"), &change)
            .await
            .expect::<serde_json::Value>(StatusCode::OK);
    }
    // And a password reset link sent to her (the event names her, never the link).
    api.post(&format!("/members/{member}/password-reset"), &json!({}))
        .await
        .expect::<serde_json::Value>(StatusCode::ACCEPTED);
    // Bob: created without email, revoked.
    let bob: IssuedInvitation = api
        .post(
            "/invitations",
            &json!({"email": "bob@example.com", "role": "analyst", "send_email": false}),
        )
        .await
        .expect(StatusCode::CREATED);
    api.send(
        Method::POST,
        &format!("/invitations/{}/revoke", bob.invitation.id),
        None,
        None,
    )
    .await
    .expect::<serde_json::Value>(StatusCode::OK);
    // Eve: created without email, declined by her.
    let eve: IssuedInvitation = api
        .post(
            "/invitations",
            &json!({"email": "eve@example.com", "role": "analyst", "send_email": false}),
        )
        .await
        .expect(StatusCode::CREATED);
    let declined = app
        .decline(&token(eve.link.as_deref().unwrap()), "not for me")
        .await;
    assert_eq!(declined.status(), StatusCode::OK);
    // Dave: the mail server refuses the address for good.
    sink.set_mode("reject");
    let dave: IssuedInvitation = api
        .post(
            "/invitations",
            &json!({"email": "dave@example.com", "role": "analyst"}),
        )
        .await
        .expect(StatusCode::CREATED);
    app.deliver_all().await;
    // Carl: expires.
    let carl: IssuedInvitation = api
        .post("/invitations", &json!({"email": "carl@example.com", "role": "analyst", "send_email": false, "expires_in_hours": 1}))
        .await
        .expect(StatusCode::CREATED);
    advance(&app, 2 * 3_600_000).await;
    assert_eq!(app.services.announce_expired().await.unwrap(), 1);
    assert_eq!(
        app.services.announce_expired().await.unwrap(),
        0,
        "once per expiry"
    );

    let all = settle(&app, &receiver, 20).await;
    repeats_follow_failures(&api, &endpoint, &all).await;
    let got = unique(&all);
    assert_eq!(
        got.len(),
        20,
        "{:#?}",
        got.iter().map(|r| &r.event_type).collect::<Vec<_>>()
    );
    for r in &got {
        assert!(r.verified, "the reference library verifies {r:?}");
        assert!(r.tampered_rejected, "and refuses a changed body: {r:?}");
        assert!(!r.body.contains("/invite/"), "no link in {}", r.body);
        assert!(!r.body.contains("/set-password/"), "no link in {}", r.body);
    }
    let ids: BTreeSet<&str> = got.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids.len(), got.len(), "each event once");
    let order = by_invite(&got);
    let want = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(
        order[&ann_id],
        want(&[
            "invitation.created",
            "invitation.sent",
            "invitation.resent",
            "invitation.opened",
            "invitation.updated",
            "invitation.accepted",
            "member.joined"
        ])
    );
    assert_eq!(
        order[&member],
        want(&[
            "member.role_changed",
            "member.access_end_changed",
            "member.deactivated",
            "member.reactivated",
            "member.password_reset_sent"
        ])
    );
    assert_eq!(
        order[&bob.invitation.id],
        want(&["invitation.created", "invitation.revoked"])
    );
    assert_eq!(
        order[&eve.invitation.id],
        want(&["invitation.created", "invitation.declined"])
    );
    assert_eq!(
        order[&dave.invitation.id],
        want(&["invitation.created", "invitation.delivery_failed"])
    );
    assert_eq!(
        order[&carl.invitation.id],
        want(&["invitation.created", "invitation.expired"])
    );
    let joined = got
        .iter()
        .find(|r| r.event_type.as_deref() == Some("member.joined"))
        .unwrap();
    assert_eq!(joined.data()["member_id"], member.as_str());
    assert_eq!(joined.data()["email"], "ann@example.com");
    let created = got
        .iter()
        .find(|r| r.event_type.as_deref() == Some("invitation.created"))
        .unwrap();
    assert_eq!(created.data()["api_key"], "hooks");
}

crate::both_backends!(
    a_receiver_down_for_a_while_gets_everything_once_after_retries,
    super::receiver_down_then_up
);
async fn receiver_down_then_up(backend: Backend) {
    let sink = Sink::start("accept").await;
    let app = app_with_loopback_hooks(backend, &sink).await;
    let receiver = Receiver::start().await;
    let api = app.api_key("hooks", &SCOPES).await;
    let endpoint = subscribe(
        &api,
        &receiver,
        &["invitation.created", "invitation.revoked"],
    )
    .await;
    receiver.set_mode("fail");
    let mut invites = Vec::new();
    for i in 0..5 {
        let issued: IssuedInvitation = api
            .post("/invitations", &json!({"email": format!("r{i}@example.com"), "role": "analyst", "send_email": false}))
            .await
            .expect(StatusCode::CREATED);
        invites.push(issued.invitation.id);
    }
    api.send(
        Method::POST,
        &format!("/invitations/{}/revoke", invites[0]),
        None,
        None,
    )
    .await
    .expect::<serde_json::Value>(StatusCode::OK);
    // Three rounds of refusals, the clock moved past each retry.
    for _ in 0..3 {
        drain(&app).await;
        advance(&app, 3 * 60_000).await;
    }
    let refused = receiver.received().len();
    assert!(refused >= 5, "the receiver was tried: {refused}");
    assert!(receiver.accepted().is_empty());
    let detail: serde_json::Value = api
        .get(&format!("/webhooks/{endpoint}"))
        .await
        .expect(StatusCode::OK);
    let tried = detail["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["type"] == "invitation.created")
        .unwrap();
    assert_eq!(tried["state"], "pending");
    assert!(tried["attempt_log"][0]["status"] == 503, "{tried}");
    // The revoke waits behind the create of the same invite: never delivered first.
    assert!(receiver
        .received()
        .iter()
        .all(|r| r.event_type.as_deref() != Some("invitation.revoked")));

    receiver.set_mode("ok");
    advance(&app, 15 * 60_000).await;
    let all = settle(&app, &receiver, 6).await;
    repeats_follow_failures(&api, &endpoint, &all).await;
    let got = unique(&all);
    assert_eq!(got.len(), 6, "each event accepted, once per webhook-id");
    let order = by_invite(&got);
    assert_eq!(
        order[&invites[0]],
        ["invitation.created", "invitation.revoked"]
    );
    // Every attempt of one event carried the same webhook-id.
    let tried: BTreeSet<String> = receiver.received().into_iter().map(|r| r.id).collect();
    assert_eq!(tried.len(), 6, "retries reuse the webhook-id");
}

crate::both_backends!(
    a_410_disables_the_endpoint_and_replay_sends_the_same_webhook_id,
    super::gone_and_replay
);
async fn gone_and_replay(backend: Backend) {
    let sink = Sink::start("accept").await;
    let app = app_with_loopback_hooks(backend, &sink).await;
    let receiver = Receiver::start().await;
    let api = app.api_key("hooks", &SCOPES).await;
    let endpoint = subscribe(&api, &receiver, &["invitation.created"]).await;
    receiver.set_mode("gone");
    create_one(&api, "gone@example.com").await;
    drain(&app).await;
    let detail: serde_json::Value = api
        .get(&format!("/webhooks/{endpoint}"))
        .await
        .expect(StatusCode::OK);
    assert_eq!(detail["enabled"], false);
    assert!(detail["disabled_reason"].as_str().unwrap().contains("410"));
    assert_eq!(detail["deliveries"][0]["state"], "failed");
    assert!(app
        .audit_actions()
        .await
        .contains(&"webhook.disabled".to_owned()));
    // Disabled: new events are not even queued for it.
    create_one(&api, "later@example.com").await;
    let detail: serde_json::Value = api
        .get(&format!("/webhooks/{endpoint}"))
        .await
        .expect(StatusCode::OK);
    assert_eq!(detail["deliveries"].as_array().unwrap().len(), 1);

    // Enabled again and replayed: the same webhook-id, now accepted.
    receiver.set_mode("ok");
    api.patch(&format!("/webhooks/{endpoint}"), &json!({"enabled": true}))
        .await
        .expect::<serde_json::Value>(StatusCode::OK);
    let msg = detail["deliveries"][0]["msg_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = api
        .send(
            Method::POST,
            &format!("/webhooks/{endpoint}/deliveries/{msg}/replay"),
            None,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
    let got = settle(&app, &receiver, 1).await;
    assert_eq!(got[0].id, msg);
    // A redirect is not followed: it counts as a failure, to be retried.
    receiver.set_mode("redirect");
    create_one(&api, "moved@example.com").await;
    drain(&app).await;
    let detail: serde_json::Value = api
        .get(&format!("/webhooks/{endpoint}"))
        .await
        .expect(StatusCode::OK);
    let newest = &detail["deliveries"][0];
    assert_eq!(newest["state"], "pending");
    assert!(
        newest["attempt_log"][0]["error"]
            .as_str()
            .unwrap()
            .contains("redirect"),
        "{newest}"
    );
}

async fn create_one(api: &Api, email: &str) {
    api.post(
        "/invitations",
        &json!({"email": email, "role": "analyst", "send_email": false}),
    )
    .await
    .expect::<IssuedInvitation>(StatusCode::CREATED);
}

crate::both_backends!(
    during_a_rotation_both_secrets_sign_and_then_only_the_new_one,
    super::rotation
);
async fn rotation(backend: Backend) {
    let sink = Sink::start("accept").await;
    let app = app_with_loopback_hooks(backend, &sink).await;
    let receiver = Receiver::start().await;
    let api = app.api_key("hooks", &SCOPES).await;
    let endpoint = subscribe(&api, &receiver, &["invitation.created"]).await;
    let old = receiver.secrets()[0].clone();
    let rotated: Secret = api
        .send(
            Method::POST,
            &format!("/webhooks/{endpoint}/rotate-secret"),
            Some(&json!({"overlap_hours": 1})),
            None,
        )
        .await
        .expect(StatusCode::OK);
    let new = rotated.secret.unwrap();
    assert_ne!(new, old);
    // A receiver that knows only the new secret verifies, during the overlap and after it.
    receiver.set_secrets(&[&new]);
    create_one(&api, "during@example.com").await;
    let got = settle(&app, &receiver, 1).await;
    assert_eq!((got[0].signatures, got[0].verified), (2, true));
    // One that knows only the old one verifies during the overlap...
    receiver.set_secrets(&[&old]);
    create_one(&api, "old@example.com").await;
    let got = settle(&app, &receiver, 2).await;
    assert!(got[1].verified);
    // ...and not after it.
    advance(&app, 2 * 3_600_000).await;
    create_one(&api, "after@example.com").await;
    // A background worker may be the one sending it: wait for it to arrive.
    for _ in 0..400 {
        while app.services.deliver_next_webhook().await.unwrap() {}
        if receiver.received().len() == 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let last = receiver.received().pop().unwrap();
    assert!(last.body.contains("after@example.com"), "{last:?}");
    assert_eq!((last.signatures, last.verified), (1, false));
    // Neither secret is in the database: they are derived from seeds under the server key.
    let dump = crate::common::dump::as_text(&crate::common::dump::dump(&app.services.db).await);
    for secret in [&old, &new] {
        let bytes = secret.trim_start_matches("whsec_");
        assert!(!dump.contains(bytes), "a signing secret in the database");
    }
}

crate::both_backends!(
    endpoints_on_private_loopback_or_metadata_addresses_are_refused,
    super::refused_addresses
);
async fn refused_addresses(backend: Backend) {
    // No development setting here: loopback is as forbidden as the rest.
    let app = TestApp::builder().backend(backend).start().await;
    app.signed_in_admin().await;
    let api = app.api_key("hooks", &["webhooks:manage"]).await;
    for (url, why) in [
        ("http://127.0.0.1:9000/hook", "https"),
        ("https://127.0.0.1:9000/hook", "loopback"),
        ("https://localhost/hook", "loopback"),
        ("https://169.254.169.254/latest/meta-data", "link-local"),
        ("https://10.1.2.3/hook", "private"),
        ("https://[::ffff:127.0.0.1]/hook", "loopback"),
        ("https://[fd00::1]/hook", "private"),
        ("https://user:pw@example.com/hook", "password"),
    ] {
        let r = api
            .post("/webhooks", &json!({"url": url, "event_types": ["*"]}))
            .await;
        let (field, detail) = r.problem(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(field.as_deref(), Some("url"), "{url}");
        assert!(detail.contains(why), "{url}: {detail}");
    }
    let list: Vec<serde_json::Value> = api.get("/webhooks").await.expect(StatusCode::OK);
    assert!(list.is_empty(), "nothing was stored");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn invitation_expired_fires_exactly_once_with_two_servers_postgres() {
    let first = TestApp::builder().postgres().start().await;
    first.signed_in_admin().await;
    let second = TestApp::builder().peer_of(&first).start().await;
    let api = first.api_key("hooks", &SCOPES).await;
    // An endpoint whose deliveries we only count (nobody listens on port 9).
    let admin = domain::store::users::find_by_email(&first.services.db, crate::common::ADMIN_EMAIL)
        .await
        .unwrap()
        .unwrap();
    let caller = domain::access::Caller::signed_in(admin, &domain::audit::Actor::default());
    let mut outbound = first.services.clone();
    outbound.outbound.allow_loopback = true;
    outbound
        .create_webhook(
            &caller,
            domain::webhooks::NewWebhook {
                url: "http://127.0.0.1:9/count",
                event_types: &["invitation.expired".to_owned()],
                description: "",
            },
        )
        .await
        .unwrap();
    for i in 0..40 {
        api.post("/invitations", &json!({"email": format!("x{i}@example.com"), "role": "analyst", "send_email": false, "expires_in_hours": 1}))
            .await
            .expect::<IssuedInvitation>(StatusCode::CREATED);
    }
    first.clock.advance(2 * 3_600_000);
    second.clock.advance(2 * 3_600_000);
    // Both servers' schedulers, several times each, at once.
    let runs = (0..6).map(|i| {
        let s = if i % 2 == 0 {
            first.services.clone()
        } else {
            second.services.clone()
        };
        tokio::spawn(async move { s.announce_expired().await.unwrap() })
    });
    let announced: usize = futures_util::future::join_all(runs)
        .await
        .into_iter()
        .map(|r| r.unwrap())
        .sum();
    assert_eq!(announced, 40, "every invite announced by exactly one run");
    let count = |sql: &'static str| {
        let db = first.services.db.clone();
        async move {
            domain::on_db!(&db, p => sqlx::query_scalar::<_, i64>(sql).fetch_one(p).await).unwrap()
        }
    };
    assert_eq!(
        count("SELECT COUNT(*) FROM audit_log WHERE action = 'invite.expired'").await,
        40
    );
    assert_eq!(
        count("SELECT COUNT(DISTINCT subject_key) FROM webhook_deliveries WHERE type = 'invitation.expired'").await,
        40
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM webhook_deliveries WHERE type = 'invitation.expired'").await,
        40
    );
}

/// `kill -9` of the real server while deliveries are in flight: after a restart each event is
/// accepted by the receiver, and only the deliveries that were in flight at the kill arrive
/// twice, with the same webhook-id (once the 30 s lease runs out).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_mid_delivery_repeats_at_most_the_deliveries_in_flight_with_their_ids() {
    use crate::common::process::{cli_api_key, env, free_port, run_cli, ServerProcess};
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let db = format!("sqlite://{}/vestibule.db", dir.path().display());
    let env = env(
        &db,
        dir.path(),
        port,
        &[
            ("VESTIBULE_ALLOW_LOOPBACK_WEBHOOKS", "true"),
            ("VESTIBULE_API_REQUESTS_PER_MINUTE", "0"),
        ],
    );
    run_cli(
        &env,
        &["admin", "bootstrap", "--email", "admin@example.com"],
    );
    let key = cli_api_key(&env, "crash", "webhooks:manage,invitations:write");
    let receiver = Receiver::start().await;
    receiver.set_mode("slow");
    let log = dir.path().join("server.log");
    let mut server = ServerProcess::start(&env, &log).await;
    let api = Api {
        base: format!("{}/api/v1", server.base),
        key,
        http: reqwest::Client::new(),
    };
    subscribe(&api, &receiver, &["invitation.created"]).await;
    for i in 0..3 {
        create_one(&api, &format!("k{i}@example.com")).await;
    }
    // Wait until deliveries are on the wire (the receiver sits on them for 5 s), then kill.
    let started = std::time::Instant::now();
    while receiver.started().is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "nothing was sent"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.kill_hard();
    // Requests that reached the receiver before the kill note themselves a moment later; none
    // can start after it (the server is gone).
    tokio::time::sleep(Duration::from_millis(500)).await;
    let in_flight: BTreeSet<String> = receiver.started().into_iter().collect();
    receiver.set_mode("ok");
    let _server = ServerProcess::start(&env, &log).await;
    let started = std::time::Instant::now();
    loop {
        let accepted: BTreeSet<String> = receiver.accepted().into_iter().map(|r| r.id).collect();
        if accepted.len() == 3 && receiver.received().len() >= 3 + in_flight.len() {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "after the restart: {:?}",
            receiver.received()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let mut per_id: BTreeMap<String, usize> = BTreeMap::new();
    for r in receiver.received() {
        assert!(r.verified, "{r:?}");
        *per_id.entry(r.id).or_default() += 1;
    }
    assert_eq!(
        per_id.len(),
        3,
        "three events, each with one webhook-id: {per_id:?}"
    );
    assert!(
        per_id.values().any(|n| *n == 2),
        "the kill caught a delivery on the wire, which was sent again: {per_id:?}"
    );
    for (id, n) in &per_id {
        assert!(*n <= 2, "{id} arrived {n} times");
        if *n == 2 {
            assert!(
                in_flight.contains(id),
                "{id} was repeated without being in flight"
            );
        }
    }
}
