//! A webhook receiver that verifies signatures with the Standard Webhooks reference library:
//! scripts/webhook_receiver.py as a child process. Modes: ok, fail, gone, redirect, slow.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde::Deserialize;

use super::process::free_port;

/// One request the receiver got.
#[derive(Clone, Debug, Deserialize)]
pub struct Received {
    pub id: String,
    pub timestamp: String,
    pub signatures: usize,
    #[serde(rename = "type")]
    pub event_type: Option<String>,
    pub body: String,
    pub verified: bool,
    pub tampered_rejected: bool,
    pub answered: u16,
}

impl Received {
    pub fn data(&self) -> serde_json::Value {
        serde_json::from_str::<serde_json::Value>(&self.body).unwrap()["data"].clone()
    }
}

pub struct Receiver {
    pub port: u16,
    child: Child,
    dir: PathBuf,
    _tmp: tempfile::TempDir,
}

impl Receiver {
    pub async fn start() -> Receiver {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_owned();
        let port = free_port();
        let script = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../scripts/webhook_receiver.py"
        );
        let child = Command::new("python3")
            .arg(script)
            .args(["--port", &port.to_string()])
            .arg("--dir")
            .arg(&dir)
            .stdout(Stdio::null())
            .spawn()
            .expect("python3 runs scripts/webhook_receiver.py (scripts/bootstrap.sh --test installs standardwebhooks)");
        let receiver = Receiver {
            port,
            child,
            dir,
            _tmp: tmp,
        };
        // Python and the library take a moment to load, longer on a busy machine.
        for _ in 0..600 {
            if reqwest::get(receiver.url("/ready")).await.is_ok() {
                return receiver;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        drop(receiver);
        panic!("the webhook receiver did not start (is standardwebhooks installed?)");
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn set_secrets(&self, secrets: &[&str]) {
        std::fs::write(self.dir.join("secrets"), secrets.join("\n")).unwrap();
    }

    /// The secrets the receiver verifies with.
    pub fn secrets(&self) -> Vec<String> {
        std::fs::read_to_string(self.dir.join("secrets"))
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    pub fn set_mode(&self, mode: &str) {
        std::fs::write(self.dir.join("mode"), mode).unwrap();
    }

    /// Every request so far, in arrival order.
    pub fn received(&self) -> Vec<Received> {
        read_lines(&self.dir.join("received.jsonl"))
    }

    /// The ids of requests that have started arriving (before a slow answer).
    pub fn started(&self) -> Vec<String> {
        read_lines::<serde_json::Value>(&self.dir.join("started.jsonl"))
            .into_iter()
            .map(|v| v["id"].as_str().unwrap_or_default().to_owned())
            .collect()
    }

    /// Requests answered 2xx: what the receiver accepted.
    pub fn accepted(&self) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|r| (200..300).contains(&r.answered))
            .collect()
    }
}

fn read_lines<T: serde::de::DeserializeOwned>(path: &std::path::Path) -> Vec<T> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
