//! Races on one link, each repeated 100 times on SQLite and PostgreSQL: many accepts at once,
//! accept against revoke, accept against resend. Whatever the interleaving, exactly one side
//! wins, the loser is told so, and the stored outcome matches what each side was told.

use crate::common;

use std::time::Duration;

use app::error::AppError;
use common::{from_json, spawn_app, Backend, TestApp};
use domain::model::{InviteStatus, IssuedLink, LinkView};
use futures_util::future::join_all;
use reqwest::StatusCode;

const ROUNDS: usize = 100;

/// Between rounds a minute passes, so the inviter stays under the per-minute sending limit.
fn next_round(app: &TestApp) {
    app.clock.advance(domain::clock::MINUTE);
}

async fn users_with_email(app: &TestApp, email: &str) -> i64 {
    domain::on_db!(&app.services.db, p => sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM users WHERE email = $1",
    )
    .bind(email)
    .fetch_one(p)
    .await)
    .unwrap()
}

/// How long one accept takes here, end to end. The second request's start is swept from 0 to
/// twice that, so that both orders happen on a fast machine and on a loaded CI machine alike.
async fn accept_time(app: &TestApp) -> Duration {
    let (_, token) = app
        .invite_ok("calibration@example.com", "analyst", &[])
        .await;
    let started = std::time::Instant::now();
    let (r, _) = app.accept(&token, "Calibration").await;
    assert_eq!(r.status(), StatusCode::OK);
    started.elapsed()
}

/// The sweep: round 0 starts at once, round 39 at twice the accept time, then again.
fn delay(round: usize, accept: Duration) -> Duration {
    accept.mul_f64((round % 40) as f64 / 20.0)
}

/// One round of a two-sided race: a fresh invite whose link is accepted while the admin calls
/// `server_fn` on it, started `delay(round)` later. Both answers come back as (status, body).
struct Round {
    email: String,
    id: String,
    token: String,
    accept: (StatusCode, String),
    admin: (StatusCode, String),
}

async fn race(app: &TestApp, round: usize, accept_takes: Duration, server_fn: &str) -> Round {
    next_round(app);
    let email = format!("{server_fn}-race{round}@example.com");
    let (id, token) = app.invite_ok(&email, "analyst", &[]).await;
    let delay = delay(round, accept_takes);
    let ((accept, _), admin) = tokio::join!(app.accept(&token, "Racer"), async {
        tokio::time::sleep(delay).await;
        app.call(server_fn, &[("id", &id)]).await
    });
    let accept = (accept.status(), accept.text().await.unwrap());
    let admin = (admin.status(), admin.text().await.unwrap());
    Round {
        email,
        id,
        token,
        accept,
        admin,
    }
}

/// The token of the link a resend issued.
fn token_of(resend: &str) -> String {
    common::token_of(&from_json::<IssuedLink>("resend_invite", resend))
}

fn unusable(view: LinkView) -> AppError {
    AppError::InviteUnusable(Box::new(view))
}

async fn fifty_concurrent_accepts_of_one_link_make_exactly_one_account(backend: Backend) {
    let app = spawn_app(backend).await;
    app.signed_in_admin().await;
    for round in 0..ROUNDS {
        next_round(&app);
        let email = format!("race{round}@example.com");
        let (id, token) = app.invite_ok(&email, "analyst", &[]).await;
        let answers = join_all((0..50).map(|n| {
            let app = &app;
            let token = token.clone();
            async move {
                let (r, browser) = app.accept(&token, &format!("Racer {n}")).await;
                let status = r.status();
                let body = r.text().await.unwrap();
                let me = app.whoami_as(&browser).await;
                (status, body, me)
            }
        }))
        .await;
        let winners: Vec<_> = answers
            .iter()
            .filter(|(s, _, _)| *s == StatusCode::OK)
            .collect();
        assert_eq!(winners.len(), 1, "round {round}: {answers:?}");
        assert_eq!(
            winners[0].2.as_ref().map(|me| me.email.as_str()),
            Some(email.as_str()),
            "the winner is signed in"
        );
        for (status, body, me) in answers.iter().filter(|(s, _, _)| *s != StatusCode::OK) {
            assert_eq!(*status, StatusCode::GONE, "round {round}");
            assert_eq!(
                from_json::<AppError>("accept_invite", body),
                unusable(LinkView::Used),
                "round {round}"
            );
            assert!(me.is_none(), "a loser is not signed in");
        }
        assert_eq!(users_with_email(&app, &email).await, 1, "round {round}");
        assert_eq!(app.status_of(&id).await, InviteStatus::Accepted);
    }
    assert_eq!(app.count_users().await, ROUNDS as i64 + 1);
}
both_backends!(
    fifty_concurrent_accepts_of_one_link_make_exactly_one_account,
    super::fifty_concurrent_accepts_of_one_link_make_exactly_one_account
);

