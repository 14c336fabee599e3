//! Bulk invites (CSV dry run, import job, CLI) and bulk revoke, on SQLite and PostgreSQL.

use crate::common;

use app::error::AppError;
use common::{Backend, TestApp};
use domain::model::{BulkPreview, InviteList, InviteStatus};
use reqwest::StatusCode;

const CSV: &str = "email,role,teams\n\
    ann@bulk.example,Editor,Brand\n\
    bob@bulk.example,analyst,\n\
    not-an-address,Editor,\n\
    cy@bulk.example,Owner,\n\
    dee@bulk.example,Editor,Nowhere\n\
    ann@bulk.example,Editor,\n\
    member@bulk.example,Editor,\n\
    pending@bulk.example,Editor,\n\
    \"eve@bulk.example\",Editor,\"Brand;brand\"\n";

/// An app with a team "Brand", a member and a pending invite, as the CSV expects.
async fn prepared(backend: Backend) -> TestApp {
    let app = TestApp::admin_with_mail(backend).await;
    assert_eq!(
        app.call("create_team", &[("name", "Brand")]).await.status(),
        StatusCode::OK
    );
    let (_, token) = app.invite_ok("member@bulk.example", "analyst", &[]).await;
    assert_eq!(app.accept(&token, "Mem").await.0.status(), StatusCode::OK);
    app.invite_ok("pending@bulk.example", "analyst", &[]).await;
    app
}

fn problems(preview: &BulkPreview) -> Vec<(usize, String)> {
    preview
        .problems
        .iter()
        .map(|r| (r.line, r.error.clone().unwrap_or_default()))
        .collect()
}

