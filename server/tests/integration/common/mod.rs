//! The test harness: starts the real server on a free port with a fresh database (a SQLite
//! file, or a new database in the PostgreSQL cluster named by VESTIBULE_TEST_POSTGRES_URL),
//! and talks to it over HTTP like a browser would.

#![allow(dead_code)]

pub mod api;
pub mod deployment;
pub mod dump;
pub mod process;
pub mod receiver;
pub mod sink;

use std::sync::Arc;

use app::api::invites::InviteDetail;
use domain::clock::{Clock, ManualClock, SharedClock, SystemClock};
use domain::model::{
    BulkProgress, CurrentUser, InviteStatus, IssuedLink, LinkView, MemberInfo, RoleInfo, TeamInfo,
};
use domain::Services;
use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, ORIGIN};
use reqwest::{Response, StatusCode};
use serde::de::DeserializeOwned;
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
    pub database_url: String,
    _dir: tempfile::TempDir,
}

pub const ADMIN_EMAIL: &str = "admin@example.com";
/// A well-formed invitation token nobody issued (its signature does not verify).
pub const GUESSED_TOKEN: &str =
    "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE";
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

pub async fn fresh_database_url(backend: Backend, dir: &std::path::Path) -> String {
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

/// A server on `backend` with the defaults: `TestApp::builder().backend(backend).start()`.
pub async fn spawn_app(backend: Backend) -> TestApp {
    TestApp::builder().backend(backend).start().await
}

/// How a test's server is started: `TestApp::builder().postgres().mail_files().start()`.
pub struct AppBuilder<'a> {
    backend: Backend,
    public_url: Option<String>,
    flags: Vec<String>,
    peer_of: Option<&'a TestApp>,
    resend_cooldown: bool,
}

impl TestApp {
    /// A server on SQLite, its public URL its own address, mail to the console.
    pub fn builder() -> AppBuilder<'static> {
        AppBuilder {
            backend: Backend::Sqlite,
            public_url: None,
            flags: Vec::new(),
            peer_of: None,
            resend_cooldown: false,
        }
    }
}

impl<'a> AppBuilder<'a> {
    pub fn backend(mut self, backend: Backend) -> Self {
        self.backend = backend;
        self
    }

    pub fn sqlite(self) -> Self {
        self.backend(Backend::Sqlite)
    }

    pub fn postgres(self) -> Self {
        self.backend(Backend::Postgres)
    }

    /// What the server believes its public address is (by default, its real one).
    pub fn public_url(mut self, url: &str) -> Self {
        self.public_url = Some(url.to_owned());
        self
    }

    /// Mail goes to .eml files in `TestApp::mail_dir()`.
    pub fn mail_files(self) -> Self {
        self.flags(&["--mail-transport", "file"])
    }

    /// Command-line flags, as the binary takes them.
    pub fn flags(mut self, flags: &[&str]) -> Self {
        self.flags.extend(flags.iter().map(|f| f.to_string()));
        self
    }

    /// A second server process on `first`'s database and key (as a scaled-out deployment
    /// runs several), with its own port, clock and cookies.
    pub fn peer_of<'b>(self, first: &'b TestApp) -> AppBuilder<'b> {
        AppBuilder {
            backend: self.backend,
            public_url: self.public_url,
            flags: self.flags,
            peer_of: Some(first),
            resend_cooldown: self.resend_cooldown,
        }
    }

    /// Keeps the invite policy's resend cooldown (10 minutes). Without this, a test's server
    /// starts with none, since most tests resend at once and only a few are about waiting.
    pub fn resend_cooldown(mut self) -> Self {
        self.resend_cooldown = true;
        self
    }

    pub async fn start(self) -> TestApp {
        init_logs();
        let dir = tempfile::tempdir().unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let database_url = match self.peer_of {
            Some(first) => {
                std::fs::copy(
                    first._dir.path().join("secret.key"),
                    dir.path().join("secret.key"),
                )
                .expect("the first server's key");
                first.database_url.clone()
            }
            None => fresh_database_url(self.backend, dir.path()).await,
        };
        let public_url = self.public_url.unwrap_or(base);
        let flags: Vec<&str> = self.flags.iter().map(String::as_str).collect();
        let first = self.peer_of.is_none();
        let app = launch(dir, listener, database_url, &public_url, &flags).await;
        if first && !self.resend_cooldown {
            app.exec("UPDATE invite_policy SET resend_cooldown_minutes = 0", &[])
                .await;
        }
        app
    }
}

