//! Writes that arrive together: on SQLite they share one commit (`store::group_commit`), on
//! PostgreSQL each has its own transaction. Either way a refused create is refused alone,
//! a commit that fails fails every request in it and keeps nothing, and a `kill -9` under
//! load loses no invite whose create was answered 200.

use crate::common;

use std::collections::HashSet;
use std::time::Duration;

use app::error::AppError;
use common::process::{env, free_port, run_cli, ServerProcess};
use common::{Backend, TestApp, ADMIN_EMAIL};
use domain::model::IssuedLink;
use domain::store::Db;
use futures_util::future::join_all;
use reqwest::StatusCode;

async fn scalar(db: &Db, sql: &'static str) -> i64 {
    domain::on_db!(db, p => sqlx::query_scalar::<_, i64>(sql).fetch_one(p).await).unwrap()
}

/// Invites whose email job and creation audit row are missing: none may be.
async fn half_created(db: &Db) -> i64 {
    scalar(
        db,
        "SELECT COUNT(*) FROM invites i WHERE NOT EXISTS \
         (SELECT 1 FROM outbox o WHERE o.invite_id = i.id) OR NOT EXISTS \
         (SELECT 1 FROM audit_log a WHERE a.invite_id = i.id AND a.action = 'invite.created')",
    )
    .await
}