async fn invite_count(app: &TestApp) -> i64 {
    domain::on_db!(&app.services.db, p => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM invites").fetch_one(p).await).unwrap()
}

async fn a_dry_run_names_every_problem_and_creates_nothing(backend: Backend) {
    let app = prepared(backend).await;
    let before = invite_count(&app).await;
    let preview = app.bulk_preview(CSV).await;
    assert_eq!(preview.total, 9);
    assert_eq!(preview.ready, 3, "{preview:?}");
    let p = problems(&preview);
    let reason = |line| {
        p.iter()
            .find(|(l, _)| *l == line)
            .map(|(_, r)| r.clone())
            .unwrap()
    };
    assert!(reason(4).contains("address"), "{}", reason(4));
    assert_eq!(reason(5), "Unknown role \"Owner\".");
    assert_eq!(reason(6), "Unknown team \"Nowhere\".");
    assert_eq!(reason(7), "Duplicate: the same address is on line 2.");
    assert_eq!(reason(8), "Already a member.");
    assert!(reason(9).starts_with("Already invited"));
    assert_eq!(invite_count(&app).await, before, "a dry run writes nothing");
}
both_backends!(
    a_dry_run_names_every_problem_and_creates_nothing,
    super::a_dry_run_names_every_problem_and_creates_nothing
);

async fn an_import_invites_the_good_rows_and_only_they_get_email(backend: Backend) {
    let app = prepared(backend).await;
    let r = app
        .start_bulk(CSV, &[("expiry_hours", "72"), ("message", "Welcome")])
        .await;
    let job = common::job_of(r).await;
    let p = app.finish_bulk_job(&job).await;
    assert!(p.finished, "{p:?}");
    assert_eq!(p.created, 3);
    assert_eq!(p.done, 9);
    assert_eq!(p.skipped.len(), 6);
    // Eve is in Brand once, though the file named it twice.
    let list: InviteList = app
        .read("list_invites", &[("q", "eve@"), ("mode", "prefix")])
        .await;
    assert_eq!(list.rows[0].team_names(), "Brand");
    assert_eq!(list.rows[0].role_name, "Editor");
    app.deliver_all().await;
    let mails = app.mails().join("\n");
    for good in ["ann@bulk.example", "bob@bulk.example", "eve@bulk.example"] {
        assert!(
            mails.contains(&format!("To: {good}")),
            "{good} got no email"
        );
    }
    for bad in ["cy@bulk.example", "dee@bulk.example", "not-an-address"] {
        assert!(!mails.contains(bad), "{bad} must get no email");
    }
    assert!(app
        .audit_actions()
        .await
        .contains(&"invite.bulk_imported".to_owned()));
    // Someone else cannot watch this job.
    let (_, token) = app.invite_ok("ed@bulk.example", "editor", &[]).await;
    let (_, editor) = app.accept(&token, "Ed").await;
    let r = app
        .call_with(&editor, "bulk_progress", &[("job_id", &job)])
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}
both_backends!(
    an_import_invites_the_good_rows_and_only_they_get_email,
    super::an_import_invites_the_good_rows_and_only_they_get_email
);

async fn unusable_files_are_refused_before_anything_starts(backend: Backend) {
    let app = prepared(backend).await;
    let too_many: String = (0..10_001)
        .map(|i| format!("p{i}@many.example,Editor\n"))
        .collect();
    for (csv, wanted) in [
        ("", "No rows found"),
        ("email,role,teams\n", "No rows found"),
        (too_many.as_str(), "at most 10000"),
        ("a@x.example,Editor\n\"open,Editor\n", "never closed"),
    ] {
        let r = app.start_bulk(csv, &[("expiry_hours", "72")]).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{wanted}");
        let message = r.json::<AppError>().await.unwrap().to_string();
        assert!(message.contains(wanted), "{message}");
    }
    let r = app
        .start_bulk("a@x.example,Editor", &[("expiry_hours", "9999")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(invite_count(&app).await, 2, "nothing was created");
}
both_backends!(
    unusable_files_are_refused_before_anything_starts,
    super::unusable_files_are_refused_before_anything_starts
);

async fn the_cli_imports_a_file_and_refuses_one_that_is_not_utf8(backend: Backend) {
    let app = prepared(backend).await;
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        b"email,role\nok@x.example,Editor\n\xff\xfe@x.example,Editor\n",
    )
    .unwrap();
    let err = server::import::run(&app.services, &bad, common::ADMIN_EMAIL, 168, "", false)
        .await
        .err()
        .expect("refused");
    assert!(err.to_string().contains("line 3"), "{err}");
    let good = dir.path().join("good.csv");
    std::fs::write(&good, CSV).unwrap();
    let dry = server::import::run(&app.services, &good, common::ADMIN_EMAIL, 168, "", true)
        .await
        .unwrap();
    let before = invite_count(&app).await;
    assert!(matches!(dry, server::import::Report::Checked(ref rows) if rows.len() == 9));
    assert_eq!(invite_count(&app).await, before);
    let done = server::import::run(&app.services, &good, common::ADMIN_EMAIL, 168, "", false)
        .await
        .unwrap();
    let server::import::Report::Imported(outcome) = done else {
        panic!("not imported")
    };
    assert_eq!(outcome.created, 3);
    assert_eq!(invite_count(&app).await, before + 3);
    let err = server::import::run(&app.services, &good, "nobody@x.example", 168, "", false)
        .await
        .err()
        .expect("unknown inviter refused");
    assert!(err.to_string().contains("no active account"), "{err}");
}
both_backends!(
    the_cli_imports_a_file_and_refuses_one_that_is_not_utf8,
    super::the_cli_imports_a_file_and_refuses_one_that_is_not_utf8
);

async fn bulk_revoke_revokes_only_the_pending_ones_selected(backend: Backend) {
    let app = prepared(backend).await;
    let (a, _) = app.invite_ok("a@rev.example", "analyst", &[]).await;
    let (b, _) = app.invite_ok("b@rev.example", "analyst", &[]).await;
    let (c, tc) = app.invite_ok("c@rev.example", "analyst", &[]).await;
    let (keep, _) = app.invite_ok("keep@rev.example", "analyst", &[]).await;
    app.accept(&tc, "Cee").await;
    let r = app
        .call(
            "revoke_invites",
            &[
                ("ids[0]", a.as_str()),
                ("ids[1]", b.as_str()),
                ("ids[2]", c.as_str()),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let (revoked, skipped): (usize, usize) = r.json().await.unwrap();
    assert_eq!((revoked, skipped), (2, 1), "the accepted one is skipped");
    let status = |id: String| {
        let app = &app;
        async move { app.status_of(&id).await }
    };
    assert_eq!(status(a).await, InviteStatus::Revoked);
    assert_eq!(status(b).await, InviteStatus::Revoked);
    assert_eq!(status(c).await, InviteStatus::Accepted);
    assert_eq!(status(keep).await, InviteStatus::Pending);
    let r = app.call("revoke_invites", &[]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
}
both_backends!(
    bulk_revoke_revokes_only_the_pending_ones_selected,
    super::bulk_revoke_revokes_only_the_pending_ones_selected
);

/// The bulk pages as a browser without WASM uses them: plain form posts and redirects, each
/// step a page of its own, the import page reloading itself until it is over.
async fn the_bulk_pages_check_send_and_follow_an_import_as_plain_forms(backend: Backend) {
    use reqwest::header::{ACCEPT, LOCATION};
    let app = prepared(backend).await;
    let location = |r: &reqwest::Response| r.headers()[LOCATION].to_str().unwrap().to_owned();
    // A form posted by a browser (it accepts HTML), not a call from script.
    let post = |client: &reqwest::Client, name: &str, form: &[(&str, &str)]| {
        client
            .post(app.url(&format!("/api/{name}")))
            .header(ACCEPT, "text/html")
            .form(form)
            .send()
    };
    // Check: the rows become a draft with a dry-run page of its own.
    let r = post(&app.client, "bulk_check", &[("csv", CSV)])
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FOUND);
    let check = location(&r);
    let draft = check
        .strip_prefix("/invites/bulk/check/")
        .expect("sent to the dry run")
        .to_owned();
    let page = app.page(&check).await.text().await.unwrap();
    assert!(page.contains("9 rows: 3 ready, 6 with problems."), "{page}");
    assert!(page.contains("Unknown role \"Owner\"."), "{page}");
    assert!(page.contains("Send 3 invites"));
    assert_eq!(invite_count(&app).await, 2, "a dry run creates nothing");
    // "Change the rows" brings the same text back into the form.
    let edit = app
        .page(&format!("/invites/bulk?draft={draft}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(edit.contains("pending@bulk.example,Editor,"), "{edit}");
    // Nobody else can open or send it.
    let (_, token) = app.invite_ok("ed@bulk.example", "editor", &[]).await;
    let (_, editor) = app.accept(&token, "Ed").await;
    let theirs = editor.get(app.url(&check)).send().await.unwrap();
    assert_eq!(theirs.status(), StatusCode::NOT_FOUND);
    let r = post(
        &editor,
        "bulk_start",
        &[("draft", &draft), ("expiry_hours", "72")],
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // Send: to the import's page, which polls (and reloads without WASM) until it is over.
    let r = post(
        &app.client,
        "bulk_start",
        &[("draft", &draft), ("expiry_hours", "72")],
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::FOUND);
    let job_page = location(&r);
    let job = job_page
        .strip_prefix("/invites/bulk/jobs/")
        .unwrap()
        .to_owned();
    app.finish_bulk_job(&job).await;
    let done = app.page(&job_page).await.text().await.unwrap();
    assert!(
        done.contains("Done: 3 invites created, 6 rows skipped."),
        "{done}"
    );
    assert!(!done.contains("data-poll") && !done.contains("http-equiv=\"refresh\""));
    // The draft went with the send: its page and a second send find nothing.
    assert_eq!(app.page(&check).await.status(), StatusCode::NOT_FOUND);
    let again = app
        .call("bulk_start", &[("draft", &draft), ("expiry_hours", "72")])
        .await;
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
    // A draft is gone after a day.
    let r = post(&app.client, "bulk_check", &[("csv", CSV)])
        .await
        .unwrap();
    let old = location(&r);
    app.clock.advance(domain::clock::DAY + 1);
    assert_eq!(app.page(&old).await.status(), StatusCode::NOT_FOUND);
}
both_backends!(
    the_bulk_pages_check_send_and_follow_an_import_as_plain_forms,
    super::the_bulk_pages_check_send_and_follow_an_import_as_plain_forms
);

/// While an import runs its page asks to be fetched again (`data-poll`, and a reload for a
/// browser without WASM); the finished page does not.
async fn an_import_page_polls_while_running_and_says_when_a_restart_cut_it_short(backend: Backend) {
    let app = prepared(backend).await;
    use domain::clock::Clock;
    // A job row as a running import leaves it, with a fresh heartbeat.
    let now = app.clock.now();
    let admin: String = domain::on_db!(&app.services.db, p => sqlx::query_scalar(
        "SELECT id FROM users WHERE email = $1").bind(common::ADMIN_EMAIL).fetch_one(p).await)
    .unwrap();
    domain::store::bulk_jobs::insert(&app.services.db, "running-job", &admin, 10, now)
        .await
        .unwrap();
    let page = app.page("/invites/bulk/jobs/running-job").await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("data-poll"), "{html}");
    assert!(
        html.contains("<noscript><meta http-equiv=\"refresh\" content=\"2\"></noscript>"),
        "{html}"
    );
    assert!(html.contains("0 of 10 rows"));
    // Its server stops (no heartbeat for a minute): the page says the import was cut short.
    app.clock.advance(60_000);
    let html = app
        .page("/invites/bulk/jobs/running-job")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("The import stopped after 0 invites (the server restarted)."),
        "{html}"
    );
    assert!(!html.contains("data-poll"));
}
both_backends!(
    an_import_page_polls_while_running_and_says_when_a_restart_cut_it_short,
    super::an_import_page_polls_while_running_and_says_when_a_restart_cut_it_short
);