/// Starts the real server on `listener` with its data in `dir` and a manual clock.
async fn launch(
    dir: tempfile::TempDir,
    listener: tokio::net::TcpListener,
    database_url: String,
    public_url: &str,
    extra: &[&str],
) -> TestApp {
    let base = format!("http://{}", listener.local_addr().unwrap());
    let config = config_for(&database_url, public_url, dir.path(), extra);
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
        database_url,
        _dir: dir,
    }
}

/// The token of an issued link (its last path segment).
pub fn token_of(issued: &IssuedLink) -> String {
    issued
        .link
        .as_deref()
        .expect("a link was shown")
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned()
}

/// An answer's body read as `T`; a body of another shape fails the test, naming `what`.
pub fn from_json<T: DeserializeOwned>(what: &str, body: &str) -> T {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{what}: {e}: {body}"))
}

/// Accepts `token` as `name` from a fresh browser and answers the status: for racers spawned
/// as tasks, which cannot borrow the `TestApp` (`TestApp::accept` for everything else).
pub async fn accept_status(base: &str, token: &str, name: &str) -> StatusCode {
    client(base)
        .post(format!("{base}/api/accept_invite"))
        .form(&[
            ("token", token),
            ("name", name),
            ("password", "a good long password"),
            ("confirm", "a good long password"),
        ])
        .send()
        .await
        .unwrap()
        .status()
}

/// Starts a bulk import as the bulk pages do: `bulk_check` keeps the rows as a draft (and
/// sends the browser to its dry run), then `bulk_start` sends the draft with `form` (expiry,
/// note). The answer of the step that refused, or of the start: a redirect to the import's
/// page, with the job's id as its body (see [`job_of`]).
pub async fn start_bulk(
    client: &reqwest::Client,
    base: &str,
    csv: &str,
    form: &[(&str, &str)],
) -> Response {
    let checked = client
        .post(format!("{base}/api/bulk_check"))
        .form(&[("csv", csv)])
        .send()
        .await
        .unwrap();
    if checked.status() != StatusCode::OK {
        return checked;
    }
    let draft: String = checked.json().await.unwrap();
    let mut fields = vec![("draft", draft.as_str())];
    fields.extend_from_slice(form);
    client
        .post(format!("{base}/api/bulk_start"))
        .form(&fields)
        .send()
        .await
        .unwrap()
}

