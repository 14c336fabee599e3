//! A person's own account (issue 15): forgot password, a reset link from an admin, changing
//! the password, signing out everywhere. Reset links are set-password tokens: single use,
//! an hour, and never a way into an invitation.

use crate::common::{self, Backend, TestApp, ADMIN_EMAIL};

use domain::clock::MINUTE;
use reqwest::header::LOCATION;
use reqwest::StatusCode;
use serde_json::json;

/// The password `TestApp::join` and `accept` give new members.
const MEMBER_PASSWORD: &str = "a good long password";
const NEW_PASSWORD: &str = "another long password";

fn mails_to(app: &TestApp, to: &str, subject: &str) -> Vec<String> {
    app.mails_to(to)
        .into_iter()
        .filter(|m| m.contains(subject))
        .collect()
}

/// Asks for a reset of `email` from a fresh browser; the status and where it sends you.
async fn forgot(app: &TestApp, email: &str) -> (StatusCode, String) {
    let r = app
        .call_with(
            &common::client(&app.base),
            "request_password_reset",
            &[("email", email)],
        )
        .await;
    let status = r.status();
    let to = r
        .headers()
        .get(LOCATION)
        .map(|l| l.to_str().unwrap().to_owned())
        .unwrap_or_else(|| "no redirect".into());
    let body = r.text().await.unwrap();
    (status, format!("{to} {body}"))
}

