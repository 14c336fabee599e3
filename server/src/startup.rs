//! Builds the application from a `Config`: database, key, mailer, router, listener.
//! `main` and the integration tests both go through `Application::build`.

use std::net::SocketAddr;
use std::sync::Arc;

use app::state::AppState;
use app::{shell, App};
use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use axum::{middleware, Router};
use domain::clock::{SharedClock, SystemClock};
use domain::mail::Mailer;
use domain::ratelimit::Limits;
use domain::secret::SecretKey;
use domain::store::{redact_url, Db};
use domain::Services;
use leptos::config::LeptosOptions;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tokio::net::TcpListener;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

use crate::config::Config;
use crate::csrf::{self, AllowedOrigin};
use crate::headers::{security_headers, HeaderPolicy};
use crate::lifecycle::Lifecycle;
use crate::live::open_streams::OpenStreams;
use crate::metrics::MetricsToken;
use crate::request_text::MAX_BODY_BYTES;

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Database(#[from] domain::store::ConnectError),
    #[error("server key: {0}")]
    Key(domain::DomainError),
    #[error("VESTIBULE_MAIL_FROM or mail transport: {0}")]
    Mail(String),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

/// Connects to the database, applies migrations and loads the key: what the server and
/// the CLI subcommands share.
pub async fn build_services(config: &Config) -> Result<Services, StartupError> {
    build_services_with_clock(config, Arc::new(SystemClock)).await
}

pub async fn build_services_with_clock(
    config: &Config,
    clock: SharedClock,
) -> Result<Services, StartupError> {
    let db = Db::connect(&config.database_url).await?;
    db.migrate().await?;
    let key = match &config.secret_key {
        Some(k) => k.clone(),
        None => SecretKey::load_or_create(&config.data_dir.join("secret.key"))
            .map_err(StartupError::Key)?,
    };
    let mailer = Mailer::new(&config.mail_from, &config.mail).map_err(StartupError::Mail)?;
    tracing::info!(database = %redact_url(&config.database_url), backend = db.backend(), mail = mailer.describe(), "services ready");
    let limits = Limits::new(config.invites_per_minute)
        .with_api_requests_per_minute(config.api_requests_per_minute);
    let mut services = Services::new(db, key, clock, config.public_url.clone(), mailer, limits);
    services.outbound = domain::webhooks::address::Outbound {
        allow_loopback: config.allow_loopback_webhooks,
    };
    Ok(services)
}

pub struct Application {
    listener: TcpListener,
    router: Router,
    services: Services,
    streams: OpenStreams,
    lifecycle: Lifecycle,
    drain: std::time::Duration,
    grace: std::time::Duration,
}

impl Application {
    pub async fn build(config: Config) -> Result<Application, StartupError> {
        let services = build_services(&config).await?;
        Self::build_with_services(&config, services).await
    }

    pub async fn build_with_services(
        config: &Config,
        services: Services,
    ) -> Result<Application, StartupError> {
        let listener =
            TcpListener::bind(config.listen)
                .await
                .map_err(|source| StartupError::Listen {
                    addr: config.listen,
                    source,
                })?;
        Ok(Self::on_listener(config, services, listener))
    }

    /// Serves on a listener bound beforehand (tests bind port 0 first, so they know the
    /// port to put in the public URL).
    pub fn on_listener(config: &Config, services: Services, listener: TcpListener) -> Application {
        let streams = OpenStreams::new(config.max_live_streams);
        let lifecycle = Lifecycle::default();
        let router = router(config, services.clone(), streams.clone(), lifecycle.clone());
        Application {
            listener,
            router,
            services,
            streams,
            lifecycle,
            drain: config.shutdown_drain,
            grace: config.shutdown_grace,
        }
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    pub fn services(&self) -> &Services {
        &self.services
    }

    /// Serves until Ctrl-C or SIGTERM, then stops as `lifecycle` tells: not ready, streams
    /// ended, workers finishing what they send, the drain (503s), the listener closed, the
    /// requests in flight finished; all within the grace time after the drain.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let addr = self.local_addr();
        tracing::info!(%addr, "listening");
        let mut workers = vec![crate::mail_worker::spawn(
            self.services.clone(),
            self.lifecycle.watch(),
        )];
        workers.extend(crate::webhook_worker::spawn(
            self.services.clone(),
            self.lifecycle.watch(),
        ));
        let housekeeping = spawn_housekeeping(self.services.clone());
        let rechecks = self.streams.spawn_rechecks(self.services.clone());
        let listener = self.services.live.spawn_listener();
        // When the listener closed: the grace counts from then, for requests and workers alike.
        let (close, closed) = tokio::sync::watch::channel(None::<tokio::time::Instant>);
        let stopping = tokio::spawn({
            let (lifecycle, live, drain) = (
                self.lifecycle.clone(),
                self.services.live.clone(),
                self.drain,
            );
            async move {
                shutdown_signal().await;
                // Not ready, and the workers take nothing new.
                lifecycle.start_draining();
                // Open event streams end now, with a hint to come back soon (to a server
                // that stays); they would otherwise hold the server to the grace time.
                live.close();
                if !drain.is_zero() {
                    tracing::info!(secs = drain.as_secs(), "draining: new requests get 503");
                    tokio::time::sleep(drain).await;
                }
                close.send_replace(Some(tokio::time::Instant::now()));
            }
        });
        let until_closed = |mut closed: tokio::sync::watch::Receiver<Option<_>>| async move {
            let _ = closed.wait_for(|c| c.is_some()).await;
        };
        let serve = axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(until_closed(closed.clone()));
        let grace = self.grace;
        let result = tokio::select! {
            r = serve => r,
            _ = async { until_closed(closed.clone()).await; tokio::time::sleep(grace).await } => {
                tracing::warn!(secs = grace.as_secs(), "requests still in flight after the grace time were cut off");
                Ok(())
            }
        };
        // The workers were told to stop with the signal; what they send now has the rest of
        // the grace time (a stuck SMTP server must not hold the exit for ever; its job's lease
        // lets another server retry it).
        let closed_at = *closed.borrow();
        let deadline = closed_at.unwrap_or_else(tokio::time::Instant::now) + grace;
        for mut w in workers {
            if tokio::time::timeout_at(deadline, &mut w).await.is_err() {
                tracing::warn!("a worker was still sending at the end of the grace time");
                w.abort();
            }
        }
        stopping.abort();
        housekeeping.abort();
        rechecks.abort();
        if let Some(l) = listener {
            l.abort();
        }
        self.services.db.close().await;
        tracing::info!("stopped");
        result
    }
}

pub fn router(
    config: &Config,
    services: Services,
    streams: OpenStreams,
    lifecycle: Lifecycle,
) -> Router {
    let leptos_options = LeptosOptions::builder()
        .output_name("vestibule")
        .site_root(config.site_root.display().to_string())
        .site_pkg_dir("pkg")
        .site_addr(config.listen)
        .build();
    let sessions = SessionManagerLayer::new(services.sessions.clone())
        .with_name("vestibule_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(config.public_url.is_https())
        .with_path("/")
        .with_expiry(Expiry::OnSessionEnd);
    let allowed = AllowedOrigin(Arc::from(config.public_url.origin()));
    let state = AppState {
        leptos_options: leptos_options.clone(),
        services,
        trusted_proxies: Arc::from(config.trusted_proxies.as_slice()),
    };
    let routes = route_list();
    let headers = HeaderPolicy {
        hsts: config.public_url.is_https(),
    };
    // The REST API sits beside the pages, outside their cookie session, CSRF and form-body
    // layers: it reads no cookies and speaks JSON (see `api`).
    let api = crate::api::router(state.clone())
        .route_layer(middleware::from_fn(crate::observe::note_route))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn_with_state(headers, security_headers));
    // The probes and the metrics: no session, no CSRF, nothing a browser sends.
    let operations = Router::new()
        .route("/healthz", get(crate::lifecycle::health))
        .route("/readyz", get(crate::lifecycle::ready))
        .route("/metrics", get(crate::metrics::scrape))
        .route_layer(middleware::from_fn(crate::observe::note_route))
        .layer(axum::Extension(lifecycle.clone()))
        .layer(axum::Extension(MetricsToken(
            config.metrics_token.as_deref().map(Arc::from),
        )))
        .layer(axum::Extension(streams.clone()))
        .layer(middleware::from_fn_with_state(headers, security_headers));
    let pages = Router::new()
        .route(
            "/events",
            get(crate::live::events).layer(axum::Extension(streams)),
        )
        .leptos_routes_with_context(&state, routes, || (), {
            let options = leptos_options.clone();
            move || shell(options.clone())
        })
        .route_layer(middleware::from_fn(crate::observe::note_route))
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(middleware::from_fn(crate::request_text::require_clean_text))
        // axum's extractors bring a limit of their own (2 MB by default, and the server
        // functions' request extractor applies it): the same number, so there is only one.
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn_with_state(allowed, csrf::guard))
        .layer(sessions)
        .layer(middleware::from_fn_with_state(headers, security_headers));
    Router::new()
        .nest("/api/v1", api)
        .merge(pages)
        .merge(operations)
        .layer(middleware::from_fn_with_state(
            lifecycle,
            crate::lifecycle::refuse_while_draining,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::observe::observe,
        ))
        .with_state(state)
}

/// The app's routes, worked out once per process. Leptos suspends resource loading for the
/// whole process while it walks the app for them (a global flag), and a page rendered in that
/// window waits forever for data that was never fetched. One server per process never meets
/// that: the walk ends before it serves. The integration tests start dozens of servers in one
/// process, and a page load in one test hung for good while another test's server started
/// (leptos-rs/leptos#4773 describes the flag).
fn route_list() -> Vec<leptos_axum::AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> =
        std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// Hourly: forget `Idempotency-Key` answers past their 24 hours and rate-limit windows long
/// over. Every server process runs it; the deletes are idempotent, so several at once only
/// repeat each other.
fn spawn_housekeeping(services: Services) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            every.tick().await;
            match services.idempotency_purge().await {
                Ok(n) if n > 0 => tracing::info!(forgotten = n, "idempotency answers expired"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "cannot purge idempotency answers"),
            }
            let now = domain::clock::Clock::now(&*services.clock);
            if let Err(e) = domain::ratelimit::purge_shared(&services.db, now).await {
                tracing::warn!(error = %e, "cannot purge old rate-limit windows");
            }
        }
    })
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}
