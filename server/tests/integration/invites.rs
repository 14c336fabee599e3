//! The invite life cycle over real HTTP, on SQLite and PostgreSQL: send, track, revoke,
//! resend, accept, and every way a link can be refused.

use crate::common;

use app::error::AppError;
use common::{spawn_app, Backend, TestApp, ADMIN_EMAIL};
use domain::model::{Delivery, InviteList, InviteOptions, InviteStatus, IssuedLink, LinkView};
use reqwest::StatusCode;

async fn invitee_joins_a_custom_role_and_team_with_nothing_left_to_do(backend: Backend) {
    let app = TestApp::admin_with_mail(backend).await;
    let brand = app.create_team("Brand").await;
    let role = app.media_editor_role().await;
    let (id, copied) = app
        .invite_ok("Designer@Agency.Example", &role, &[&brand])
        .await;
    assert_eq!(app.status_of(&id).await, InviteStatus::Pending);

    // The email goes out through the outbox and carries a link of its own: not the copy the
    // admin was shown, so an acceptance tells which one was used.
    app.deliver_all().await;
    let mails = app.mails();
    assert_eq!(mails.len(), 1);
    let token = common::link_token_in(&mails[0], &format!("{}/invite/", app.base));
    assert_ne!(token, copied);
    assert!(
        mails[0].contains("Ada Admin invited you to join as Media Editor"),
        "{}",
        mails[0]
    );
    let d = app.detail(&id).await;
    assert_eq!(d.invite.delivery, Delivery::Sent);

    let LinkView::Open(preview) = app.open_link(&token).await else {
        panic!("the link does not open")
    };
    assert_eq!(preview.email, "designer@agency.example");
    assert_eq!(preview.inviter_name, "Ada Admin");
    assert_eq!(preview.role_name, "Media Editor");
    assert_eq!(preview.teams, ["Brand"]);
    assert_eq!(preview.message, "Welcome aboard");

    let (r, browser) = app.accept(&token, "Dee Signer").await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    assert_eq!(r.headers()["location"], "/");
    let me = app.whoami_as(&browser).await.unwrap();
    assert_eq!(me.email, "designer@agency.example");
    assert_eq!(me.role_name, "Media Editor");
    let user_id = me.id.as_str();
    assert_eq!(
        domain::store::teams::of_user(&app.services.db, user_id)
            .await
            .unwrap(),
        vec!["Brand".to_owned()]
    );
    assert_eq!(app.status_of(&id).await, InviteStatus::Accepted);

    let d = app.detail(&id).await;
    let actions: Vec<&str> = d.events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "invite.created",
            "email.queued",
            "email.sent",
            "invite.opened",
            "invite.accepted"
        ]
    );
    let accepted = d.events.last().unwrap();
    assert_eq!(accepted.ip.as_deref(), Some("127.0.0.1"));
}
both_backends!(
    invitee_joins_a_custom_role_and_team_with_nothing_left_to_do,
    super::invitee_joins_a_custom_role_and_team_with_nothing_left_to_do
);

