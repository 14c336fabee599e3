//! The security guarantees of issue 5 that need a running server: secrets never stored, forged
//! links refused without a write, links bound to the configured public URL, accounts bound to
//! the invited address, and the page headers (CSP with a per-response nonce, HSTS).
//! Each test runs on SQLite and PostgreSQL; SECURITY.md maps guarantees to these names.

use crate::common;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use common::dump::{as_text, dump};
use common::{spawn_app, Backend, TestApp};
use domain::model::{CurrentUser, IssuedLink, LinkView};
use reqwest::header::{ACCEPT, HOST};
use reqwest::StatusCode;

/// The forms a link's secret could take in storage: the token itself, and its 256-bit secret
/// (bytes 18..50 of the decoded token) as hex and as base64.
fn secret_forms(token: &str) -> Vec<String> {
    let raw = URL_SAFE_NO_PAD.decode(token).expect("a real token");
    let secret = &raw[18..50];
    let hex: String = secret.iter().map(|b| format!("{b:02x}")).collect();
    vec![
        token.to_owned(),
        hex.clone(),
        hex.to_uppercase(),
        URL_SAFE_NO_PAD.encode(secret),
        base64::engine::general_purpose::STANDARD.encode(secret),
    ]
}

async fn the_database_holds_no_link_token_only_keyed_digests(backend: Backend) {
    let app = TestApp::builder()
        .backend(backend)
        .mail_files()
        .start()
        .await;
    let admin_token = app.bootstrap_admin().await;
    app.set_password(&admin_token, common::ADMIN_PASSWORD).await;
    app.sign_in(common::ADMIN_EMAIL, common::ADMIN_PASSWORD)
        .await;
    let mut tokens = vec![admin_token];
    let (_, accepted) = app.invite_ok("accepted@example.com", "analyst", &[]).await;
    let (_, pending) = app.invite_ok("pending@example.com", "editor", &[]).await;
    let (resent_id, replaced) = app.invite_ok("resent@example.com", "analyst", &[]).await;
    app.deliver_all().await;
    assert_eq!(
        app.accept(&accepted, "Ann").await.0.status(),
        StatusCode::OK
    );
    let r = app.call("resend_invite", &[("id", &resent_id)]).await;
    assert_eq!(r.status(), StatusCode::OK);
    let renewed = common::token_of(&r.json::<IssuedLink>().await.unwrap());
    // One invite whose email has not gone out yet: its outbox row is still there.
    let (_, unsent) = app.invite_ok("unsent@example.com", "analyst", &[]).await;
    tokens.extend([accepted, pending, replaced, renewed, unsent]);

    // The emailed links are tokens of their own (the ones above are the copies shown to the
    // admin), and so is the address confirmation sent after a copied link was used.
    app.deliver_all().await;
    for mail in app.mails() {
        for path in ["/invite/", "/confirm-address/"] {
            let prefix = format!("{}{path}", app.base);
            if mail.contains(&prefix) {
                tokens.push(common::link_token_in(&mail, &prefix));
            }
        }
    }
    assert_eq!(tokens.len(), 6 + 5 + 1, "{tokens:?}");
    // The emailed link of the pending invite works (so the tokens checked are real ones).
    let pending_mail = app
        .mails()
        .into_iter()
        .find(|m| m.contains("To: pending@example.com"))
        .unwrap();
    let emailed = common::link_token_in(&pending_mail, &format!("{}/invite/", app.base));
    assert!(matches!(app.open_link(&emailed).await, LinkView::Open(_)));

    let text = as_text(&dump(&app.services.db).await);
    assert!(
        text.contains("pending@example.com"),
        "the dump reads the data"
    );
    for token in &tokens {
        for form in secret_forms(token) {
            assert!(
                !text.contains(&form),
                "the database holds a link secret: {form}"
            );
        }
    }
}
both_backends!(
    the_database_holds_no_link_token_only_keyed_digests,
    super::the_database_holds_no_link_token_only_keyed_digests
);

