//! What an outside attack pass found, each closed and held shut: floods of sign-in attempts
//! write bounded rows, bodies are judged by what will be parsed, NUL never reaches the
//! database, a sender cannot take over someone else's invite, used links cannot ask for a
//! new one, posts must show their origin, live streams are capped, a genuine link is never
//! mistaken for a guess, and sizes have one limit.

use crate::common;

use common::dump::dump;
use common::{spawn_app, Backend, TestApp, ADMIN_EMAIL, GUESSED_TOKEN};
use domain::model::{IssuedLink, LinkView, MemberInfo};
use reqwest::header::{CONTENT_TYPE, ORIGIN, RETRY_AFTER};
use reqwest::StatusCode;

const FORM: &str = "application/x-www-form-urlencoded";

/// The sign-in rows of the audit log: (action, subject).
async fn sign_in_rows(app: &TestApp) -> Vec<(String, String)> {
    domain::store::audit::recent(&app.services.db, 10_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.action.starts_with("auth.sign_in"))
        .map(|r| (r.action, r.subject.unwrap_or_default()))
        .collect()
}

/// A visitor's sign-in attempt, from `ip` (the server believes X-Forwarded-For from
/// 127.0.0.1 in these tests).
async fn sign_in_from(app: &TestApp, ip: &str, email: &str) -> StatusCode {
    common::client(&app.base)
        .post(app.url("/api/sign_in"))
        .header("x-forwarded-for", ip)
        .form(&[("email", email), ("password", "not the password")])
        .send()
        .await
        .unwrap()
        .status()
}

async fn a_sign_in_flood_writes_few_rows_and_none_of_them_large(backend: Backend) {
    let app = TestApp::builder()
        .backend(backend)
        .flags(&["--trusted-proxies", "127.0.0.1"])
        .start()
        .await;
    app.signed_in_admin().await;
    let before = sign_in_rows(&app).await.len();

    // One address sends 40 "emails" of 10 KB, then one of 1 MB.
    let ten_kb = "x".repeat(10_000);
    let mut statuses = vec![];
    for i in 0..40 {
        let email = format!("{i}{ten_kb}@example.com");
        statuses.push(sign_in_from(&app, "203.0.113.1", &email).await);
    }
    statuses.push(sign_in_from(&app, "203.0.113.1", &"y".repeat(1_000_000)).await);
    assert!(
        statuses[..30]
            .iter()
            .all(|s| *s == StatusCode::UNAUTHORIZED),
        "{statuses:?}"
    );
    assert!(statuses[30..]
        .iter()
        .all(|s| *s == StatusCode::TOO_MANY_REQUESTS));
    let rows = sign_in_rows(&app).await;
    // 30 failures and one "rate limited", however many more attempts were refused.
    assert_eq!(rows.len() - before, 31, "{:?}", &rows[..3]);

    // Another address locks one account, then keeps trying it: the refused attempts count
    // against the address too, and cost one row per limit, not one per attempt.
    for _ in 0..45 {
        sign_in_from(&app, "203.0.113.2", ADMIN_EMAIL).await;
    }
    assert_eq!(
        sign_in_from(&app, "203.0.113.2", "someone.else@example.com").await,
        StatusCode::TOO_MANY_REQUESTS,
        "refused attempts must count against the address"
    );
    let rows = sign_in_rows(&app).await;
    // 5 failures, the account's limit and the address's limit.
    assert_eq!(rows.len() - before, 31 + 7);
    let longest = rows.iter().map(|(_, s)| s.chars().count()).max().unwrap();
    assert!(longest <= domain::audit::MAX_SUBJECT_CHARS, "{longest}");
    // The audit page stays small.
    let page = app.page("/audit").await.text().await.unwrap();
    assert!(
        page.len() < 200_000,
        "the audit page is {} bytes",
        page.len()
    );
    // The real admin can still sign in from their own address.
    app.clock.advance(16 * domain::clock::MINUTE);
    let r = app.sign_in(ADMIN_EMAIL, common::ADMIN_PASSWORD).await;
    assert_eq!(r.status(), StatusCode::OK);
}
both_backends!(
    a_sign_in_flood_writes_few_rows_and_none_of_them_large,
    super::a_sign_in_flood_writes_few_rows_and_none_of_them_large
);

async fn post_raw(
    app: &TestApp,
    name: &str,
    content_type: Option<&str>,
    body: impl Into<reqwest::Body>,
) -> (StatusCode, String) {
    let mut req = app.client.post(app.url(&format!("/api/{name}"))).body(body);
    if let Some(t) = content_type {
        req = req.header(CONTENT_TYPE, t);
    }
    let r = req.send().await.unwrap();
    (r.status(), r.text().await.unwrap())
}

