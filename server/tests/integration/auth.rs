//! Sign-in, sign-out, set-password links and the first admin, over real HTTP, on SQLite and
//! PostgreSQL.

use crate::common;

use app::error::AppError;
use common::{spawn_app, Backend, TestApp, ADMIN_EMAIL, ADMIN_PASSWORD};
use reqwest::header::{ACCEPT, LOCATION, RETRY_AFTER, SET_COOKIE};
use reqwest::StatusCode;

async fn admin_sets_password_signs_in_sees_their_role_and_signs_out(backend: Backend) {
    let app = spawn_app(backend).await;
    assert_eq!(app.whoami().await, None);

    let token = app.bootstrap_admin().await;
    let info = app.call("password_link", &[("token", &token)]).await;
    assert_eq!(info.json::<String>().await.unwrap(), ADMIN_EMAIL);
    assert_eq!(
        app.set_password(&token, ADMIN_PASSWORD).await.status(),
        StatusCode::OK
    );

    let r = app.sign_in("  Admin@Example.COM ", ADMIN_PASSWORD).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()[LOCATION], "/");
    let me = app.whoami().await.expect("signed in");
    assert_eq!(me.email, ADMIN_EMAIL);
    assert_eq!(me.role_name, "Admin");

    let home = app.page("/").await;
    assert_eq!(home.status(), StatusCode::OK);
    let html = home.text().await.unwrap();
    assert!(html.contains("Welcome, Ada Admin"), "{html}");
    assert!(
        html.contains(">Invites<") && html.contains(">Audit log<"),
        "navigation missing: {html}"
    );

    let r = app.call("sign_out", &[]).await;
    assert_eq!(r.headers()[LOCATION], "/sign-in");
    assert_eq!(app.whoami().await, None);
    let actions = app.audit_actions().await;
    for expected in [
        "admin.bootstrapped",
        "user.password_set",
        "auth.sign_in",
        "auth.sign_out",
    ] {
        assert!(
            actions.iter().any(|a| a == expected),
            "{expected} missing from {actions:?}"
        );
    }
}
both_backends!(
    admin_sets_password_signs_in_sees_their_role_and_signs_out,
    super::admin_sets_password_signs_in_sees_their_role_and_signs_out
);

async fn wrong_password_and_unknown_account_get_the_same_answer(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.bootstrap_admin().await;
    app.set_password(&token, ADMIN_PASSWORD).await;

    let wrong = app.sign_in(ADMIN_EMAIL, "not the password").await;
    let unknown = app.sign_in("nobody@example.com", "not the password").await;
    let malformed = app.sign_in("not an email", "x").await;
    for r in [wrong, unknown, malformed] {
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            r.json::<AppError>().await.unwrap(),
            AppError::Refused("Email or password is wrong.".into())
        );
    }
    assert_eq!(app.whoami().await, None);
    assert!(
        app.audit_actions()
            .await
            .iter()
            .filter(|a| *a == "auth.sign_in_failed")
            .count()
            >= 3
    );
}
both_backends!(
    wrong_password_and_unknown_account_get_the_same_answer,
    super::wrong_password_and_unknown_account_get_the_same_answer
);