/// Variants of `token` that must all be refused: every single-bit flip, truncations, an
/// over-long copy, and splices with `other` (another invite's token).
fn forgeries(token: &str, other: &str) -> Vec<String> {
    let raw = URL_SAFE_NO_PAD.decode(token).unwrap();
    let other_raw = URL_SAFE_NO_PAD.decode(other).unwrap();
    let mut out = vec![];
    for byte in 0..raw.len() {
        for bit in 0..8 {
            let mut m = raw.clone();
            m[byte] ^= 1 << bit;
            out.push(URL_SAFE_NO_PAD.encode(&m));
        }
    }
    for len in [0, 1, 43, token.len() / 2, token.len() - 1] {
        out.push(token[..len].to_owned());
    }
    out.push(format!("{token}A"));
    out.push(token.repeat(40));
    // This invite's id with the other's secret and tag, and the other way round.
    let mut spliced = raw[..18].to_vec();
    spliced.extend_from_slice(&other_raw[18..]);
    out.push(URL_SAFE_NO_PAD.encode(&spliced));
    let mut spliced = other_raw[..18].to_vec();
    spliced.extend_from_slice(&raw[18..]);
    out.push(URL_SAFE_NO_PAD.encode(&spliced));
    out.retain(|t| t != token && t != other);
    out
}

async fn forged_truncated_and_foreign_tokens_are_refused_without_a_database_write(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    app.signed_in_admin().await;
    let (_, token) = app.invite_ok("target@example.com", "analyst", &[]).await;
    let (_, other) = app.invite_ok("other@example.com", "analyst", &[]).await;
    app.deliver_all().await;
    let before = dump(&app.services.db).await;
    let visitor = common::client(&app.base);
    let forged = forgeries(&token, &other);
    assert!(forged.len() > 500);
    for (i, t) in forged.iter().enumerate() {
        // Past 30 bad links from one address the server stops answering (429); a fresh
        // limit window every 10 tries keeps every forgery checked on its merits.
        if i % 10 == 0 {
            app.clock.advance(10 * domain::clock::MINUTE);
        }
        let r = app
            .call_with(&visitor, "open_invite", &[("token", t)])
            .await;
        let body: LinkView = r.json().await.unwrap();
        assert_eq!(body, LinkView::Invalid, "open {t}");
        let r = app
            .call_with(
                &visitor,
                "accept_invite",
                &[
                    ("token", t),
                    ("name", "Mallory"),
                    ("password", "a good long password"),
                    ("confirm", "a good long password"),
                ],
            )
            .await;
        assert!(r.status().is_client_error(), "accept {t}: {}", r.status());
        if i % 50 == 0 && !t.is_empty() && t.len() < 2000 {
            // The page a link scanner or a browser would load.
            let page = visitor
                .get(app.url(&format!("/invite/{t}")))
                .header(ACCEPT, "text/html")
                .send()
                .await
                .unwrap();
            assert_eq!(page.status(), StatusCode::OK);
            let html = page.text().await.unwrap();
            assert!(!html.contains("Accept invitation"), "{t}");
        }
    }
    assert_eq!(app.whoami_as(&visitor).await, None);
    let after = dump(&app.services.db).await;
    for (table, rows) in &before {
        assert_eq!(rows, &after[table], "table {table} changed");
    }
    assert_eq!(before.len(), after.len());
    // The real link still works: the refusals did not lock or spend it.
    assert_eq!(app.accept(&token, "Tara").await.0.status(), StatusCode::OK);
}
both_backends!(
    forged_truncated_and_foreign_tokens_are_refused_without_a_database_write,
    super::forged_truncated_and_foreign_tokens_are_refused_without_a_database_write
);