async fn accept_against_revoke_ends_in_exactly_one_of_them(backend: Backend) {
    let app = spawn_app(backend).await;
    app.signed_in_admin().await;
    let accept_takes = accept_time(&app).await;
    let (mut accepted, mut revoked) = (0, 0);
    for round in 0..ROUNDS {
        // The revoke's start is swept across the accept's window, so both orders happen.
        let Round {
            email,
            id,
            accept: (a, accept_body),
            admin: (r, revoke_body),
            ..
        } = race(&app, round, accept_takes, "revoke_invite").await;
        let stored = app.status_of(&id).await;
        match (a, r) {
            (StatusCode::OK, StatusCode::CONFLICT) => {
                accepted += 1;
                assert_eq!(stored, InviteStatus::Accepted, "round {round}");
                assert_eq!(
                    from_json::<AppError>("revoke_invite", &revoke_body),
                    AppError::Conflict(
                        "Only pending invites can be revoked; this one is accepted.".into()
                    )
                );
                assert_eq!(users_with_email(&app, &email).await, 1);
            }
            (StatusCode::GONE, StatusCode::OK) => {
                revoked += 1;
                assert_eq!(stored, InviteStatus::Revoked, "round {round}");
                assert_eq!(
                    from_json::<AppError>("accept_invite", &accept_body),
                    unusable(LinkView::Revoked)
                );
                assert_eq!(users_with_email(&app, &email).await, 0);
            }
            other => {
                panic!("round {round}: both or neither won: {other:?} {accept_body} {revoke_body}")
            }
        }
    }
    assert!(
        accepted > 0 && revoked > 0,
        "both orders were exercised: {accepted} accepted, {revoked} revoked"
    );
}
both_backends!(
    accept_against_revoke_ends_in_exactly_one_of_them,
    super::accept_against_revoke_ends_in_exactly_one_of_them
);

async fn accept_against_resend_never_leaves_two_working_links(backend: Backend) {
    let app = spawn_app(backend).await;
    app.signed_in_admin().await;
    let accept_takes = accept_time(&app).await;
    let (mut old_won, mut resend_won) = (0, 0);
    for round in 0..ROUNDS {
        let Round {
            email,
            id,
            token: old,
            accept: (a, accept_body),
            admin: (r, resend_body),
        } = race(&app, round, accept_takes, "resend_invite").await;
        match (a, r) {
            (StatusCode::OK, StatusCode::CONFLICT) => {
                // The old link won before the resend: no new link exists.
                old_won += 1;
                assert_eq!(
                    app.status_of(&id).await,
                    InviteStatus::Accepted,
                    "round {round}"
                );
            }
            (StatusCode::GONE, StatusCode::OK) => {
                // The resend came first: the old link lost, only the new one works.
                resend_won += 1;
                assert_eq!(
                    from_json::<AppError>("accept_invite", &accept_body),
                    unusable(LinkView::Replaced),
                    "round {round}"
                );
                let new = token_of(&resend_body);
                assert_eq!(app.accept(&old, "Late").await.0.status(), StatusCode::GONE);
                assert_eq!(app.accept(&new, "Racer").await.0.status(), StatusCode::OK);
            }
            other => panic!("round {round}: {other:?} {accept_body} {resend_body}"),
        }
        assert_eq!(users_with_email(&app, &email).await, 1, "round {round}");
    }
    assert!(
        old_won > 0 && resend_won > 0,
        "both orders were exercised: {old_won} / {resend_won}"
    );
}
both_backends!(
    accept_against_resend_never_leaves_two_working_links,
    super::accept_against_resend_never_leaves_two_working_links
);
