//! The authorization matrix: every server function and HTTP route, called by every kind of
//! caller (anonymous, a deactivated member, each built-in role, a custom role), is allowed or
//! refused exactly as the table in SECURITY.md says. The test reads that table, so the
//! document and the behaviour cannot drift apart.

use crate::common;

use std::collections::BTreeMap;

use common::{spawn_app, Backend, TestApp};
use domain::model::RoleInfo;
use reqwest::header::{ACCEPT, LOCATION};
use reqwest::StatusCode;

/// The callers, in the order of the table's columns.
const CALLERS: [&str; 6] = [
    "Anonymous",
    "Deactivated",
    "Analyst",
    "Media Editor",
    "Editor",
    "Admin",
];

/// One probe: a server function with form arguments, or a page / route fetched with GET.
/// `{…}` placeholders are filled from the fixtures; `{n}` is a fresh number per call.
struct Probe {
    label: &'static str,
    form: &'static [(&'static str, &'static str)],
}

const fn post(label: &'static str, form: &'static [(&'static str, &'static str)]) -> Probe {
    Probe { label, form }
}

const fn get(label: &'static str) -> Probe {
    Probe { label, form: &[] }
}

/// Every endpoint. Calls that end the caller's session (sign_out) come last.
const PROBES: &[Probe] = &[
    post("POST /api/whoami", &[]),
    post(
        "POST /api/sign_in",
        &[
            ("email", "nobody@example.com"),
            ("password", "wrong password"),
        ],
    ),
    post("POST /api/password_link", &[("token", "x")]),
    post(
        "POST /api/set_password",
        &[
            ("token", "x"),
            ("password", "a good long password"),
            ("confirm", "a good long password"),
        ],
    ),
    post(
        "POST /api/request_password_reset",
        &[("email", "nobody@example.com")],
    ),
    post(
        "POST /api/change_password",
        &[
            ("current", "not the password"),
            ("password", "a good long password"),
            ("confirm", "a good long password"),
        ],
    ),
    post("POST /api/open_invite", &[("token", "x")]),
    post(
        "POST /api/accept_invite",
        &[
            ("token", "x"),
            ("name", "N"),
            ("password", "a good long password"),
            ("confirm", "a good long password"),
        ],
    ),
    post(
        "POST /api/decline_invite",
        &[("token", "x"), ("reason", "")],
    ),
    post("POST /api/request_new_invite", &[("token", "x")]),
    post("POST /api/address_to_confirm", &[("token", "x")]),
    post("POST /api/confirm_address", &[("token", "x")]),
    post("POST /api/resend_address_confirmation", &[]),
    post("POST /api/invite_options", &[]),
    post(
        "POST /api/create_invite",
        &[
            ("email", "probe{n}@example.com"),
            ("role_id", "{viewer}"),
            ("expiry_hours", "24"),
        ],
    ),
    post("POST /api/list_invites", &[]),
    post("POST /api/invite_filter_options", &[]),
    post("POST /api/invite_detail", &[("id", "{invite}")]),
    post("POST /api/revoke_invite", &[("id", "{revoke_me}")]),
    post("POST /api/resend_invite", &[("id", "{resend_me}")]),
    post("POST /api/send_invite_now", &[("id", "{invite}")]),
    post(
        "POST /api/revoke_invites",
        &[("ids[0]", "{bulk_revoke_me}")],
    ),
    post(
        "POST /api/bulk_check",
        &[("csv", "bulk{n}@example.com,{viewer}")],
    ),
    post("POST /api/bulk_draft", &[("draft", "no-such-draft")]),
    post("POST /api/bulk_draft_rows", &[("draft", "no-such-draft")]),
    post(
        "POST /api/bulk_start",
        &[("draft", "no-such-draft"), ("expiry_hours", "24")],
    ),
    post("POST /api/bulk_progress", &[("job_id", "no-such-job")]),
    post("POST /api/dashboard", &[]),
    post("POST /api/list_members", &[]),
    post(
        "POST /api/change_member_role",
        &[("id", "{member}"), ("role_id", "analyst")],
    ),
    post(
        "POST /api/set_member_teams",
        &[("id", "{member}"), ("teams[0]", "{team}")],
    ),
    post(
        "POST /api/set_member_access_end",
        &[("id", "{member}"), ("ends_at", "")],
    ),
    post("POST /api/send_password_reset", &[("id", "{member}")]),
    post(
        "POST /api/set_member_active",
        &[("id", "{member}"), ("active", "true")],
    ),
    post("POST /api/list_roles", &[]),
    post(
        "POST /api/create_role",
        &[
            ("name", "Probe role {n}"),
            ("permissions[0]", "ViewInvites"),
        ],
    ),
    post(
        "POST /api/update_role",
        &[
            ("id", "{temp_role}"),
            ("name", "Temporary"),
            ("permissions[0]", "ViewInvites"),
        ],
    ),
    post("POST /api/delete_role", &[("id", "{doomed_role}")]),
    post("POST /api/list_teams", &[]),
    post("POST /api/create_team", &[("name", "Probe team {n}")]),
    post(
        "POST /api/rename_team",
        &[("id", "{team}"), ("name", "Ops")],
    ),
    post("POST /api/delete_team", &[("id", "{doomed_team}")]),
    post("POST /api/audit_log", &[]),
    post("POST /api/get_policy", &[]),
    post(
        "POST /api/update_policy",
        &[
            ("default_expiry_hours", "168"),
            ("max_expiry_hours", "720"),
            ("daily_cap", "0"),
        ],
    ),
    post("POST /api/list_api_keys", &[]),
    post(
        "POST /api/create_api_key",
        &[
            ("name", "probe{n}"),
            ("scopes[0]", "invitations:read"),
            ("expires_in_days", "30"),
        ],
    ),
    post("POST /api/revoke_api_key", &[("id", "no-such-key")]),
    post("POST /api/list_webhooks", &[]),
    post(
        "POST /api/create_webhook",
        &[
            ("url", "https://203.0.113.7/hooks"),
            ("event_types[0]", "*"),
        ],
    ),
    post(
        "POST /api/set_webhook_enabled",
        &[("id", "no-such-endpoint"), ("enabled", "false")],
    ),
    post(
        "POST /api/rotate_webhook_secret",
        &[("id", "no-such-endpoint"), ("overlap_hours", "24")],
    ),
    post("POST /api/delete_webhook", &[("id", "no-such-endpoint")]),
    post("POST /api/webhook_detail", &[("id", "no-such-endpoint")]),
    post(
        "POST /api/replay_webhook",
        &[("id", "no-such-endpoint"), ("msg_id", "msg_x")],
    ),
    get("GET /healthz"),
    get("GET /events"),
    get("GET /sign-in"),
    get("GET /invite/x"),
    get("GET /set-password/x"),
    get("GET /forgot-password"),
    get("GET /"),
    get("GET /dashboard"),
    get("GET /invites"),
    get("GET /invites/bulk"),
    get("GET /invites/bulk/check/no-such-draft"),
    get("GET /invites/bulk/jobs/no-such-job"),
    get("GET /invites/{invite}"),
    get("GET /members"),
    get("GET /roles"),
    get("GET /audit"),
    get("GET /policy"),
    get("GET /confirm-address/x"),
    get("GET /api-keys"),
    get("GET /webhooks"),
    // The REST API takes keys, not cookies: a signed-in browser gets nowhere with it.
    get("GET /api/v1/invitations"),
    get("GET /api/v1/openapi.json"),
    post("POST /api/sign_out_everywhere", &[]),
    post("POST /api/sign_out", &[]),
];

