//! `vestibule backup` and `vestibule restore` on SQLite, with the real binary: a backup taken
//! while invites are being created is whole and holds every invite acknowledged before it
//! began; a restore refuses to run under a live server and keeps what it replaces.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use domain::store::Db;
use reqwest::StatusCode;
use serde_json::json;

use crate::common::process::{
    cli_api_key, cli_bootstrap_link, env, free_port, run_cli, run_cli_output, ServerProcess,
};

async fn scalar(db: &Db, sql: &'static str, email: &str) -> i64 {
    domain::on_db!(db, p => sqlx::query_scalar(sql).bind(email).fetch_one(p).await).unwrap()
}

/// Four API clients create invites as fast as the server answers; `backup --to` runs in the
/// middle. The copy passes `PRAGMA integrity_check` and, restored into a new installation,
/// holds every invite answered 201 before the backup started, each with its email job and
/// audit row. `restore` refuses while the server runs; with it stopped, it puts the copy in
/// place and keeps the database it replaced.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_backup_during_a_create_load_restores_whole_with_every_invite_acknowledged_before_it() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/vestibule.db", dir.path().display());
    let env = env(
        &url,
        dir.path(),
        free_port(),
        &[
            ("VESTIBULE_INVITES_PER_MINUTE", "0"),
            ("VESTIBULE_API_REQUESTS_PER_MINUTE", "0"),
        ],
    );
    cli_bootstrap_link(&env);
    let key = cli_api_key(&env, "load", "invitations:write");
    let mut server = ServerProcess::start(&env, &dir.path().join("server.log")).await;

    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let running = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let clients: Vec<_> = (0..4)
        .map(|c| {
            let url = format!("{}/api/v1/invitations", server.base);
            let (key, acknowledged, running) = (key.clone(), acknowledged.clone(), running.clone());
            tokio::spawn(async move {
                let http = reqwest::Client::new();
                let mut i = 0;
                while running.load(std::sync::atomic::Ordering::SeqCst) {
                    let email = format!("b{c}-{i}@example.com");
                    i += 1;
                    let r = http
                        .post(&url)
                        .bearer_auth(&key)
                        .json(&json!({"email": email, "role": "analyst"}))
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(
                        r.status(),
                        StatusCode::CREATED,
                        "{}",
                        r.text().await.unwrap()
                    );
                    acknowledged.lock().unwrap().push(email);
                }
            })
        })
        .collect();
    while acknowledged.lock().unwrap().len() < 200 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let before: HashSet<String> = acknowledged.lock().unwrap().iter().cloned().collect();
    let copy = dir.path().join("copy.db");
    let said = run_cli(&env, &["backup", "--to", copy.to_str().unwrap()]);
    assert!(
        said.contains("integrity check") && said.contains("server key"),
        "{said}"
    );
    // The load went on during the backup.
    tokio::time::sleep(Duration::from_millis(300)).await;
    running.store(false, std::sync::atomic::Ordering::SeqCst);
    for c in clients {
        c.await.unwrap();
    }
    let after = acknowledged.lock().unwrap().len();
    assert!(after > before.len(), "creates went on around the backup");

    // A second backup to the same file is refused; nothing is overwritten.
    let out = run_cli_output(&env, &["backup", "--to", copy.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("already exists"));

    // Restore under the running server: refused, and the database is untouched.
    let out = run_cli_output(&env, &["restore", "--from", copy.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("in use by a running Vestibule"), "{err}");
    server.stop();

    // Into a new installation: whole, and everything acknowledged before the backup is there.
    let elsewhere = tempfile::tempdir().unwrap();
    let new_url = format!("sqlite://{}/restored.db", elsewhere.path().display());
    let new_env = crate::common::process::env(&new_url, elsewhere.path(), free_port(), &[]);
    let said = run_cli(&new_env, &["restore", "--from", copy.to_str().unwrap()]);
    assert!(said.contains("Restored"), "{said}");
    let restored = Db::connect(&new_url).await.unwrap();
    let check: String = domain::on_db!(&restored, p => sqlx::query_scalar("PRAGMA integrity_check").fetch_one(p).await).unwrap();
    assert_eq!(check, "ok");
    for email in &before {
        assert_eq!(
            scalar(
                &restored,
                "SELECT COUNT(*) FROM invites WHERE email = $1",
                email
            )
            .await,
            1,
            "{email}"
        );
        assert_eq!(
            scalar(
                &restored,
                "SELECT COUNT(*) FROM outbox WHERE recipient = $1",
                email
            )
            .await,
            1,
            "{email}'s email job"
        );
        assert_eq!(
            scalar(
                &restored,
                "SELECT COUNT(*) FROM audit_log WHERE action = 'invite.created' AND subject = $1",
                email
            )
            .await,
            1,
            "{email}'s audit row"
        );
    }
    restored.close().await;

    // Over the original, with the server stopped: the one it replaced is kept beside it.
    let said = run_cli(&env, &["restore", "--from", copy.to_str().unwrap()]);
    let kept = dir
        .path()
        .read_dir()
        .unwrap()
        .filter_map(|e| e.ok())
        .find(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("vestibule.db.before-restore-")
        })
        .expect("the replaced database is kept");
    assert!(
        said.contains(&kept.file_name().to_string_lossy().to_string()),
        "{said}"
    );
    let replaced = Db::connect(&format!("sqlite://{}", kept.path().display()))
        .await
        .unwrap();
    let all: i64 = domain::on_db!(&replaced, p => sqlx::query_scalar("SELECT COUNT(*) FROM invites").fetch_one(p).await).unwrap();
    assert_eq!(
        all as usize, after,
        "the replaced database holds every invite it had"
    );
    replaced.close().await;
    let server = ServerProcess::start(&env, &dir.path().join("server.log")).await;
    assert_eq!(
        reqwest::get(format!("{}/readyz", server.base))
            .await
            .unwrap()
            .status(),
        200
    );
}

