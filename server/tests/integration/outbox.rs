//! The outbox under stress: several servers sending from one database.

use crate::common;

use std::collections::HashMap;

use common::{Backend, TestApp};

/// Every email `app` wrote: (recipient, Message-ID).
fn sent(app: &TestApp) -> Vec<(String, String)> {
    common::mail_headers(&app.mail_dir())
}

async fn two_servers_draining_one_outbox_send_each_email_once(backend: Backend) {
    assert_eq!(
        backend,
        Backend::Postgres,
        "several servers need PostgreSQL"
    );
    let a = TestApp::builder()
        .backend(backend)
        .mail_files()
        .start()
        .await;
    let b = TestApp::builder().peer_of(&a).mail_files().start().await;
    a.signed_in_admin().await;
    let csv: String = (0..200)
        .map(|i| format!("crowd{i}@example.com,analyst\n"))
        .collect();
    let job = common::job_of(a.start_bulk(&csv, &[("expiry_hours", "24")]).await).await;
    let progress = a.finish_bulk_job(&job).await;
    assert_eq!(progress.created, 200, "{progress:?}");
    // Both servers' workers run on their own; drive both harder at the same time as well.
    tokio::join!(a.deliver_all(), b.deliver_all());

    let mut all = sent(&a);
    let from_b = sent(&b);
    assert!(
        !from_b.is_empty() && !all.is_empty(),
        "both servers sent some: {} and {}",
        all.len(),
        from_b.len()
    );
    all.extend(from_b);
    let mut per_recipient: HashMap<&str, usize> = HashMap::new();
    for (to, _) in &all {
        *per_recipient.entry(to.as_str()).or_default() += 1;
    }
    assert_eq!(per_recipient.len(), 200, "every invitee got an email");
    let twice: Vec<_> = per_recipient.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "sent twice: {twice:?}");
    let mut ids: Vec<&str> = all.iter().map(|(_, id)| id.as_str()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 200, "one Message-ID per email");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_draining_one_outbox_send_each_email_once_postgres() {
    two_servers_draining_one_outbox_send_each_email_once(Backend::Postgres).await
}
