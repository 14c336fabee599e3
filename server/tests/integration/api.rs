//! The REST API (`/api/v1`) with a key, checked against the panel's own view of the same
//! invitations: one door more to the same rules.

use std::collections::BTreeMap;

use domain::model::{Delivery, InviteStatus, LinkView};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use server::api::invitations::{
    BulkAnswer, BulkOutcome, DeliveryStatus, Invitation, InvitationDetail, InvitationPage,
    InvitationStatus, IssuedInvitation,
};

use crate::common::api::Api;
use crate::common::{Backend, TestApp};

const ALL_INVITATION_SCOPES: [&str; 3] = [
    "invitations:read",
    "invitations:write",
    "invitations:revoke",
];

fn token_of_link(link: &str) -> String {
    link.rsplit('/').next().unwrap().to_owned()
}

async fn create(api: &Api, body: Value) -> IssuedInvitation {
    api.post("/invitations", &body)
        .await
        .expect(StatusCode::CREATED)
}

async fn page(api: &Api, query: &str) -> InvitationPage {
    api.get(&format!("/invitations?{query}"))
        .await
        .expect(StatusCode::OK)
}

fn emails(p: &InvitationPage) -> Vec<&str> {
    p.data.iter().map(|i| i.email.as_str()).collect()
}

both_backends!(
    the_whole_life_cycle_goes_through_the_api_with_a_key,
    super::whole_life_cycle
);
async fn whole_life_cycle(backend: Backend) {
    let app = TestApp::admin_with_mail(backend).await;
    let brand = app.create_team("Brand").await;
    let api = app.api_key("platform", &ALL_INVITATION_SCOPES).await;

    // Create, with email: no link in the answer; the panel sees the invite as the API says.
    let ann = create(
        &api,
        json!({"email": "Ann@Example.com", "role": "Editor", "team_ids": [brand],
               "message": "Welcome", "metadata": {"crm_id": "A-17"}}),
    )
    .await;
    assert_eq!(ann.link, None, "an emailed invite's link is not handed out");
    let a = &ann.invitation;
    assert_eq!(
        (a.email.as_str(), a.status, a.role.id.as_str()),
        ("ann@example.com", InvitationStatus::Pending, "editor")
    );
    // Queued, or sent already: the mail worker may be quicker than the answer's read-back.
    assert!(
        matches!(
            a.delivery.status,
            DeliveryStatus::Queued | DeliveryStatus::Sent
        ),
        "{:?}",
        a.delivery
    );
    assert_eq!(a.metadata, Some(json!({"crm_id": "A-17"})));
    let panel = app.detail(&a.id).await;
    assert_eq!(panel.invite.email, "ann@example.com");
    assert_eq!(panel.invite.role_name, "Editor");
    assert_eq!(panel.invite.team_names(), "Brand");
    assert_eq!(panel.invite.message, "Welcome");
    assert_eq!(panel.invite.status, InviteStatus::Pending);
    let created = panel
        .events
        .iter()
        .find(|e| e.action == "invite.created")
        .expect("a created event");
    assert_eq!(created.api_key.as_deref(), Some("platform"));
    assert_eq!(created.actor.as_deref(), Some(crate::common::ADMIN_EMAIL));

    // Create without email: the link comes back once, and nothing is mailed.
    let bob = create(
        &api,
        json!({"email": "bob@example.com", "role": "analyst", "send_email": false,
               "expires_in_hours": 2}),
    )
    .await;
    let bob_link = bob.link.clone().expect("the link, with send_email false");
    assert_eq!(bob.invitation.delivery.status, DeliveryStatus::NotSent);
    assert_eq!(
        app.detail(&bob.invitation.id).await.invite.delivery,
        Delivery::NotSent
    );
    app.deliver_all().await;
    let mails = app.mails();
    assert_eq!(mails.len(), 1, "only Ann's invitation is emailed");
    assert!(mails[0].contains("ann@example.com"));
    assert!(matches!(
        app.open_link(&token_of_link(&bob_link)).await,
        LinkView::Open(_)
    ));

    // The API's get answers the same as the panel, with the timeline.
    let got: InvitationDetail = api
        .get(&format!("/invitations/{}", a.id))
        .await
        .expect(StatusCode::OK);
    assert_eq!(got.invitation.delivery.status, DeliveryStatus::Sent);
    let actions: Vec<&str> = got.timeline.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["invite.created", "email.queued", "email.sent"]);

    // List: filters and cursors, forward and back.
    for e in ["c1@example.com", "c2@example.com", "c3@example.com"] {
        create(&api, json!({"email": e, "role": "analyst"})).await;
    }
    let first = page(&api, "role=analyst&limit=2").await;
    assert_eq!(emails(&first), ["c3@example.com", "c2@example.com"]);
    assert_eq!(first.counts.pending, 5);
    let after = first.next_after.clone().expect("a next page");
    let second = page(&api, &format!("role=analyst&limit=2&after={after}")).await;
    assert_eq!(emails(&second), ["c1@example.com", "bob@example.com"]);
    assert_eq!(second.next_after, None, "the last page");
    let before = second.prev_before.clone().expect("a previous page");
    let back = page(&api, &format!("role=analyst&limit=2&before={before}")).await;
    assert_eq!(emails(&back), emails(&first));
    let found = page(&api, "email=bo&match=prefix").await;
    assert_eq!(emails(&found), ["bob@example.com"]);
    let not_sent = page(&api, "delivery=not_sent").await;
    assert_eq!(emails(&not_sent), ["bob@example.com"]);
    let by_team = page(&api, &format!("team={brand}")).await;
    assert_eq!(emails(&by_team), ["ann@example.com"]);
    let (field, _) = api
        .get("/invitations?status=sleeping")
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field.as_deref(), Some("status"));
    let (field, _) = api
        .get("/invitations?limit=0")
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field.as_deref(), Some("limit"));

    // Patch: role, teams, expiry, with the panel agreeing; the links stay.
    let at = "2030-01-01T00:00:00Z";
    let r = api
        .patch(
            &format!("/invitations/{}", bob.invitation.id),
            &json!({"role": "Editor", "team_ids": [brand], "expires_at": at}),
        )
        .await;
    let (field, message) = r.problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field.as_deref(), Some("expires_at"), "{message}");
    let changed: Invitation = api
        .patch(
            &format!("/invitations/{}", bob.invitation.id),
            &json!({"role": "Editor", "team_ids": [brand], "expires_in_hours": 48}),
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(changed.role.name, "Editor");
    assert_eq!(changed.teams.len(), 1);
    let panel = app.detail(&bob.invitation.id).await.invite;
    assert_eq!(
        (panel.role_name.as_str(), panel.team_names().as_str()),
        ("Editor", "Brand")
    );
    assert_eq!(panel.expires_at - panel.created_at, 48 * 3_600_000);
    assert!(matches!(
        app.open_link(&token_of_link(&bob_link)).await,
        LinkView::Open(_)
    ));

    // Resend without email: a new link; the old one is dead.
    let resent: IssuedInvitation = api
        .send(
            Method::POST,
            &format!("/invitations/{}/resend", bob.invitation.id),
            Some(&json!({"send_email": false})),
            None,
        )
        .await
        .expect(StatusCode::OK);
    let new_link = resent.link.expect("the new link");
    assert_ne!(new_link, bob_link);
    assert!(!matches!(
        app.open_link(&token_of_link(&bob_link)).await,
        LinkView::Open(_)
    ));

    // Revoke: the panel says revoked, the link says withdrawn, a second revoke is a conflict.
    let revoked: Invitation = api
        .send(
            Method::POST,
            &format!("/invitations/{}/revoke", a.id),
            None,
            None,
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(revoked.status, InvitationStatus::Revoked);
    assert_eq!(app.status_of(&a.id).await, InviteStatus::Revoked);
    api.send(
        Method::POST,
        &format!("/invitations/{}/revoke", a.id),
        None,
        None,
    )
    .await
    .problem(StatusCode::CONFLICT);

    // Bulk: a dry run writes nothing; the real run creates the good items only.
    let items = json!({"items": [
        {"email": "d1@example.com", "role": "analyst"},
        {"email": "not an address", "role": "analyst"},
        {"email": "d2@example.com", "role": "Editor", "team_ids": [brand]},
        {"email": "c1@example.com", "role": "analyst"},
    ]});
    let dry: BulkAnswer = api
        .post("/invitations/bulk?dry_run=true", &items)
        .await
        .expect(StatusCode::OK);
    let outcomes: Vec<BulkOutcome> = dry.results.iter().map(|r| r.outcome).collect();
    use BulkOutcome::*;
    assert_eq!(outcomes, [Ready, Refused, Ready, Refused]);
    assert!(dry.results[3]
        .error
        .as_deref()
        .unwrap()
        .contains("Already invited"));
    assert_eq!(
        page(&api, "status=pending").await.counts.pending,
        4,
        "the dry run wrote nothing"
    );
    let real: BulkAnswer = api
        .post("/invitations/bulk", &items)
        .await
        .expect(StatusCode::OK);
    assert_eq!(real.created, 2);
    let d2 = real.results[2].invitation_id.clone().expect("d2's id");
    assert_eq!(app.detail(&d2).await.invite.team_names(), "Brand");
    assert_eq!(real.results[1].outcome, Refused);

    // Accept through the link the API handed out: the API sees the acceptance.
    let (r, _) = app.accept(&token_of_link(&new_link), "Bob").await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let bob_now: InvitationDetail = api
        .get(&format!("/invitations/{}", bob.invitation.id))
        .await
        .expect(StatusCode::OK);
    assert_eq!(bob_now.invitation.status, InvitationStatus::Accepted);
    assert!(bob_now.invitation.accepted_at.is_some());
}

/// One API endpoint as the key matrix calls it: `{invite}` and `{member}` are filled in, `{n}`
/// is a fresh number per call.
struct Endpoint {
    method: Method,
    path: &'static str,
    body: Option<&'static str>,
    scope: &'static str,
}

impl Endpoint {
    /// The endpoint as SECURITY.md's API key matrix names it.
    fn label(&self) -> String {
        format!("{} {}", self.method, self.path.split('?').next().unwrap())
    }
}

/// SECURITY.md's "API key matrix": per endpoint, its scope and the ✓/✗ of each column.
fn documented_key_matrix() -> BTreeMap<String, (String, Vec<bool>)> {
    let text = include_str!("../../../SECURITY.md");
    let section = text
        .split("## API key matrix")
        .nth(1)
        .expect("SECURITY.md has an API key matrix")
        .split("\n## ")
        .next()
        .unwrap();
    let mut table = BTreeMap::new();
    for line in section.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let label = cells[1].trim_matches('`').to_owned();
        let scope = cells[2].trim_matches('`').to_owned();
        let row = cells[3..cells.len() - 1]
            .iter()
            .map(|c| match *c {
                "✓" => true,
                "✗" => false,
                other => panic!("SECURITY.md: {label}: cell {other:?} is neither ✓ nor ✗"),
            })
            .collect();
        table.insert(label, (scope, row));
    }
    table
}

