//! The journey around an invitation (issue 15): the invitee declines, someone else signed in
//! on the invitee's browser, and where a new member lands.

use crate::common::{self, Backend, TestApp, ADMIN_EMAIL};

use domain::model::{Dashboard, InviteList, InviteStatus, LinkView};
use reqwest::header::LOCATION;
use reqwest::StatusCode;

async fn an_invitee_declines_and_the_inviter_hears_why(backend: Backend) {
    let app = TestApp::admin_with_mail(backend).await;
    let (id, token) = app.invite_ok("dee@example.com", "analyst", &[]).await;
    let page = common::client(&app.base)
        .get(app.url(&format!("/invite/{token}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Decline invitation"), "{page}");

    let reason = "<b>Wrong</b> person & not my team";
    let r = app.decline(&token, reason).await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());

    let d = app.detail(&id).await;
    assert_eq!(d.invite.status, InviteStatus::Declined);
    assert_eq!(d.invite.decline_reason.as_deref(), Some(reason));
    let event = d
        .events
        .iter()
        .find(|e| e.action == "invite.declined")
        .expect("the timeline has the decline");
    assert_eq!(event.actor.as_deref(), Some("dee@example.com"));
    assert!(event.detail.contains(reason), "{}", event.detail);

    // The inviter's email says who and why, the reason escaped in its HTML part.
    app.deliver_all().await;
    let mail = app
        .mails()
        .into_iter()
        .find(|m| m.contains("declined your invitation"))
        .expect("the inviter is told");
    assert!(mail.contains(&format!("To: {ADMIN_EMAIL}")), "{mail}");
    assert!(mail.contains(&format!("/invites/{id}")), "{mail}");
    assert!(
        mail.contains("&lt;b&gt;Wrong&lt;/b&gt; person &amp; not my team"),
        "{mail}"
    );

    // The page says so; every second use is refused and changes nothing.
    assert_eq!(app.open_link(&token).await, LinkView::Declined);
    let again = app.decline(&token, "").await;
    assert_eq!(again.status(), StatusCode::GONE);
    assert!(again.text().await.unwrap().contains("Declined"));
    let (accept, _) = app.accept(&token, "Dee").await;
    assert_eq!(accept.status(), StatusCode::GONE);
    let users = app.count_users().await;
    assert_eq!(users, 1, "no account was made");

    // Declined is its own status in the list, its counts and the dashboard's funnel.
    let list: InviteList = app.read("list_invites", &[("status", "declined")]).await;
    assert_eq!(list.rows.len(), 1);
    assert_eq!(list.counts.declined, 1);
    assert_eq!(list.counts.pending, 0);
    let dash: Dashboard = app.read("dashboard", &[]).await;
    assert_eq!((dash.declined, dash.accepted, dash.opened), (1, 0, 1));

    // The address may be invited again.
    let (again_id, _) = app.invite_ok("dee@example.com", "analyst", &[]).await;
    assert_ne!(again_id, id);
}
both_backends!(
    an_invitee_declines_and_the_inviter_hears_why,
    super::an_invitee_declines_and_the_inviter_hears_why
);

/// Ten racing declines and ten racing accepts of one link: exactly one of the twenty wins.
async fn of_racing_declines_and_accepts_exactly_one_wins(backend: Backend) {
    let app = common::spawn_app(backend).await;
    app.signed_in_admin().await;
    let (id, token) = app.invite_ok("race@example.com", "analyst", &[]).await;
    let mut tasks = Vec::new();
    for i in 0..20 {
        let base = app.base.clone();
        let token = token.clone();
        tasks.push(tokio::spawn(async move {
            let form: Vec<(&str, String)> = if i % 2 == 0 {
                vec![("token", token), ("reason", format!("no {i}"))]
            } else {
                vec![
                    ("token", token),
                    ("name", format!("Racer {i}")),
                    ("password", "a good long password".into()),
                    ("confirm", "a good long password".into()),
                ]
            };
            let name = if i % 2 == 0 {
                "decline_invite"
            } else {
                "accept_invite"
            };
            let r = common::client(&base)
                .post(format!("{base}/api/{name}"))
                .form(&form)
                .send()
                .await
                .unwrap();
            (i % 2 == 0, r.status())
        }));
    }
    let mut won = vec![];
    for t in tasks {
        match t.await.unwrap() {
            (declined, StatusCode::OK) => won.push(declined),
            (_, StatusCode::GONE | StatusCode::CONFLICT) => {}
            (_, other) => panic!("unexpected status {other}"),
        }
    }
    assert_eq!(won.len(), 1, "exactly one winner");
    let status = app.detail(&id).await.invite.status;
    let users = app.count_users().await;
    if won[0] {
        assert_eq!((status, users), (InviteStatus::Declined, 1));
    } else {
        assert_eq!((status, users), (InviteStatus::Accepted, 2));
    }
}
both_backends!(
    of_racing_declines_and_accepts_exactly_one_wins,
    super::of_racing_declines_and_accepts_exactly_one_wins
);