/// What the commands refuse, each with a message that says what to do instead.
#[tokio::test]
async fn backup_and_restore_refuse_what_they_cannot_do_and_say_why() {
    let dir = tempfile::tempdir().unwrap();
    let pg = env(
        "postgres://nobody@127.0.0.1:1/none",
        dir.path(),
        free_port(),
        &[],
    );
    let out = run_cli_output(&pg, &["backup", "--to", "/tmp/x.db"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("pg_dump"));

    let url = format!("sqlite://{}/vestibule.db", dir.path().display());
    let env = env(&url, dir.path(), free_port(), &[]);
    run_cli(&env, &["migrate"]);
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, b"this is not a database").unwrap();
    let out = run_cli_output(&env, &["restore", "--from", junk.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not a usable Vestibule backup"), "{err}");
    // An SQLite file that Vestibule never made.
    let other = dir.path().join("other.db");
    let db = Db::connect(&format!("sqlite://{}", other.display()))
        .await
        .unwrap();
    db.close().await;
    let out = run_cli_output(&env, &["restore", "--from", other.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("no Vestibule schema"));
    // A copy made by a newer version (a migration this one does not know).
    let newer = dir.path().join("newer.db");
    run_cli(&env, &["backup", "--to", newer.to_str().unwrap()]);
    let db = Db::connect(&format!("sqlite://{}", newer.display()))
        .await
        .unwrap();
    domain::on_db!(&db, p => sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (99990101000000, 'from the future', TRUE, x'00', 0)"
    ).execute(p).await.map(|_| ()))
    .unwrap();
    db.close().await;
    let out = run_cli_output(&env, &["restore", "--from", newer.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("newer Vestibule"), "{err}");
    // Nothing of it touched the database.
    assert!(!dir.path().read_dir().unwrap().any(|e| e
        .unwrap()
        .file_name()
        .to_string_lossy()
        .contains("before-restore")));
}