async fn bodies_are_judged_by_what_will_be_parsed(backend: Backend) {
    let app = spawn_app(backend).await;
    app.signed_in_admin().await;
    let before = dump(&app.services.db).await;
    let bad_bytes = "name=utf%FF%FE";
    let good_text = "name=Harmless";
    let cases: &[(Option<&str>, &str, StatusCode)] = &[
        (
            Some("text/plain"),
            bad_bytes,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            Some("text/plain"),
            good_text,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (None, bad_bytes, StatusCode::UNSUPPORTED_MEDIA_TYPE),
        (None, good_text, StatusCode::UNSUPPORTED_MEDIA_TYPE),
        (
            Some("application/json"),
            good_text,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            Some("multipart/form-data; boundary=x"),
            good_text,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            Some("application/x-www-form-urlencoded; charset=latin1"),
            good_text,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            Some("Application/X-WWW-Form-Urlencoded"),
            bad_bytes,
            StatusCode::BAD_REQUEST,
        ),
        (
            Some("APPLICATION/X-WWW-FORM-URLENCODED; Charset=UTF-8"),
            bad_bytes,
            StatusCode::BAD_REQUEST,
        ),
    ];
    for (content_type, body, expected) in cases {
        let (status, text) = post_raw(&app, "create_team", *content_type, *body).await;
        assert_eq!(status, *expected, "{content_type:?} {body}: {text}");
        assert!(text.contains("Request"), "{content_type:?}: {text}");
    }
    assert_eq!(before, dump(&app.services.db).await, "something was stored");
    // The form type in any spelling is taken when its text is good.
    let (status, text) = post_raw(
        &app,
        "create_team",
        Some("Application/X-WWW-Form-Urlencoded; charset=utf-8"),
        good_text,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    // An empty body needs no type: there is nothing to misread.
    let (status, _) = post_raw(&app, "whoami", None, "").await;
    assert_eq!(status, StatusCode::OK);
}
both_backends!(
    bodies_are_judged_by_what_will_be_parsed,
    super::bodies_are_judged_by_what_will_be_parsed
);

async fn a_nul_byte_in_any_text_input_gets_a_4xx_and_stores_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    app.signed_in_admin().await;
    let team = app.create_team("Brand").await;
    let (invite_id, token) = app.invite_ok("pending@example.com", "analyst", &[]).await;
    app.join("member@example.com", "analyst").await;
    let member = app.member_id("member@example.com").await;
    app.deliver_all().await;
    let nul = "a\0b";
    // Every text field of every server function, one at a time.
    let calls: Vec<(&str, Vec<(&str, String)>)> = vec![
        (
            "sign_in",
            vec![("email", nul.into()), ("password", "x".into())],
        ),
        (
            "sign_in",
            vec![("email", "x@example.com".into()), ("password", nul.into())],
        ),
        ("open_invite", vec![("token", format!("{token}\0"))]),
        ("request_new_invite", vec![("token", nul.into())]),
        ("password_link", vec![("token", nul.into())]),
        (
            "accept_invite",
            vec![
                ("token", token.clone()),
                ("name", nul.into()),
                ("password", "a good long password".into()),
                ("confirm", "a good long password".into()),
            ],
        ),
        (
            "create_invite",
            vec![
                ("email", "n\0ul@example.com".into()),
                ("role_id", "analyst".into()),
                ("expiry_hours", "24".into()),
            ],
        ),
        (
            "create_invite",
            vec![
                ("email", "nul1@example.com".into()),
                ("role_id", "analyst\0".into()),
                ("expiry_hours", "24".into()),
            ],
        ),
        (
            "create_invite",
            vec![
                ("email", "nul2@example.com".into()),
                ("role_id", "analyst".into()),
                ("expiry_hours", "24".into()),
                ("message", nul.into()),
            ],
        ),
        (
            "create_invite",
            vec![
                ("email", "nul3@example.com".into()),
                ("role_id", "analyst".into()),
                ("expiry_hours", "24".into()),
                ("teams[0]", format!("{team}\0")),
            ],
        ),
        (
            "list_invites",
            vec![("q", "abc\0".into()), ("mode", "contains".into())],
        ),
        (
            "list_invites",
            vec![("q", "abc\0".into()), ("mode", "prefix".into())],
        ),
        ("list_invites", vec![("role", nul.into())]),
        ("list_invites", vec![("after", nul.into())]),
        ("invite_detail", vec![("id", nul.into())]),
        ("revoke_invite", vec![("id", format!("{invite_id}\0"))]),
        ("resend_invite", vec![("id", format!("{invite_id}\0"))]),
        ("revoke_invites", vec![("ids[0]", nul.into())]),
        ("create_team", vec![("name", nul.into())]),
        (
            "rename_team",
            vec![("id", team.clone()), ("name", nul.into())],
        ),
        ("delete_team", vec![("id", nul.into())]),
        (
            "create_role",
            vec![
                ("name", nul.into()),
                ("permissions[0]", "ViewInvites".into()),
            ],
        ),
        (
            "create_role",
            vec![
                ("name", "Fine".into()),
                ("description", nul.into()),
                ("permissions[0]", "ViewInvites".into()),
            ],
        ),
        (
            "create_role",
            vec![("name", "Fine".into()), ("permissions[0]", nul.into())],
        ),
        ("delete_role", vec![("id", nul.into())]),
        (
            "change_member_role",
            vec![("id", member.clone()), ("role_id", nul.into())],
        ),
        (
            "set_member_teams",
            vec![("id", member.clone()), ("teams[0]", nul.into())],
        ),
        (
            "set_member_active",
            vec![("id", nul.into()), ("active", "false".into())],
        ),
        (
            "update_policy",
            vec![
                ("default_expiry_hours", "168".into()),
                ("max_expiry_hours", "720".into()),
                ("daily_cap", "0".into()),
                ("allowed_domains", "exa\0mple.com".into()),
            ],
        ),
        (
            "bulk_check",
            vec![(
                "csv",
                "ok@example.com,analyst\nn\0ul@example.com,analyst".into(),
            )],
        ),
        (
            "bulk_start",
            vec![("draft", nul.into()), ("expiry_hours", "24".into())],
        ),
        ("bulk_draft", vec![("draft", nul.into())]),
        ("bulk_draft_rows", vec![("draft", nul.into())]),
        ("bulk_progress", vec![("job_id", nul.into())]),
        ("audit_log", vec![("who", nul.into())]),
    ];
    let before = dump(&app.services.db).await;
    let mut report = vec![];
    for (name, fields) in &calls {
        let form: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = app.call(name, &form).await;
        let status = r.status();
        if !status.is_client_error() {
            report.push(format!(
                "{name} {fields:?}: {status} {}",
                r.text().await.unwrap()
            ));
        }
    }
    // The same in page addresses, and in a path.
    for path in [
        "/invites?q=abc%00&mode=contains",
        "/invites?q=abc%00&mode=prefix",
        "/invites?role=%00",
        "/audit?who=%00",
        "/invite/abc%00",
    ] {
        let status = app.page(path).await.status();
        if !status.is_client_error() && status != StatusCode::OK {
            report.push(format!("GET {path}: {status}"));
        }
    }
    assert!(report.is_empty(), "{}", report.join("\n"));
    assert_eq!(before, dump(&app.services.db).await, "something was stored");

    // Behind the web layer too (the command line, later doors): the rules refuse NUL with a
    // clear error on either backend, never a database error.
    let admin = domain::store::users::find_by_email(&app.services.db, ADMIN_EMAIL)
        .await
        .unwrap()
        .unwrap();
    let admin = domain::access::Caller::signed_in(admin, &domain::audit::Actor::cli());
    let s = &app.services;
    let refused = |what: &str, e: domain::DomainError| {
        assert!(
            !matches!(
                e,
                domain::DomainError::Store(_) | domain::DomainError::Internal(_)
            ),
            "{what}: {e:?}"
        );
    };
    let create = |email: &'static str, role_id: &'static str, message: &'static str| {
        domain::invites::CreateInvite {
            email,
            role: role_id,
            team_ids: &[],
            expiry: domain::invites::Expiry::Hours(24),
            message,
            send_email: true,
            metadata: None,
            landing_path: "",
            access_ends_at: None,
            send_at: None,
        }
    };
    refused(
        "role id",
        s.create_invite(&admin, create("r@example.com", "analyst\0", ""))
            .await
            .unwrap_err(),
    );
    refused(
        "message",
        s.create_invite(&admin, create("m@example.com", "analyst", "hi\0"))
            .await
            .unwrap_err(),
    );
    refused(
        "invite id",
        s.invite_detail(&admin, "x\0").await.unwrap_err(),
    );
    refused("revoke", s.revoke_invite(&admin, "x\0").await.unwrap_err());
    refused(
        "team name",
        s.create_team(&admin, "Team\0").await.unwrap_err(),
    );
    let planned = s
        .plan_bulk(&admin, "e\0@example.com,analyst\nok@example.com,Ana\0lyst")
        .await
        .unwrap();
    assert_eq!(planned.len(), 2);
    assert!(planned.iter().all(|p| !p.is_ready()), "{planned:?}");
    assert_eq!(before, dump(&app.services.db).await, "something was stored");
}
both_backends!(
    a_nul_byte_in_any_text_input_gets_a_4xx_and_stores_nothing,
    super::a_nul_byte_in_any_text_input_gets_a_4xx_and_stores_nothing
);

