//! The README's deployment, run: nginx terminating TLS in front of several servers on one
//! PostgreSQL (`common::deployment`, from the files in `deploy/`). What an operator needs to
//! hold: the whole invite journey over https with live updates through the proxy, the
//! client's address in the audit log, a rolling restart that nobody notices, and metrics a
//! Prometheus parser reads.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use domain::store::Db;
use reqwest::StatusCode;
use serde_json::json;

use crate::common::deployment::{unit_settings, Deployment, CLIENT_IP};
use crate::common::process::{cli_api_key, cli_bootstrap_link, run_cli};
use crate::common::{link_token_in, ADMIN_EMAIL, ADMIN_PASSWORD};

/// The Send invite form's post, as the panel sends it.
async fn create_invite(browser: &reqwest::Client, url: String, email: &str) -> reqwest::Response {
    browser
        .post(url)
        .form(&[
            ("email", email),
            ("role_id", "analyst"),
            ("expiry_hours", "168"),
            ("message", ""),
        ])
        .send()
        .await
        .unwrap()
}

/// The accept form's post, as the invitee sends it; `forwarded` is what the browser claims
/// in X-Forwarded-For, if anything.
async fn accept(
    browser: &reqwest::Client,
    url: String,
    token: &str,
    forwarded: Option<&str>,
) -> reqwest::Response {
    let mut request = browser.post(url).form(&[
        ("token", token),
        ("name", "Casey Contractor"),
        ("password", "a good long password"),
        ("confirm", "a good long password"),
    ]);
    if let Some(f) = forwarded {
        request = request.header("x-forwarded-for", f);
    }
    request.send().await.unwrap()
}