/// An admin opening an invitee's link on their own browser: told who is signed in, offered
/// to sign out; accepting or declining while signed in is refused and changes nothing.
async fn a_link_opened_while_someone_else_is_signed_in_is_never_attached_to_them(backend: Backend) {
    let app = common::spawn_app(backend).await;
    app.signed_in_admin().await;
    let (id, token) = app.invite_ok("newbie@example.com", "analyst", &[]).await;
    let page = app
        .page(&format!("/invite/{token}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&format!("You are signed in as Ada Admin ({ADMIN_EMAIL})")),
        "{page}"
    );
    assert!(
        page.contains("Sign out and continue as newbie@example.com"),
        "{page}"
    );
    assert!(
        !page.contains("Accept invitation"),
        "no accept form: {page}"
    );

    for (name, form) in [
        (
            "accept_invite",
            vec![
                ("token", token.as_str()),
                ("name", "Not Ada"),
                ("password", "a good long password"),
                ("confirm", "a good long password"),
            ],
        ),
        ("decline_invite", vec![("token", token.as_str())]),
    ] {
        let r = app.call(name, &form).await;
        assert_eq!(r.status(), StatusCode::CONFLICT, "{name}");
        let body = r.text().await.unwrap();
        assert!(
            body.contains(&format!("signed in as {ADMIN_EMAIL}")),
            "{body}"
        );
    }
    assert_eq!(app.detail(&id).await.invite.status, InviteStatus::Pending);
    assert_eq!(app.count_users().await, 1);

    // Signing out comes back to the invitation, and the page then offers it.
    let r = app
        .call("sign_out", &[("next", &format!("/invite/{token}"))])
        .await;
    assert_eq!(r.headers()[LOCATION], format!("/invite/{token}").as_str());
    let page = app
        .page(&format!("/invite/{token}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Accept invitation"), "{page}");
    // sign_out's `next` stays on this site.
    for bad in ["https://evil.example/", "//evil.example"] {
        let r = app.call("sign_out", &[("next", bad)]).await;
        assert_eq!(r.headers()[LOCATION], "/", "{bad}");
    }
}
both_backends!(
    a_link_opened_while_someone_else_is_signed_in_is_never_attached_to_them,
    super::a_link_opened_while_someone_else_is_signed_in_is_never_attached_to_them
);

async fn a_new_member_lands_where_the_inviter_meant(backend: Backend) {
    let app = common::spawn_app(backend).await;
    app.signed_in_admin().await;
    let invite = |email: &'static str, landing: &'static str| {
        let app = &app;
        async move {
            app.call(
                "create_invite",
                &[
                    ("email", email),
                    ("role_id", "analyst"),
                    ("expiry_hours", "24"),
                    ("landing_path", landing),
                ],
            )
            .await
        }
    };
    for bad in [
        "https://evil.example/x",
        "//evil.example",
        "dashboard",
        "/a/../b",
    ] {
        let r = invite("bad@example.com", bad).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        let body = r.text().await.unwrap();
        assert!(body.contains("landing_path"), "{bad}: {body}");
    }
    let r = invite("lands@example.com", "/dashboard?from=invite").await;
    assert_eq!(r.status(), StatusCode::OK);
    let issued: domain::model::IssuedLink = r.json().await.unwrap();
    let token = common::token_of(&issued);
    let d = app.detail(&issued.invite_id).await;
    assert_eq!(
        d.invite.landing_path.as_deref(),
        Some("/dashboard?from=invite")
    );
    let (r, _) = app.accept(&token, "Lan").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()[LOCATION], "/dashboard?from=invite");
    // Without one, home.
    let (_, plain) = app.invite_ok("home@example.com", "analyst", &[]).await;
    let (r, _) = app.accept(&plain, "Hom").await;
    assert_eq!(r.headers()[LOCATION], "/");
}
both_backends!(
    a_new_member_lands_where_the_inviter_meant,
    super::a_new_member_lands_where_the_inviter_meant
);