/// A member holding the custom role "Media Editor" (View and Send invites).
async fn media_editor(app: &TestApp, email: &str) -> reqwest::Client {
    let role = app.media_editor_role().await;
    app.join(email, &role).await
}

async fn a_sender_cannot_take_over_an_invite_someone_else_sent(backend: Backend) {
    let app = spawn_app(backend).await;
    app.signed_in_admin().await;
    let sender = media_editor(&app, "sender@example.com").await;
    // A role the sender may grant, so only whose invite it is stands in the way.
    let role = app.role_id("Media Editor").await;
    let (admins, admins_token) = app.invite_ok("admins@example.com", &role, &[]).await;

    let r = app
        .call_with(&sender, "resend_invite", &[("id", &admins)])
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let body = r.text().await.unwrap();
    assert!(!body.contains("/invite/"), "a link leaked: {body}");
    assert!(body.contains("may revoke invites"), "{body}");
    // The admin's link is untouched and the admin is still the inviter.
    assert!(matches!(
        app.open_link(&admins_token).await,
        LinkView::Open(_)
    ));
    let row = app.detail(&admins).await;
    assert_eq!(row.invite.inviter_email, ADMIN_EMAIL);

    // Their own invite they may resend.
    let r = app
        .invite_with(&sender, "own@example.com", &role, &[])
        .await;
    let own: IssuedLink = r.json().await.unwrap();
    let r = app
        .call_with(&sender, "resend_invite", &[("id", &own.invite_id)])
        .await;
    assert_eq!(r.status(), StatusCode::OK);

    // Someone who may revoke may resend anyone's; the timeline names both people.
    let editor = app.join("editor@example.com", "editor").await;
    let r = app
        .call_with(&editor, "resend_invite", &[("id", &admins)])
        .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    assert!(!matches!(
        app.open_link(&admins_token).await,
        LinkView::Open(_)
    ));
    let detail = app.detail(&admins).await;
    let resent = detail.events.iter().find(|e| e.action == "invite.resent");
    let text = &resent.expect("a resent event").detail;
    assert!(
        text.contains("editor@example.com") && text.contains(ADMIN_EMAIL),
        "{text}"
    );
}
both_backends!(
    a_sender_cannot_take_over_an_invite_someone_else_sent,
    super::a_sender_cannot_take_over_an_invite_someone_else_sent
);

