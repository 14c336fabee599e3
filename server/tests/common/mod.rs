//! The test harness: starts the real server on a free port with a fresh database (a SQLite
//! file, or a new database in the PostgreSQL cluster named by VESTIBULE_TEST_POSTGRES_URL),
//! and talks to it over HTTP like a browser would.

#![allow(dead_code)]

use std::sync::Arc;

use domain::clock::{Clock, ManualClock, SharedClock, SystemClock};
use domain::Services;
use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, ORIGIN};
use reqwest::{Response, StatusCode};
use server::config::{Config, RawConfig};
use server::startup::{build_services_with_clock, Application};
use sqlx::{Connection, Executor};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs one test body against both backends: `both_backends!(name, body_fn)` makes
/// `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! both_backends {
    ($name:ident, $body:path) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $body($crate::common::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                $body($crate::common::Backend::Postgres).await
            }
        }
    };
}

pub struct TestApp {
    pub base: String,
    pub services: Services,
    pub clock: ManualClock,
    pub client: reqwest::Client,
    _dir: tempfile::TempDir,
}

pub const ADMIN_EMAIL: &str = "admin@example.com";
pub const ADMIN_PASSWORD: &str = "correct horse battery";

fn init_logs() {
    // Quiet by default; TEST_LOG=debug shows the server's logs.
    if let Ok(filter) = std::env::var("TEST_LOG") {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_test_writer()
            .try_init();
    }
}

async fn fresh_database_url(backend: Backend, dir: &std::path::Path) -> String {
    match backend {
        Backend::Sqlite => format!("sqlite://{}/vestibule.db", dir.display()),
        Backend::Postgres => {
            let admin = std::env::var("VESTIBULE_TEST_POSTGRES_URL").expect(
                "VESTIBULE_TEST_POSTGRES_URL is not set. Run scripts/test.sh, which starts a \
                 throwaway PostgreSQL, or point it at a cluster where you may create databases \
                 (e.g. postgres://postgres@127.0.0.1:55432).",
            );
            let name = format!("vestibule_test_{}", uuid::Uuid::new_v4().simple());
            let mut conn = sqlx::PgConnection::connect(&format!("{admin}/postgres"))
                .await
                .expect("cannot connect to the test PostgreSQL");
            conn.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .await
                .expect("cannot create a test database");
            format!("{admin}/{name}")
        }
    }
}

pub fn config_for(
    database_url: &str,
    public_url: &str,
    dir: &std::path::Path,
    extra: &[&str],
) -> Config {
    use clap::Parser;
    #[derive(Parser)]
    struct Flags {
        #[command(flatten)]
        raw: RawConfig,
    }
    let mut args = vec![
        "vestibule".to_owned(),
        "--database-url".into(),
        database_url.into(),
        "--public-url".into(),
        public_url.into(),
        "--listen".into(),
        "127.0.0.1:0".into(),
        "--data-dir".into(),
        dir.display().to_string(),
        "--site-root".into(),
        dir.join("site").display().to_string(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    Config::from_raw(&Flags::try_parse_from(args).expect("test flags parse").raw)
        .expect("test config is valid")
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, None).await
}

/// `public_url`: what the server believes its public address is (defaults to the real one).
pub async fn spawn_app_with(backend: Backend, public_url: Option<&str>) -> TestApp {
    init_logs();
    let dir = tempfile::tempdir().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let database_url = fresh_database_url(backend, dir.path()).await;
    let config = config_for(&database_url, public_url.unwrap_or(&base), dir.path(), &[]);
    let clock = ManualClock::at(SystemClock.now());
    let services = build_services_with_clock(&config, Arc::new(clock.clone()) as SharedClock)
        .await
        .expect("services start");
    let app = Application::on_listener(&config, services.clone(), listener);
    tokio::spawn(app.run_until_stopped());
    TestApp {
        client: client(&base),
        base,
        services,
        clock,
        _dir: dir,
    }
}

/// A browser-like client: keeps cookies, sends our Origin, does not follow redirects.
pub fn client(base: &str) -> reqwest::Client {
    let mut headers = HeaderMap::new();
    headers.insert(ORIGIN, HeaderValue::from_str(base).unwrap());
    reqwest::Client::builder()
        .cookie_store(true)
        .default_headers(headers)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Calls a server function the way an ActionForm does: a form-encoded POST.
    pub async fn call(&self, name: &str, form: &[(&str, &str)]) -> Response {
        self.call_with(&self.client, name, form).await
    }

    pub async fn call_with(
        &self,
        client: &reqwest::Client,
        name: &str,
        form: &[(&str, &str)],
    ) -> Response {
        client
            .post(self.url(&format!("/api/{name}")))
            .form(form)
            .send()
            .await
            .unwrap()
    }

    /// GET of a page, as a browser navigation.
    pub async fn page(&self, path: &str) -> Response {
        self.client
            .get(self.url(path))
            .header(ACCEPT, "text/html")
            .send()
            .await
            .unwrap()
    }

    /// Creates the first admin and returns the set-password token from the link.
    pub async fn bootstrap_admin(&self) -> String {
        let email = domain::email::EmailAddress::parse(ADMIN_EMAIL).unwrap();
        let link = self
            .services
            .bootstrap_admin(&email, "Ada Admin")
            .await
            .unwrap();
        let prefix = format!("{}/set-password/", self.services.public_url.as_str());
        link.strip_prefix(&prefix)
            .expect("link built from the public URL")
            .to_owned()
    }

    /// Sets a password through the set-password server function.
    pub async fn set_password(&self, token: &str, password: &str) -> Response {
        self.call(
            "set_password",
            &[
                ("token", token),
                ("password", password),
                ("confirm", password),
            ],
        )
        .await
    }

    /// Bootstraps the admin, sets their password and signs in with this app's client.
    pub async fn signed_in_admin(&self) {
        let token = self.bootstrap_admin().await;
        let r = self.set_password(&token, ADMIN_PASSWORD).await;
        assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
        let r = self.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> Response {
        self.call("sign_in", &[("email", email), ("password", password)])
            .await
    }

    /// The signed-in user as JSON (`null` for a visitor).
    pub async fn whoami(&self) -> serde_json::Value {
        self.call("whoami", &[]).await.json().await.unwrap()
    }

    /// Actions recorded in the audit log, newest first.
    pub async fn audit_actions(&self) -> Vec<String> {
        domain::store::audit::recent(&self.services.db, 100)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.action)
            .collect()
    }
}