/// The contractor: invited with an end date, warned about ahead of it, signed out at it.
async fn a_contractor_loses_access_at_the_end_date(backend: Backend) {
    use domain::clock::{Clock, DAY, HOUR};
    use domain::model::{fmt_utc_input, CurrentUser, MemberInfo};

    let app = TestApp::admin_with_mail(backend).await;
    let now = app.clock.now();
    let create = |email: &'static str, role: &'static str, ends: String| {
        let app = &app;
        async move {
            app.call(
                "create_invite",
                &[
                    ("email", email),
                    ("role_id", role),
                    ("expiry_hours", "24"),
                    ("access_ends_at", &ends),
                ],
            )
            .await
        }
    };
    // Refused: ending before the link expires, for an Admin, or not a date at all.
    for (role, ends) in [
        ("analyst", fmt_utc_input(now + 23 * HOUR)),
        ("admin", fmt_utc_input(now + 5 * DAY)),
        ("analyst", "next tuesday".to_owned()),
    ] {
        let r = create("c@example.com", role, ends.clone()).await;
        assert_eq!(
            r.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{role} {ends}"
        );
        assert!(r.text().await.unwrap().contains("access_ends_at"));
    }
    let end = now + 2 * DAY + HOUR;
    let r = create("c@example.com", "analyst", fmt_utc_input(end)).await;
    assert_eq!(r.status(), StatusCode::OK);
    let issued: domain::model::IssuedLink = r.json().await.unwrap();
    let end = end - end % 1_000; // the form keeps whole seconds
    assert_eq!(
        app.detail(&issued.invite_id).await.invite.access_ends_at,
        Some(end)
    );
    let (r, contractor) = app.accept(&common::token_of(&issued), "Con Tractor").await;
    assert_eq!(r.status(), StatusCode::OK);
    let id = app.member_id("c@example.com").await;
    let members: Vec<MemberInfo> = app.read("list_members", &[]).await;
    let member = members.iter().find(|m| m.id == id).unwrap();
    assert_eq!(member.access_ends_at, Some(end));
    let ending: Vec<MemberInfo> = app.read("list_members", &[("ends_within", "3")]).await;
    assert_eq!(ending.len(), 1);
    let ending: Vec<MemberInfo> = app.read("list_members", &[("ends_within", "1")]).await;
    assert!(ending.is_empty());

    // Within three days of the end, the inviter is warned once.
    assert_eq!(app.services.run_due_work().await.unwrap(), 1);
    assert_eq!(app.services.run_due_work().await.unwrap(), 0, "warned once");
    app.deliver_all().await;
    let warnings = || {
        app.mails()
            .into_iter()
            .filter(|m| m.contains("Con Tractor's access ends on"))
            .count()
    };
    assert_eq!(warnings(), 1);

    // Still in, a second before the end; out at the end itself, before any job has run.
    app.clock.advance(end - app.clock.now() - 1_000);
    let me: Option<CurrentUser> = app.read_with(&contractor, "whoami", &[]).await;
    assert!(me.is_some());
    app.clock.advance(1_000);
    let me: Option<CurrentUser> = app.read_with(&contractor, "whoami", &[]).await;
    assert!(me.is_none(), "signed out at the end date's very moment");
    let sign_in = |client: reqwest::Client| {
        let app = &app;
        async move {
            app.call_with(
                &client,
                "sign_in",
                &[
                    ("email", "c@example.com"),
                    ("password", "a good long password"),
                ],
            )
            .await
            .status()
        }
    };
    assert_eq!(
        sign_in(common::client(&app.base)).await,
        StatusCode::FORBIDDEN
    );

    // The scheduler deactivates them, once, as done by the end date.
    assert_eq!(app.services.run_due_work().await.unwrap(), 1);
    assert_eq!(app.services.run_due_work().await.unwrap(), 0);
    let members: Vec<MemberInfo> = app.read("list_members", &[]).await;
    assert!(!members.iter().find(|m| m.id == id).unwrap().active);
    let log: Vec<domain::model::AuditEntry> = app.read("audit_log", &[]).await;
    let deactivated = log
        .iter()
        .find(|e| e.action == "member.deactivated")
        .expect("audited");
    assert_eq!(
        deactivated.actor, None,
        "done by the scheduler, not a person"
    );
    assert!(
        deactivated.detail.contains("end date"),
        "{}",
        deactivated.detail
    );

    // Reactivating takes a later end date (or none) first.
    let r = app
        .call("set_member_active", &[("id", &id), ("active", "true")])
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let later = fmt_utc_input(app.clock.now() + 10 * DAY);
    let r = app
        .call("set_member_access_end", &[("id", &id), ("ends_at", &later)])
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = app
        .call("set_member_active", &[("id", &id), ("active", "true")])
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let again = common::client(&app.base);
    assert_eq!(sign_in(again.clone()).await, StatusCode::OK);
    // A moved end date is warned about again, in its time; a cleared one never.
    assert_eq!(app.services.run_due_work().await.unwrap(), 0);
    app.clock.advance(8 * DAY);
    assert_eq!(app.services.run_due_work().await.unwrap(), 1);
    app.deliver_all().await;
    assert_eq!(warnings(), 2);
    let r = app
        .call("set_member_access_end", &[("id", &id), ("ends_at", "")])
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    app.clock.advance(30 * DAY);
    assert_eq!(app.services.run_due_work().await.unwrap(), 0);
    let me: Option<CurrentUser> = app.read_with(&again, "whoami", &[]).await;
    assert!(me.is_some(), "no end date: no end");
}
both_backends!(
    a_contractor_loses_access_at_the_end_date,
    super::a_contractor_loses_access_at_the_end_date
);