async fn ask(app: &TestApp, token: &str) -> StatusCode {
    app.call_with(
        &common::client(&app.base),
        "request_new_invite",
        &[("token", token)],
    )
    .await
    .status()
}

async fn only_links_that_ran_out_or_were_replaced_may_ask_for_a_new_one(backend: Backend) {
    let app = spawn_app(backend).await;
    app.signed_in_admin().await;
    let (_, accepted) = app.invite_ok("accepted@example.com", "analyst", &[]).await;
    assert_eq!(app.accept(&accepted, "A").await.0.status(), StatusCode::OK);
    let (revoked_id, revoked) = app.invite_ok("revoked@example.com", "analyst", &[]).await;
    let r = app.call("revoke_invite", &[("id", &revoked_id)]).await;
    assert_eq!(r.status(), StatusCode::OK);
    let (replaced_id, replaced) = app.invite_ok("replaced@example.com", "analyst", &[]).await;
    let r = app.call("resend_invite", &[("id", &replaced_id)]).await;
    assert_eq!(r.status(), StatusCode::OK);
    let (_, pending) = app.invite_ok("pending@example.com", "analyst", &[]).await;
    let (_, expired) = app.invite_ok("expired@example.com", "analyst", &[]).await;
    app.deliver_all().await;
    let jobs_before = app.audit_actions().await;

    assert_eq!(ask(&app, &accepted).await, StatusCode::CONFLICT);
    assert_eq!(ask(&app, &revoked).await, StatusCode::CONFLICT);
    assert_eq!(ask(&app, &pending).await, StatusCode::CONFLICT);
    assert_eq!(
        app.audit_actions().await,
        jobs_before,
        "a refusal was acted on"
    );
    assert_eq!(ask(&app, &replaced).await, StatusCode::OK);
    app.clock.advance(8 * domain::clock::DAY);
    assert_eq!(ask(&app, &expired).await, StatusCode::OK);
    let asked = app
        .audit_actions()
        .await
        .iter()
        .filter(|a| *a == "invite.new_requested")
        .count();
    assert_eq!(asked, 2);
}
both_backends!(
    only_links_that_ran_out_or_were_replaced_may_ask_for_a_new_one,
    super::only_links_that_ran_out_or_were_replaced_may_ask_for_a_new_one
);