const fn ep(
    method: Method,
    path: &'static str,
    body: Option<&'static str>,
    scope: &'static str,
) -> Endpoint {
    Endpoint {
        method,
        path,
        body,
        scope,
    }
}

const ALL_SCOPES: [&str; 8] = [
    "invitations:read",
    "invitations:write",
    "invitations:revoke",
    "members:read",
    "members:write",
    "audit:read",
    "webhooks:manage",
    "policy:manage",
];

fn endpoints() -> Vec<Endpoint> {
    use Method as M;
    vec![
        ep(M::GET, "/invitations", None, "invitations:read"),
        ep(M::GET, "/invitations/{invite}", None, "invitations:read"),
        ep(
            M::POST,
            "/invitations",
            Some(r#"{"email": "p{n}@example.com", "role": "analyst"}"#),
            "invitations:write",
        ),
        ep(
            M::POST,
            "/invitations/bulk?dry_run=true",
            Some(r#"{"items": [{"email": "b{n}@example.com", "role": "analyst"}]}"#),
            "invitations:write",
        ),
        ep(
            M::PATCH,
            "/invitations/{invite}",
            Some(r#"{"expires_in_hours": 24}"#),
            "invitations:write",
        ),
        ep(
            M::POST,
            "/invitations/{invite}/resend",
            Some("{}"),
            "invitations:write",
        ),
        ep(
            M::POST,
            "/invitations/{invite}/send-now",
            Some("{}"),
            "invitations:write",
        ),
        ep(
            M::POST,
            "/invitations/{invite}/revoke",
            Some("{}"),
            "invitations:revoke",
        ),
        ep(M::GET, "/members", None, "members:read"),
        ep(
            M::PATCH,
            "/members/{member}",
            Some(r#"{"team_ids": []}"#),
            "members:write",
        ),
        ep(
            M::POST,
            "/members/{member}/password-reset",
            Some("{}"),
            "members:write",
        ),
        ep(M::GET, "/roles", None, "invitations:read"),
        ep(M::GET, "/teams", None, "invitations:read"),
        ep(M::GET, "/audit", None, "audit:read"),
        ep(M::GET, "/policy", None, "policy:manage"),
        ep(
            M::PATCH,
            "/policy",
            Some(r#"{"daily_cap": 0}"#),
            "policy:manage",
        ),
        ep(M::GET, "/webhooks", None, "webhooks:manage"),
        ep(
            M::POST,
            "/webhooks",
            Some(r#"{"url": "http://127.0.0.1:9/h{n}", "event_types": ["*"]}"#),
            "webhooks:manage",
        ),
        ep(M::GET, "/webhooks/{hook}", None, "webhooks:manage"),
        ep(
            M::PATCH,
            "/webhooks/{hook}",
            Some(r#"{"description": "probe {n}"}"#),
            "webhooks:manage",
        ),
        ep(
            M::POST,
            "/webhooks/{hook}/rotate-secret",
            Some("{}"),
            "webhooks:manage",
        ),
        ep(
            M::POST,
            "/webhooks/{hook}/deliveries/msg_none/replay",
            None,
            "webhooks:manage",
        ),
        ep(M::DELETE, "/webhooks/{hook}", None, "webhooks:manage"),
    ]
}

/// The ids the endpoints' paths name.
struct Ids {
    invite: String,
    member: String,
    hook: String,
}

/// Calls `e` with `api`; whether it got past the key and permission checks (any answer but
/// 401 and 403), and the status.
async fn passes(api: &Api, e: &Endpoint, ids: &Ids, n: usize) -> (bool, StatusCode) {
    let path = e
        .path
        .replace("{invite}", &ids.invite)
        .replace("{member}", &ids.member)
        .replace("{hook}", &ids.hook);
    let body = e
        .body
        .map(|b| serde_json::from_str::<Value>(&b.replace("{n}", &n.to_string())).unwrap());
    let r = api.send(e.method.clone(), &path, body.as_ref(), None).await;
    assert!(r.status.as_u16() < 500, "{} {path}: {}", e.method, r.text);
    let refused = r.status == StatusCode::UNAUTHORIZED || r.status == StatusCode::FORBIDDEN;
    if refused {
        // Every refusal is a problem document that says why.
        r.problem(r.status);
    }
    (!refused, r.status)
}

both_backends!(
    every_endpoint_answers_each_scope_and_key_state_as_security_md_says,
    super::key_matrix
);
/// The signed-in admin as the rules see them, for setting things up directly.
async fn admin_caller(app: &TestApp) -> domain::access::Caller {
    let user = domain::store::users::find_by_email(&app.services.db, crate::common::ADMIN_EMAIL)
        .await
        .unwrap()
        .unwrap();
    domain::access::Caller::signed_in(user, &domain::audit::Actor::default())
}

async fn key_matrix(backend: Backend) {
    let app = TestApp::builder()
        .backend(backend)
        .flags(&["--allow-loopback-webhooks", "true"])
        .start()
        .await;
    app.signed_in_admin().await;
    // To a role within the Integrator's reach (below), so its key may change it.
    let (invite, _) = app.invite_ok("target@example.com", "editor", &[]).await;
    app.join("member@example.com", "analyst").await;
    let member = app.member_id("member@example.com").await;
    // An Editor's rights plus Manage API keys (which Editors lack): someone who may make keys.
    let r = app
        .call(
            "create_role",
            &[
                ("name", "Integrator"),
                ("permissions[0]", "ViewInvites"),
                ("permissions[1]", "SendInvites"),
                ("permissions[2]", "RevokeInvites"),
                ("permissions[3]", "ManageApiKeys"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let integrator = app.role_id("Integrator").await;
    let editor_browser = app.join("integrator@example.com", &integrator).await;
    let editor_id = app.member_id("integrator@example.com").await;
    let hook = app
        .services
        .create_webhook(
            &admin_caller(&app).await,
            domain::webhooks::NewWebhook {
                url: "http://127.0.0.1:9/target",
                event_types: &["*".to_owned()],
                description: "",
            },
        )
        .await
        .unwrap()
        .endpoint_id;
    let ids = Ids {
        invite,
        member,
        hook,
    };
    let mut n = 0;
    // Each endpoint's answers, in the columns of SECURITY.md's "API key matrix".
    let mut actual: BTreeMap<String, Vec<bool>> = BTreeMap::new();
    let mut record = |e: &Endpoint, got: (bool, StatusCode)| {
        actual.entry(e.label()).or_default().push(got.0);
    };

    // Scopes: the endpoint's scope alone, then every other scope.
    for e in endpoints() {
        n += 1;
        let only = app.api_key(&format!("only-{n}"), &[e.scope]).await;
        record(&e, passes(&only, &e, &ids, n).await);
        let others: Vec<&str> = ALL_SCOPES
            .iter()
            .copied()
            .filter(|s| *s != e.scope)
            .collect();
        let rest = app.api_key(&format!("rest-{n}"), &others).await;
        record(&e, passes(&rest, &e, &ids, n).await);
    }

    // Key states, every scope: valid, revoked, expired.
    let valid = app.api_key("valid", &ALL_SCOPES).await;
    let revoked = app.api_key("revoked", &ALL_SCOPES).await;
    let expired = app.api_key("expired", &ALL_SCOPES).await;
    let keys: Vec<domain::model::ApiKeyInfo> = app.read("list_api_keys", &[]).await;
    let id_of = |name: &str| keys.iter().find(|k| k.name == name).unwrap().id.clone();
    let r = app
        .call("revoke_api_key", &[("id", &id_of("revoked"))])
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    app.exec(
        "UPDATE api_keys SET expires_at = 1 WHERE id = $1",
        &[&id_of("expired")],
    )
    .await;
    for e in endpoints() {
        n += 1;
        for key in [&valid, &revoked, &expired] {
            record(&e, passes(key, &e, &ids, n).await);
        }
    }

    // The creator's current rights: an Integrator's key with every invitation scope, then
    // with its creator demoted to Analyst, then deactivated.
    let integrators = app
        .api_key_with(&editor_browser, "integrator's", &ALL_INVITATION_SCOPES)
        .await;
    for e in endpoints() {
        n += 1;
        record(&e, passes(&integrators, &e, &ids, n).await);
    }
    let r = app
        .call(
            "change_member_role",
            &[("id", &editor_id), ("role_id", "analyst")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    for e in endpoints() {
        n += 1;
        record(&e, passes(&integrators, &e, &ids, n).await);
    }
    let r = app
        .call(
            "set_member_active",
            &[("id", &editor_id), ("active", "false")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    for e in endpoints() {
        n += 1;
        record(&e, passes(&integrators, &e, &ids, n).await);
    }

    let expected = documented_key_matrix();
    let mut table = String::new();
    let mut wrong = Vec::new();
    for e in endpoints() {
        let row = &actual[&e.label()];
        let cells: Vec<&str> = row.iter().map(|&a| if a { "✓" } else { "✗" }).collect();
        table.push_str(&format!(
            "| `{}` | `{}` | {} |\n",
            e.label(),
            e.scope,
            cells.join(" | ")
        ));
        if expected.get(&e.label()) != Some(&(e.scope.to_owned(), row.clone())) {
            wrong.push(e.label());
        }
    }
    assert!(
        wrong.is_empty() && expected.len() == endpoints().len(),
        "behaviour differs from SECURITY.md's API key matrix for {wrong:?} (documented rows: {}, endpoints: {}).\nActual:\n{table}",
        expected.len(),
        endpoints().len()
    );

    // No key, a malformed one, or one we never issued: 401 with a problem, never a 500.
    let anonymous = Api {
        key: String::new(),
        ..valid.clone()
    };
    let guessed = Api {
        key: format!("vsk_{}", "A".repeat(43)),
        ..valid.clone()
    };
    for api in [&anonymous, &guessed] {
        api.get("/invitations")
            .await
            .problem(StatusCode::UNAUTHORIZED);
    }
}

both_backends!(
    twenty_concurrent_retries_with_one_idempotency_key_create_one_invite,
    super::idempotent_retries
);
async fn idempotent_retries(backend: Backend) {
    let app = TestApp::builder().backend(backend).start().await;
    app.signed_in_admin().await;
    let api = app.api_key("retrying", &ALL_INVITATION_SCOPES).await;
    let body = json!({"email": "once@example.com", "role": "analyst"});
    let answers = futures_util::future::join_all((0..20).map(|_| {
        let api = api.clone();
        let body = body.clone();
        async move {
            api.send(Method::POST, "/invitations", Some(&body), Some("retry-1"))
                .await
        }
    }))
    .await;
    let ids: std::collections::BTreeSet<String> = answers
        .iter()
        .map(|a| {
            let issued: IssuedInvitation = a.expect(StatusCode::CREATED);
            issued.invitation.id
        })
        .collect();
    assert_eq!(ids.len(), 1, "every retry got the first answer");
    let replayed = answers
        .iter()
        .filter(|a| a.headers.get("idempotent-replayed").is_some())
        .count();
    assert_eq!(replayed, 19, "one did the work, nineteen were replayed");
    let all = page(&api, "email=once@example.com").await;
    assert_eq!(all.data.len(), 1, "one invite");
    let created = app
        .audit_actions()
        .await
        .iter()
        .filter(|a| *a == "invite.created")
        .count();
    assert_eq!(created, 1, "one audit row");

    // The same key with another request is refused, and creates nothing.
    let other = json!({"email": "twice@example.com", "role": "analyst"});
    let (field, _) = api
        .send(Method::POST, "/invitations", Some(&other), Some("retry-1"))
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field.as_deref(), Some("Idempotency-Key"));
    assert!(page(&api, "email=twice").await.data.is_empty());

    // A refusal is kept too: the retry of a conflicting create gets the same 409.
    for _ in 0..2 {
        api.send(Method::POST, "/invitations", Some(&body), Some("retry-2"))
            .await
            .problem(StatusCode::CONFLICT);
    }
    // Keys are per API key: another key may use the same Idempotency-Key for its own request.
    let other_key = app.api_key("another", &ALL_INVITATION_SCOPES).await;
    other_key
        .send(Method::POST, "/invitations", Some(&other), Some("retry-1"))
        .await
        .expect::<IssuedInvitation>(StatusCode::CREATED);
}

both_backends!(
    no_link_or_key_is_in_any_list_get_log_or_table_after_the_answer_that_issued_it,
    super::no_link_after_issue
);
async fn no_link_after_issue(backend: Backend) {
    let app = TestApp::builder().backend(backend).start().await;
    app.signed_in_admin().await;
    let scopes = [
        "invitations:read",
        "invitations:write",
        "invitations:revoke",
        "audit:read",
    ];
    let api = app.api_key("scanner", &scopes).await;
    let mut secrets = vec![api.key.clone()];
    let created = api
        .send(
            Method::POST,
            "/invitations",
            Some(&json!({"email": "quiet@example.com", "role": "analyst", "send_email": false})),
            Some("scan-1"),
        )
        .await
        .expect::<IssuedInvitation>(StatusCode::CREATED);
    let id = created.invitation.id.clone();
    secrets.push(token_of_link(&created.link.unwrap()));
    let resent: IssuedInvitation = api
        .send(
            Method::POST,
            &format!("/invitations/{id}/resend"),
            Some(&json!({"send_email": false})),
            Some("scan-2"),
        )
        .await
        .expect(StatusCode::OK);
    secrets.push(token_of_link(&resent.link.unwrap()));
    let emailed = create(
        &api,
        json!({"email": "loud@example.com", "role": "analyst"}),
    )
    .await;
    app.deliver_all().await;

    let mut seen = vec![
        api.get("/invitations").await.text,
        api.get(&format!("/invitations/{id}")).await.text,
        api.get(&format!("/invitations/{}", emailed.invitation.id))
            .await
            .text,
        api.get("/audit?limit=500").await.text,
        // The replays of the two answers that showed links.
        api.send(
            Method::POST,
            "/invitations",
            Some(&json!({"email": "quiet@example.com", "role": "analyst", "send_email": false})),
            Some("scan-1"),
        )
        .await
        .text,
        api.send(
            Method::POST,
            &format!("/invitations/{id}/resend"),
            Some(&json!({"send_email": false})),
            Some("scan-2"),
        )
        .await
        .text,
    ];
    seen.push(crate::common::dump::as_text(
        &crate::common::dump::dump(&app.services.db).await,
    ));
    let keys: Vec<domain::model::ApiKeyInfo> = app.read("list_api_keys", &[]).await;
    seen.push(format!("{keys:?}"));
    for text in &seen {
        assert!(!text.contains("/invite/"), "a link in: {text}");
        for s in &secrets {
            assert!(!text.contains(s.as_str()), "a secret in: {text}");
        }
    }
    // The replays say that the link is not shown again.
    let replay: IssuedInvitation = crate::common::from_json("replay", &seen[4]);
    assert_eq!(replay.link, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_describes_every_operation_with_its_scope_and_problems() {
    let app = TestApp::builder().start().await;
    let r = reqwest::get(app.url("/api/v1/openapi.json")).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let doc: Value = r.json().await.unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["servers"][0]["url"], "/api/v1");
    assert_eq!(
        doc["components"]["securitySchemes"]["api_key"]["scheme"],
        "bearer"
    );
    let paths = doc["paths"].as_object().unwrap();
    let mut operations = 0;
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            operations += 1;
            let what = format!("{method} {path}");
            let scopes = &op["security"][0]["api_key"];
            assert!(
                scopes.as_array().is_some_and(|s| s.len() == 1),
                "{what}: one scope"
            );
            for code in ["401", "403", "422", "429"] {
                let content = &op["responses"][code]["content"];
                assert!(
                    content["application/problem+json"].is_object(),
                    "{what}: {code} is a problem"
                );
            }
        }
    }
    let documented: Vec<String> = endpoints()
        .iter()
        .map(|e| {
            let path = e.path.split('?').next().unwrap();
            let path = path
                .replace("{invite}", "{id}")
                .replace("{member}", "{id}")
                .replace("{hook}", "{id}")
                .replace("msg_none", "{msg_id}");
            format!("{} {path}", e.method.as_str().to_lowercase())
        })
        .collect();
    for d in &documented {
        let (method, path) = d.split_once(' ').unwrap();
        assert!(paths[path][method].is_object(), "{d} is in the document");
    }
    assert_eq!(
        operations,
        documented.len(),
        "every operation is in the key matrix"
    );
    let page = reqwest::get(app.url("/api/v1/docs")).await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("POST /api/v1/invitations/bulk") && html.contains("invitations:write"));
}

/// `vestibule invite` and `vestibule api-key create|list|revoke`, through the same rules.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_line_invites_and_manages_api_keys() {
    use crate::common::process::{env, free_port, run_cli};
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/vestibule.db", dir.path().display());
    let env = env(&db, dir.path(), free_port(), &[]);
    run_cli(
        &env,
        &["admin", "bootstrap", "--email", "admin@example.com"],
    );
    let out = run_cli(
        &env,
        &[
            "invite",
            "--email",
            "Cli@Example.com",
            "--role",
            "Editor",
            "--no-email",
        ],
    );
    assert!(
        out.contains("Invited cli@example.com") && out.contains("/invite/"),
        "{out}"
    );
    let out = run_cli(
        &env,
        &["invite", "--email", "mail@example.com", "--role", "analyst"],
    );
    assert!(
        out.contains("mail worker") && !out.contains("/invite/"),
        "{out}"
    );
    let refused = std::process::Command::new(env!("CARGO_BIN_EXE_vestibule"))
        .args(["invite", "--email", "x@example.com", "--role", "Nope"])
        .envs(env.iter().cloned())
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("There is no role"));

    let out = run_cli(
        &env,
        &[
            "api-key",
            "create",
            "--name",
            "etl",
            "--scopes",
            "invitations:read,audit:read",
        ],
    );
    let key = out
        .split_whitespace()
        .find(|w| w.starts_with("vsk_"))
        .expect("the key")
        .to_owned();
    assert_eq!(key.len(), 4 + 43, "vsk_ and 256 bits in base64url");
    let list = run_cli(&env, &["api-key", "list"]);
    assert!(
        list.contains("etl") && list.contains("Active") && !list.contains(&key),
        "{list}"
    );
    let line = list.lines().find(|l| l.contains("etl")).unwrap();
    let id = line.split_whitespace().next().unwrap().to_owned();
    let out = run_cli(&env, &["api-key", "revoke", "--id", &id]);
    assert!(out.contains("Revoked"), "{out}");
    assert!(run_cli(&env, &["api-key", "list"]).contains("Revoked"));
    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_vestibule"))
        .args([
            "api-key",
            "create",
            "--name",
            "x",
            "--scopes",
            "invitations:everything",
        ])
        .envs(env.iter().cloned())
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("no scope"),
        "{bad:?}"
    );
}
