//! SMTP outages against a real SMTP server that injects faults (scripts/smtp_sink.py, on
//! aiosmtpd): a temporary outage delays email but loses and duplicates none; a permanent
//! rejection is shown as failed, and a resend then works.

use crate::common;

use std::collections::HashMap;

use common::sink::Sink;
use common::{spawn_app_full, Backend, TestApp};
use reqwest::StatusCode;
use serde_json::Value;

async fn app_sending_to(backend: Backend, sink: &Sink) -> TestApp {
    let port = sink.port.to_string();
    let app = spawn_app_full(
        backend,
        None,
        &[
            "--mail-transport",
            "smtp",
            "--smtp-host",
            "127.0.0.1",
            "--smtp-port",
            &port,
            "--smtp-tls",
            "none",
            "--smtp-timeout-secs",
            "5",
        ],
    )
    .await;
    app.signed_in_admin().await;
    app
}

async fn detail(app: &TestApp, id: &str) -> Value {
    app.call("invite_detail", &[("id", id)])
        .await
        .json()
        .await
        .unwrap()
}

/// One pass over every due email (each gets one attempt).
async fn attempt_all(app: &TestApp) {
    while app.services.deliver_next().await.unwrap() {}
}

async fn an_outage_delays_200_emails_and_recovery_delivers_each_exactly_once(backend: Backend) {
    let sink = Sink::start("tempfail").await;
    let app = app_sending_to(backend, &sink).await;
    let csv: String = (0..200)
        .map(|i| format!("wave{i}@example.com,analyst\n"))
        .collect();
    let r = app
        .call("bulk_start", &[("csv", &csv), ("expiry_hours", "72")])
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let job: String = r.json().await.unwrap();
    assert_eq!(app.finish_bulk_job(&job).await["created"], 200);
    // Three rounds of refusals, time passing between them as the backoff asks.
    for _ in 0..3 {
        attempt_all(&app).await;
        app.clock.advance(domain::clock::MINUTE);
    }
    app.deliver_all().await;
    assert!(sink.messages().is_empty(), "nothing got through the outage");

    // What the admin sees meanwhile: queued, with the reason and a retry.
    let list: Value = app
        .call("list_invites", &[("q", "wave1"), ("mode", "prefix")])
        .await
        .json()
        .await
        .unwrap();
    let id = list["rows"][0]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{list}"))
        .to_owned();
    let d = detail(&app, &id).await;
    assert_eq!(d["invite"]["delivery"], "Queued", "{}", d["invite"]);
    let why = d["invite"]["delivery_error"].as_str().unwrap();
    assert!(why.starts_with("retrying:") && why.contains("451"), "{why}");

    // The sink recovers: every email arrives, once.
    sink.set_mode("accept");
    app.clock.advance(domain::clock::HOUR);
    app.deliver_all().await;
    for _ in 0..3 {
        app.clock.advance(domain::clock::HOUR);
        app.deliver_all().await;
    }
    let mut per_recipient: HashMap<String, usize> = HashMap::new();
    for (to, _) in sink.messages() {
        *per_recipient.entry(to).or_default() += 1;
    }
    assert_eq!(per_recipient.len(), 200, "every invitee got their email");
    assert!(
        per_recipient.values().all(|&n| n == 1),
        "no email went out twice"
    );
    assert_eq!(detail(&app, &id).await["invite"]["delivery"], "Sent");
}
both_backends!(
    an_outage_delays_200_emails_and_recovery_delivers_each_exactly_once,
    super::an_outage_delays_200_emails_and_recovery_delivers_each_exactly_once
);

async fn a_permanent_rejection_shows_failed_and_a_resend_then_delivers(backend: Backend) {
    let sink = Sink::start("reject").await;
    let app = app_sending_to(backend, &sink).await;
    let (id, _) = app.invite_ok("bounced@example.com", "analyst", &[]).await;
    app.deliver_all().await;
    let d = detail(&app, &id).await;
    assert_eq!(d["invite"]["delivery"], "Failed", "{}", d["invite"]);
    assert!(
        d["invite"]["delivery_error"]
            .as_str()
            .unwrap()
            .contains("550"),
        "{}",
        d["invite"]
    );
    // No further attempts: a permanent failure is final.
    app.clock.advance(domain::clock::DAY);
    app.deliver_all().await;
    assert!(sink.messages().is_empty());

    sink.set_mode("accept");
    let r = app.call("resend_invite", &[("id", &id)]).await;
    assert_eq!(r.status(), StatusCode::OK);
    app.deliver_all().await;
    let got: Vec<String> = sink.messages().into_iter().map(|(to, _)| to).collect();
    assert_eq!(got, vec!["bounced@example.com".to_owned()]);
    assert_eq!(detail(&app, &id).await["invite"]["delivery"], "Sent");
}
both_backends!(
    a_permanent_rejection_shows_failed_and_a_resend_then_delivers,
    super::a_permanent_rejection_shows_failed_and_a_resend_then_delivers
);