async fn revoked_expired_used_and_forged_links_are_refused_and_create_no_account(backend: Backend) {
    let app = spawn_app(backend).await;
    app.signed_in_admin().await;
    let (revoked_id, revoked) = app.invite_ok("revoked@example.com", "analyst", &[]).await;
    let (_, expired) = app.invite_ok("expired@example.com", "analyst", &[]).await;
    let (_, used) = app.invite_ok("used@example.com", "analyst", &[]).await;
    assert_eq!(
        app.call("revoke_invite", &[("id", &revoked_id)])
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(app.accept(&used, "First").await.0.status(), StatusCode::OK);
    let users_before = app.count_users().await;

    // Expired: move the clock past the default 7 days for the one still pending.
    app.clock.advance(7 * domain::clock::DAY + 1);
    let mut forged = used.clone().into_bytes();
    forged[30] = if forged[30] == b'x' { b'y' } else { b'x' };
    let forged = String::from_utf8(forged).unwrap();

    for (token, view) in [
        (&revoked, LinkView::Revoked),
        (&expired, LinkView::Expired),
        (&used, LinkView::Used),
        (&forged, LinkView::Invalid),
    ] {
        assert_eq!(app.open_link(token).await, view, "open {view:?}");
        let (r, browser) = app.accept(token, "Mallory").await;
        assert_eq!(r.status(), StatusCode::GONE, "accept {view:?}");
        let body: AppError = r.json().await.unwrap();
        assert_eq!(body, AppError::InviteUnusable(Box::new(view)));
        assert_eq!(app.whoami_as(&browser).await, None);
    }
    assert_eq!(app.count_users().await, users_before);
    // Revoking again says why not.
    let again = app.call("revoke_invite", &[("id", &revoked_id)]).await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    assert_eq!(
        again.json::<AppError>().await.unwrap(),
        AppError::Conflict("Only pending invites can be revoked; this one is revoked.".into())
    );
}
both_backends!(
    revoked_expired_used_and_forged_links_are_refused_and_create_no_account,
    super::revoked_expired_used_and_forged_links_are_refused_and_create_no_account
);

async fn resend_kills_the_old_link_and_renews_the_expiry(backend: Backend) {
    let app = spawn_app(backend).await;
    app.signed_in_admin().await;
    let (id, old) = app.invite_ok("late@example.com", "analyst", &[]).await;
    app.clock.advance(6 * domain::clock::DAY);
    let r = app.call("resend_invite", &[("id", &id)]).await;
    assert_eq!(r.status(), StatusCode::OK);
    let new = common::token_of(&r.json::<IssuedLink>().await.unwrap());
    assert_ne!(new, old);
    assert_eq!(app.open_link(&old).await, LinkView::Replaced);
    assert_eq!(app.accept(&old, "Late").await.0.status(), StatusCode::GONE);
    // Past the first expiry, the renewed invite is still pending.
    app.clock.advance(2 * domain::clock::DAY);
    assert_eq!(app.status_of(&id).await, InviteStatus::Pending);
    assert_eq!(app.accept(&new, "Late").await.0.status(), StatusCode::OK);
}
both_backends!(
    resend_kills_the_old_link_and_renews_the_expiry,
    super::resend_kills_the_old_link_and_renews_the_expiry
);

async fn an_editor_cannot_invite_an_admin_or_manage_roles(backend: Backend) {
    let app = spawn_app(backend).await;
    app.signed_in_admin().await;
    let (_, token) = app.invite_ok("editor@example.com", "editor", &[]).await;
    let (r, editor) = app.accept(&token, "Eddie Editor").await;
    assert_eq!(r.status(), StatusCode::OK);

    let r = app
        .invite_with(&editor, "boss@example.com", "admin", &[])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        r.json::<AppError>().await.unwrap(),
        AppError::Invalid {
            field: "role".into(),
            message: "You cannot invite people as Admin: it has permissions your role lacks."
                .into()
        }
    );
    // The form only offers roles the editor may grant.
    let options: InviteOptions = app.read_with(&editor, "invite_options", &[]).await;
    let names: Vec<&str> = options.roles.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["Editor"]);
    // An editor may invite an editor.
    assert_eq!(
        app.invite_with(&editor, "peer@example.com", "editor", &[])
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        app.call_with(&editor, "create_role", &[("name", "Sneaky")])
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.call_with(&editor, "audit_log", &[]).await.status(),
        StatusCode::FORBIDDEN
    );
}
both_backends!(
    an_editor_cannot_invite_an_admin_or_manage_roles,
    super::an_editor_cannot_invite_an_admin_or_manage_roles
);