/// The expected table, read from SECURITY.md's "Authorization matrix" section.
fn documented() -> BTreeMap<String, Vec<bool>> {
    let text = include_str!("../../../SECURITY.md");
    let section = text
        .split("## Authorization matrix")
        .nth(1)
        .expect("SECURITY.md has an Authorization matrix section");
    let mut table = BTreeMap::new();
    for line in section.lines().take_while(|l| !l.starts_with("## ")) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() < CALLERS.len() + 3 || !cells[1].starts_with('`') {
            continue;
        }
        let label = cells[1].trim_matches('`').to_owned();
        let row = cells[2..2 + CALLERS.len()]
            .iter()
            .map(|c| match *c {
                "✓" => true,
                "✗" => false,
                other => panic!("SECURITY.md: {label}: cell {other:?} is neither ✓ nor ✗"),
            })
            .collect();
        table.insert(label, row);
    }
    table
}

async fn create_role(app: &TestApp, name: &str, permissions: &[&str]) -> String {
    let keys: Vec<String> = (0..permissions.len())
        .map(|i| format!("permissions[{i}]"))
        .collect();
    let mut form = vec![("name", name)];
    form.extend(
        keys.iter()
            .map(String::as_str)
            .zip(permissions.iter().copied()),
    );
    let r = app.call("create_role", &form).await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    app.role_id(name).await
}

