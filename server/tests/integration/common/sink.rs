//! A real SMTP server that can be told to fail: scripts/smtp_sink.py (aiosmtpd) as a child
//! process. Modes: accept, tempfail (451), reject (550).

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::process::free_port;

pub struct Sink {
    pub port: u16,
    child: Child,
    dir: PathBuf,
    mode_file: PathBuf,
    _tmp: tempfile::TempDir,
}

impl Sink {
    pub async fn start(mode: &str) -> Sink {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("mail");
        let mode_file = tmp.path().join("mode");
        std::fs::write(&mode_file, mode).unwrap();
        let port = free_port();
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/smtp_sink.py");
        let child = Command::new("python3")
            .arg(script)
            .args(["--port", &port.to_string()])
            .arg("--dir")
            .arg(&dir)
            .arg("--mode-file")
            .arg(&mode_file)
            .stdout(Stdio::null())
            .spawn()
            .expect(
                "python3 runs scripts/smtp_sink.py (scripts/bootstrap.sh --test installs aiosmtpd)",
            );
        // Owned by `Sink` at once, so its Drop stops the process on every path.
        let sink = Sink {
            port,
            child,
            dir,
            mode_file,
            _tmp: tmp,
        };
        for _ in 0..200 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return sink;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        drop(sink);
        panic!("the SMTP sink did not start (is aiosmtpd installed?)");
    }

    pub fn set_mode(&self, mode: &str) {
        std::fs::write(&self.mode_file, mode).unwrap();
    }

    /// Every message the sink accepted, its quoted-printable soft breaks undone (so a link
    /// reads whole).
    pub fn texts(&self) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return vec![];
        };
        entries
            .filter_map(|e| e.ok())
            .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
            .filter_map(|e| std::fs::read_to_string(e.path()).ok())
            .map(|m| m.replace("=\r\n", "").replace("=3D", "="))
            .collect()
    }

    /// (recipient, Message-ID) of every message the sink accepted.
    pub fn messages(&self) -> Vec<(String, String)> {
        super::mail_headers(&self.dir)
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