async fn the_role_ceiling_is_checked_again_at_acceptance(backend: Backend) {
    let app = spawn_app(backend).await;
    app.signed_in_admin().await;
    let (_, demoted) = app.invite_ok("one@example.com", "admin", &[]).await;
    let (_, deactivated) = app.invite_ok("two@example.com", "analyst", &[]).await;
    let users = app.count_users().await;

    // The inviter is demoted to Editor: their invite to Admin is no longer honoured.
    app.exec(
        "UPDATE users SET role_id = 'editor' WHERE email = $1",
        &[ADMIN_EMAIL],
    )
    .await;
    assert_eq!(app.open_link(&demoted).await, LinkView::InviterLacksRights);
    let r = app.accept(&demoted, "One").await.0;
    assert_eq!(r.status(), StatusCode::GONE);
    assert_eq!(
        r.json::<AppError>().await.unwrap(),
        AppError::InviteUnusable(Box::new(LinkView::InviterLacksRights))
    );

    // Deactivated: none of their invites are honoured.
    app.exec(
        "UPDATE users SET role_id = 'admin', active = FALSE WHERE email = $1",
        &[ADMIN_EMAIL],
    )
    .await;
    assert_eq!(
        app.accept(&deactivated, "Two").await.0.status(),
        StatusCode::GONE
    );
    assert_eq!(app.count_users().await, users);
}
both_backends!(
    the_role_ceiling_is_checked_again_at_acceptance,
    super::the_role_ceiling_is_checked_again_at_acceptance
);

async fn twenty_concurrent_accepts_create_exactly_one_account(backend: Backend) {
    let app = spawn_app(backend).await;
    app.signed_in_admin().await;
    let (_, token) = app.invite_ok("race@example.com", "analyst", &[]).await;
    let before = app.count_users().await;
    let mut tasks = Vec::new();
    for i in 0..20 {
        let base = app.base.clone();
        let token = token.clone();
        tasks.push(tokio::spawn(async move {
            common::accept_status(&base, &token, &format!("Racer {i}")).await
        }));
    }
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            StatusCode::OK => ok += 1,
            StatusCode::GONE | StatusCode::CONFLICT => {}
            other => panic!("unexpected status {other}"),
        }
    }
    assert_eq!(ok, 1);
    assert_eq!(app.count_users().await, before + 1);
}
both_backends!(
    twenty_concurrent_accepts_create_exactly_one_account,
    super::twenty_concurrent_accepts_create_exactly_one_account
);