/// Sets the invite policy's reminders ("48, 24") and resend cooldown through the panel.
async fn set_reminders(app: &TestApp, hours: &str, cooldown_minutes: &str) {
    let r = app
        .set_policy(&[
            ("reminder_hours", hours),
            ("resend_cooldown_minutes", cooldown_minutes),
        ])
        .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
}

async fn reminders_go_out_at_their_times_once_each_with_the_same_link(backend: Backend) {
    use domain::clock::{DAY, HOUR, MINUTE};

    let app = TestApp::admin_with_mail(backend).await;
    for bad in ["0", "720", "1,2,3,4", "soon"] {
        let r = app.set_policy(&[("reminder_hours", bad)]).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert!(r.text().await.unwrap().contains("reminder_hours"));
    }
    set_reminders(&app, "24, 48", "0").await;
    let (a, _) = app.invite_ok("a@example.com", "analyst", &[]).await;
    let (revoked, _) = app.invite_ok("r@example.com", "analyst", &[]).await;
    let (_, declined) = app.invite_ok("d@example.com", "analyst", &[]).await;
    let (_, accepted) = app.invite_ok("u@example.com", "analyst", &[]).await;
    // A one-day link: both reminder times fall at or before its send; none is planned.
    let r = app
        .call(
            "create_invite",
            &[
                ("email", "short@example.com"),
                ("role_id", "analyst"),
                ("expiry_hours", "24"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    app.deliver_all().await;
    let first = app.mails_to("a@example.com");
    assert_eq!(first.len(), 1);
    let link = common::link_token_in(&first[0], "/invite/");
    app.call("revoke_invite", &[("id", &revoked)]).await;
    assert_eq!(app.decline(&declined, "").await.status(), StatusCode::OK);
    assert_eq!(app.accept(&accepted, "U").await.0.status(), StatusCode::OK);

    // 48 hours before expiry (created at 0, expiring at 7 days): not a minute early.
    app.clock.advance(5 * DAY - MINUTE);
    app.deliver_all().await;
    assert_eq!(app.mails_to("a@example.com").len(), 1, "none early");
    app.clock.advance(MINUTE);
    app.deliver_all().await;
    let mails = app.mails_to("a@example.com");
    assert_eq!(mails.len(), 2, "the first reminder");
    let reminder = mails
        .iter()
        .find(|m| m.contains("Subject: Reminder"))
        .expect("a reminder");
    assert!(
        reminder.contains("Subject: Reminder: Ada Admin invited you"),
        "{reminder}"
    );
    assert!(
        reminder.contains("your invitation expires on"),
        "{reminder}"
    );
    assert_eq!(
        common::link_token_in(reminder, "/invite/"),
        link,
        "the same link, no new token"
    );
    app.clock.advance(DAY);
    app.deliver_all().await;
    assert_eq!(
        app.mails_to("a@example.com").len(),
        3,
        "the second reminder"
    );
    app.clock.advance(DAY);
    app.deliver_all().await;
    assert_eq!(app.mails_to("a@example.com").len(), 3, "each reminder once");
    for nobody in [
        "r@example.com",
        "d@example.com",
        "u@example.com",
        "short@example.com",
    ] {
        let reminders = app
            .mails_to(nobody)
            .into_iter()
            .filter(|m| m.contains("Subject: Reminder"))
            .count();
        assert_eq!(reminders, 0, "no reminder to {nobody}");
    }
    // The timeline shows them, and the old link still works (it is the one reminded of).
    let d = app.detail(&a).await;
    let sent: Vec<&str> = d
        .events
        .iter()
        .filter(|e| e.action == "email.sent")
        .map(|e| e.detail.as_str())
        .collect();
    assert_eq!(sent.len(), 3, "{sent:?}");
    assert!(sent[1].starts_with("reminder email"), "{sent:?}");
    assert_eq!(d.invite.status, InviteStatus::Expired);
    let _ = HOUR;
}
both_backends!(
    reminders_go_out_at_their_times_once_each_with_the_same_link,
    super::reminders_go_out_at_their_times_once_each_with_the_same_link
);

/// A resend replaces the planned reminders with the new link's, and a changed expiry moves them.
async fn a_resend_or_a_new_expiry_replans_the_reminders(backend: Backend) {
    use domain::clock::{DAY, HOUR};

    let app = TestApp::admin_with_mail(backend).await;
    set_reminders(&app, "24", "0").await;
    let (id, _) = app.invite_ok("a@example.com", "analyst", &[]).await;
    app.deliver_all().await;
    let first_link = common::link_token_in(&app.mails_to("a@example.com")[0], "/invite/");
    app.clock.advance(3 * DAY);
    let r = app.call("resend_invite", &[("id", &id)]).await;
    assert_eq!(r.status(), StatusCode::OK);
    app.deliver_all().await;
    let mails = app.mails_to("a@example.com");
    assert_eq!(mails.len(), 2);
    let new_link = mails
        .iter()
        .map(|m| common::link_token_in(m, "/invite/"))
        .find(|l| *l != first_link)
        .expect("the resend's link");
    // The first link's reminder (at 6 days) is gone; the new one comes at 3 + 6 days.
    app.clock.advance(3 * DAY + HOUR);
    app.deliver_all().await;
    assert_eq!(
        app.mails_to("a@example.com").len(),
        2,
        "the old plan is gone"
    );
    app.clock.advance(3 * DAY - HOUR);
    app.deliver_all().await;
    let mails = app.mails_to("a@example.com");
    assert_eq!(mails.len(), 3);
    let reminder = mails
        .iter()
        .find(|m| m.contains("Subject: Reminder"))
        .expect("a reminder");
    assert_eq!(common::link_token_in(reminder, "/invite/"), new_link);

    // A shorter expiry (48 h from now, through the API): the reminder moves to 24 h from now.
    let (b, _) = app.invite_ok("b@example.com", "analyst", &[]).await;
    app.deliver_all().await;
    let api = app.api_key("ci", &["invitations:write"]).await;
    api.patch(
        &format!("/invitations/{b}"),
        &serde_json::json!({"expires_in_hours": 48}),
    )
    .await
    .expect::<serde_json::Value>(StatusCode::OK);
    app.clock.advance(DAY - HOUR);
    app.deliver_all().await;
    assert_eq!(app.mails_to("b@example.com").len(), 1, "not yet");
    app.clock.advance(HOUR);
    app.deliver_all().await;
    assert_eq!(
        app.mails_to("b@example.com").len(),
        2,
        "moved with the expiry"
    );
}
both_backends!(
    a_resend_or_a_new_expiry_replans_the_reminders,
    super::a_resend_or_a_new_expiry_replans_the_reminders
);

/// Two servers on one PostgreSQL, both draining at the reminders' time: each reminder once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reminders_go_out_once_each_with_two_servers_postgres() {
    use domain::clock::DAY;

    let a = TestApp::builder().postgres().mail_files().start().await;
    let b = TestApp::builder().peer_of(&a).mail_files().start().await;
    a.signed_in_admin().await;
    set_reminders(&a, "48, 24", "0").await;
    let csv: String = (0..60)
        .map(|i| format!("crowd{i}@example.com,analyst\n"))
        .collect();
    let job = common::job_of(a.start_bulk(&csv, &[("expiry_hours", "168")]).await).await;
    assert_eq!(a.finish_bulk_job(&job).await.created, 60);
    tokio::join!(a.deliver_all(), b.deliver_all());
    // At 5 days the 48-hour reminders are due, at 6 days the 24-hour ones.
    for step in [5 * DAY, DAY] {
        a.clock.advance(step);
        b.clock.advance(step);
        tokio::join!(a.deliver_all(), b.deliver_all());
    }
    let mut all = common::mail_headers(&a.mail_dir());
    all.extend(common::mail_headers(&b.mail_dir()));
    assert_eq!(all.len(), 180, "60 invitations and 120 reminders");
    let mut ids: Vec<&str> = all.iter().map(|(_, id)| id.as_str()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 180, "none twice");
}

async fn a_resend_waits_out_the_cooldown(backend: Backend) {
    use domain::clock::MINUTE;

    let app = TestApp::builder()
        .backend(backend)
        .resend_cooldown()
        .start()
        .await;
    app.signed_in_admin().await;
    let (id, _) = app.invite_ok("a@example.com", "analyst", &[]).await;
    app.clock.advance(9 * MINUTE);
    let r = app.call("resend_invite", &[("id", &id)]).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.headers()["retry-after"], "60");
    assert!(r.text().await.unwrap().contains("less than 10 minutes ago"));
    app.clock.advance(MINUTE);
    let r = app.call("resend_invite", &[("id", &id)]).await;
    assert_eq!(r.status(), StatusCode::OK);
    // Counted from the resend now.
    let r = app.call("resend_invite", &[("id", &id)]).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    // Through the API too, as a problem with Retry-After.
    let api = app.api_key("ci", &["invitations:write"]).await;
    let answer = api
        .send(
            reqwest::Method::POST,
            &format!("/invitations/{id}/resend"),
            None,
            None,
        )
        .await;
    let (_, detail) = answer.problem(StatusCode::TOO_MANY_REQUESTS);
    assert!(detail.contains("less than 10 minutes ago"), "{detail}");
}
both_backends!(
    a_resend_waits_out_the_cooldown,
    super::a_resend_waits_out_the_cooldown
);

/// Creates an invite through the panel's form, to go out at `send_at` (UTC, to the second).
async fn schedule(
    app: &TestApp,
    email: &str,
    send_at: i64,
    expiry_hours: &str,
) -> reqwest::Response {
    let at = domain::model::fmt_utc_input(send_at);
    app.call(
        "create_invite",
        &[
            ("email", email),
            ("role_id", "analyst"),
            ("expiry_hours", expiry_hours),
            ("send_at", &at),
        ],
    )
    .await
}

async fn a_scheduled_invite_goes_out_at_its_time_and_not_before(backend: Backend) {
    use domain::clock::{Clock, DAY, HOUR, SECOND};
    use domain::model::IssuedLink;

    let app = TestApp::admin_with_mail(backend).await;
    set_reminders(&app, "24", "10").await;
    let now = app.clock.now();
    // The form holds whole seconds.
    let send_at = now - now % SECOND + 2 * DAY;
    for (bad, why) in [
        (now - DAY, "in the future"),
        (now + 400 * DAY, "within a year"),
    ] {
        let r = schedule(&app, "a@example.com", bad, "72").await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body = r.text().await.unwrap();
        assert!(body.contains("send_at") && body.contains(why), "{body}");
    }
    let r = schedule(&app, "a@example.com", send_at, "72").await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let issued: IssuedLink = r.json().await.unwrap();
    assert_eq!(issued.link, None, "no link exists before the send");
    let id = issued.invite_id;
    let d = app.detail(&id).await;
    assert_eq!(d.invite.status, InviteStatus::Scheduled);
    assert_eq!(d.invite.send_at, Some(send_at));
    assert_eq!(
        d.invite.expires_at,
        send_at + 72 * HOUR,
        "the link lives from the send"
    );
    let list: InviteList = app.read("list_invites", &[("status", "scheduled")]).await;
    assert_eq!(
        (list.rows.len(), list.counts.scheduled, list.counts.pending),
        (1, 1, 0)
    );
    // Nothing goes out early, and it cannot be resent meanwhile.
    app.deliver_all().await;
    assert!(app.mails_to("a@example.com").is_empty());
    let r = app.call("resend_invite", &[("id", &id)]).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(r.text().await.unwrap().contains("scheduled"));
    app.clock.advance(send_at - app.clock.now() - SECOND);
    app.deliver_all().await;
    assert!(
        app.mails_to("a@example.com").is_empty(),
        "not a second early"
    );
    assert_eq!(app.status_of(&id).await, InviteStatus::Scheduled);

    // At its time: pending, the email out once, its link working.
    app.clock.advance(SECOND);
    app.deliver_all().await;
    let mails = app.mails_to("a@example.com");
    assert_eq!(mails.len(), 1);
    assert_eq!(app.status_of(&id).await, InviteStatus::Pending);
    let link = common::link_token_in(&mails[0], "/invite/");
    assert!(matches!(app.open_link(&link).await, LinkView::Open(_)));
    // The reminder is planned from the send: 24 hours before the expiry, with the same link.
    app.clock.advance(48 * HOUR - SECOND);
    app.deliver_all().await;
    assert_eq!(app.mails_to("a@example.com").len(), 1);
    app.clock.advance(SECOND);
    app.deliver_all().await;
    let mails = app.mails_to("a@example.com");
    assert_eq!(mails.len(), 2);
    assert!(mails
        .iter()
        .all(|m| common::link_token_in(m, "/invite/") == link));
    assert_eq!(app.accept(&link, "A").await.0.status(), StatusCode::OK);
}
both_backends!(
    a_scheduled_invite_goes_out_at_its_time_and_not_before,
    super::a_scheduled_invite_goes_out_at_its_time_and_not_before
);

async fn a_scheduled_invite_can_be_sent_now_or_revoked_before_its_time(backend: Backend) {
    use domain::clock::{Clock, DAY, HOUR};
    use serde_json::json;

    let app = TestApp::admin_with_mail(backend).await;
    let in_five_days = app.clock.now() + 5 * DAY;
    let r = schedule(&app, "now@example.com", in_five_days, "72").await;
    let now_id = r
        .json::<domain::model::IssuedLink>()
        .await
        .unwrap()
        .invite_id;
    let r = schedule(&app, "never@example.com", in_five_days, "72").await;
    let never_id = r
        .json::<domain::model::IssuedLink>()
        .await
        .unwrap()
        .invite_id;

    app.clock.advance(DAY);
    let r = app.call("send_invite_now", &[("id", &now_id)]).await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    app.deliver_all().await;
    assert_eq!(app.mails_to("now@example.com").len(), 1);
    let d = app.detail(&now_id).await;
    assert_eq!(d.invite.status, InviteStatus::Pending);
    assert_eq!(d.invite.expires_at, app.clock.now() + 72 * HOUR);
    assert!(d.events.iter().any(|e| e.action == "invite.sent_now"));
    let r = app.call("send_invite_now", &[("id", &now_id)]).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(r.text().await.unwrap().contains("is pending"));

    let r = app.call("revoke_invite", &[("id", &never_id)]).await;
    assert_eq!(r.status(), StatusCode::OK);
    app.clock.advance(5 * DAY);
    app.deliver_all().await;
    assert!(
        app.mails_to("never@example.com").is_empty(),
        "a revoked schedule never sends"
    );
    assert_eq!(app.status_of(&never_id).await, InviteStatus::Revoked);
    let r = app.call("send_invite_now", &[("id", &never_id)]).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);

    // The same through the API.
    let api = app.api_key("ci", &["invitations:write"]).await;
    // On a whole minute, so that the datetime-local text has no seconds to add "Z" after.
    let at = app.clock.now() + 2 * DAY;
    let at = domain::model::fmt_utc_input(at - at % 60_000) + ":00";
    let answer = api
        .post(
            "/invitations",
            &json!({"email": "c@example.com", "role": "analyst", "send_at": format!("{at}Z"), "send_email": false}),
        )
        .await;
    let (field, _) = answer.problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field.as_deref(), Some("send_at"));
    let answer = api
        .post(
            "/invitations",
            &json!({"email": "c@example.com", "role": "analyst", "send_at": format!("{at}Z")}),
        )
        .await;
    let created: serde_json::Value = answer.expect(StatusCode::CREATED);
    assert_eq!(created["invitation"]["status"], "scheduled");
    assert_eq!(created["link"], serde_json::Value::Null);
    let c = created["invitation"]["id"].as_str().unwrap().to_owned();
    let answer = api
        .post(&format!("/invitations/{c}/send-now"), &json!({}))
        .await;
    let sent: serde_json::Value = answer.expect(StatusCode::OK);
    assert_eq!(sent["status"], "pending");
    api.post(&format!("/invitations/{c}/send-now"), &json!({}))
        .await
        .problem(StatusCode::CONFLICT);
    app.deliver_all().await;
    assert_eq!(app.mails_to("c@example.com").len(), 1);
}
both_backends!(
    a_scheduled_invite_can_be_sent_now_or_revoked_before_its_time,
    super::a_scheduled_invite_can_be_sent_now_or_revoked_before_its_time
);