async fn links_use_the_configured_public_url_whatever_the_host_headers_say(backend: Backend) {
    let public = "http://vestibule.example:8443";
    let app = TestApp::builder()
        .backend(backend)
        .public_url(public)
        .mail_files()
        .start()
        .await;
    let browser = common::client(public);
    let token = app.bootstrap_admin().await;
    let pw = common::ADMIN_PASSWORD;
    let r = app
        .call_with(
            &browser,
            "set_password",
            &[("token", &token), ("password", pw), ("confirm", pw)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = app
        .call_with(
            &browser,
            "sign_in",
            &[("email", common::ADMIN_EMAIL), ("password", pw)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = browser
        .post(app.url("/api/create_invite"))
        .header(HOST, "evil.example")
        .header("x-forwarded-host", "evil.example")
        .header("x-forwarded-proto", "https")
        .header("forwarded", "host=evil.example;proto=https")
        .form(&[
            ("email", "poisoned@example.com"),
            ("role_id", "analyst"),
            ("expiry_hours", "24"),
            ("message", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let issued: IssuedLink = r.json().await.unwrap();
    let link = issued.link.as_deref().expect("a link was shown");
    assert!(link.starts_with(&format!("{public}/invite/")), "{link}");
    app.deliver_all().await;
    let mails = app.mails().join("\n");
    assert!(
        mails.contains(&format!("{public}/invite/")),
        "the email's own link uses the public URL too"
    );
    assert!(!mails.contains("evil.example"), "{mails}");
}
both_backends!(
    links_use_the_configured_public_url_whatever_the_host_headers_say,
    super::links_use_the_configured_public_url_whatever_the_host_headers_say
);

async fn the_account_gets_the_invited_address_and_never_an_existing_one(backend: Backend) {
    let app = spawn_app(backend).await;
    app.signed_in_admin().await;
    // A request that tries to choose its own address is ignored or refused; never obeyed.
    let (_, token) = app.invite_ok("bound@example.com", "analyst", &[]).await;
    let browser = common::client(&app.base);
    let r = app
        .call_with(
            &browser,
            "accept_invite",
            &[
                ("token", &token),
                ("name", "Bound"),
                ("email", "mallory@evil.example"),
                ("password", "a good long password"),
                ("confirm", "a good long password"),
            ],
        )
        .await;
    if r.status() == StatusCode::OK {
        let me = app.whoami_as(&browser).await.unwrap();
        assert_eq!(me.email, "bound@example.com");
    } else {
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        let (r, browser) = app.accept(&token, "Bound").await;
        assert_eq!(r.status(), StatusCode::OK);
        let me = app.whoami_as(&browser).await.unwrap();
        assert_eq!(me.email, "bound@example.com");
    }

    // An invite whose address got an account meanwhile (here: provisioned straight into the
    // database) must neither set that account's password nor sign anyone in.
    let (_, token) = app.invite_ok("taken@example.com", "analyst", &[]).await;
    let hash = app
        .services
        .hasher
        .hash(
            &domain::password::NewPassword::parse("the owner's password", "the owner's password")
                .unwrap(),
        )
        .await
        .unwrap();
    let mut tx = app.services.db.begin().await.unwrap();
    domain::store::users::insert(
        &mut tx,
        &domain::store::users::NewUser {
            id: &uuid::Uuid::now_v7().to_string(),
            email: "taken@example.com",
            name: "The Owner",
            password_hash: Some(&hash),
            role_id: "analyst",
            created_at: domain::clock::Clock::now(&app.clock),
            invite_id: None,
            joined_via: None,
            confirmation: None,
            access_ends_at: None,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let (r, intruder) = app.accept(&token, "Intruder").await;
    assert_eq!(
        r.status(),
        StatusCode::CONFLICT,
        "{}",
        r.text().await.unwrap()
    );
    assert_eq!(app.whoami_as(&intruder).await, None);
    let owner = common::client(&app.base);
    let r = app
        .call_with(
            &owner,
            "sign_in",
            &[
                ("email", "taken@example.com"),
                ("password", "a good long password"),
            ],
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::UNAUTHORIZED,
        "the intruder's password does not work"
    );
    let r = app
        .call_with(
            &owner,
            "sign_in",
            &[
                ("email", "taken@example.com"),
                ("password", "the owner's password"),
            ],
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "the owner's password still does"
    );
}
both_backends!(
    the_account_gets_the_invited_address_and_never_an_existing_one,
    super::the_account_gets_the_invited_address_and_never_an_existing_one
);

/// The nonce in the page's CSP header, and every `nonce="…"` on its scripts.
fn csp_nonce(csp: &str) -> String {
    let start = csp.find("'nonce-").expect("a nonce in the CSP") + 7;
    csp[start..].split('\'').next().unwrap().to_owned()
}

async fn pages_send_a_csp_whose_nonce_is_on_every_script_and_nowhere_else(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut seen = vec![];
    for path in ["/sign-in", "/set-password/x", "/invite/x", "/no/such/page"] {
        let r = app.page(path).await;
        let csp = r.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned();
        for directive in [
            "default-src 'self'",
            "frame-ancestors 'none'",
            "object-src 'none'",
            "base-uri 'none'",
            "'wasm-unsafe-eval'",
        ] {
            assert!(csp.contains(directive), "{path}: {csp}");
        }
        assert!(
            !csp.contains("unsafe-inline") && !csp.contains("'unsafe-eval'"),
            "{csp}"
        );
        assert_eq!(r.headers()["x-content-type-options"], "nosniff");
        assert!(
            r.headers().get("strict-transport-security").is_none(),
            "no HSTS over http"
        );
        let nonce = csp_nonce(&csp);
        assert!(nonce.len() >= 22, "{nonce}");
        let html = r.text().await.unwrap();
        let scripts = html.matches("<script").count();
        assert!(scripts > 0, "{path} has its hydration script");
        assert_eq!(
            html.matches(&format!("nonce=\"{nonce}\"")).count(),
            scripts,
            "{path}: every script carries this response's nonce"
        );
        seen.push(nonce);
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 4, "each response has its own nonce");

    let app = TestApp::builder()
        .backend(backend)
        .public_url("https://vestibule.example")
        .start()
        .await;
    let r = app.page("/sign-in").await;
    assert_eq!(
        r.headers()["strict-transport-security"],
        "max-age=31536000; includeSubDomains"
    );
}
both_backends!(
    pages_send_a_csp_whose_nonce_is_on_every_script_and_nowhere_else,
    super::pages_send_a_csp_whose_nonce_is_on_every_script_and_nowhere_else
);

/// The value of the session cookie a response sets, if any.
fn session_cookie(r: &reqwest::Response) -> Option<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix("vestibule_session="))
        .map(|c| c.split(';').next().unwrap().to_owned())
}

/// A bare client that sends exactly the session cookie it is given.
async fn whoami_with_cookie(app: &common::TestApp, cookie: &str) -> Option<CurrentUser> {
    reqwest::Client::new()
        .post(app.url("/api/whoami"))
        .header("Origin", &app.base)
        .header("Cookie", format!("vestibule_session={cookie}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn sessions_rotate_at_accept_and_die_on_the_server_at_sign_out(backend: Backend) {
    let app = spawn_app(backend).await;
    app.signed_in_admin().await;
    let (_, token) = app.invite_ok("fixated@example.com", "analyst", &[]).await;
    // An attacker plants a session id in the invitee's browser before they accept.
    let planted = "AAAAAAAAAAAAAAAAAAAAAA";
    let r = reqwest::Client::new()
        .post(app.url("/api/accept_invite"))
        .header("Origin", &app.base)
        .header("Cookie", format!("vestibule_session={planted}"))
        .form(&[
            ("token", token.as_str()),
            ("name", "Fix"),
            ("password", "a good long password"),
            ("confirm", "a good long password"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let issued = session_cookie(&r).expect("accepting signs the invitee in with a new cookie");
    assert_ne!(issued, planted, "the session id is new at accept");
    assert_eq!(whoami_with_cookie(&app, planted).await, None);
    assert_eq!(
        whoami_with_cookie(&app, &issued).await.map(|me| me.email),
        Some("fixated@example.com".to_owned())
    );

    // Signing out ends the session on the server: a copy of the cookie is useless after.
    let r = reqwest::Client::new()
        .post(app.url("/api/sign_out"))
        .header("Origin", &app.base)
        .header("Cookie", format!("vestibule_session={issued}"))
        .send()
        .await
        .unwrap();
    assert!(
        r.status().is_success() || r.status().is_redirection(),
        "{}",
        r.status()
    );
    assert_eq!(
        whoami_with_cookie(&app, &issued).await,
        None,
        "the old cookie replayed"
    );
}
both_backends!(
    sessions_rotate_at_accept_and_die_on_the_server_at_sign_out,
    super::sessions_rotate_at_accept_and_die_on_the_server_at_sign_out
);

async fn markup_in_a_personal_note_is_shown_as_text(backend: Backend) {
    let app = spawn_app(backend).await;
    app.signed_in_admin().await;
    let note = "<script>alert('x')</script><b>bold</b> & <img src=x onerror=alert(1)>";
    let r = app
        .call(
            "create_invite",
            &[
                ("email", "noted@example.com"),
                ("role_id", "analyst"),
                ("expiry_hours", "24"),
                ("message", note),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let issued: IssuedLink = r.json().await.unwrap();
    let token = common::token_of(&issued);
    let id = issued.invite_id.clone();
    // The invitee's page and the admin's detail page, as rendered by the server.
    for path in [format!("/invite/{token}"), format!("/invites/{id}")] {
        let html = app.page(&path).await.text().await.unwrap();
        assert!(
            html.contains("&lt;script&gt;alert("),
            "{path} shows the note as text"
        );
        assert!(
            !html.contains("<script>alert("),
            "{path} runs no script from the note"
        );
        assert!(
            !html.contains("<b>bold</b>") && !html.contains("<img src=x"),
            "{path}"
        );
    }
}
both_backends!(
    markup_in_a_personal_note_is_shown_as_text,
    super::markup_in_a_personal_note_is_shown_as_text
);
