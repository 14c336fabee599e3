//! The invite policy: domains, daily cap and expiry limits, at create and at accept, on
//! SQLite and PostgreSQL.

use crate::common;

use app::error::AppError;
use common::{spawn_app, Backend};
use domain::model::{InviteOptions, InvitePolicy, LinkView};
use reqwest::StatusCode;

async fn invalid_field(r: reqwest::Response) -> (String, String) {
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    match r.json::<AppError>().await.unwrap() {
        AppError::Invalid { field, message } => (field, message),
        other => panic!("not a field error: {other:?}"),
    }
}

async fn only_policy_managers_change_it_and_bad_settings_are_named(backend: Backend) {
    let app = spawn_app(backend).await;
    app.signed_in_admin().await;
    let (f, m) = invalid_field(
        app.set_policy(&[("allowed_domains", "acme.example\nnot a domain")])
            .await,
    )
    .await;
    assert_eq!(f, "allowed_domains");
    assert!(m.contains("\"not\""), "{m}");
    let (f, _) = invalid_field(
        app.set_policy(&[("default_expiry_hours", "720"), ("max_expiry_hours", "72")])
            .await,
    )
    .await;
    assert_eq!(f, "default_expiry_hours");
    let (f, _) = invalid_field(app.set_policy(&[("daily_cap", "-1")]).await).await;
    assert_eq!(f, "daily_cap");
    let r = app
        .set_policy(&[("blocked_domains", "Rival.Example, @spam.example")])
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let saved: InvitePolicy = app.read("get_policy", &[]).await;
    assert_eq!(saved.blocked_domains, ["rival.example", "spam.example"]);
    assert!(app
        .audit_actions()
        .await
        .contains(&"policy.changed".to_owned()));

    let (_, token) = app.invite_ok("ed@acme.example", "editor", &[]).await;
    let (_, editor) = app.accept(&token, "Ed").await;
    let full = [
        ("default_expiry_hours", "168"),
        ("max_expiry_hours", "720"),
        ("daily_cap", "5"),
    ];
    for (name, form) in [("get_policy", &[][..]), ("update_policy", &full[..])] {
        let r = app.call_with(&editor, name, form).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{name}");
    }
    // A request missing arguments is the client's fault: 400, saying which.
    let r = app.call("update_policy", &[("daily_cap", "5")]).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("default_expiry_hours"));
}
both_backends!(
    only_policy_managers_change_it_and_bad_settings_are_named,
    super::only_policy_managers_change_it_and_bad_settings_are_named
);