/// Sets the seat caps (and leaves the rest of the policy at its defaults).
async fn set_seats(app: &TestApp, workspace: &str, team: &str, per_inviter: &str) {
    let r = app
        .set_policy(&[
            ("workspace_seats", workspace),
            ("team_seats", team),
            ("pending_per_inviter", per_inviter),
        ])
        .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
}

async fn seat_caps_are_counted_at_create_and_again_at_accept(backend: Backend) {
    let app = common::spawn_app(backend).await;
    app.signed_in_admin().await;
    for (field, bad) in [("workspace_seats", "-1"), ("team_seats", "1000001")] {
        let r = app.set_policy(&[(field, bad)]).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().await.unwrap().contains(field));
    }
    // Three seats: the admin and two pending invitations fill them.
    set_seats(&app, "3", "0", "0").await;
    let (_, a) = app.invite_ok("a@example.com", "analyst", &[]).await;
    let (b, _) = app.invite_ok("b@example.com", "analyst", &[]).await;
    let r = app.invite("c@example.com", "analyst", &[]).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let said = r.text().await.unwrap();
    assert!(
        said.contains("1 member and 2 pending invitations fill its 3 seats"),
        "{said}"
    );
    app.call("revoke_invite", &[("id", &b)]).await;
    let (_, c) = app.invite_ok("c@example.com", "analyst", &[]).await;

    // The cap is lowered below what is promised: accepting waits for a free seat, and
    // nothing is created meanwhile; the invitation stays pending.
    set_seats(&app, "2", "0", "0").await;
    assert_eq!(app.accept(&a, "A").await.0.status(), StatusCode::OK);
    let users = app.count_users().await;
    let (r, _) = app.accept(&c, "C").await;
    assert_eq!(r.status(), StatusCode::GONE);
    assert!(r.text().await.unwrap().contains("NoSeat"));
    assert_eq!(app.count_users().await, users, "nothing half-created");
    assert!(matches!(app.open_link(&c).await, LinkView::NoSeat));
    let (c_id, _) = {
        let list: InviteList = app.read("list_invites", &[("status", "pending")]).await;
        let row = list
            .rows
            .iter()
            .find(|r| r.email == "c@example.com")
            .unwrap();
        (row.id.clone(), ())
    };
    assert_eq!(app.status_of(&c_id).await, InviteStatus::Pending);
    assert!(app
        .detail(&c_id)
        .await
        .events
        .iter()
        .any(|e| e.action == "invite.accept_refused"));
    // A seat frees up: the same link works.
    set_seats(&app, "3", "0", "0").await;
    assert_eq!(app.accept(&c, "C").await.0.status(), StatusCode::OK);

    // Per team: one seat in Brand, taken by a pending invitation.
    let brand = app.create_team("Brand").await;
    set_seats(&app, "0", "1", "0").await;
    app.invite_ok("t1@example.com", "analyst", &[&brand]).await;
    let r = app.invite("t2@example.com", "analyst", &[&brand]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let said = r.text().await.unwrap();
    assert!(
        said.contains("teams") && said.contains("Brand has no free seat"),
        "{said}"
    );
    app.invite_ok("t2@example.com", "analyst", &[]).await;

    // Pending invitations per inviter.
    set_seats(&app, "0", "0", "2").await;
    let r = app.invite("p@example.com", "analyst", &[]).await;
    assert_eq!(r.status(), StatusCode::CONFLICT, "two are pending already");
    assert!(r.text().await.unwrap().contains("2 pending invitations"));

    // A bulk import fills the seats in file order and skips the rest, saying why.
    let members = app.count_users().await;
    let seats = (members + 2 + 2).to_string(); // t1 and t2 are pending: room for two more
    set_seats(&app, &seats, "0", "0").await;
    let api = app.api_key("ci", &["invitations:write"]).await;
    let items = serde_json::json!({"items": [
        {"email": "bulk1@example.com", "role": "analyst"},
        {"email": "bulk2@example.com", "role": "analyst"},
        {"email": "bulk3@example.com", "role": "analyst"},
    ]});
    let answer: serde_json::Value = api
        .post("/invitations/bulk", &items)
        .await
        .expect(StatusCode::OK);
    assert_eq!(answer["created"], 2, "{answer}");
    let third = &answer["results"][2];
    assert_eq!(third["outcome"], "refused", "{answer}");
    assert!(
        third["error"].as_str().unwrap().contains("no free seat"),
        "{answer}"
    );

    // An expired invitation resent comes back to life, so it needs a seat too.
    let (old, _) = {
        let list: InviteList = app.read("list_invites", &[("status", "pending")]).await;
        let row = list
            .rows
            .iter()
            .find(|r| r.email == "t1@example.com")
            .unwrap();
        (row.id.clone(), ())
    };
    app.clock.advance(8 * domain::clock::DAY);
    set_seats(&app, &members.to_string(), "0", "0").await;
    let r = app.call("resend_invite", &[("id", &old)]).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(r.text().await.unwrap().contains("no free seat"));
    set_seats(&app, "0", "0", "0").await;
    let r = app.call("resend_invite", &[("id", &old)]).await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
}
both_backends!(
    seat_caps_are_counted_at_create_and_again_at_accept,
    super::seat_caps_are_counted_at_create_and_again_at_accept
);

