//! The README's deployment, for real: nginx (Debian's) terminating TLS with a certificate
//! made here, in front of two or three `vestibule serve` processes on one PostgreSQL,
//! started from the very files in `deploy/`: the nginx site, the systemd unit's commands and
//! the shared environment file. Only what names this machine is replaced (ports, paths,
//! the database, fresh secrets), and each replacement must find its text, so the files
//! cannot drift from what is tested.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue, ORIGIN};

use super::process::{free_port, run_cli, ServerProcess};
use super::sink::Sink;

const DEPLOY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../deploy");

/// The address the test's "browsers" connect from: not nginx's (127.0.0.1), so the audit
/// log can tell the client from the proxy.
pub const CLIENT_IP: &str = "127.0.0.5";

pub struct Deployment {
    pub dir: tempfile::TempDir,
    pub database_url: String,
    /// https://127.0.0.1:PORT, nginx's TLS side: the servers' VESTIBULE_PUBLIC_URL.
    pub public: String,
    pub metrics_token: String,
    pub sink: Sink,
    pub nginx: Nginx,
    /// Each server's environment, as systemd would give it (shared file, then its own).
    pub envs: Vec<Vec<(String, String)>>,
    pub servers: Vec<ServerProcess>,
    ca_pem: Vec<u8>,
}

fn replace_once(text: &str, from: &str, to: &str, file: &str) -> String {
    assert!(
        text.contains(from),
        "{file} no longer contains {from:?}: update the deployment test with it"
    );
    text.replace(from, to)
}

/// 64 hex characters from the system's random source (two v4 UUIDs: 244 random bits).
fn random_hex() -> String {
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

/// `KEY=VALUE` lines, comments and blanks skipped, as systemd's EnvironmentFile reads them.
pub fn environment_file(path: &Path) -> Vec<(String, String)> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (k, v) = l
                .split_once('=')
                .unwrap_or_else(|| panic!("not KEY=VALUE: {l}"));
            (k.to_owned(), v.to_owned())
        })
        .collect()
}

/// The unit's `Key=value` lines in `[Service]`.
pub fn unit_settings() -> Vec<(String, String)> {
    let unit = std::fs::read_to_string(format!("{DEPLOY}/systemd/vestibule@.service")).unwrap();
    unit.lines()
        .skip_while(|l| l.trim() != "[Service]")
        .skip(1)
        .take_while(|l| !l.starts_with('['))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect()
}

fn set(env: &mut Vec<(String, String)>, key: &str, value: &str) {
    env.retain(|(k, _)| k != key);
    env.push((key.to_owned(), value.to_owned()));
}

impl Deployment {
    /// `servers` servers behind nginx, each migrated and started as the unit does.
    pub async fn start(servers: usize, extra: &[(&str, &str)]) -> Deployment {
        let dir = tempfile::tempdir().unwrap();
        let database_url = super::fresh_database_url(super::Backend::Postgres, dir.path()).await;
        let sink = Sink::start("accept").await;
        let ports: Vec<u16> = (0..servers).map(|_| free_port()).collect();
        let (https, http) = (free_port(), free_port());
        let public = format!("https://127.0.0.1:{https}");
        let ca_pem = make_certificates(dir.path());
        let nginx = Nginx::start(dir.path(), &ports, https, http);
        let secret = random_hex();
        let metrics_token = random_hex();
        let shared = environment_file(&PathBuf::from(format!("{DEPLOY}/systemd/vestibule.env")));
        let envs = ports
            .iter()
            .enumerate()
            .map(|(i, port)| {
                let mut env = shared.clone();
                let data = dir.path().join(format!("server{i}"));
                std::fs::create_dir_all(&data).unwrap();
                // What names this machine; the rest stays as the file says.
                set(&mut env, "VESTIBULE_DATABASE_URL", &database_url);
                set(&mut env, "VESTIBULE_SECRET_KEY", &secret);
                set(&mut env, "VESTIBULE_PUBLIC_URL", &public);
                set(
                    &mut env,
                    "VESTIBULE_SITE_ROOT",
                    &data.join("site").display().to_string(),
                );
                set(&mut env, "VESTIBULE_DATA_DIR", &data.display().to_string());
                set(&mut env, "VESTIBULE_SMTP_HOST", "127.0.0.1");
                set(&mut env, "VESTIBULE_SMTP_PORT", &sink.port.to_string());
                set(&mut env, "VESTIBULE_SMTP_TLS", "none");
                env.retain(|(k, _)| k != "VESTIBULE_SMTP_USER" && k != "VESTIBULE_SMTP_PASSWORD");
                set(&mut env, "VESTIBULE_METRICS_TOKEN", &metrics_token);
                // The instance's own file: /etc/vestibule/N.env.
                set(&mut env, "VESTIBULE_LISTEN", &format!("127.0.0.1:{port}"));
                for (k, v) in extra {
                    set(&mut env, k, v);
                }
                env
            })
            .collect::<Vec<_>>();
        let mut deployment = Deployment {
            dir,
            database_url,
            public,
            metrics_token,
            sink,
            nginx,
            envs,
            servers: Vec::new(),
            ca_pem,
        };
        for i in 0..servers {
            let server = deployment.start_server(i).await;
            deployment.servers.push(server);
        }
        deployment
    }

