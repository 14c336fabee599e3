//! Logs never carry a secret: the real binary at TRACE level, through a whole invite → open
//! → accept, and a set-password link, writes no token and no full link.

use crate::common;

use common::process::{env, free_port, run_cli, ServerProcess};
use common::Backend;
use domain::model::IssuedLink;
use reqwest::header::ACCEPT;
use reqwest::StatusCode;

async fn at_trace_level_no_token_or_link_reaches_the_log(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let database_url = common::fresh_database_url(backend, dir.path()).await;
    let port = free_port();
    let env = env(
        &database_url,
        dir.path(),
        port,
        &[
            ("VESTIBULE_LOG", "trace"),
            ("VESTIBULE_ALLOW_LOOPBACK_WEBHOOKS", "true"),
        ],
    );
    run_cli(&env, &["migrate"]);
    let printed = run_cli(
        &env,
        &["admin", "bootstrap", "--email", "admin@example.com"],
    );
    let api_key = common::process::cli_api_key(&env, "traced", "invitations:write,webhooks:manage");
    let set_password_link = printed
        .split_whitespace()
        .find(|w| w.contains("/set-password/"))
        .expect("bootstrap prints the link")
        .to_owned();
    let set_password_token = set_password_link.rsplit('/').next().unwrap().to_owned();

    let log = dir.path().join("server.log");
    let mut server = ServerProcess::start(&env, &log).await;
    let admin = common::client(&server.base);
    let call = |client: &reqwest::Client, name: &str, form: Vec<(&str, String)>| {
        client
            .post(format!("{}/api/{name}", server.base))
            .form(&form)
            .send()
    };
    let page = admin
        .get(&set_password_link)
        .header(ACCEPT, "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let pw = "correct horse battery".to_owned();
    let r = call(
        &admin,
        "set_password",
        vec![
            ("token", set_password_token.clone()),
            ("password", pw.clone()),
            ("confirm", pw.clone()),
        ],
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = call(
        &admin,
        "sign_in",
        vec![("email", "admin@example.com".into()), ("password", pw)],
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // The session cookie is a bearer secret too.
    let session_id = r.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .split_once('=')
        .unwrap()
        .1
        .to_owned();
    let r = call(
        &admin,
        "create_invite",
        vec![
            ("email", "newcomer@example.com".into()),
            ("role_id", "analyst".into()),
            ("expiry_hours", "24".into()),
            ("message", "Hi".into()),
        ],
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let issued: IssuedLink = r.json().await.unwrap();
    let token = common::token_of(&issued);
    let link = issued.link.expect("a link was shown");

    // The worker sends the email (to a file), the invitee opens the page, then accepts.
    let mail_dir = dir.path().join("mail");
    for _ in 0..200 {
        if std::fs::read_dir(&mail_dir).map(|d| d.count()).unwrap_or(0) > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let invitee = common::client(&server.base);
    let page = invitee
        .get(&link)
        .header(ACCEPT, "text/html")
        .send()
        .await
        .unwrap();
    assert!(page.text().await.unwrap().contains("Accept invitation"));
    let r = call(
        &invitee,
        "accept_invite",
        vec![
            ("token", token.clone()),
            ("name", "New Comer".into()),
            ("password", "a good long password".into()),
            ("confirm", "a good long password".into()),
        ],
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // And a refused one: the same link again.
    let r = call(
        &invitee,
        "accept_invite",
        vec![
            ("token", token.clone()),
            ("name", "Again".into()),
            ("password", "a good long password".into()),
            ("confirm", "a good long password".into()),
        ],
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::GONE);
    // Through the API: a link handed out (and its replay), a webhook's secret, deliveries
    // attempted (nobody listens on port 9, so they fail and are logged).
    let api = |path: &str, body: serde_json::Value| {
        // The same key for the same request: the second create below is a replay.
        let idempotency_key = format!("k{path}{}", body["email"]);
        reqwest::Client::new()
            .post(format!("{}/api/v1{path}", server.base))
            .bearer_auth(&api_key)
            .header("Idempotency-Key", idempotency_key)
            .json(&body)
            .send()
    };
    let created: serde_json::Value = api(
        "/invitations",
        serde_json::json!({"email": "api@example.com", "role": "analyst", "send_email": false}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let api_token = created["link"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let hook: serde_json::Value = api(
        "/webhooks",
        serde_json::json!({"url": "http://127.0.0.1:9/hook", "event_types": ["*"]}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let webhook_secret = hook["secret"].as_str().unwrap().to_owned();
    api(
        "/invitations",
        serde_json::json!({"email": "api@example.com", "role": "analyst", "send_email": false}),
    )
    .await
    .unwrap();
    api(
        "/invitations",
        serde_json::json!({"email": "hooked@example.com", "role": "analyst"}),
    )
    .await
    .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    server.stop();

    let text = server.log_text();
    // TRACE really was on: statement-level database logs (DEBUG) and TRACE lines are there.
    assert!(text.contains("db.statement"), "{text}");
    assert!(text.contains("TRACE"), "{text}");
    assert!(!text.contains(&session_id), "a session id reached the log");
    assert!(
        text.contains("webhook not delivered"),
        "deliveries were tried: {text}"
    );
    for secret in [
        &token,
        &set_password_token,
        &api_token,
        &api_key,
        &webhook_secret,
    ] {
        assert!(!text.contains(secret.as_str()), "a token reached the log");
        // Even a long piece of one (e.g. a truncated URL in a span).
        assert!(
            !text.contains(&secret[secret.len() - 24..]),
            "part of a token reached the log"
        );
    }
    // The access log names routes by their pattern; apart from those, no link path.
    assert!(
        text.contains("route=/invite/{token}"),
        "the access log has the link page's pattern"
    );
    let paths = text
        .replace("/invite/{token}", "")
        .replace("/set-password/{token}", "");
    assert!(
        !paths.contains("/invite/"),
        "an invite link path reached the log"
    );
    assert!(
        !paths.contains("/set-password/"),
        "a set-password link path reached the log"
    );
}
both_backends!(
    at_trace_level_no_token_or_link_reaches_the_log,
    super::at_trace_level_no_token_or_link_reaches_the_log
);