async fn one_live_invite_per_address_and_none_for_members(backend: Backend) {
    let app = spawn_app(backend).await;
    app.signed_in_admin().await;
    app.invite_ok("twice@example.com", "analyst", &[]).await;
    let r = app.invite("TWICE@example.com", "analyst", &[]).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(
        r.json::<AppError>().await.unwrap(),
        AppError::Conflict(
            "twice@example.com already has a pending invitation. Use Resend in the list to \
             send it again."
                .into()
        )
    );
    let r = app.invite(ADMIN_EMAIL, "analyst", &[]).await;
    assert_eq!(
        r.json::<AppError>().await.unwrap().to_string(),
        format!("{ADMIN_EMAIL} already has an account.")
    );
    for (email, field) in [("not-an-email", "email"), ("x@y.com", "role")] {
        let r = app
            .invite(
                email,
                if field == "role" {
                    "no-such-role"
                } else {
                    "analyst"
                },
                &[],
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let AppError::Invalid { field: named, .. } = r.json::<AppError>().await.unwrap() else {
            panic!("not a field error")
        };
        assert_eq!(named, field);
    }
    // Once expired, the address can be invited again.
    app.clock.advance(8 * domain::clock::DAY);
    app.invite_ok("twice@example.com", "analyst", &[]).await;
}
both_backends!(
    one_live_invite_per_address_and_none_for_members,
    super::one_live_invite_per_address_and_none_for_members
);

async fn opening_a_link_changes_no_state(backend: Backend) {
    let app = spawn_app(backend).await;
    app.signed_in_admin().await;
    let (id, token) = app.invite_ok("scanned@example.com", "analyst", &[]).await;
    for _ in 0..10 {
        assert!(matches!(app.open_link(&token).await, LinkView::Open(_)));
        let page = common::client(&app.base)
            .get(app.url(&format!("/invite/{token}")))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        assert_eq!(page.headers()["referrer-policy"], "strict-origin");
        assert_eq!(page.headers()["cache-control"], "no-store");
        // Read the whole page: rendering it is what records the opening.
        let html = page.text().await.unwrap();
        assert!(html.contains("Accept invitation"), "{html}");
    }
    let d = app.detail(&id).await;
    assert_eq!(d.invite.status, InviteStatus::Pending);
    assert_eq!(d.invite.open_count, 20);
}
both_backends!(
    opening_a_link_changes_no_state,
    super::opening_a_link_changes_no_state
);

async fn status_in_sql_agrees_with_status_in_rust(backend: Backend) {
    let app = spawn_app(backend).await;
    app.signed_in_admin().await;
    let (revoked, _) = app.invite_ok("r@example.com", "analyst", &[]).await;
    app.call("revoke_invite", &[("id", &revoked)]).await;
    let (_, used) = app.invite_ok("u@example.com", "analyst", &[]).await;
    app.accept(&used, "U").await;
    app.invite_ok("p@example.com", "analyst", &[]).await;
    let (_, declined) = app.invite_ok("d@example.com", "analyst", &[]).await;
    assert_eq!(app.decline(&declined, "").await.status(), StatusCode::OK);
    let r = app
        .invite_with(&app.client, "e@example.com", "analyst", &[])
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    // Scheduled three days ahead: Scheduled now, pending after the second step.
    let in_three_days = domain::clock::Clock::now(&app.clock) + 3 * domain::clock::DAY;
    let send_at = domain::model::fmt_utc_input(in_three_days);
    let r = app
        .call(
            "create_invite",
            &[
                ("email", "s@example.com"),
                ("role_id", "analyst"),
                ("expiry_hours", "168"),
                ("send_at", &send_at),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    for (step, scheduled) in [(0, 1), (7 * domain::clock::DAY + 1, 0)] {
        app.clock.advance(step);
        let now = domain::clock::Clock::now(&app.clock);
        let all = domain::model::InviteQuery::default().at(domain::model::Cursor::First);
        let all = domain::model::InviteQuery {
            per_page: 100,
            ..all
        };
        let rows = domain::store::invite_list::page(&app.services.db, &all, now)
            .await
            .unwrap()
            .unwrap()
            .rows;
        assert_eq!(rows.len(), 6);
        for i in &rows {
            let rust = domain::model::InviteStatus::derive(i.moments(), now);
            assert_eq!(i.status, rust.as_str(), "{}", i.email);
        }
        // The list's status filters (on the generated state column) pick exactly the rows
        // the status expression names.
        for s in domain::model::InviteStatus::ALL {
            let q = domain::model::InviteQuery {
                status: Some(s),
                ..all.clone()
            };
            let page = domain::store::invite_list::page(&app.services.db, &q, now)
                .await
                .unwrap()
                .unwrap();
            let mut got: Vec<&str> = page.rows.iter().map(|i| i.email.as_str()).collect();
            let mut want: Vec<&str> = rows
                .iter()
                .filter(|i| i.status == s.as_str())
                .map(|i| i.email.as_str())
                .collect();
            got.sort();
            want.sort();
            assert_eq!(got, want, "{s:?}");
        }
        let list: InviteList = app.read("list_invites", &[]).await;
        assert_eq!(list.counts.total(), 6);
        assert_eq!(list.counts.declined, 1);
        assert_eq!(list.counts.scheduled, scheduled);
        for s in InviteStatus::ALL {
            let filtered: InviteList = app.read("list_invites", &[("status", s.as_str())]).await;
            assert_eq!(filtered.rows.len() as i64, list.counts.of(s), "{s:?}");
        }
    }
}
both_backends!(
    status_in_sql_agrees_with_status_in_rust,
    super::status_in_sql_agrees_with_status_in_rust
);

async fn smtp_down_keeps_the_invite_queued_with_the_error_shown(backend: Backend) {
    let app = TestApp::builder()
        .backend(backend)
        .flags(&[
            "--mail-transport",
            "smtp",
            "--smtp-host",
            "127.0.0.1",
            "--smtp-port",
            "9",
            "--smtp-tls",
            "none",
            "--smtp-timeout-secs",
            "2",
        ])
        .start()
        .await;
    app.signed_in_admin().await;
    let (id, _) = app.invite_ok("patient@example.com", "analyst", &[]).await;
    app.deliver_all().await;
    let d = app.detail(&id).await;
    assert_eq!(
        d.invite.delivery,
        Delivery::Queued,
        "an admin is never told an email went out when it did not"
    );
    let error = d.invite.delivery_error.as_deref().unwrap_or_default();
    assert!(error.starts_with("retrying:"), "{error}");
    let actions: Vec<&str> = d.events.iter().map(|e| e.action.as_str()).collect();
    assert!(actions.contains(&"email.retrying"), "{actions:?}");
    assert!(!actions.contains(&"email.sent"));
}
both_backends!(
    smtp_down_keeps_the_invite_queued_with_the_error_shown,
    super::smtp_down_keeps_the_invite_queued_with_the_error_shown
);

async fn a_dead_link_can_ask_the_inviter_for_a_new_one(backend: Backend) {
    let app = TestApp::admin_with_mail(backend).await;
    let (id, token) = app.invite_ok("slow@example.com", "analyst", &[]).await;
    let live = app
        .call_with(
            &common::client(&app.base),
            "request_new_invite",
            &[("token", &token)],
        )
        .await;
    assert_eq!(live.status(), StatusCode::CONFLICT);
    app.clock.advance(8 * domain::clock::DAY);
    let r = app
        .call_with(
            &common::client(&app.base),
            "request_new_invite",
            &[("token", &token)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let again = app
        .call_with(
            &common::client(&app.base),
            "request_new_invite",
            &[("token", &token)],
        )
        .await;
    assert_eq!(again.status(), StatusCode::TOO_MANY_REQUESTS);
    app.deliver_all().await;
    let to_inviter = app
        .mails()
        .into_iter()
        .find(|m| m.contains("asked for a new invitation"))
        .expect("inviter notified");
    assert!(
        to_inviter.contains(&format!("To: {ADMIN_EMAIL}")),
        "{to_inviter}"
    );
    assert!(to_inviter.contains(&format!("/invites/{id}")));
    assert!(app
        .audit_actions()
        .await
        .contains(&"invite.new_requested".to_owned()));
}
both_backends!(
    a_dead_link_can_ask_the_inviter_for_a_new_one,
    super::a_dead_link_can_ask_the_inviter_for_a_new_one
);

async fn the_list_can_be_searched_by_email_and_wildcards_are_literal(backend: Backend) {
    let app = spawn_app(backend).await;
    app.signed_in_admin().await;
    for e in [
        "ann@agency.example",
        "bob@agency.example",
        "ann_b@other.example",
        "annxb@other.example",
    ] {
        app.invite_ok(e, "analyst", &[]).await;
    }
    let emails = |list: &InviteList| -> Vec<String> {
        let mut e: Vec<String> = list.rows.iter().map(|r| r.email.clone()).collect();
        e.sort();
        e
    };
    let found: InviteList = app.read("list_invites", &[("q", "AGENCY")]).await;
    assert_eq!(emails(&found), ["ann@agency.example", "bob@agency.example"]);
    assert_eq!(
        found.counts.pending, 4,
        "counts stay per status, not per search"
    );
    // "_" is a literal underscore, not LIKE's any-character.
    let found: InviteList = app.read("list_invites", &[("q", "ann_b")]).await;
    assert_eq!(emails(&found), ["ann_b@other.example"]);
    let found: InviteList = app
        .read("list_invites", &[("q", "%"), ("status", "pending")])
        .await;
    assert!(emails(&found).is_empty());
}
both_backends!(
    the_list_can_be_searched_by_email_and_wildcards_are_literal,
    super::the_list_can_be_searched_by_email_and_wildcards_are_literal
);