    /// Server `i` as the unit starts it: `ExecStartPre` (migrate), then `ExecStart` (serve),
    /// ready once /readyz says so.
    pub async fn start_server(&self, i: usize) -> ServerProcess {
        let unit = unit_settings();
        let command = |key: &str| {
            unit.iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.split_whitespace().skip(1).collect::<Vec<_>>().join(" "))
                .unwrap_or_else(|| panic!("the unit has no {key}"))
        };
        run_cli(&self.envs[i], &[command("ExecStartPre").as_str()]);
        assert_eq!(command("ExecStart"), "serve");
        let log = self.dir.path().join(format!("server{i}.log"));
        let server = ServerProcess::start(&self.envs[i], &log).await;
        let ready = format!("{}/readyz", server.base);
        for _ in 0..200 {
            if reqwest::get(&ready).await.is_ok_and(|r| r.status() == 200) {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("server {i} never became ready: {}", server.log_text());
    }

    /// A browser through nginx: https with the test's CA, cookies, our Origin, from
    /// `CLIENT_IP`, no redirects followed.
    pub fn browser(&self) -> reqwest::Client {
        let mut headers = HeaderMap::new();
        headers.insert(ORIGIN, HeaderValue::from_str(&self.public).unwrap());
        reqwest::Client::builder()
            .add_root_certificate(reqwest::Certificate::from_pem(&self.ca_pem).unwrap())
            .cookie_store(true)
            .default_headers(headers)
            .redirect(reqwest::redirect::Policy::none())
            .local_address(CLIENT_IP.parse::<IpAddr>().unwrap())
            .build()
            .unwrap()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.public)
    }

    /// The messages at the SMTP sink, whole.
    pub fn mails(&self) -> Vec<String> {
        self.sink.texts()
    }
}

/// A CA and a certificate for 127.0.0.1 signed by it (made by `openssl`); the CA's PEM.
fn make_certificates(dir: &Path) -> Vec<u8> {
    let run = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .expect("openssl runs (scripts/bootstrap.sh --test installs it)");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    run(&[
        &["req", "-x509"][..],
        &ec,
        &[
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=Vestibule test CA",
        ],
    ]
    .concat());
    run(&[
        &["req"][..],
        &ec,
        &[
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=127.0.0.1",
        ],
    ]
    .concat());
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    run(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "server.ext",
    ]);
    std::fs::read(dir.join("ca.pem")).unwrap()
}

pub struct Nginx {
    child: Child,
    pub access_log: PathBuf,
    pub error_log: PathBuf,
}

