//! The real `vestibule` binary as a child process: for what needs a whole process (its logs,
//! `kill -9`, a restart on the same data).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct ServerProcess {
    pub base: String,
    pub log: PathBuf,
    child: Child,
}

/// A port no other part of this run holds or has been handed, for a child process to bind.
pub fn free_port() -> u16 {
    use std::sync::atomic::{AtomicU32, Ordering};
    // Below Linux's ephemeral range (32768–60999), so neither a `bind(0)` elsewhere in the
    // suite nor an outgoing connection's source port can take it between this check and the
    // child's bind; and never the same port twice in one run (a receiver once came up on the
    // port just picked for a server, which then answered its health check).
    const FIRST: u32 = 20_000;
    const COUNT: u32 = 12_000;
    static NEXT: AtomicU32 = AtomicU32::new(u32::MAX);
    let _ = NEXT.compare_exchange(
        u32::MAX,
        std::process::id() % COUNT,
        Ordering::SeqCst,
        Ordering::SeqCst,
    );
    for _ in 0..COUNT {
        let port = (FIRST + NEXT.fetch_add(1, Ordering::SeqCst) % COUNT) as u16;
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free port in {FIRST}..{}", FIRST + COUNT)
}

/// The environment every invocation of the binary gets for one installation.
pub fn env(
    database_url: &str,
    dir: &Path,
    port: u16,
    extra: &[(&str, &str)],
) -> Vec<(String, String)> {
    let mut env = vec![
        ("VESTIBULE_DATABASE_URL".to_owned(), database_url.to_owned()),
        (
            "VESTIBULE_PUBLIC_URL".into(),
            format!("http://127.0.0.1:{port}"),
        ),
        ("VESTIBULE_LISTEN".into(), format!("127.0.0.1:{port}")),
        ("VESTIBULE_DATA_DIR".into(), dir.display().to_string()),
        (
            "VESTIBULE_SITE_ROOT".into(),
            dir.join("site").display().to_string(),
        ),
        ("VESTIBULE_MAIL_TRANSPORT".into(), "file".into()),
    ];
    env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    env
}

/// Runs a CLI subcommand to completion; returns its stdout.
pub fn run_cli(env: &[(String, String)], args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_vestibule"))
        .args(args)
        .envs(env.iter().cloned())
        .output()
        .expect("the vestibule binary runs");
    assert!(
        out.status.success(),
        "vestibule {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// `vestibule api-key create` with `scopes` (comma-separated); the key it printed once.
pub fn cli_api_key(env: &[(String, String)], name: &str, scopes: &str) -> String {
    run_cli(
        env,
        &["api-key", "create", "--name", name, "--scopes", scopes],
    )
    .split_whitespace()
    .find(|w| w.starts_with("vsk_"))
    .expect("the key is printed")
    .to_owned()
}

/// `vestibule admin bootstrap` for `super::ADMIN_EMAIL`; the set-password link it printed.
pub fn cli_bootstrap_link(env: &[(String, String)]) -> String {
    run_cli(env, &["admin", "bootstrap", "--email", super::ADMIN_EMAIL])
        .split_whitespace()
        .find(|w| w.contains("/set-password/"))
        .expect("bootstrap prints the link")
        .to_owned()
}

/// The admin's browser at `base` (a real server): sets the password with the bootstrap
/// `link`'s token and signs in.
pub async fn signed_in_admin_at(base: &str, link: &str) -> reqwest::Client {
    let token = link.rsplit('/').next().unwrap();
    let admin = super::client(base);
    let pw = super::ADMIN_PASSWORD;
    let r = admin
        .post(format!("{base}/api/set_password"))
        .form(&[("token", token), ("password", pw), ("confirm", pw)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::OK);
    let r = admin
        .post(format!("{base}/api/sign_in"))
        .form(&[("email", super::ADMIN_EMAIL), ("password", pw)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::OK);
    admin
}

/// Runs a CLI subcommand to completion, whatever its outcome.
pub fn run_cli_output(env: &[(String, String)], args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_vestibule"))
        .args(args)
        .envs(env.iter().cloned())
        .output()
        .expect("the vestibule binary runs")
}

impl ServerProcess {
    /// Starts `vestibule serve`, its stdout and stderr appended to `log`, and waits until
    /// /healthz answers.
    pub async fn start(env: &[(String, String)], log: &Path) -> ServerProcess {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_vestibule"))
            .arg("serve")
            .envs(env.iter().cloned())
            .stdout(Stdio::from(file.try_clone().unwrap()))
            .stderr(Stdio::from(file))
            .spawn()
            .expect("the vestibule binary starts");
        let listen = &env.iter().find(|(k, _)| k == "VESTIBULE_LISTEN").unwrap().1;
        let base = format!("http://{listen}");
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                panic!(
                    "the server exited ({status}): {}",
                    std::fs::read_to_string(log).unwrap_or_default()
                );
            }
            if let Ok(r) = reqwest::get(format!("{base}/healthz")).await {
                if r.status().is_success() {
                    break;
                }
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the server did not start: {}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        ServerProcess {
            base,
            log: log.to_owned(),
            child,
        }
    }

    /// SIGKILL: no shutdown code runs, as in a power cut or an OOM kill.
    pub fn kill_hard(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, then waits for the process to finish its graceful shutdown.
    pub fn stop(&mut self) {
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGTERM, then waits at most `limit` for the process to end; its exit status.
    pub async fn stop_within(&mut self, limit: Duration) -> std::process::ExitStatus {
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                started.elapsed() < limit,
                "the server did not stop within {limit:?} of SIGTERM: {}",
                self.log_text()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill_hard();
    }
}