/// Did the request get past the permission check? Refusals are 401 `Unauthenticated`,
/// 403 `Forbidden`, or (for pages) a redirect to sign in; anything else (200, or 404/409/422
/// about the probe's arguments) means the caller was let in.
async fn allowed(r: reqwest::Response) -> bool {
    match r.status() {
        StatusCode::FOUND | StatusCode::SEE_OTHER => {
            let to = r.headers()[LOCATION].to_str().unwrap().to_owned();
            !to.starts_with("/sign-in")
        }
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
            let body = r.text().await.unwrap_or_default();
            // A wrong password on sign_in is an answer, not a refusal of the caller.
            !(body.contains("Unauthenticated")
                || body.contains("Forbidden")
                || body.is_empty()
                || body.contains("not allowed")
                || body.contains("Sign in")
                || body.contains("urn:vestibule:problem:unauthenticated"))
        }
        _ => true,
    }
}

async fn every_endpoint_allows_or_refuses_each_caller_as_security_md_says(backend: Backend) {
    let app = spawn_app(backend).await;
    app.signed_in_admin().await;
    create_role(&app, "Media Editor", &["ViewInvites", "SendInvites"]).await;
    let mut fx: BTreeMap<&str, String> = BTreeMap::new();
    fx.insert(
        "viewer",
        create_role(&app, "Viewer", &["ViewInvites"]).await,
    );
    fx.insert(
        "temp_role",
        create_role(&app, "Temporary", &["ViewInvites"]).await,
    );
    fx.insert(
        "doomed_role",
        create_role(&app, "Doomed", &["ViewInvites"]).await,
    );
    fx.insert("team", app.create_team("Ops").await);
    fx.insert("doomed_team", app.create_team("Doomed team").await);
    for key in ["invite", "revoke_me", "resend_me", "bulk_revoke_me"] {
        let (id, _) = app
            .invite_ok(&format!("{key}@example.com"), &fx["viewer"].clone(), &[])
            .await;
        fx.insert(key, id);
    }
    let mut callers: Vec<reqwest::Client> = vec![common::client(&app.base)];
    let deactivated = app.join("deactivated@example.com", "editor").await;
    callers.push(deactivated);
    callers.push(app.join("analyst@example.com", "analyst").await);
    let media_editor = app.role_id("Media Editor").await;
    callers.push(app.join("media@example.com", &media_editor).await);
    callers.push(app.join("editor@example.com", "editor").await);
    callers.push(app.client.clone());
    fx.insert("member", {
        app.join("target@example.com", "analyst").await;
        app.member_id("target@example.com").await
    });
    let id = app.member_id("deactivated@example.com").await;
    let r = app
        .call("set_member_active", &[("id", &id), ("active", "false")])
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    app.deliver_all().await;

    let mut n = 0;
    let mut fill = |s: &str| {
        n += 1;
        let mut s = s.replace("{n}", &n.to_string());
        for (k, v) in &fx {
            s = s.replace(&format!("{{{k}}}"), v);
        }
        s
    };
    let mut actual: BTreeMap<String, Vec<bool>> = BTreeMap::new();
    for (c, client) in callers.iter().enumerate() {
        for probe in PROBES {
            let (method, path) = probe.label.split_once(' ').unwrap();
            let path = fill(path);
            let r = if method == "GET" {
                client
                    .get(app.url(&path))
                    .header(ACCEPT, "text/html")
                    .send()
                    .await
                    .unwrap()
            } else {
                let form: Vec<(String, String)> = probe
                    .form
                    .iter()
                    .map(|(k, v)| (k.to_string(), fill(v)))
                    .collect();
                client
                    .post(app.url(&path))
                    .form(&form)
                    .send()
                    .await
                    .unwrap()
            };
            let status = r.status();
            // The event stream never ends by itself: judge it by its status alone.
            let ok = if path == "/events" {
                status == StatusCode::OK
            } else {
                allowed(r).await
            };
            assert!(
                status.as_u16() < 500,
                "{} as {}: {status}",
                probe.label,
                CALLERS[c]
            );
            actual.entry(probe.label.to_owned()).or_default().push(ok);
        }
    }

    let expected = documented();
    let mut table = String::new();
    for probe in PROBES {
        let row = &actual[probe.label];
        let cells: Vec<&str> = row.iter().map(|&a| if a { "✓" } else { "✗" }).collect();
        table.push_str(&format!("| `{}` | {} |\n", probe.label, cells.join(" | ")));
    }
    let mismatches: Vec<String> = PROBES
        .iter()
        .filter(|p| expected.get(p.label) != Some(&actual[p.label]))
        .map(|p| p.label.to_owned())
        .collect();
    assert!(
        mismatches.is_empty() && expected.len() == PROBES.len(),
        "behaviour differs from SECURITY.md for {mismatches:?} (documented rows: {}, probes: {}).\nActual:\n{table}",
        expected.len(),
        PROBES.len()
    );
}
both_backends!(
    every_endpoint_allows_or_refuses_each_caller_as_security_md_says,
    super::every_endpoint_allows_or_refuses_each_caller_as_security_md_says
);