/// Bootstraps the admin with the CLI (its link is on the public https URL), sets the
/// password and signs in, all through nginx. The admin's browser.
async fn signed_in_admin(d: &Deployment) -> reqwest::Client {
    let link = cli_bootstrap_link(&d.envs[0]);
    let link = link.as_str();
    assert!(
        link.starts_with(&format!("{}/set-password/", d.public)),
        "{link}"
    );
    let token = link.rsplit('/').next().unwrap();
    let browser = d.browser();
    let pw = ADMIN_PASSWORD;
    let r = browser
        .post(d.url("/api/set_password"))
        .form(&[("token", token), ("password", pw), ("confirm", pw)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let r = browser
        .post(d.url("/api/sign_in"))
        .form(&[("email", ADMIN_EMAIL), ("password", pw)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("vestibule_session="))
        .expect("a session cookie");
    assert!(
        cookie.contains("Secure"),
        "on https the cookie is Secure: {cookie}"
    );
    assert!(
        r.headers().contains_key("strict-transport-security"),
        "on https the answer carries HSTS"
    );
    browser
}

/// A page's live-update stream as a browser's EventSource keeps it: read to its end, then
/// reconnect after the server's retry hint. Counts its connections and keeps what came.
#[derive(Clone, Default)]
struct LiveStream {
    text: Arc<Mutex<String>>,
    connections: Arc<Mutex<usize>>,
}

impl LiveStream {
    fn follow(
        d: &Deployment,
        browser: reqwest::Client,
    ) -> (LiveStream, tokio::task::JoinHandle<()>) {
        let live = LiveStream::default();
        let url = d.url("/events");
        let task = tokio::spawn({
            let live = live.clone();
            async move {
                loop {
                    if let Ok(mut r) = browser.get(&url).send().await {
                        if r.status() == StatusCode::OK {
                            *live.connections.lock().unwrap() += 1;
                            while let Ok(Some(chunk)) = r.chunk().await {
                                live.text
                                    .lock()
                                    .unwrap()
                                    .push_str(&String::from_utf8_lossy(&chunk));
                            }
                        }
                    }
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        });
        (live, task)
    }

    fn connections(&self) -> usize {
        *self.connections.lock().unwrap()
    }

    /// Waits until the stream has carried `what` after byte `from`.
    async fn wait_for(&self, from: usize, what: &str) {
        let started = Instant::now();
        while !self.text.lock().unwrap()[from..].contains(what) {
            assert!(
                started.elapsed() < Duration::from_secs(15),
                "the live stream never said {what:?}: {}",
                self.text.lock().unwrap()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn len(&self) -> usize {
        self.text.lock().unwrap().len()
    }
}

async fn wait_for_mail_to(d: &Deployment, to: &str) -> String {
    let started = Instant::now();
    loop {
        if let Some(m) = d
            .mails()
            .into_iter()
            .find(|m| m.contains(&format!("To: {to}")))
        {
            return m;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no email to {to}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn audit_ips(db: &Db, action: &str) -> Vec<String> {
    domain::on_db!(db, p => sqlx::query_scalar::<_, Option<String>>(
        "SELECT ip FROM audit_log WHERE action = $1 ORDER BY at"
    )
    .bind(action)
    .fetch_all(p)
    .await)
    .unwrap()
    .into_iter()
    .flatten()
    .collect()
}

/// Sign in, invite, open the emailed link, accept: all through nginx over https, with the
/// admin's page told live through the proxy (its stream on one server, the accept possibly
/// on the other). The audit log has the browser's address, taken from nginx's
/// X-Forwarded-For, never the proxy's and never what a client claims; sent straight to a
/// server, the header counts for nothing. The request id joins nginx's log and the server's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn through_nginx_over_https_an_invite_is_sent_opened_and_accepted_live_with_the_clients_ip() {
    let d = Deployment::start(2, &[]).await;
    let admin = signed_in_admin(&d).await;
    let (live, follower) = LiveStream::follow(&d, admin.clone());
    while live.connections() == 0 {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let r = create_invite(
        &admin,
        d.url("/api/create_invite"),
        "contractor@example.com",
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let request_id = r.headers()["x-request-id"].to_str().unwrap().to_owned();
    let mail = wait_for_mail_to(&d, "contractor@example.com").await;
    let token = link_token_in(&mail, &format!("{}/invite/", d.public));

    // The invitee's browser claims another address; nginx appends the one it saw.
    let invitee = d.browser();
    let r = invitee
        .get(d.url(&format!("/invite/{token}")))
        .header("x-forwarded-for", "203.0.113.9")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let seen = live.len();
    let r = accept(
        &invitee,
        d.url("/api/accept_invite"),
        &token,
        Some("203.0.113.9"),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    live.wait_for(seen, "accepted").await;

    let db = Db::connect(&d.database_url).await.unwrap();
    for action in [
        "auth.sign_in",
        "invite.created",
        "invite.opened",
        "invite.accepted",
    ] {
        assert_eq!(
            audit_ips(&db, action).await,
            vec![CLIENT_IP.to_owned()],
            "{action}"
        );
    }
    // Straight to a server, from an address that is not a trusted proxy: the header is
    // ignored and the peer's address recorded.
    let direct = reqwest::Client::builder()
        .local_address(CLIENT_IP.parse::<std::net::IpAddr>().unwrap())
        .build()
        .unwrap();
    let r = direct
        .post(format!("{}/api/sign_in", d.servers[1].base))
        .header("origin", &d.public)
        .header("x-forwarded-for", "203.0.113.9")
        .form(&[("email", ADMIN_EMAIL), ("password", "not the password")])
        .send()
        .await
        .unwrap();
    assert_ne!(r.status(), StatusCode::OK);
    assert_eq!(
        audit_ips(&db, "auth.sign_in_failed").await,
        vec![CLIENT_IP.to_owned()]
    );
    db.close().await;

    // nginx made the id; its log and one server's JSON log both carry it.
    assert_eq!(request_id.len(), 32, "nginx's $request_id: {request_id}");
    assert!(
        d.nginx
            .access_log_text()
            .contains(&format!("request_id={request_id}")),
        "{}",
        d.nginx.access_log_text()
    );
    let logged = d.servers.iter().find_map(|s| {
        s.log_text()
            .lines()
            .find(|l| l.contains(&format!("\"request_id\":\"{request_id}\"")))
            .map(str::to_owned)
    });
    let line = logged.expect("a server logged the request under nginx's id");
    let line: serde_json::Value = serde_json::from_str(&line).expect("a JSON log line");
    assert_eq!(line["fields"]["route"], "/api/create_invite");
    follower.abort();
}

/// The systemd unit starts what the test starts, stops with SIGTERM and waits longer than
/// the drain and the grace together; `systemd-analyze verify` finds nothing to say of it.
#[test]
fn the_systemd_unit_is_valid_and_waits_out_the_drain_and_the_grace() {
    let unit = unit_settings();
    let get = |k: &str| {
        unit.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("no {k}"))
    };
    assert_eq!(get("KillSignal"), "SIGTERM");
    let env = crate::common::deployment::environment_file(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../deploy/systemd/vestibule.env"
    )));
    let secs = |k: &str| -> u64 {
        env.iter()
            .find(|(key, _)| key == k)
            .unwrap_or_else(|| panic!("vestibule.env has no {k}"))
            .1
            .parse()
            .unwrap()
    };
    let stop: u64 = get("TimeoutStopSec").parse().unwrap();
    assert!(
        stop > secs("VESTIBULE_SHUTDOWN_DRAIN_SECS") + secs("VESTIBULE_SHUTDOWN_GRACE_SECS"),
        "TimeoutStopSec {stop} must exceed the drain and the grace"
    );
    for (k, v) in [
        ("VESTIBULE_TRUSTED_PROXIES", "127.0.0.1"),
        ("VESTIBULE_LOG_FORMAT", "json"),
    ] {
        assert!(
            env.contains(&(k.to_owned(), v.to_owned())),
            "vestibule.env: {k}={v}"
        );
    }
    // verify wants the binary where ExecStart says: the copy names this build's instead.
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../deploy/systemd/vestibule@.service"
    ))
    .unwrap()
    .replace("/usr/local/bin/vestibule", env!("CARGO_BIN_EXE_vestibule"));
    std::fs::write(dir.path().join("vestibule@.service"), text).unwrap();
    let out = std::process::Command::new("systemd-analyze")
        .arg("verify")
        .arg(dir.path().join("vestibule@1.service"))
        .output()
        .expect("systemd-analyze runs (scripts/bootstrap.sh --test installs systemd)");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success() && said.trim().is_empty(), "{said}");
}

/// What the load saw: every answer's status, by kind.
#[derive(Default)]
struct Seen {
    created: Vec<String>,
    failures: Vec<String>,
    pages: usize,
}

/// Creates (through the API) and page loads (the signed-in invites list) through nginx while
/// each server is stopped with SIGTERM and started again in turn: no request fails, each
/// invite's email reaches the SMTP sink exactly once, and the live stream reconnects and
/// goes on telling.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_rolling_restart_under_load_fails_no_request_and_loses_or_repeats_no_email() {
    let mut d = Deployment::start(
        2,
        &[
            ("VESTIBULE_INVITES_PER_MINUTE", "0"),
            ("VESTIBULE_API_REQUESTS_PER_MINUTE", "0"),
        ],
    )
    .await;
    let admin = signed_in_admin(&d).await;
    let key = cli_api_key(&d.envs[0], "load", "invitations:write");
    let (live, follower) = LiveStream::follow(&d, admin.clone());
    while live.connections() == 0 {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let seen = Arc::new(Mutex::new(Seen::default()));
    let running = Arc::new(std::sync::atomic::AtomicBool::new(true));
    const MAX_REQUESTS_EACH: usize = 80;
    let workers: Vec<_> = (0..3)
        .map(|w| {
            let (api, admin) = (d.browser(), admin.clone());
            let (key, seen, running) = (key.clone(), seen.clone(), running.clone());
            let (invitations, page) = (d.url("/api/v1/invitations"), d.url("/invites"));
            tokio::spawn(async move {
                for i in 0..MAX_REQUESTS_EACH {
                    if !running.load(std::sync::atomic::Ordering::SeqCst) {
                        break;
                    }
                    let email = format!("roll{w}-{i}@example.com");
                    let r = api
                        .post(&invitations)
                        .bearer_auth(&key)
                        .json(&json!({"email": email, "role": "analyst"}))
                        .send()
                        .await;
                    match r {
                        Ok(r) if r.status() == StatusCode::CREATED => {
                            seen.lock().unwrap().created.push(email)
                        }
                        Ok(r) => {
                            let status = r.status();
                            let body = r.text().await.unwrap_or_default();
                            seen.lock()
                                .unwrap()
                                .failures
                                .push(format!("create {email}: {status} {body}"))
                        }
                        Err(e) => seen
                            .lock()
                            .unwrap()
                            .failures
                            .push(format!("create {email}: {e}")),
                    }
                    let r = admin.get(&page).header("accept", "text/html").send().await;
                    match r {
                        Ok(r) if r.status() == StatusCode::OK => seen.lock().unwrap().pages += 1,
                        Ok(r) => seen
                            .lock()
                            .unwrap()
                            .failures
                            .push(format!("page: {}", r.status())),
                        Err(e) => seen.lock().unwrap().failures.push(format!("page: {e}")),
                    }
                    tokio::time::sleep(Duration::from_millis(40)).await;
                }
            })
        })
        .collect();

    tokio::time::sleep(Duration::from_secs(1)).await;
    for i in 0..d.servers.len() {
        let status = d.servers[i].stop_within(Duration::from_secs(30)).await;
        assert!(
            status.success(),
            "server {i} stopped with {status}: {}",
            d.servers[i].log_text()
        );
        let log = d.servers[i].log_text();
        assert!(log.contains("draining"), "server {i} drained: {log}");
        let server = d.start_server(i).await;
        d.servers[i] = server;
        // As the README's procedure says: ready, then nginx's fail_timeout (2 s) and a bit,
        // so nginx sends it requests again before the next server stops.
        tokio::time::sleep(Duration::from_secs(3)).await;
    }
    running.store(false, std::sync::atomic::Ordering::SeqCst);
    for w in workers {
        w.await.unwrap();
    }
    let seen = std::mem::take(&mut *seen.lock().unwrap());
    assert!(
        seen.failures.is_empty(),
        "failed requests: {:#?}\nnginx said:\n{}",
        seen.failures,
        std::fs::read_to_string(&d.nginx.error_log)
            .unwrap_or_default()
            .lines()
            .filter(|l| !l.contains("[info]"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(
        seen.created.len() >= 60 && seen.pages == seen.created.len(),
        "{} created, {} pages",
        seen.created.len(),
        seen.pages
    );

    // Every invite's email, once. (The sink may still be receiving the last ones.)
    let started = Instant::now();
    let by_recipient = loop {
        let mut by: HashMap<String, usize> = HashMap::new();
        for m in d.mails() {
            if let Some(to) = m.lines().find_map(|l| l.strip_prefix("To: ")) {
                *by.entry(to.trim().to_owned()).or_default() += 1;
            }
        }
        let arrived = seen.created.iter().filter(|e| by.contains_key(*e)).count();
        if arrived == seen.created.len() {
            tokio::time::sleep(Duration::from_secs(2)).await;
            break by;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{arrived} of {} emails arrived",
            seen.created.len()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let repeated: Vec<_> = by_recipient.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        repeated.is_empty(),
        "emails sent more than once: {repeated:?}"
    );

    // The stream came back after each restart that ended it, and still tells.
    assert!(
        live.connections() >= 2,
        "{} connections",
        live.connections()
    );
    let from = live.len();
    let r = d
        .browser()
        .post(d.url("/api/v1/invitations"))
        .bearer_auth(&key)
        .json(&json!({"email": "after@example.com", "role": "analyst"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    live.wait_for(from, "created").await;
    follower.abort();
}

/// One sample of a metric, as Python's prometheus_client parsed it.
#[derive(serde::Deserialize, Debug)]
struct Sample {
    name: String,
    labels: HashMap<String, String>,
    value: f64,
}

/// Parses an exposition with the Prometheus project's Python parser (OpenMetrics), which
/// fails on anything malformed.
fn parse_metrics(text: &str) -> Vec<Sample> {
    use std::io::Write;
    let script = "import sys, json\n\
        from prometheus_client.openmetrics.parser import text_string_to_metric_families\n\
        out = []\n\
        for f in text_string_to_metric_families(sys.stdin.read()):\n\
        \x20   for s in f.samples:\n\
        \x20       out.append({'name': s.name, 'labels': s.labels, 'value': s.value})\n\
        print(json.dumps(out))\n";
    let mut child = std::process::Command::new("python3")
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python3 runs (scripts/bootstrap.sh --test installs prometheus_client)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "prometheus_client refused the exposition: {}\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> f64 {
    samples
        .iter()
        .filter(|s| {
            s.name == name
                && labels
                    .iter()
                    .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
        })
        .map(|s| s.value)
        .sum()
}

/// `/metrics` on a server: only with the token, never through nginx; the Prometheus parser
/// reads it; its counters move as the server works (requests by route, invites created and
/// accepted, emails sent, rate-limit refusals) and its gauges say what is open and queued.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_parse_as_prometheus_text_and_move_as_the_server_works() {
    let d = Deployment::start(1, &[("VESTIBULE_ALLOW_LOOPBACK_WEBHOOKS", "true")]).await;
    let scrape_url = format!("{}/metrics", d.servers[0].base);
    let scrape = || async {
        let r = reqwest::Client::new()
            .get(&scrape_url)
            .bearer_auth(&d.metrics_token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        parse_metrics(&r.text().await.unwrap())
    };
    let r = reqwest::get(&scrape_url).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "no token, no metrics");
    let r = d.browser().get(d.url("/metrics")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND, "not through the proxy");

    let admin = signed_in_admin(&d).await;
    let receiver = crate::common::receiver::Receiver::start().await;
    let key = cli_api_key(&d.envs[0], "hooks", "webhooks:manage");
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/webhooks", d.servers[0].base))
        .bearer_auth(&key)
        .json(&json!({"url": receiver.url("/hook"), "event_types": ["invitation.created"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let hook: serde_json::Value = r.json().await.unwrap();
    receiver.set_secrets(&[hook["secret"].as_str().unwrap()]);

    let before = scrape().await;
    let (live, follower) = LiveStream::follow(&d, admin.clone());
    while live.connections() == 0 {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let r = create_invite(&admin, d.url("/api/create_invite"), "metered@example.com").await;
    assert_eq!(r.status(), StatusCode::OK);
    let mail = wait_for_mail_to(&d, "metered@example.com").await;
    let token = link_token_in(&mail, &format!("{}/invite/", d.public));
    let r = d
        .browser()
        .get(d.url(&format!("/invite/{token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = accept(&d.browser(), d.url("/api/accept_invite"), &token, None).await;
    assert_eq!(r.status(), StatusCode::OK);
    // Six wrong passwords for one account: the sixth is refused by the limit.
    for _ in 0..6 {
        d.browser()
            .post(d.url("/api/sign_in"))
            .form(&[
                ("email", "metered@example.com"),
                ("password", "wrong wrong wrong"),
            ])
            .send()
            .await
            .unwrap();
    }
    let started = Instant::now();
    while receiver.accepted().is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no webhook arrived"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let after = scrape().await;
    let moved = |name: &str, labels: &[(&str, &str)]| {
        value(&after, name, labels) - value(&before, name, labels)
    };
    assert_eq!(
        moved("vestibule_invite_changes_total", &[("change", "created")]),
        1.0
    );
    assert_eq!(
        moved("vestibule_invite_changes_total", &[("change", "accepted")]),
        1.0
    );
    assert_eq!(moved("vestibule_emails_total", &[("outcome", "sent")]), 1.0);
    assert_eq!(
        moved(
            "vestibule_webhook_deliveries_total",
            &[("outcome", "delivered")]
        ),
        1.0
    );
    assert!(
        moved(
            "vestibule_rate_limit_refusals_total",
            &[("limit", "sign_in_account")]
        ) >= 1.0
    );
    assert_eq!(
        moved(
            "vestibule_http_requests_total",
            &[
                ("route", "/api/create_invite"),
                ("method", "POST"),
                ("status", "200")
            ]
        ),
        1.0
    );
    assert_eq!(
        moved(
            "vestibule_http_request_duration_seconds_count",
            &[("route", "/invite/{token}"), ("method", "GET")]
        ),
        1.0,
        "requests are counted by their route's pattern"
    );
    assert!(
        !after
            .iter()
            .any(|s| s.labels.values().any(|v| v.contains(&token))),
        "no label holds a link's token"
    );
    assert_eq!(value(&after, "vestibule_live_streams_open", &[]), 1.0);
    assert_eq!(
        value(&after, "vestibule_queue_jobs", &[("queue", "email")]),
        0.0
    );
    assert!(after
        .iter()
        .any(|s| s.name == "vestibule_queue_oldest_job_age_seconds"
            && s.labels.get("queue").map(String::as_str) == Some("webhook")));
    follower.abort();
}

/// SIGTERM, seen from outside one server: at once /readyz says "stopping" (503) while
/// /healthz still answers; a new request is refused 503 with nothing done, a Retry-After and
/// the connection closed; an open live stream gets the goodbye (retry in 1 s) and ends; after
/// the drain the process exits, cleanly, well within the grace.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_makes_a_server_unready_refuse_new_work_end_its_streams_and_exit() {
    use crate::common::process::{env, free_port, ServerProcess};
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/vestibule.db", dir.path().display());
    let env = env(
        &db,
        dir.path(),
        free_port(),
        &[("VESTIBULE_SHUTDOWN_DRAIN_SECS", "2")],
    );
    let link = cli_bootstrap_link(&env);
    let mut server = ServerProcess::start(&env, &dir.path().join("server.log")).await;
    let base = server.base.clone();
    let admin = crate::common::process::signed_in_admin_at(&base, &link).await;
    assert_eq!(
        reqwest::get(format!("{base}/readyz"))
            .await
            .unwrap()
            .status(),
        200
    );
    let mut stream = admin.get(format!("{base}/events")).send().await.unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    assert_eq!(stream.headers()["x-accel-buffering"], "no");
    let hello = stream.chunk().await.unwrap().unwrap();
    assert!(String::from_utf8_lossy(&hello).contains("retry:"));

    let stopped_at = Instant::now();
    let pid = server.pid();
    std::process::Command::new("kill")
        .arg(pid.to_string())
        .status()
        .unwrap();
    let mut goodbye = String::new();
    while let Ok(Some(chunk)) = stream.chunk().await {
        goodbye.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(
        goodbye.contains("server stopping: reconnect") && goodbye.contains("retry: 1000"),
        "{goodbye:?}"
    );
    assert!(
        stopped_at.elapsed() < Duration::from_secs(2),
        "the stream ended at once"
    );

    let r = reqwest::get(format!("{base}/readyz")).await.unwrap();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.text().await.unwrap(), "stopping");
    assert_eq!(
        reqwest::get(format!("{base}/healthz"))
            .await
            .unwrap()
            .status(),
        200
    );
    let r = create_invite(
        &admin,
        format!("{base}/api/create_invite"),
        "late@example.com",
    )
    .await;
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.headers()["retry-after"], "1");
    assert_eq!(r.headers()["connection"], "close");
    assert!(r.text().await.unwrap().contains("did nothing"));

    let status = server.stop_within(Duration::from_secs(10)).await;
    assert!(status.success(), "{status}: {}", server.log_text());
    let took = stopped_at.elapsed();
    assert!(
        took >= Duration::from_secs(2),
        "the drain lasted its 2 s: {took:?}"
    );
    let db = Db::connect(&db).await.unwrap();
    let late: i64 = domain::on_db!(&db, p => sqlx::query_scalar("SELECT COUNT(*) FROM invites").fetch_one(p).await).unwrap();
    assert_eq!(late, 0, "the refused create did nothing");
}

/// Rolling upgrade, the old server's side: a database that a newer version has migrated
/// further (a migration this version does not know, and what it added) does not stop this
/// version from starting or from being ready; it says so in its log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_older_server_starts_and_is_ready_on_a_database_a_newer_version_migrated() {
    use crate::common::process::{env, free_port, ServerProcess};
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/vestibule.db", dir.path().display());
    let env = env(&url, dir.path(), free_port(), &[]);
    run_cli(&env, &["migrate"]);
    let db = Db::connect(&url).await.unwrap();
    domain::on_db!(&db, p => sqlx::query(
        "CREATE TABLE from_the_next_version (id TEXT PRIMARY KEY)"
    ).execute(p).await.map(|_| ()))
    .unwrap();
    domain::on_db!(&db, p => sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (99990101000000, 'next version', TRUE, x'00', 0)"
    ).execute(p).await.map(|_| ()))
    .unwrap();
    db.close().await;
    drop(db);
    let server = ServerProcess::start(&env, &dir.path().join("server.log")).await;
    let r = reqwest::get(format!("{}/readyz", server.base))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        server.log_text().contains("newer than this server"),
        "{}",
        server.log_text()
    );
}

/// Readiness is about this version's schema: with one of its migrations missing from the
/// database, /readyz answers 503 and names it (and /healthz, "alive", still answers).
#[tokio::test]
async fn readiness_fails_and_names_a_migration_this_version_needs_that_the_database_lacks() {
    let app = crate::common::spawn_app(crate::common::Backend::Sqlite).await;
    let r = reqwest::get(app.url("/readyz")).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.text().await.unwrap(), "ready");
    app.exec("DELETE FROM _sqlx_migrations WHERE version = 19", &[])
        .await;
    let r = reqwest::get(app.url("/readyz")).await.unwrap();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.text().await.unwrap().contains("[19]"));
    assert_eq!(
        reqwest::get(app.url("/healthz")).await.unwrap().status(),
        200
    );
}