async fn domain_rules_refuse_at_create_and_again_at_accept(backend: Backend) {
    let app = spawn_app(backend).await;
    app.signed_in_admin().await;
    let (_, early) = app.invite_ok("ann@rival.example", "analyst", &[]).await;
    assert_eq!(
        app.set_policy(&[("blocked_domains", "rival.example")])
            .await
            .status(),
        StatusCode::OK
    );

    let (field, message) =
        invalid_field(app.invite("bob@eu.rival.example", "analyst", &[]).await).await;
    assert_eq!(field, "email");
    assert!(
        message.contains("blocked by the invite policy"),
        "{message}"
    );

    // The invite sent before the rule changed is refused at acceptance, and makes no account.
    let users = app.count_users().await;
    let (r, _) = app.accept(&early, "Ann").await;
    assert_eq!(r.status(), StatusCode::GONE);
    assert_eq!(
        r.json::<AppError>().await.unwrap(),
        AppError::InviteUnusable(Box::new(LinkView::DomainNotAllowed))
    );
    assert_eq!(app.count_users().await, users);
    let page = app
        .page(&format!("/invite/{early}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("invite policy no longer allows your email domain"));

    // An allow list admits its domains (and their subdomains) only.
    assert_eq!(
        app.set_policy(&[("allowed_domains", "acme.example")])
            .await
            .status(),
        StatusCode::OK
    );
    let (field, message) =
        invalid_field(app.invite("cy@other.example", "analyst", &[]).await).await;
    assert_eq!(field, "email");
    assert!(
        message.contains("only allows addresses at acme.example"),
        "{message}"
    );
    app.invite_ok("dee@eu.acme.example", "analyst", &[]).await;
    // Bulk rows are checked the same way.
    let preview = app
        .bulk_preview("eve@acme.example,Analyst\nfay@other.example,Analyst\n")
        .await;
    assert_eq!(preview.ready, 1);
    let error = preview.problems[0].error.as_deref().unwrap_or_default();
    assert!(error.contains("only allows"), "{error}");
}
both_backends!(
    domain_rules_refuse_at_create_and_again_at_accept,
    super::domain_rules_refuse_at_create_and_again_at_accept
);

async fn the_daily_cap_refuses_with_429_until_the_oldest_invite_ages_out(backend: Backend) {
    let app = spawn_app(backend).await;
    app.signed_in_admin().await;
    assert_eq!(
        app.set_policy(&[("daily_cap", "2")]).await.status(),
        StatusCode::OK
    );
    app.invite_ok("one@cap.example", "analyst", &[]).await;
    app.clock.advance(60 * 60 * 1000);
    app.invite_ok("two@cap.example", "analyst", &[]).await;
    let r = app.invite("three@cap.example", "analyst", &[]).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (82_000..=82_800).contains(&retry),
        "about 23 hours: {retry}"
    );
    let message = r.json::<AppError>().await.unwrap().to_string();
    assert!(message.contains("daily cap"), "{message}");
    let preview = app.bulk_preview("four@cap.example,Analyst\n").await;
    let error = preview.problems[0].error.as_deref().unwrap_or_default();
    assert!(error.contains("daily cap"), "{error}");
    // A day after the first invite, one more fits.
    app.clock.advance(23 * 60 * 60 * 1000 + 1);
    app.invite_ok("three@cap.example", "analyst", &[]).await;
    assert_eq!(
        app.invite("four@cap.example", "analyst", &[])
            .await
            .status(),
        StatusCode::TOO_MANY_REQUESTS
    );
}
both_backends!(
    the_daily_cap_refuses_with_429_until_the_oldest_invite_ages_out,
    super::the_daily_cap_refuses_with_429_until_the_oldest_invite_ages_out
);

async fn links_cannot_outlive_the_maximum_expiry(backend: Backend) {
    let app = spawn_app(backend).await;
    app.signed_in_admin().await;
    let r = app
        .set_policy(&[("default_expiry_hours", "24"), ("max_expiry_hours", "72")])
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let (field, message) = invalid_field(app.invite("long@x.example", "analyst", &[]).await).await;
    assert_eq!(field, "expiry");
    assert!(message.contains("at most 72 hours"), "{message}");
    let options: InviteOptions = app.read("invite_options", &[]).await;
    assert_eq!(options.default_expiry_hours, 24);
    let hours: Vec<i64> = options.expiry_choices.iter().map(|(h, _)| *h).collect();
    assert_eq!(hours, vec![1, 24, 72]);
    let r = app
        .start_bulk("a@x.example,Analyst", &[("expiry_hours", "168")])
        .await;
    assert_eq!(invalid_field(r).await.0, "expiry");
}
both_backends!(
    links_cannot_outlive_the_maximum_expiry,
    super::links_cannot_outlive_the_maximum_expiry
);

async fn the_policy_is_read_and_changed_through_the_api_as_on_its_page(backend: Backend) {
    use serde_json::json;
    let app = spawn_app(backend).await;
    app.signed_in_admin().await;
    let api = app.api_key("ops", &["policy:manage"]).await;
    let before: serde_json::Value = api.get("/policy").await.expect(StatusCode::OK);
    assert_eq!(before["workspace_seats"], 0);

    let changed: serde_json::Value = api
        .patch(
            "/policy",
            &json!({"workspace_seats": 50, "team_seats": 8, "reminder_hours": [24, 48],
                    "blocked_domains": ["rival.example"]}),
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(changed["workspace_seats"], 50);
    assert_eq!(changed["team_seats"], 8);
    assert_eq!(changed["reminder_hours"], json!([48, 24]));
    assert_eq!(changed["blocked_domains"], json!(["rival.example"]));
    // What was left out stays.
    assert_eq!(
        changed["default_expiry_hours"],
        before["default_expiry_hours"]
    );
    assert_eq!(
        changed["resend_cooldown_minutes"],
        before["resend_cooldown_minutes"]
    );
    // The panel sees the same policy, and the change is audited.
    let seen: InvitePolicy = app.read("get_policy", &[]).await;
    assert_eq!((seen.workspace_seats, seen.team_seats), (50, 8));
    assert!(app
        .audit_actions()
        .await
        .contains(&"policy.changed".to_owned()));

    for (body, field) in [
        (json!({"team_seats": -1}), "team_seats"),
        (json!({"max_expiry_hours": 0}), "max_expiry_hours"),
        (json!({"reminder_hours": [0]}), "reminder_hours"),
    ] {
        let (got, _) = api
            .patch("/policy", &body)
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(got.as_deref(), Some(field), "{body}");
    }
    let after: serde_json::Value = api.get("/policy").await.expect(StatusCode::OK);
    assert_eq!(after, changed, "a refused change changes nothing");
}
both_backends!(
    the_policy_is_read_and_changed_through_the_api_as_on_its_page,
    super::the_policy_is_read_and_changed_through_the_api_as_on_its_page
);
