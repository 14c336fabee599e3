//! SMTP outages against a real SMTP server that injects faults (scripts/smtp_sink.py, on
//! aiosmtpd): a temporary outage delays email but loses and duplicates none; a permanent
//! rejection is shown as failed, and a resend then works.

use crate::common;

use std::collections::HashMap;

use common::sink::Sink;
use common::{Backend, TestApp};
use domain::model::{Delivery, InviteList};
use reqwest::StatusCode;

async fn app_sending_to(backend: Backend, sink: &Sink) -> TestApp {
    let port = sink.port.to_string();
    let app = TestApp::builder()
        .backend(backend)
        .flags(&[
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
        ])
        .start()
        .await;
    app.signed_in_admin().await;
    app
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
    let job = common::job_of(app.start_bulk(&csv, &[("expiry_hours", "72")]).await).await;
    assert_eq!(app.finish_bulk_job(&job).await.created, 200);
    // Three rounds of refusals, time passing between them as the backoff asks.
    for _ in 0..3 {
        attempt_all(&app).await;
        app.clock.advance(domain::clock::MINUTE);
    }
    app.deliver_all().await;
    assert!(sink.messages().is_empty(), "nothing got through the outage");

    // What the admin sees meanwhile: queued, with the reason and a retry.
    let list: InviteList = app
        .read("list_invites", &[("q", "wave1"), ("mode", "prefix")])
        .await;
    let id = list.rows[0].id.clone();
    let d = app.detail(&id).await;
    assert_eq!(d.invite.delivery, Delivery::Queued, "{:?}", d.invite);
    let why = d.invite.delivery_error.as_deref().unwrap_or_default();
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
    assert_eq!(app.detail(&id).await.invite.delivery, Delivery::Sent);
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
    let d = app.detail(&id).await;
    assert_eq!(d.invite.delivery, Delivery::Failed, "{:?}", d.invite);
    let why = d.invite.delivery_error.as_deref().unwrap_or_default();
    assert!(why.contains("550"), "{why}");
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
    assert_eq!(app.detail(&id).await.invite.delivery, Delivery::Sent);
}
both_backends!(
    a_permanent_rejection_shows_failed_and_a_resend_then_delivers,
    super::a_permanent_rejection_shows_failed_and_a_resend_then_delivers
);
