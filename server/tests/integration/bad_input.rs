//! Bad input everywhere gets a clear 4xx and changes nothing; the server never panics or
//! answers 5xx. Each case is one request a careless script or a hostile client could send.

use crate::common;

use common::dump::dump;
use common::{spawn_app, Backend};
use reqwest::header::CONTENT_TYPE;
use reqwest::StatusCode;

/// A raw server-function call: (endpoint, content type, body).
type Call = (String, String, Vec<u8>);

fn raw(name: &str, content_type: &str, body: impl Into<Vec<u8>>) -> Call {
    (name.to_owned(), content_type.to_owned(), body.into())
}

fn form(name: &str, pairs: &[(&str, &str)]) -> Call {
    let body = serde_urlencoded::to_string(pairs).unwrap();
    raw(name, "application/x-www-form-urlencoded", body)
}

async fn bad_input_everywhere_gets_a_clear_4xx_and_changes_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    app.signed_in_admin().await;
    let (invite_id, token) = app.invite_ok("pending@example.com", "analyst", &[]).await;
    app.deliver_all().await;
    let long = "x".repeat(10_000);
    let long_email = format!("{long}@example.com");
    let cases: Vec<(Call, StatusCode)> = vec![
        // Overlong and malformed fields.
        (
            form(
                "create_invite",
                &[
                    ("email", &long_email),
                    ("role_id", "analyst"),
                    ("expiry_hours", "24"),
                ],
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            form(
                "create_invite",
                &[
                    ("email", "a@example.com\r\nBcc: evil@example.com"),
                    ("role_id", "analyst"),
                    ("expiry_hours", "24"),
                ],
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            form(
                "create_invite",
                &[
                    ("email", "b@example.com"),
                    ("role_id", "analyst"),
                    ("expiry_hours", "24"),
                    ("message", &"m".repeat(100_000)),
                ],
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            form(
                "create_invite",
                &[
                    ("email", "c@example.com"),
                    ("role_id", &long),
                    ("expiry_hours", "24"),
                ],
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            form(
                "create_invite",
                &[
                    ("email", "d@example.com"),
                    ("role_id", "analyst"),
                    ("expiry_hours", "soon"),
                ],
            ),
            StatusCode::BAD_REQUEST,
        ),
        (
            form(
                "create_invite",
                &[
                    ("email", "e@example.com"),
                    ("role_id", "analyst"),
                    ("expiry_hours", "99999999999999999999"),
                ],
            ),
            StatusCode::BAD_REQUEST,
        ),
        (
            form(
                "create_invite",
                &[
                    ("email", "f@example.com"),
                    ("role_id", "analyst"),
                    ("expiry_hours", "-5"),
                ],
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            form(
                "create_invite",
                &[("email", "g@example.com"), ("role_id", "analyst")],
            ),
            StatusCode::BAD_REQUEST,
        ),
        (
            form("create_team", &[("name", &long)]),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            form("create_team", &[("name", "   ")]),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            form(
                "create_role",
                &[("name", &long), ("permissions[0]", "ViewInvites")],
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            form(
                "create_role",
                &[("name", "Odd"), ("permissions[0]", "RuleTheWorld")],
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            form("set_member_active", &[("id", "x"), ("active", "maybe")]),
            StatusCode::BAD_REQUEST,
        ),
        (
            form("list_invites", &[("per_page", "100000")]),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            form("list_invites", &[("status", "<script>")]),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            form(
                "update_policy",
                &[
                    ("default_expiry_hours", "168"),
                    ("max_expiry_hours", "720"),
                    ("daily_cap", "0"),
                    ("allowed_domains", &long),
                ],
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            form(
                "accept_invite",
                &[
                    ("token", &token),
                    ("name", &long),
                    ("password", "a good long password"),
                    ("confirm", "a good long password"),
                ],
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            form(
                "accept_invite",
                &[
                    ("token", &token),
                    ("name", "Nul\0Byte"),
                    ("password", "a good long password"),
                    ("confirm", "a good long password"),
                ],
            ),
            // Refused before any handler (hardening.rs sweeps NUL through every field).
            StatusCode::BAD_REQUEST,
        ),
        (
            form(
                "accept_invite",
                &[
                    ("token", &token),
                    ("name", "Pat"),
                    ("password", &long),
                    ("confirm", &long),
                ],
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        // Bodies that are not what they claim, not text at all, or of a type no endpoint takes.
        (
            raw(
                "create_invite",
                "application/x-www-form-urlencoded",
                "email=%FF%FE@example.com&role_id=analyst&expiry_hours=24",
            ),
            StatusCode::BAD_REQUEST,
        ),
        (
            raw(
                "create_invite",
                "application/x-www-form-urlencoded",
                b"email=\xff\xfe&role_id=analyst&expiry_hours=24".to_vec(),
            ),
            StatusCode::BAD_REQUEST,
        ),
        (
            raw(
                "create_invite",
                "application/json",
                "{\"email\": \"h@example.com\", \"role_id\": ",
            ),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            raw("create_invite", "application/json", "[1, 2, 3]"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            raw(
                "bulk_check",
                "application/x-www-form-urlencoded",
                b"csv=ok@example.com,analyst%0Abad%FF@example.com,analyst".to_vec(),
            ),
            StatusCode::BAD_REQUEST,
        ),
        (
            form(
                "bulk_check",
                &[("csv", &"z@example.com,analyst\n".repeat(10_001))],
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            form(
                "bulk_start",
                &[("draft", "no-such-draft"), ("expiry_hours", "24")],
            ),
            StatusCode::NOT_FOUND,
        ),
        // No such server function.
        (form("drop_all_tables", &[]), StatusCode::NOT_FOUND),
    ];
    let before = dump(&app.services.db).await;
    let mut report = vec![];
    for ((name, content_type, body), expected) in &cases {
        let r = app
            .client
            .post(app.url(&format!("/api/{name}")))
            .header(CONTENT_TYPE, content_type.as_str())
            .body(body.clone())
            .send()
            .await
            .unwrap();
        let status = r.status();
        let text = r.text().await.unwrap_or_default();
        let shown: String = String::from_utf8_lossy(&body[..body.len().min(80)]).into();
        if status != *expected || text.trim().is_empty() {
            report.push(format!(
                "{name} {shown:?}: expected {expected}, got {status} {:?}",
                &text[..text.len().min(200)]
            ));
        }
    }
    assert!(report.is_empty(), "{}", report.join("\n"));
    let after = dump(&app.services.db).await;
    for (table, rows) in &before {
        assert_eq!(rows, &after[table], "table {table} changed");
    }
    // A body announced above the 4 MiB limit is refused before it is even sent.
    for path in ["/api/bulk_check", "/api/create_invite"] {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let host = app.base.trim_start_matches("http://");
        let mut conn = tokio::net::TcpStream::connect(host).await.unwrap();
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {host}\r\nOrigin: {}\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n",
            app.base,
            5 * 1024 * 1024
        );
        conn.write_all(head.as_bytes()).await.unwrap();
        let mut answer = vec![0u8; 1024];
        let n = conn.read(&mut answer).await.unwrap();
        let answer = String::from_utf8_lossy(&answer[..n]).to_string();
        assert!(answer.starts_with("HTTP/1.1 413"), "{path}: {answer}");
    }
    // The server is fine, and the invite is untouched and still usable.
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    let (r, _) = app.accept(&token, "Pat").await;
    assert_eq!(r.status(), StatusCode::OK, "{invite_id}");
}
both_backends!(
    bad_input_everywhere_gets_a_clear_4xx_and_changes_nothing,
    super::bad_input_everywhere_gets_a_clear_4xx_and_changes_nothing
);