async fn posts_must_show_they_come_from_the_app(backend: Backend) {
    let app = spawn_app(backend).await;
    app.signed_in_admin().await;
    let before = dump(&app.services.db).await;
    // The app's own client carries cookies and Origin; these send the cookie without it.
    let bare = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let _ = bare
        .post(app.url("/api/sign_in"))
        .header(ORIGIN, app.base.as_str())
        .form(&[("email", ADMIN_EMAIL), ("password", common::ADMIN_PASSWORD)])
        .send()
        .await
        .unwrap();
    let before_create = dump(&app.services.db).await;
    let refused: &[&[(&str, &str)]] = &[
        &[],
        &[("sec-fetch-site", "cross-site")],
        &[("sec-fetch-site", "same-site")],
        &[("origin", "null")],
        &[
            ("origin", "https://evil.example"),
            ("sec-fetch-site", "same-origin"),
        ],
    ];
    for headers in refused {
        let mut req = bare
            .post(app.url("/api/create_team"))
            .form(&[("name", "Forged")]);
        for (k, v) in *headers {
            req = req.header(*k, *v);
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{headers:?}");
        assert!(r
            .text()
            .await
            .unwrap()
            .starts_with("Cross-site request refused"));
    }
    assert_eq!(before_create, dump(&app.services.db).await);
    // A browser that sends no Origin but says same-origin is let through.
    let r = bare
        .post(app.url("/api/create_team"))
        .header("sec-fetch-site", "same-origin")
        .form(&[("name", "Same origin")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    assert_ne!(before, dump(&app.services.db).await);
}
both_backends!(
    posts_must_show_they_come_from_the_app,
    super::posts_must_show_they_come_from_the_app
);

async fn open_stream(app: &TestApp, client: &reqwest::Client) -> reqwest::Response {
    client.get(app.url("/events")).send().await.unwrap()
}

async fn live_streams_are_capped_per_session_and_per_process(backend: Backend) {
    use server::live::open_streams::MAX_PER_SESSION;
    let cap = (MAX_PER_SESSION + 2).to_string();
    let app = TestApp::builder()
        .backend(backend)
        .flags(&["--max-live-streams", &cap])
        .start()
        .await;
    app.signed_in_admin().await;
    let mut mine = vec![];
    for i in 0..MAX_PER_SESSION {
        let r = open_stream(&app, &app.client).await;
        assert_eq!(r.status(), StatusCode::OK, "stream {i}");
        mine.push(r);
    }
    let r = open_stream(&app, &app.client).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().contains_key(RETRY_AFTER));
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Too many live-update streams"));

    // Another session has its own allowance, up to the process's cap.
    let other = app.join("other@example.com", "analyst").await;
    let a = open_stream(&app, &other).await;
    let b = open_stream(&app, &other).await;
    assert_eq!((a.status(), b.status()), (StatusCode::OK, StatusCode::OK));
    let r = open_stream(&app, &other).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.text().await.unwrap().contains("This server holds"));

    // A closed stream gives its place back.
    drop(mine.pop());
    let mut reopened = None;
    for _ in 0..100 {
        let r = open_stream(&app, &app.client).await;
        if r.status() == StatusCode::OK {
            reopened = Some(r);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(
        reopened.is_some(),
        "the closed stream's place never came back"
    );

    // Signing out ends that session's streams at the next re-check, all at once.
    let r = app.call_with(&other, "sign_out", &[]).await;
    assert!(r.status().is_success() || r.status().is_redirection());
    let deadline = server::live::open_streams::RECHECK * 3;
    for mut stream in [a, b] {
        let ended = tokio::time::timeout(deadline, async {
            while let Ok(Some(_)) = stream.chunk().await {}
        })
        .await;
        assert!(ended.is_ok(), "a signed-out session's stream stayed open");
    }
}
both_backends!(
    live_streams_are_capped_per_session_and_per_process,
    super::live_streams_are_capped_per_session_and_per_process
);

async fn a_genuine_link_opens_from_an_address_locked_out_for_guessing(backend: Backend) {
    let app = spawn_app(backend).await;
    app.signed_in_admin().await;
    let (_, real) = app.invite_ok("colleague@example.com", "analyst", &[]).await;
    let office = common::client(&app.base);
    for i in 0..31 {
        app.call_with(
            &office,
            "open_invite",
            &[("token", &format!("{GUESSED_TOKEN}{i}"))],
        )
        .await;
    }
    let r = app
        .call_with(&office, "open_invite", &[("token", GUESSED_TOKEN)])
        .await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    // The same address, a link we issued: answered, and it can be accepted.
    let view: LinkView = app
        .read_with(&office, "open_invite", &[("token", &real)])
        .await;
    assert!(matches!(view, LinkView::Open(_)), "{view:?}");
    let r = app
        .call_with(
            &office,
            "accept_invite",
            &[
                ("token", &real),
                ("name", "Colleague"),
                ("password", "a good long password"),
                ("confirm", "a good long password"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    // Guesses are still refused.
    let r = app
        .call_with(&office, "open_invite", &[("token", GUESSED_TOKEN)])
        .await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
}
both_backends!(
    a_genuine_link_opens_from_an_address_locked_out_for_guessing,
    super::a_genuine_link_opens_from_an_address_locked_out_for_guessing
);

async fn team_lists_keep_each_team_once(backend: Backend) {
    let app = spawn_app(backend).await;
    app.signed_in_admin().await;
    let team = app.create_team("Brand").await;
    let copies: Vec<&str> = vec![team.as_str(); 36_000];
    let (id, _) = app.invite_ok("many@example.com", "analyst", &copies).await;
    let rows: i64 = domain::on_db!(&app.services.db, p => sqlx::query_scalar(
        "SELECT COUNT(*) FROM invite_teams WHERE invite_id = $1")
        .bind(&id)
        .fetch_one(p)
        .await)
    .unwrap();
    assert_eq!(rows, 1);
    app.join("member@example.com", "analyst").await;
    let member = app.member_id("member@example.com").await;
    let mut form = vec![("id".to_owned(), member.clone())];
    for i in 0..36_000 {
        form.push((format!("teams[{i}]"), team.clone()));
    }
    let r = app
        .client
        .post(app.url("/api/set_member_teams"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let members: Vec<MemberInfo> = app.read("list_members", &[]).await;
    let teams = &members.iter().find(|m| m.id == member).unwrap().teams;
    assert_eq!(teams.len(), 1, "{teams:?}");
}
both_backends!(
    team_lists_keep_each_team_once,
    super::team_lists_keep_each_team_once
);

async fn the_body_limit_is_one_number_exact_at_its_edge(backend: Backend) {
    use server::request_text::MAX_BODY_BYTES;
    let app = spawn_app(backend).await;
    app.signed_in_admin().await;
    // A create whose message makes the body exactly `len` bytes: read whole, it is refused
    // for the message's length (422), never for the body's size.
    let body = |len: usize| {
        let head = "email=edge%40example.com&role_id=analyst&expiry_hours=24&message=";
        format!("{head}{}", "m".repeat(len - head.len()))
    };
    let (status, text) = post_raw(&app, "create_invite", Some(FORM), body(MAX_BODY_BYTES)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{text}");
    // One byte more is refused by its declared length, before it is sent.
    let (status, text) = declared_post(&app, MAX_BODY_BYTES + 1).await;
    assert_eq!(status, 413, "{text}");
    assert!(text.contains("at most 4 MiB"), "{text}");
    assert_eq!(declared_post(&app, MAX_BODY_BYTES).await.0, 100);
    // Without a length up front (chunked), the limit is the same. (No session here: a body
    // read whole reaches the handler, which asks to sign in.)
    assert_eq!(chunked_post(&app, &body(MAX_BODY_BYTES)).await, 401);
    assert_eq!(chunked_post(&app, &body(MAX_BODY_BYTES + 1)).await, 413);
}
both_backends!(
    the_body_limit_is_one_number_exact_at_its_edge,
    super::the_body_limit_is_one_number_exact_at_its_edge
);

/// POSTs `body` to create_invite with `Transfer-Encoding: chunked` (no Content-Length) over a
/// raw connection; returns the answer's status code.
async fn chunked_post(app: &TestApp, body: &str) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = app.base.trim_start_matches("http://");
    let mut conn = tokio::net::TcpStream::connect(host).await.unwrap();
    let head = format!(
        "POST /api/create_invite HTTP/1.1\r\nHost: {host}\r\nOrigin: {}\r\n\
         Content-Type: {FORM}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        app.base
    );
    conn.write_all(head.as_bytes()).await.unwrap();
    for chunk in body.as_bytes().chunks(64 * 1024) {
        let mut framed = format!("{:x}\r\n", chunk.len()).into_bytes();
        framed.extend_from_slice(chunk);
        framed.extend_from_slice(b"\r\n");
        // The server may answer and close before it has read everything.
        if conn.write_all(&framed).await.is_err() {
            break;
        }
    }
    let _ = conn.write_all(b"0\r\n\r\n").await;
    let mut answer = vec![0u8; 64];
    let n = conn.read(&mut answer).await.unwrap();
    let line = String::from_utf8_lossy(&answer[..n]).to_string();
    line.split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no status line: {line:?}"))
}

/// Sends only the head of a create_invite POST declaring `len` bytes of body (with
/// `Expect: 100-continue`, so a server that would read it says 100); returns the status code
/// of the first answer and its text.
async fn declared_post(app: &TestApp, len: usize) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = app.base.trim_start_matches("http://");
    let mut conn = tokio::net::TcpStream::connect(host).await.unwrap();
    let head = format!(
        "POST /api/create_invite HTTP/1.1\r\nHost: {host}\r\nOrigin: {}\r\n\
         Content-Type: {FORM}\r\nContent-Length: {len}\r\nExpect: 100-continue\r\n\r\n",
        app.base
    );
    conn.write_all(head.as_bytes()).await.unwrap();
    let mut answer = vec![0u8; 4096];
    let n = conn.read(&mut answer).await.unwrap();
    let text = String::from_utf8_lossy(&answer[..n]).to_string();
    let code = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no status line: {text:?}"));
    (code, text)
}

/// Whether `email`'s member is shown with a confirmed address.
async fn address_confirmed(app: &TestApp, email: &str) -> bool {
    let members: Vec<MemberInfo> = app.read("list_members", &[]).await;
    let member = members.into_iter().find(|m| m.email == email);
    member
        .unwrap_or_else(|| panic!("no member {email}"))
        .address_confirmed
}

/// The detail of an invite's "accepted" event.
async fn accepted_detail(app: &TestApp, invite_id: &str) -> String {
    let d = app.detail(invite_id).await;
    let accepted = d.events.into_iter().find(|e| e.action == "invite.accepted");
    accepted.expect("an accepted event").detail
}

/// Delivers what is queued, then returns the token of the one confirmation link to
/// copied@example.com that is not among `seen`, and adds it there.
async fn newest_confirmation(app: &TestApp, seen: &mut Vec<String>) -> String {
    app.deliver_all().await;
    let prefix = format!("{}/confirm-address/", app.base);
    let fresh: Vec<String> = mails_to(app, "copied@example.com")
        .iter()
        .filter(|m| m.contains(&prefix))
        .map(|m| common::link_token_in(m, &prefix))
        .filter(|t| !seen.contains(t))
        .collect();
    assert_eq!(fresh.len(), 1, "{fresh:?}");
    seen.push(fresh[0].clone());
    fresh[0].clone()
}

/// The mails sent to `to` so far.
fn mails_to(app: &TestApp, to: &str) -> Vec<String> {
    app.mails()
        .into_iter()
        .filter(|m| m.contains(&format!("To: {to}")))
        .collect()
}

async fn a_copied_link_joins_unconfirmed_until_the_address_is_confirmed_from_email(
    backend: Backend,
) {
    let app = common::TestApp::builder()
        .backend(backend)
        .mail_files()
        .start()
        .await;
    app.signed_in_admin().await;

    // Through the emailed link: the mailbox is proven, nothing more to do.
    let (emailed_id, copy) = app.invite_ok("emailed@example.com", "analyst", &[]).await;
    app.deliver_all().await;
    let invite_prefix = format!("{}/invite/", app.base);
    let emailed = common::link_token_in(&mails_to(&app, "emailed@example.com")[0], &invite_prefix);
    assert_ne!(emailed, copy, "the copy must be a link of its own");
    let (r, _) = app.accept(&emailed, "Emma").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(address_confirmed(&app, "emailed@example.com").await);
    assert!(accepted_detail(&app, &emailed_id)
        .await
        .contains("emailed link"));

    // Through the copy the inviter was shown: joined, but the address is not confirmed.
    let (copied_id, copy) = app.invite_ok("copied@example.com", "analyst", &[]).await;
    let (r, member) = app.accept(&copy, "Cody").await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    assert!(!address_confirmed(&app, "copied@example.com").await);
    assert!(accepted_detail(&app, &copied_id)
        .await
        .contains("copied link"));
    let members_page = app.page("/members").await.text().await.unwrap();
    assert!(members_page.contains("Address not confirmed"));

    // A confirmation link goes to the address (and none to the one who used the emailed link).
    app.deliver_all().await;
    let mails = mails_to(&app, "copied@example.com");
    let confirm_prefix = format!("{}/confirm-address/", app.base);
    let confirming: Vec<&String> = mails
        .iter()
        .filter(|m| m.contains(&confirm_prefix))
        .collect();
    assert_eq!(confirming.len(), 1, "{mails:?}");
    assert!(mails_to(&app, "emailed@example.com")
        .iter()
        .all(|m| !m.contains(&confirm_prefix)));
    let token = common::link_token_in(confirming[0], &confirm_prefix);

    // The link alone is not enough: a visitor is sent to sign in, another member is refused.
    let visitor = common::client(&app.base);
    let r = visitor
        .get(app.url(&format!("/confirm-address/{token}")))
        .header(reqwest::header::ACCEPT, "text/html")
        .send()
        .await
        .unwrap();
    assert!(r.status().is_redirection(), "{}", r.status());
    let r = app
        .call_with(&visitor, "confirm_address", &[("token", &token)])
        .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let other = app.join("other@example.com", "analyst").await;
    let r = app
        .call_with(&other, "confirm_address", &[("token", &token)])
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(!address_confirmed(&app, "copied@example.com").await);

    // The member's home page asks them to confirm; asking again makes a new link and kills
    // the old one; a link stops working after a week.
    let home = |client: reqwest::Client| {
        let url = app.url("/");
        async move {
            let r = client
                .get(url)
                .header(reqwest::header::ACCEPT, "text/html")
                .send();
            r.await.unwrap().text().await.unwrap()
        }
    };
    assert!(home(member.clone())
        .await
        .contains("Confirm your email address"));
    let mut seen = vec![token.clone()];
    let token = {
        let r = app
            .call_with(&member, "resend_address_confirmation", &[])
            .await;
        assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
        let r = app
            .call_with(&member, "confirm_address", &[("token", &token)])
            .await;
        assert_eq!(
            r.status(),
            StatusCode::GONE,
            "the replaced link still works"
        );
        newest_confirmation(&app, &mut seen).await
    };
    app.clock
        .advance(domain::address_confirmation::CONFIRMATION_TTL);
    let r = app
        .call_with(&member, "confirm_address", &[("token", &token)])
        .await;
    assert_eq!(r.status(), StatusCode::GONE, "an expired link still works");
    let mut token = token;
    for _ in 0..3 {
        let r = app
            .call_with(&member, "resend_address_confirmation", &[])
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        token = newest_confirmation(&app, &mut seen).await;
    }
    let r = app
        .call_with(&member, "resend_address_confirmation", &[])
        .await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS, "three an hour");

    // Opening the page changes nothing; the member's own confirmation does, once.
    let page = member
        .get(app.url(&format!("/confirm-address/{token}")))
        .header(reqwest::header::ACCEPT, "text/html")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("copied@example.com"), "{page}");
    assert!(!address_confirmed(&app, "copied@example.com").await);
    let r = app
        .call_with(&member, "confirm_address", &[("token", &token)])
        .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    assert!(address_confirmed(&app, "copied@example.com").await);
    assert!(app
        .audit_actions()
        .await
        .contains(&"member.email_confirmed".to_owned()));
    let r = app
        .call_with(&member, "confirm_address", &[("token", &token)])
        .await;
    assert_eq!(r.status(), StatusCode::GONE);
    assert!(!home(member.clone())
        .await
        .contains("Confirm your email address"));
    let r = app
        .call_with(&member, "resend_address_confirmation", &[])
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);

    // A resend kills both links, the emailed one and the copy.
    let (resent_id, old_copy) = app.invite_ok("resent@example.com", "analyst", &[]).await;
    app.deliver_all().await;
    let old_emailed =
        common::link_token_in(&mails_to(&app, "resent@example.com")[0], &invite_prefix);
    let r = app.call("resend_invite", &[("id", &resent_id)]).await;
    assert_eq!(r.status(), StatusCode::OK);
    for old in [&old_copy, &old_emailed] {
        assert!(!matches!(app.open_link(old).await, LinkView::Open(_)));
        assert_eq!(app.accept(old, "Old").await.0.status(), StatusCode::GONE);
    }
}
both_backends!(
    a_copied_link_joins_unconfirmed_until_the_address_is_confirmed_from_email,
    super::a_copied_link_joins_unconfirmed_until_the_address_is_confirmed_from_email
);