async fn sign_in_browser(app: &TestApp, email: &str, password: &str) -> reqwest::Client {
    let browser = common::client(&app.base);
    let r = app
        .call_with(
            &browser,
            "sign_in",
            &[("email", email), ("password", password)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    browser
}

async fn signs_in(app: &TestApp, email: &str, password: &str) -> bool {
    app.call_with(
        &common::client(&app.base),
        "sign_in",
        &[("email", email), ("password", password)],
    )
    .await
    .status()
        == StatusCode::OK
}

async fn forgot_password_answers_the_same_whether_or_not_the_account_exists(backend: Backend) {
    let app = TestApp::admin_with_mail(backend).await;
    app.join("member@example.com", "analyst").await;
    app.join("gone@example.com", "analyst").await;
    let gone = app.member_id("gone@example.com").await;
    let r = app
        .call("set_member_active", &[("id", &gone), ("active", "false")])
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    app.invite_ok("pending@example.com", "analyst", &[]).await;
    app.deliver_all().await;

    let member = forgot(&app, "Member@Example.com ").await;
    assert_eq!(member.0, StatusCode::OK);
    assert!(
        member.1.starts_with("/forgot-password?sent=1"),
        "{}",
        member.1
    );
    for other in [
        "nobody@example.com",
        "gone@example.com",
        "pending@example.com",
    ] {
        assert_eq!(forgot(&app, other).await, member, "{other}");
    }
    // A malformed address is a plain input error, the same for everyone.
    let (status, body) = forgot(&app, "not an address").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    app.deliver_all().await;
    assert_eq!(
        mails_to(&app, "member@example.com", "new password").len(),
        1
    );
    for other in [
        "nobody@example.com",
        "gone@example.com",
        "pending@example.com",
    ] {
        assert!(
            mails_to(&app, other, "new password").is_empty(),
            "{other} got a reset email"
        );
    }
    // The audit log, which only admins read, says which was which.
    let log: Vec<_> = domain::store::audit::recent(&app.services.db, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "user.password_reset_requested")
        .map(|e| (e.subject.unwrap_or_default(), e.detail))
        .collect();
    assert_eq!(log.len(), 4, "{log:?}");
    assert!(log
        .iter()
        .any(|(s, d)| s == "member@example.com" && d == "link emailed"));
    assert!(log
        .iter()
        .any(|(s, d)| s == "pending@example.com" && d.contains("no active account")));
}
both_backends!(
    forgot_password_answers_the_same_whether_or_not_the_account_exists,
    super::forgot_password_answers_the_same_whether_or_not_the_account_exists
);

async fn a_reset_link_works_once_for_an_hour_and_ends_every_session(backend: Backend) {
    let app = TestApp::admin_with_mail(backend).await;
    let first_browser = app.join("member@example.com", "analyst").await;
    let second_browser = sign_in_browser(&app, "member@example.com", MEMBER_PASSWORD).await;
    assert!(app.whoami_as(&first_browser).await.is_some());

    forgot(&app, "member@example.com").await;
    forgot(&app, "member@example.com").await;
    app.deliver_all().await;
    let mails = mails_to(&app, "member@example.com", "new password");
    assert_eq!(mails.len(), 2);
    let older = common::link_token_in(&mails[0], "/set-password/");
    let newer = common::link_token_in(&mails[1], "/set-password/");
    assert_ne!(older, newer);
    // Opening the link changes nothing (mail scanners open links).
    let page = app.page(&format!("/set-password/{newer}")).await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("member@example.com"));
    assert!(app.whoami_as(&second_browser).await.is_some());

    let r = app.set_password(&newer, NEW_PASSWORD).await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    assert!(
        app.whoami_as(&first_browser).await.is_none(),
        "session ended"
    );
    assert!(
        app.whoami_as(&second_browser).await.is_none(),
        "session ended"
    );
    assert!(!signs_in(&app, "member@example.com", MEMBER_PASSWORD).await);
    assert!(signs_in(&app, "member@example.com", NEW_PASSWORD).await);
    // Single use, and the older link died with it.
    for used in [&newer, &older] {
        let r = app.set_password(used, "a third long password").await;
        assert_eq!(r.status(), StatusCode::GONE, "{}", r.text().await.unwrap());
    }
    assert!(signs_in(&app, "member@example.com", NEW_PASSWORD).await);

    // An hour, not a minute more.
    forgot(&app, "member@example.com").await;
    app.deliver_all().await;
    let mails = mails_to(&app, "member@example.com", "new password");
    let late = common::link_token_in(&mails[2], "/set-password/");
    app.clock.advance(60 * MINUTE);
    let r = app.set_password(&late, "a third long password").await;
    assert_eq!(r.status(), StatusCode::GONE, "{}", r.text().await.unwrap());
    let audit = app.audit_actions().await;
    assert!(audit.contains(&"user.password_set".to_owned()));
}
both_backends!(
    a_reset_link_works_once_for_an_hour_and_ends_every_session,
    super::a_reset_link_works_once_for_an_hour_and_ends_every_session
);

async fn a_password_reset_never_touches_an_invitation(backend: Backend) {
    let app = TestApp::admin_with_mail(backend).await;
    // Someone with only a pending invitation: a reset sends nothing and changes nothing.
    let (pending, pending_token) = app.invite_ok("new@example.com", "analyst", &[]).await;
    // A member whose invitation was accepted: resetting leaves that invitation as it was.
    let (accepted, token) = app.invite_ok("member@example.com", "analyst", &[]).await;
    assert_eq!(app.accept(&token, "Mem").await.0.status(), StatusCode::OK);
    // A revoked invitation's address.
    let (revoked, _) = app.invite_ok("revoked@example.com", "analyst", &[]).await;
    app.call("revoke_invite", &[("id", &revoked)]).await;
    app.deliver_all().await;
    let before: Vec<String> = {
        let mut rows = vec![];
        for id in [&pending, &accepted, &revoked] {
            rows.push(serde_json::to_string(&app.detail(id).await.invite).unwrap());
        }
        rows
    };
    let users_before = app.count_users().await;

    for email in [
        "new@example.com",
        "member@example.com",
        "revoked@example.com",
    ] {
        forgot(&app, email).await;
    }
    app.deliver_all().await;
    assert!(mails_to(&app, "new@example.com", "new password").is_empty());
    assert!(mails_to(&app, "revoked@example.com", "new password").is_empty());
    let mail = mails_to(&app, "member@example.com", "new password");
    let reset = common::link_token_in(&mail[0], "/set-password/");
    assert_eq!(
        app.set_password(&reset, NEW_PASSWORD).await.status(),
        StatusCode::OK
    );
    // A reset token is not an invitation token, nor the other way round.
    let r = app.set_password(&pending_token, NEW_PASSWORD).await;
    assert_eq!(r.status(), StatusCode::GONE);
    let r = app
        .call_with(
            &common::client(&app.base),
            "accept_invite",
            &[
                ("token", &reset),
                ("name", "X"),
                ("password", NEW_PASSWORD),
                ("confirm", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::GONE);

    let mut after = vec![];
    for id in [&pending, &accepted, &revoked] {
        after.push(serde_json::to_string(&app.detail(id).await.invite).unwrap());
    }
    assert_eq!(before, after, "no invitation changed");
    assert_eq!(app.count_users().await, users_before, "no account made");
    // The pending invitation still works, for its own invitee.
    assert_eq!(
        app.accept(&pending_token, "New").await.0.status(),
        StatusCode::OK
    );
}
both_backends!(
    a_password_reset_never_touches_an_invitation,
    super::a_password_reset_never_touches_an_invitation
);

async fn forgot_password_is_limited_per_address_silently_and_per_ip_openly(backend: Backend) {
    let app = TestApp::admin_with_mail(backend).await;
    app.join("member@example.com", "analyst").await;
    let first = forgot(&app, "member@example.com").await;
    for _ in 0..3 {
        assert_eq!(forgot(&app, "member@example.com").await, first);
    }
    app.deliver_all().await;
    assert_eq!(
        mails_to(&app, "member@example.com", "new password").len(),
        3,
        "the fourth in an hour sends nothing"
    );
    // Ten requests an hour from one address in all; the eleventh waits, whatever it names.
    for n in 0..6 {
        assert_eq!(forgot(&app, &format!("x{n}@example.com")).await, first);
    }
    let (status, body) = forgot(&app, "member@example.com").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    let (status, _) = forgot(&app, "someone-else@example.com").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    app.clock.advance(61 * MINUTE);
    assert_eq!(forgot(&app, "member@example.com").await, first);
    app.deliver_all().await;
    assert_eq!(
        mails_to(&app, "member@example.com", "new password").len(),
        4
    );
}
both_backends!(
    forgot_password_is_limited_per_address_silently_and_per_ip_openly,
    super::forgot_password_is_limited_per_address_silently_and_per_ip_openly
);

async fn changing_the_password_needs_the_current_one_and_ends_the_other_sessions(backend: Backend) {
    let app = TestApp::admin_with_mail(backend).await;
    let here = app.join("member@example.com", "analyst").await;
    let elsewhere = sign_in_browser(&app, "member@example.com", MEMBER_PASSWORD).await;
    let change = |current: &'static str, new: &'static str, confirm: &'static str| {
        let app = &app;
        let here = &here;
        async move {
            app.call_with(
                here,
                "change_password",
                &[
                    ("current", current),
                    ("password", new),
                    ("confirm", confirm),
                ],
            )
            .await
        }
    };
    let r = change("not my password", NEW_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("not your current password"));
    let r = change(MEMBER_PASSWORD, NEW_PASSWORD, "something else entirely").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = change(MEMBER_PASSWORD, "short", "short").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        app.whoami_as(&elsewhere).await.is_some(),
        "refusals change nothing"
    );

    let r = change(MEMBER_PASSWORD, NEW_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    assert!(
        app.whoami_as(&here).await.is_some(),
        "this browser stays in"
    );
    assert!(
        app.whoami_as(&elsewhere).await.is_none(),
        "every other ended"
    );
    assert!(!signs_in(&app, "member@example.com", MEMBER_PASSWORD).await);
    assert!(signs_in(&app, "member@example.com", NEW_PASSWORD).await);
    assert!(app
        .audit_actions()
        .await
        .contains(&"user.password_changed".to_owned()));

    // Wrong current passwords count like failed sign-ins: five, then a wait.
    for _ in 0..5 {
        change("guess", "a guessed long one", "a guessed long one").await;
    }
    let r = change(NEW_PASSWORD, "a guessed long one", "a guessed long one").await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    // Anonymous: refused.
    let r = app
        .call_with(
            &common::client(&app.base),
            "change_password",
            &[
                ("current", NEW_PASSWORD),
                ("password", "x long password"),
                ("confirm", "x long password"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}
both_backends!(
    changing_the_password_needs_the_current_one_and_ends_the_other_sessions,
    super::changing_the_password_needs_the_current_one_and_ends_the_other_sessions
);

async fn signing_out_everywhere_ends_every_session_this_one_too(backend: Backend) {
    let app = TestApp::admin_with_mail(backend).await;
    let here = app.join("member@example.com", "analyst").await;
    let elsewhere = sign_in_browser(&app, "member@example.com", MEMBER_PASSWORD).await;
    let admin_stays = app.whoami().await;
    let r = app.call_with(&here, "sign_out_everywhere", &[]).await;
    assert_eq!(r.headers()[LOCATION], "/sign-in?signed_out=everywhere");
    assert!(app.whoami_as(&here).await.is_none());
    assert!(app.whoami_as(&elsewhere).await.is_none());
    assert_eq!(
        app.whoami().await,
        admin_stays,
        "other people are not touched"
    );
    assert!(signs_in(&app, "member@example.com", MEMBER_PASSWORD).await);
    assert!(app
        .audit_actions()
        .await
        .contains(&"auth.sign_out_everywhere".to_owned()));
}
both_backends!(
    signing_out_everywhere_ends_every_session_this_one_too,
    super::signing_out_everywhere_ends_every_session_this_one_too
);

async fn an_admin_sends_a_reset_link_from_members_and_through_the_api(backend: Backend) {
    let app = TestApp::admin_with_mail(backend).await;
    let member_browser = app.join("member@example.com", "analyst").await;
    let editor = app.join("editor@example.com", "editor").await;
    let id = app.member_id("member@example.com").await;

    let r = app.call("send_password_reset", &[("id", &id)]).await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    assert_eq!(r.text().await.unwrap(), "\"member@example.com\"");
    // Sending changes nothing yet: the member is still signed in with the old password.
    assert!(app.whoami_as(&member_browser).await.is_some());
    // Not to oneself, not by someone who may not manage members.
    let me = app.member_id(ADMIN_EMAIL).await;
    let r = app.call("send_password_reset", &[("id", &me)]).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let r = app
        .call_with(&editor, "send_password_reset", &[("id", &id)])
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    let api = app.api_key("ci", &["members:write"]).await;
    let answer = api
        .post(&format!("/members/{id}/password-reset"), &json!({}))
        .await;
    let sent: serde_json::Value = answer.expect(StatusCode::ACCEPTED);
    assert_eq!(sent["sent_to"], "member@example.com");
    assert!(!answer.text.contains("set-password"), "{}", answer.text);
    let answer = api.post("/members/nobody/password-reset", &json!({})).await;
    answer.problem(StatusCode::NOT_FOUND);

    app.deliver_all().await;
    let mails = mails_to(&app, "member@example.com", "new password");
    assert_eq!(mails.len(), 2);
    assert!(mails_to(&app, ADMIN_EMAIL, "new password").is_empty());
    let token = common::link_token_in(&mails[0], "/set-password/");
    assert_eq!(
        app.set_password(&token, NEW_PASSWORD).await.status(),
        StatusCode::OK
    );
    assert!(app.whoami_as(&member_browser).await.is_none());
    assert!(signs_in(&app, "member@example.com", NEW_PASSWORD).await);

    let sent: Vec<_> = domain::store::audit::recent(&app.services.db, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "member.password_reset_sent")
        .collect();
    assert_eq!(sent.len(), 2);
    assert!(sent.iter().all(|e| !e.detail.contains("set-password")));

    // Three an hour per member; a deactivated member gets no link, and one sent before the
    // deactivation dies with it.
    let r = app.call("send_password_reset", &[("id", &id)]).await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = app.call("send_password_reset", &[("id", &id)]).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    app.deliver_all().await;
    let third = mails_to(&app, "member@example.com", "new password");
    let third = common::link_token_in(&third[2], "/set-password/");
    app.call("set_member_active", &[("id", &id), ("active", "false")])
        .await;
    let r = app.set_password(&third, "a third long password").await;
    assert_eq!(r.status(), StatusCode::GONE);
    let page = app.page(&format!("/set-password/{third}")).await;
    assert!(!page.text().await.unwrap().contains("member@example.com"));
    app.clock.advance(61 * MINUTE);
    let r = app.call("send_password_reset", &[("id", &id)]).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(r.text().await.unwrap().contains("deactivated"));
}
both_backends!(
    an_admin_sends_a_reset_link_from_members_and_through_the_api,
    super::an_admin_sends_a_reset_link_from_members_and_through_the_api
);

/// A refused sign-in takes as long for an address with no account as for a wrong password
/// (the unknown address is checked against a dummy hash): the medians of 20 of each, taken
/// in turns (each kind first in every other pair) so that the machine's load falls on both
/// alike, are within 20% of each other. The suite runs beside every other test on two cores,
/// so one round may be skewed by a neighbour: up to three rounds are taken, and a leak shows
/// in every one of them.
async fn a_refused_sign_in_takes_as_long_for_an_unknown_address_as_for_a_wrong_password(
    backend: Backend,
) {
    use std::time::{Duration, Instant};
    let app = TestApp::builder().backend(backend).start().await;
    app.signed_in_admin().await;
    let browser = common::client(&app.base);
    let timed = |email: &'static str| {
        let (app, browser) = (&app, &browser);
        async move {
            let started = Instant::now();
            let r = app
                .call_with(
                    browser,
                    "sign_in",
                    &[("email", email), ("password", "not the password at all")],
                )
                .await;
            let took = started.elapsed();
            assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{email}");
            took
        }
    };
    let median = |mut v: Vec<Duration>| {
        v.sort();
        (v[9] + v[10]) / 2
    };
    let mut rounds = Vec::new();
    for _ in 0..3 {
        let (mut unknown, mut wrong) = (Vec::new(), Vec::new());
        for i in 0..20 {
            if i % 2 == 0 {
                unknown.push(timed("nobody-here@example.com").await);
                wrong.push(timed(ADMIN_EMAIL).await);
            } else {
                wrong.push(timed(ADMIN_EMAIL).await);
                unknown.push(timed("nobody-here@example.com").await);
                // Stay under the sign-in limits (5 an account, 30 an IP, per window): a
                // refusal for too many attempts answers at once and says nothing of the check.
                app.clock.advance(16 * MINUTE);
            }
        }
        let (unknown, wrong) = (median(unknown), median(wrong));
        let ratio = unknown.as_secs_f64() / wrong.as_secs_f64();
        rounds.push(format!(
            "unknown address {unknown:?}, wrong password {wrong:?}"
        ));
        if (0.8..=1.2).contains(&ratio) {
            return;
        }
    }
    panic!("median refusals differ by more than 20% in every round: {rounds:#?}");
}
both_backends!(
    a_refused_sign_in_takes_as_long_for_an_unknown_address_as_for_a_wrong_password,
    super::a_refused_sign_in_takes_as_long_for_an_unknown_address_as_for_a_wrong_password
);