async fn custom_role_edits_obey_the_ceiling(backend: Backend) {
    let app = spawn_app(backend).await;
    app.signed_in_admin().await;
    let manager = create_role(
        &app,
        "Role Manager",
        &["ViewInvites", "ManageRolesAndTeams"],
    )
    .await;
    let rich = create_role(&app, "Rich", &["ViewInvites", "ManageMembers"]).await;
    let modest = create_role(&app, "Modest", &["ViewInvites"]).await;
    let browser = app.join("roles@example.com", &manager).await;
    let call = |name: &'static str, form: Vec<(&'static str, String)>| {
        let browser = browser.clone();
        let url = app.url(&format!("/api/{name}"));
        async move {
            let r = browser.post(url).form(&form).send().await.unwrap();
            let status = r.status();
            let body = r.text().await.unwrap();
            if status == StatusCode::UNPROCESSABLE_ENTITY {
                assert!(
                    body.contains("A role cannot have permissions your own role lacks."),
                    "{body}"
                );
                return StatusCode::FORBIDDEN; // refused by the ceiling, with the reason named
            }
            status
        }
    };
    // Creating a role above one's own permissions.
    let s = call(
        "create_role",
        vec![
            ("name", "Sneaky".into()),
            ("permissions[0]", "ManagePolicy".into()),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // Raising a role one may edit above one's own permissions.
    let s = call(
        "update_role",
        vec![
            ("id", modest.clone()),
            ("name", "Modest".into()),
            ("permissions[0]", "ManageMembers".into()),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // Editing or deleting a role that already holds more than oneself.
    let s = call(
        "update_role",
        vec![
            ("id", rich.clone()),
            ("name", "Rich".into()),
            ("permissions[0]", "ViewInvites".into()),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(
        call("delete_role", vec![("id", rich.clone())]).await,
        StatusCode::FORBIDDEN
    );
    // Within the ceiling it works.
    let s = call(
        "update_role",
        vec![
            ("id", modest),
            ("name", "Modest".into()),
            ("permissions[0]", "ViewInvites".into()),
            ("permissions[1]", "ManageRolesAndTeams".into()),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let roles: Vec<RoleInfo> = app.read("list_roles", &[]).await;
    let rich_now = roles.iter().find(|r| r.id == rich).unwrap();
    assert_eq!(rich_now.name, "Rich", "the refused edits changed nothing");
}
both_backends!(
    custom_role_edits_obey_the_ceiling,
    super::custom_role_edits_obey_the_ceiling
);