async fn fifty_concurrent_creates_one_of_them_refused_commit_the_other_forty_nine(
    backend: Backend,
) {
    let app = TestApp::builder()
        .backend(backend)
        .flags(&["--invites-per-minute", "0"])
        .start()
        .await;
    app.signed_in_admin().await;
    let commits_before = match &app.services.db {
        Db::Sqlite(s) => Some(s.writer.stats()),
        Db::Postgres(_) => None,
    };
    // The refused one is refused inside the write: its address belongs to an account, which
    // only the transaction can tell.
    let emails: Vec<String> = (0..50)
        .map(|i| match i {
            23 => ADMIN_EMAIL.to_owned(),
            _ => format!("together{i}@example.com"),
        })
        .collect();
    let answers = join_all(emails.iter().map(|email| async {
        let r = app.invite(email, "analyst", &[]).await;
        (r.status(), r.text().await.unwrap())
    }))
    .await;
    for (i, (status, body)) in answers.iter().enumerate() {
        if i == 23 {
            assert_eq!(*status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
            assert!(
                body.contains("admin@example.com already has an account."),
                "{body}"
            );
        } else {
            assert_eq!(*status, StatusCode::OK, "create {i}: {body}");
        }
    }
    let db = &app.services.db;
    assert_eq!(scalar(db, "SELECT COUNT(*) FROM invites").await, 49);
    assert_eq!(half_created(db).await, 0);
    assert_eq!(
        scalar(
            db,
            "SELECT COUNT(*) FROM invites WHERE email = 'admin@example.com'"
        )
        .await,
        0
    );
    if let (Some((c0, w0)), Db::Sqlite(s)) = (commits_before, db) {
        let (c1, w1) = s.writer.stats();
        assert!(
            c1 - c0 < w1 - w0,
            "creates that arrive together share commits: {} commits for {} writes",
            c1 - c0,
            w1 - w0
        );
    }
}
both_backends!(
    fifty_concurrent_creates_one_of_them_refused_commit_the_other_forty_nine,
    super::fifty_concurrent_creates_one_of_them_refused_commit_the_other_forty_nine
);

/// A commit that fails (here a foreign key checked only at commit, the one failure a test can
/// cause on demand; a full disk or an I/O error ends the same way) fails every create that
/// shared it, each with the server's clear error, and nothing of them is visible.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_group_commit_fails_every_create_in_it_and_keeps_nothing() {
    let app = TestApp::builder()
        .sqlite()
        .flags(&["--invites-per-minute", "0"])
        .start()
        .await;
    app.signed_in_admin().await;
    let Db::Sqlite(s) = &app.services.db else {
        unreachable!()
    };
    let mut setup = s.writer.begin().await.unwrap();
    for ddl in [
        "CREATE TABLE doomed_parent (id INTEGER PRIMARY KEY)",
        "CREATE TABLE doomed (id INTEGER PRIMARY KEY, parent INTEGER \
         REFERENCES doomed_parent (id) DEFERRABLE INITIALLY DEFERRED)",
    ] {
        sqlx::query(ddl).execute(&mut *setup).await.unwrap();
    }
    setup.commit().await.unwrap();
    let invites_before = scalar(&app.services.db, "SELECT COUNT(*) FROM invites").await;
    let audit_before = scalar(&app.services.db, "SELECT COUNT(*) FROM audit_log").await;

    // Hold the writer with a write that the commit will refuse, let twenty creates queue
    // behind it, then let go: they join its group.
    let mut doomed = s.writer.begin().await.unwrap();
    sqlx::query("INSERT INTO doomed (id, parent) VALUES (1, -1)")
        .execute(&mut *doomed)
        .await
        .unwrap();
    let emails: Vec<String> = (0..20).map(|i| format!("doomed{i}@example.com")).collect();
    let creates = join_all(emails.iter().map(|email| async {
        let r = app.invite(email, "analyst", &[]).await;
        (r.status(), r.text().await.unwrap())
    }));
    let release = async {
        // The creates' own writes, handed to the writer whole, and the task that will run them.
        while s.writer.queued() < 21 {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        doomed.commit().await
    };
    let (answers, released) = tokio::join!(creates, release);
    assert!(released.is_err());
    for (status, body) in answers {
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{body}");
        let error = common::from_json::<AppError>("create_invite", &body);
        assert_eq!(
            error.to_string(),
            "Something went wrong on our side. Please try again in a moment."
        );
    }
    let db = &app.services.db;
    assert_eq!(
        scalar(db, "SELECT COUNT(*) FROM invites").await,
        invites_before
    );
    assert_eq!(
        scalar(db, "SELECT COUNT(*) FROM audit_log").await,
        audit_before
    );
    assert_eq!(
        scalar(
            db,
            "SELECT COUNT(*) FROM outbox WHERE recipient LIKE 'doomed%'"
        )
        .await,
        0
    );
    assert_eq!(scalar(db, "SELECT COUNT(*) FROM doomed").await, 0);
    // The next create goes through.
    app.invite_ok("after@example.com", "analyst", &[]).await;
}

/// `kill -9` of the real server while eight clients create invites as fast as it answers:
/// after a restart, every invite whose create was answered 200 is there, with its email
/// job and audit rows, and no invite is half there.
async fn a_hard_kill_under_a_create_load_keeps_every_acknowledged_invite(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let database_url = common::fresh_database_url(backend, dir.path()).await;
    let mut env = env(&database_url, dir.path(), free_port(), &[]);
    env.push(("VESTIBULE_INVITES_PER_MINUTE".into(), "0".into()));
    run_cli(&env, &["migrate"]);
    let link = common::process::cli_bootstrap_link(&env);
    let log = dir.path().join("server.log");
    let mut server = ServerProcess::start(&env, &log).await;
    let base = server.base.clone();
    let admin = common::process::signed_in_admin_at(&base, &link).await;

    let clients: Vec<_> = (0..8)
        .map(|c| {
            let (admin, base) = (admin.clone(), base.clone());
            tokio::spawn(async move {
                let mut acknowledged = Vec::new();
                for i in 0.. {
                    let email = format!("load{c}-{i}@example.com");
                    let sent = admin
                        .post(format!("{base}/api/create_invite"))
                        .form(&[
                            ("email", email.as_str()),
                            ("role_id", "analyst"),
                            ("expiry_hours", "24"),
                            ("message", ""),
                        ])
                        .timeout(Duration::from_secs(5))
                        .send()
                        .await;
                    let Ok(r) = sent else { break };
                    if r.status() != StatusCode::OK {
                        break;
                    }
                    match r.json::<IssuedLink>().await {
                        Ok(issued) => acknowledged.push(issued.invite_id),
                        Err(_) => break,
                    }
                }
                acknowledged
            })
        })
        .collect();
    // Let the load run, then kill the server in the middle of it.
    let db = Db::connect(&database_url).await.unwrap();
    while scalar(&db, "SELECT COUNT(*) FROM invites").await < 300 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.kill_hard();
    let mut acknowledged = HashSet::new();
    for client in clients {
        acknowledged.extend(client.await.unwrap());
    }
    db.close().await;
    // Some of the 300 stored may not have had their answer yet.
    assert!(
        acknowledged.len() >= 200,
        "{} acknowledged",
        acknowledged.len()
    );

    // Restart (recovery runs on open), stop, and look.
    let mut server = ServerProcess::start(&env, &log).await;
    server.stop();
    let db = Db::connect(&database_url).await.unwrap();
    let stored: HashSet<String> =
        domain::on_db!(&db, p => sqlx::query_scalar("SELECT id FROM invites").fetch_all(p).await)
            .unwrap()
            .into_iter()
            .collect();
    let lost: Vec<_> = acknowledged.difference(&stored).collect();
    assert!(lost.is_empty(), "acknowledged, then lost: {lost:?}");
    assert_eq!(half_created(&db).await, 0);
    if backend == Backend::Sqlite {
        let check: String = domain::on_db!(&db, p => sqlx::query_scalar("PRAGMA integrity_check").fetch_one(p).await).unwrap();
        assert_eq!(check, "ok");
    }
}
both_backends!(
    a_hard_kill_under_a_create_load_keeps_every_acknowledged_invite,
    super::a_hard_kill_under_a_create_load_keeps_every_acknowledged_invite
);