async fn of_ten_racing_accepts_into_a_team_with_one_seat_left_exactly_one_joins(backend: Backend) {
    let app = common::spawn_app(backend).await;
    app.signed_in_admin().await;
    let ops = app.create_team("Ops").await;
    let mut tokens = vec![];
    for i in 0..10 {
        let (_, t) = app
            .invite_ok(&format!("racer{i}@example.com"), "analyst", &[&ops])
            .await;
        tokens.push(t);
    }
    set_seats(&app, "0", "1", "0").await;
    let users = app.count_users().await;
    let tasks: Vec<_> = tokens
        .into_iter()
        .enumerate()
        .map(|(i, token)| {
            let base = app.base.clone();
            tokio::spawn(async move {
                common::accept_status(&base, &token, &format!("Racer {i}")).await
            })
        })
        .collect();
    let mut joined = 0;
    for t in tasks {
        match t.await.unwrap() {
            StatusCode::OK => joined += 1,
            StatusCode::GONE => {}
            other => panic!("unexpected status {other}"),
        }
    }
    assert_eq!(joined, 1, "exactly one takes the last seat");
    assert_eq!(app.count_users().await, users + 1);
    let list: InviteList = app.read("list_invites", &[]).await;
    assert_eq!((list.counts.accepted, list.counts.pending), (1, 9));
}
both_backends!(
    of_ten_racing_accepts_into_a_team_with_one_seat_left_exactly_one_joins,
    super::of_ten_racing_accepts_into_a_team_with_one_seat_left_exactly_one_joins
);
