//! `kill -9` of the real server during a 2,000-row bulk import and again while it is sending
//! the resulting emails. After each restart: every invite is whole (its email job and audit
//! row exist) or absent, the outbox drains, no invite gets two different emails, and the
//! SQLite file passes `PRAGMA integrity_check`.

use crate::common;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use common::process::{env, free_port, run_cli, ServerProcess};
use common::sink::Sink;
use common::Backend;
use domain::model::BulkProgress;
use domain::store::Db;
use reqwest::StatusCode;

const ROWS: usize = 2_000;

async fn scalar(db: &Db, sql: &'static str) -> i64 {
    domain::on_db!(db, p => sqlx::query_scalar::<_, i64>(sql).fetch_one(p).await).unwrap()
}

/// Invites present, after checking that each one is whole.
async fn whole_invites(db: &Db) -> i64 {
    let without_job = scalar(
        db,
        "SELECT COUNT(*) FROM invites i WHERE NOT EXISTS \
         (SELECT 1 FROM outbox o WHERE o.invite_id = i.id)",
    )
    .await;
    let without_audit = scalar(
        db,
        "SELECT COUNT(*) FROM invites i WHERE NOT EXISTS \
         (SELECT 1 FROM audit_log a WHERE a.invite_id = i.id AND a.action = 'invite.created')",
    )
    .await;
    assert_eq!((without_job, without_audit), (0, 0), "half-created invites");
    scalar(db, "SELECT COUNT(*) FROM invites").await
}

async fn sign_in(base: &str, password: &str) -> reqwest::Client {
    let client = common::client(base);
    let r = client
        .post(format!("{base}/api/sign_in"))
        .form(&[("email", "admin@example.com"), ("password", password)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    client
}

async fn start_import(client: &reqwest::Client, base: &str, csv: &str) -> String {
    common::job_of(common::start_bulk(client, base, csv, &[("expiry_hours", "72")]).await).await
}

async fn progress(client: &reqwest::Client, base: &str, job: &str) -> BulkProgress {
    client
        .post(format!("{base}/api/bulk_progress"))
        .form(&[("job_id", job)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn a_hard_kill_during_import_and_sending_leaves_whole_invites_and_no_double_email(
    backend: Backend,
) {
    let sink = Sink::start("accept").await;
    let dir = tempfile::tempdir().unwrap();
    let database_url = common::fresh_database_url(backend, dir.path()).await;
    let smtp_port = sink.port.to_string();
    let env = env(
        &database_url,
        dir.path(),
        free_port(),
        &[
            ("VESTIBULE_MAIL_TRANSPORT", "smtp"),
            ("VESTIBULE_SMTP_HOST", "127.0.0.1"),
            ("VESTIBULE_SMTP_PORT", &smtp_port),
            ("VESTIBULE_SMTP_TLS", "none"),
        ],
    );
    run_cli(&env, &["migrate"]);
    let printed = run_cli(
        &env,
        &["admin", "bootstrap", "--email", "admin@example.com"],
    );
    let link = printed
        .split_whitespace()
        .find(|w| w.contains("/set-password/"))
        .unwrap();
    let token = link.rsplit('/').next().unwrap();
    let log = dir.path().join("server.log");
    let mut server = ServerProcess::start(&env, &log).await;
    let base = server.base.clone();
    let pw = "correct horse battery";
    let r = common::client(&base)
        .post(format!("{base}/api/set_password"))
        .form(&[("token", token), ("password", pw), ("confirm", pw)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let admin = sign_in(&base, pw).await;
    let csv: String = (0..ROWS)
        .map(|i| format!("crash{i}@example.com,analyst\n"))
        .collect();

    // 1. Kill during the import, as soon as its first transaction has committed.
    let job = start_import(&admin, &base, &csv).await;
    let started = Instant::now();
    loop {
        let p = progress(&admin, &base, &job).await;
        if p.created > 0 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the import never progressed: {p:?}"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    server.kill_hard();
    let db = Db::connect(&database_url).await.unwrap();
    let after_first_kill = whole_invites(&db).await;
    assert!(
        after_first_kill > 0 && (after_first_kill as usize) < ROWS,
        "the kill landed inside the import: {after_first_kill} of {ROWS}"
    );

    // 2. Restart; kill again while the worker is sending those invites' emails.
    let mut server = ServerProcess::start(&env, &log).await;
    let started = Instant::now();
    while sink.messages().len() < 20 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no email went out after the restart"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.kill_hard();
    let sent_before_second_kill = sink.messages().len();
    assert!(
        sent_before_second_kill < after_first_kill as usize,
        "the kill landed while sending: {sent_before_second_kill} of {after_first_kill}"
    );

    // 3. Restart for good, import the same file again (the existing rows are skipped as
    //    already invited), and let the outbox drain. A job leased by a killed worker waits
    //    out its one-minute lease first.
    let server = ServerProcess::start(&env, &log).await;
    let admin = sign_in(&base, pw).await;
    let job = start_import(&admin, &base, &csv).await;
    let started = Instant::now();
    let last = loop {
        let p = progress(&admin, &base, &job).await;
        if p.finished {
            break p;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the second import hangs: {p:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(
        last.created as i64,
        ROWS as i64 - after_first_kill,
        "{last:?}"
    );
    let started = Instant::now();
    while scalar(
        &db,
        "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL",
    )
    .await
        > 0
    {
        assert!(
            started.elapsed() < Duration::from_secs(150),
            "the outbox did not drain"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    drop(server);
    assert_eq!(whole_invites(&db).await, ROWS as i64);
    assert_eq!(
        scalar(
            &db,
            "SELECT COUNT(*) FROM outbox WHERE failed_at IS NOT NULL"
        )
        .await,
        0
    );

    // Every invitee got their email. The only copies allowed are the messages in flight when
    // a kill hit (sent, not yet marked): one per kill, since the worker also sends during the
    // import, each the same email with the same Message-ID. (Allowing one in all failed once
    // in a few PostgreSQL runs: the first kill had caught a message in flight too.)
    let mut ids_per_recipient: HashMap<String, Vec<String>> = HashMap::new();
    for (to, id) in sink.messages() {
        ids_per_recipient.entry(to).or_default().push(id);
    }
    assert_eq!(ids_per_recipient.len(), ROWS, "every invitee got an email");
    let mut copies = 0;
    for (to, ids) in &ids_per_recipient {
        let mut distinct = ids.clone();
        distinct.dedup();
        assert_eq!(distinct.len(), 1, "{to} got two different emails: {ids:?}");
        copies += ids.len() - 1;
    }
    assert!(
        copies <= 2,
        "{copies} emails were repeated; at most the one in flight at each of the two kills may be"
    );

    if backend == Backend::Sqlite {
        let check: String = domain::on_db!(&db, p => sqlx::query_scalar("PRAGMA integrity_check").fetch_one(p).await).unwrap();
        assert_eq!(check, "ok");
    }
}
both_backends!(
    a_hard_kill_during_import_and_sending_leaves_whole_invites_and_no_double_email,
    super::a_hard_kill_during_import_and_sending_leaves_whole_invites_and_no_double_email
);