impl Nginx {
    /// nginx with `deploy/nginx/vestibule.conf` as its one site.
    fn start(dir: &Path, upstreams: &[u16], https: u16, http: u16) -> Nginx {
        let file = "deploy/nginx/vestibule.conf";
        let mut site = std::fs::read_to_string(format!("{DEPLOY}/nginx/vestibule.conf")).unwrap();
        let listed = ["127.0.0.1:3001", "127.0.0.1:3002"];
        let mut servers = String::new();
        for port in upstreams {
            servers.push_str(&format!(
                "    server 127.0.0.1:{port} max_fails=1 fail_timeout=2s;\n"
            ));
        }
        let block = format!(
            "    server {} max_fails=1 fail_timeout=2s;\n    server {} max_fails=1 fail_timeout=2s;\n",
            listed[0], listed[1]
        );
        let access_log = dir.join("nginx-access.log");
        let error_log = dir.join("nginx-error.log");
        let path = |p: &Path| p.display().to_string();
        for (from, to) in [
            (block, servers),
            (
                "    listen 80;\n".into(),
                format!("    listen 127.0.0.1:{http};\n"),
            ),
            ("    listen [::]:80;\n".into(), String::new()),
            (
                "    listen 443 ssl http2;\n".into(),
                format!("    listen 127.0.0.1:{https} ssl http2;\n"),
            ),
            ("    listen [::]:443 ssl http2;\n".into(), String::new()),
            (
                "/etc/ssl/vestibule/fullchain.pem".into(),
                path(&dir.join("server.pem")),
            ),
            (
                "/etc/ssl/vestibule/privkey.pem".into(),
                path(&dir.join("server.key")),
            ),
            (
                "/var/log/nginx/vestibule.access.log".into(),
                path(&access_log),
            ),
        ] {
            site = replace_once(&site, &from, &to, file);
        }
        let nginx_dir = dir.join("nginx");
        std::fs::create_dir_all(&nginx_dir).unwrap();
        std::fs::write(nginx_dir.join("vestibule.conf"), site).unwrap();
        // Debian's nginx.conf in miniature: the http block that includes the site. As root,
        // the workers stay root (they read and write only this test's files).
        let user = if is_root() { "user root;\n" } else { "" };
        let main = format!(
            "{user}daemon off;\nworker_processes 1;\npid {dir}/nginx.pid;\nerror_log {err} info;\n\
             events {{ worker_connections 1024; }}\n\
             http {{\n  client_body_temp_path {dir}/body;\n  proxy_temp_path {dir}/proxy;\n\
             \x20 fastcgi_temp_path {dir}/fastcgi;\n  uwsgi_temp_path {dir}/uwsgi;\n  scgi_temp_path {dir}/scgi;\n\
             \x20 access_log off;\n  include {dir}/vestibule.conf;\n}}\n",
            dir = nginx_dir.display(),
            err = error_log.display(),
        );
        std::fs::write(nginx_dir.join("nginx.conf"), main).unwrap();
        let child = Command::new(nginx_binary())
            .args(["-e", &error_log.display().to_string()])
            .arg("-p")
            .arg(&nginx_dir)
            .arg("-c")
            .arg(nginx_dir.join("nginx.conf"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nginx runs (scripts/bootstrap.sh --test installs Debian's nginx-light)");
        let nginx = Nginx {
            child,
            access_log,
            error_log,
        };
        for _ in 0..200 {
            if std::net::TcpStream::connect(("127.0.0.1", https)).is_ok() {
                return nginx;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        panic!(
            "nginx did not start: {}",
            std::fs::read_to_string(&nginx.error_log).unwrap_or_default()
        );
    }

    pub fn access_log_text(&self) -> String {
        std::fs::read_to_string(&self.access_log).unwrap_or_default()
    }
}

fn nginx_binary() -> &'static str {
    if Path::new("/usr/sbin/nginx").exists() {
        "/usr/sbin/nginx"
    } else {
        "nginx"
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // SIGTERM: nginx's fast shutdown, workers included (SIGKILL would leave them
        // serving, orphaned; SIGQUIT would wait for open streams).
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}