async fn repeated_failures_lock_the_account_for_a_while_with_retry_after(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.bootstrap_admin().await;
    app.set_password(&token, ADMIN_PASSWORD).await;
    for _ in 0..5 {
        assert_eq!(
            app.sign_in(ADMIN_EMAIL, "guess").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    // Even the right password is refused while the account is locked.
    let r = app.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = r.headers()[RETRY_AFTER].to_str().unwrap().parse().unwrap();
    assert!((1..=900).contains(&wait), "Retry-After {wait}");
    let body: AppError = r.json().await.unwrap();
    let AppError::RateLimited { message, .. } = &body else {
        panic!("{body:?}")
    };
    assert!(
        message.starts_with("Too many sign-in attempts. Try again in"),
        "{message}"
    );

    // When the window has passed, the right password works again.
    app.clock.advance(16 * domain::clock::MINUTE);
    assert_eq!(
        app.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await.status(),
        StatusCode::OK
    );
}
both_backends!(
    repeated_failures_lock_the_account_for_a_while_with_retry_after,
    super::repeated_failures_lock_the_account_for_a_while_with_retry_after
);

async fn one_ip_is_limited_across_accounts(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut last = StatusCode::OK;
    for i in 0..31 {
        last = app
            .sign_in(&format!("user{i}@example.com"), "guess")
            .await
            .status();
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
}
both_backends!(
    one_ip_is_limited_across_accounts,
    super::one_ip_is_limited_across_accounts
);

async fn session_id_is_replaced_at_sign_in_and_cookie_is_httponly_lax(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.bootstrap_admin().await;
    app.set_password(&token, ADMIN_PASSWORD).await;
    // An attacker plants a session id before the victim signs in…
    let planted = "vestibule_session=AAAAAAAAAAAAAAAAAAAAAA";
    let r = app
        .client
        .post(app.url("/api/sign_in"))
        .header("Cookie", planted)
        .form(&[("email", ADMIN_EMAIL), ("password", ADMIN_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let cookie = r.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    // …and gets a different one back.
    assert!(cookie.starts_with("vestibule_session="), "{cookie}");
    assert!(!cookie.starts_with(planted), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(
        !cookie.contains("Secure"),
        "plain-http public URL must not set Secure: {cookie}"
    );
}
both_backends!(
    session_id_is_replaced_at_sign_in_and_cookie_is_httponly_lax,
    super::session_id_is_replaced_at_sign_in_and_cookie_is_httponly_lax
);

async fn cookie_is_secure_when_the_public_url_is_https(backend: Backend) {
    let app = TestApp::builder()
        .backend(backend)
        .public_url("https://vestibule.example")
        .start()
        .await;
    let token = app.bootstrap_admin().await;
    let client = common::client("https://vestibule.example");
    let r = app
        .call_with(
            &client,
            "set_password",
            &[
                ("token", &token),
                ("password", ADMIN_PASSWORD),
                ("confirm", ADMIN_PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = app
        .call_with(
            &client,
            "sign_in",
            &[("email", ADMIN_EMAIL), ("password", ADMIN_PASSWORD)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let cookie = r.headers()[SET_COOKIE].to_str().unwrap();
    assert!(cookie.contains("Secure"), "{cookie}");
}
both_backends!(
    cookie_is_secure_when_the_public_url_is_https,
    super::cookie_is_secure_when_the_public_url_is_https
);

async fn set_password_link_works_once_and_forged_links_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.bootstrap_admin().await;
    // Opening the link (GET of the page, link info) changes nothing.
    for _ in 0..3 {
        assert_eq!(
            app.page(&format!("/set-password/{token}")).await.status(),
            StatusCode::OK
        );
        assert_eq!(
            app.call("password_link", &[("token", &token)])
                .await
                .status(),
            StatusCode::OK
        );
    }
    let short = app.set_password(&token, "short").await;
    assert_eq!(short.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(matches!(
        short.json::<AppError>().await.unwrap(),
        AppError::Invalid { field, .. } if field == "password"
    ));

    assert_eq!(
        app.set_password(&token, ADMIN_PASSWORD).await.status(),
        StatusCode::OK
    );
    let again = app.set_password(&token, "another password!").await;
    assert_eq!(again.status(), StatusCode::GONE);
    assert_eq!(
        again.json::<AppError>().await.unwrap(),
        AppError::LinkInvalid
    );

    let mut forged = token.clone().into_bytes();
    forged[40] = if forged[40] == b'A' { b'B' } else { b'A' };
    let forged = String::from_utf8(forged).unwrap();
    assert_eq!(
        app.set_password(&forged, ADMIN_PASSWORD).await.status(),
        StatusCode::GONE
    );
    assert_eq!(
        app.call("password_link", &[("token", "garbage")])
            .await
            .status(),
        StatusCode::GONE
    );
    // The password from the one valid use is the one that works.
    assert_eq!(
        app.sign_in(ADMIN_EMAIL, "another password!").await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await.status(),
        StatusCode::OK
    );
}
both_backends!(
    set_password_link_works_once_and_forged_links_are_refused,
    super::set_password_link_works_once_and_forged_links_are_refused
);

async fn set_password_link_expires_after_a_day(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.bootstrap_admin().await;
    app.clock.advance(domain::accounts::BOOTSTRAP_LINK_TTL + 1);
    assert_eq!(
        app.set_password(&token, ADMIN_PASSWORD).await.status(),
        StatusCode::GONE
    );
}
both_backends!(
    set_password_link_expires_after_a_day,
    super::set_password_link_expires_after_a_day
);

async fn bootstrap_is_refused_once_an_admin_exists(backend: Backend) {
    let app = spawn_app(backend).await;
    app.bootstrap_admin().await;
    let second = domain::email::EmailAddress::parse("second@example.com").unwrap();
    let err = app
        .services
        .bootstrap_admin(&second, "Second")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("An admin already exists"), "{err}");
}
both_backends!(
    bootstrap_is_refused_once_an_admin_exists,
    super::bootstrap_is_refused_once_an_admin_exists
);

async fn cross_site_posts_are_refused_and_same_origin_posts_pass(backend: Backend) {
    let app = spawn_app(backend).await;
    app.signed_in_admin().await;
    let foreign = app
        .client
        .post(app.url("/api/sign_out"))
        .header("Origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), StatusCode::FORBIDDEN);
    let cross_site = app
        .client
        .post(app.url("/api/sign_out"))
        .header("Sec-Fetch-Site", "cross-site")
        .send()
        .await
        .unwrap();
    assert_eq!(cross_site.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        app.whoami().await.unwrap().email,
        ADMIN_EMAIL,
        "refused requests changed nothing"
    );
    assert_eq!(app.call("sign_out", &[]).await.status(), StatusCode::OK);
    assert_eq!(app.whoami().await, None);
}
both_backends!(
    cross_site_posts_are_refused_and_same_origin_posts_pass,
    super::cross_site_posts_are_refused_and_same_origin_posts_pass
);

async fn visitors_are_sent_to_sign_in_and_pages_carry_security_headers(backend: Backend) {
    let app = spawn_app(backend).await;
    let r = app.page("/invites").await;
    assert_eq!(r.status(), StatusCode::FOUND);
    assert_eq!(r.headers()[LOCATION], "/sign-in?next=/invites");
    let r = app.page("/sign-in").await;
    assert_eq!(r.status(), StatusCode::OK);
    let h = r.headers();
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["x-frame-options"], "DENY");
    assert!(h["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("frame-ancestors 'none'"));
    assert_eq!(h["cache-control"], "no-store");
    let r = app.page("/set-password/anything").await;
    assert_eq!(r.headers()["referrer-policy"], "strict-origin");
    let r = app
        .client
        .get(app.url("/no/such/page"))
        .header(ACCEPT, "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}
both_backends!(
    visitors_are_sent_to_sign_in_and_pages_carry_security_headers,
    super::visitors_are_sent_to_sign_in_and_pages_carry_security_headers
);

async fn sign_in_redirects_only_to_paths_on_this_site(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.bootstrap_admin().await;
    app.set_password(&token, ADMIN_PASSWORD).await;
    for (next, expected) in [
        ("/members", "/members"),
        ("//evil.example", "/"),
        ("https://evil.example", "/"),
        ("javascript:alert(1)", "/"),
    ] {
        let r = app
            .call(
                "sign_in",
                &[
                    ("email", ADMIN_EMAIL),
                    ("password", ADMIN_PASSWORD),
                    ("next", next),
                ],
            )
            .await;
        assert_eq!(r.headers()[LOCATION], expected, "next={next}");
    }
}
both_backends!(
    sign_in_redirects_only_to_paths_on_this_site,
    super::sign_in_redirects_only_to_paths_on_this_site
);

#[tokio::test]
async fn an_unreachable_database_is_named_in_the_error() {
    let dir = tempfile::tempdir().unwrap();
    let config = common::config_for(
        "postgres://vestibule:hunter2@127.0.0.1:1/nowhere",
        "http://127.0.0.1:1",
        dir.path(),
        &[],
    );
    let err = server::startup::build_services(&config)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(
            "could not connect to the database at postgres://vestibule:***@127.0.0.1:1/nowhere"
        ),
        "{err}"
    );
    assert!(!err.contains("hunter2"), "password leaked: {err}");
}