/// The job a successful [`start_bulk`] started; it sends the browser to the job's page (a
/// `Location` beside the answer of a call from script, a 302 for a plain form: see
/// `bulk::the_bulk_pages_check_send_and_follow_an_import_as_plain_forms`).
pub async fn job_of(r: Response) -> String {
    let status = r.status();
    let location = r
        .headers()
        .get(reqwest::header::LOCATION)
        .map(|l| l.to_str().unwrap().to_owned());
    let body = r.text().await.unwrap();
    assert_eq!(status, StatusCode::OK, "bulk_start: {body}");
    let job: String = from_json("bulk_start", &body);
    assert_eq!(location, Some(format!("/invites/bulk/jobs/{job}")));
    job
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

    /// A server function's answer, read into its type; any status but 200 fails the test.
    pub async fn read<T: DeserializeOwned>(&self, name: &str, form: &[(&str, &str)]) -> T {
        self.read_with(&self.client, name, form).await
    }

    /// `read`, with another browser's cookies.
    pub async fn read_with<T: DeserializeOwned>(
        &self,
        client: &reqwest::Client,
        name: &str,
        form: &[(&str, &str)],
    ) -> T {
        let r = self.call_with(client, name, form).await;
        let status = r.status();
        let body = r.text().await.unwrap();
        assert_eq!(status, StatusCode::OK, "{name}: {body}");
        from_json(name, &body)
    }

    /// The signed-in user (none for a visitor).
    pub async fn whoami(&self) -> Option<CurrentUser> {
        self.whoami_as(&self.client).await
    }

    /// The user signed in with `client` (none for nobody).
    pub async fn whoami_as(&self, client: &reqwest::Client) -> Option<CurrentUser> {
        self.read_with(client, "whoami", &[]).await
    }

    /// Creates an invite as the signed-in user of this app's client.
    pub async fn invite(&self, email: &str, role_id: &str, teams: &[&str]) -> Response {
        self.invite_with(&self.client, email, role_id, teams).await
    }

    pub async fn invite_with(
        &self,
        client: &reqwest::Client,
        email: &str,
        role_id: &str,
        teams: &[&str],
    ) -> Response {
        let mut form: Vec<(String, String)> = vec![
            ("email".into(), email.into()),
            ("role_id".into(), role_id.into()),
            ("expiry_hours".into(), "168".into()),
            ("message".into(), "Welcome aboard".into()),
        ];
        for (i, t) in teams.iter().enumerate() {
            form.push((format!("teams[{i}]"), t.to_string()));
        }
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        self.call_with(client, "create_invite", &form).await
    }

    /// Creates an invite that must succeed; returns (invite id, token).
    pub async fn invite_ok(&self, email: &str, role_id: &str, teams: &[&str]) -> (String, String) {
        let r = self.invite(email, role_id, teams).await;
        assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
        let issued: IssuedLink = r.json().await.unwrap();
        let token = token_of(&issued);
        (issued.invite_id, token)
    }

    /// Accepts with a fresh browser (its own cookies); returns the response and that client.
    pub async fn accept(&self, token: &str, name: &str) -> (Response, reqwest::Client) {
        let browser = client(&self.base);
        let r = self
            .call_with(
                &browser,
                "accept_invite",
                &[
                    ("token", token),
                    ("name", name),
                    ("password", "a good long password"),
                    ("confirm", "a good long password"),
                ],
            )
            .await;
        (r, browser)
    }

    /// Declines with a fresh browser (not signed in), giving `reason`.
    pub async fn decline(&self, token: &str, reason: &str) -> Response {
        self.call_with(
            &client(&self.base),
            "decline_invite",
            &[("token", token), ("reason", reason)],
        )
        .await
    }

    pub async fn count_users(&self) -> i64 {
        domain::on_db!(&self.services.db, p => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM users").fetch_one(p).await).unwrap()
    }

    /// Runs an arbitrary statement (test set-up only).
    pub async fn exec(&self, sql: &'static str, args: &[&str]) {
        domain::on_db!(&self.services.db, p => {
            let mut q = sqlx::query(sql);
            for a in args {
                q = q.bind(*a);
            }
            q.execute(p).await.map(|_| ())
        })
        .unwrap();
    }

    /// Sends every due email now, and waits for any the server's own worker is sending or
    /// about to send.
    pub async fn deliver_all(&self) {
        for _ in 0..500 {
            while self.services.deliver_next().await.unwrap() {}
            let now = domain::clock::Clock::now(&self.clock);
            // Due jobs count too: on PostgreSQL the server's own worker may hold one in a
            // claim that has not committed yet, which deliver_next skips (SKIP LOCKED) and
            // which does not look locked from here.
            let busy: i64 = domain::on_db!(&self.services.db, p => sqlx::query_scalar(
                "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL \
                 AND (locked_until >= $1 OR next_attempt_at <= $1)",
            )
            .bind(now)
            .fetch_one(p)
            .await)
            .unwrap();
            if busy == 0 {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        panic!("the outbox did not settle");
    }

    /// [`start_bulk`] in this app's admin browser.
    pub async fn start_bulk(&self, csv: &str, form: &[(&str, &str)]) -> Response {
        start_bulk(&self.client, &self.base, csv, form).await
    }

    /// The dry run the bulk page shows for `csv` (checked into a draft, then read back).
    pub async fn bulk_preview(&self, csv: &str) -> domain::model::BulkPreview {
        let r = self.call("bulk_check", &[("csv", csv)]).await;
        let status = r.status();
        let body = r.text().await.unwrap();
        assert_eq!(status, StatusCode::OK, "bulk_check: {body}");
        let draft: String = from_json("bulk_check", &body);
        let view: serde_json::Value = self.read("bulk_draft", &[("draft", &draft)]).await;
        serde_json::from_value(view["preview"].clone()).unwrap()
    }

    /// Follows a bulk import job until it ends; returns its last progress report.
    pub async fn finish_bulk_job(&self, job: &str) -> BulkProgress {
        for _ in 0..2000 {
            let p: BulkProgress = self.read("bulk_progress", &[("job_id", job)]).await;
            if p.finished || p.error.is_some() || p.interrupted {
                return p;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        panic!("the bulk job did not finish");
    }

    /// Invites `email` as `role` and accepts: a new member, signed in with their own browser.
    pub async fn join(&self, email: &str, role: &str) -> reqwest::Client {
        let (_, token) = self.invite_ok(email, role, &[]).await;
        let (r, browser) = self.accept(&token, "Member").await;
        assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
        browser
    }

    /// Creates a team (as this app's signed-in user) and returns its id.
    pub async fn create_team(&self, name: &str) -> String {
        let r = self.call("create_team", &[("name", name)]).await;
        assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
        let teams: Vec<TeamInfo> = self.read("list_teams", &[]).await;
        let team = teams.into_iter().find(|t| t.name == name);
        team.unwrap_or_else(|| panic!("no team {name:?}")).id
    }

    /// The id of the role called `name`.
    pub async fn role_id(&self, name: &str) -> String {
        let roles: Vec<RoleInfo> = self.read("list_roles", &[]).await;
        let role = roles.into_iter().find(|r| r.name == name);
        role.unwrap_or_else(|| panic!("no role {name:?}")).id
    }

    /// Creates the custom role "Media Editor" (View and Send invites) and returns its id.
    pub async fn media_editor_role(&self) -> String {
        let r = self
            .call(
                "create_role",
                &[
                    ("name", "Media Editor"),
                    ("description", "Uploads and edits media"),
                    ("permissions[0]", "ViewInvites"),
                    ("permissions[1]", "SendInvites"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
        self.role_id("Media Editor").await
    }

    /// What a link shows a visitor (a fresh browser).
    pub async fn open_link(&self, token: &str) -> LinkView {
        self.read_with(&client(&self.base), "open_invite", &[("token", token)])
            .await
    }

    /// The id of the member with `email`.
    pub async fn member_id(&self, email: &str) -> String {
        let members: Vec<MemberInfo> = self.read("list_members", &[]).await;
        let member = members.into_iter().find(|m| m.email == email);
        member.unwrap_or_else(|| panic!("no member {email:?}")).id
    }

    /// An invite and its timeline as the admin's detail page reads them (`invite_detail`).
    pub async fn detail(&self, invite_id: &str) -> InviteDetail {
        self.read("invite_detail", &[("id", invite_id)]).await
    }

    /// An invite's status as the admin's detail page reads it.
    pub async fn status_of(&self, invite_id: &str) -> InviteStatus {
        self.detail(invite_id).await.invite.status
    }

    pub fn mail_dir(&self) -> std::path::PathBuf {
        self._dir.path().join("mail")
    }

    /// The bodies of the .eml files written so far, decoded from quoted-printable.
    pub fn mails(&self) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(self.mail_dir()) else {
            return vec![];
        };
        entries
            .filter_map(|e| e.ok())
            .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
            .map(|e| {
                std::fs::read_to_string(e.path())
                    .unwrap()
                    .replace("=\r\n", "")
                    .replace("=3D", "=")
            })
            .collect()
    }

    /// Saves the invite policy through its form: the required fields at their defaults,
    /// `fields` over them.
    pub async fn set_policy(&self, fields: &[(&str, &str)]) -> Response {
        let mut form = vec![
            ("default_expiry_hours", "168"),
            ("max_expiry_hours", "720"),
            ("allowed_domains", ""),
            ("blocked_domains", ""),
            ("daily_cap", "0"),
        ];
        for (k, v) in fields {
            form.retain(|(name, _)| name != k);
            form.push((k, v));
        }
        self.call("update_policy", &form).await
    }

    /// The mails to `to` so far (in no particular order).
    pub fn mails_to(&self, to: &str) -> Vec<String> {
        let to = format!("To: {to}");
        self.mails()
            .into_iter()
            .filter(|m| m.contains(&to))
            .collect()
    }

    /// A server that writes its mail to files, with the admin signed in.
    pub async fn admin_with_mail(backend: Backend) -> TestApp {
        let app = TestApp::builder()
            .backend(backend)
            .mail_files()
            .start()
            .await;
        app.signed_in_admin().await;
        app
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

/// The token of the first link in `mail` that starts with `prefix` (e.g. ".../invite/").
pub fn link_token_in(mail: &str, prefix: &str) -> String {
    let start = mail
        .find(prefix)
        .unwrap_or_else(|| panic!("no {prefix} link in {mail}"))
        + prefix.len();
    mail[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

/// (To, Message-ID) of every .eml file in `dir` (none if it does not exist).
pub fn mail_headers(dir: &std::path::Path) -> Vec<(String, String)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return vec![];
    };
    entries
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
        .map(|e| {
            let mail = std::fs::read_to_string(e.path()).unwrap();
            let header = |name: &str| {
                mail.lines()
                    .find_map(|l| l.strip_prefix(name))
                    .unwrap_or_default()
                    .trim()
                    .to_owned()
            };
            (header("To:"), header("Message-ID:"))
        })
        .collect()
}
