//! `GET /metrics`: this process's numbers in Prometheus's text format (OpenMetrics 1.0), for
//! a scraper holding `VESTIBULE_METRICS_TOKEN` as a bearer token. Without the setting the
//! path does not exist.
//!
//! Requests are counted by route (the route's pattern, never the path: links carry tokens),
//! method and status; the rules count invite changes, email and webhook outcomes and rate-limit
//! refusals (`domain::metrics`); the queues' depth and age and the open event streams are read
//! when scraped.

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use app::state::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use crate::live::open_streams::OpenStreams;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub method: String,
    pub route: String,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub method: String,
    pub route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct QueueLabel {
    pub queue: &'static str,
}

fn latency_histogram() -> Histogram {
    // 1 ms to about 8 s.
    Histogram::new(prometheus_client::metrics::histogram::exponential_buckets(
        0.001, 2.0, 14,
    ))
}

/// The web layer's metrics and the registry that holds every metric of this process.
pub struct Metrics {
    registry: Registry,
    pub requests: Family<RequestLabels, Counter>,
    pub latency: Family<RouteLabels, Histogram, fn() -> Histogram>,
    queue_depth: Family<QueueLabel, Gauge>,
    queue_oldest: Family<QueueLabel, Gauge<f64, std::sync::atomic::AtomicU64>>,
    open_streams: Gauge,
}

/// This process's metrics.
pub fn metrics() -> &'static Metrics {
    static METRICS: LazyLock<Metrics> = LazyLock::new(Metrics::new);
    &METRICS
}

impl Metrics {
    fn new() -> Metrics {
        let mut registry = Registry::default();
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<RouteLabels, Histogram, fn() -> Histogram>::new_with_constructor(
            latency_histogram,
        );
        let queue_depth = Family::<QueueLabel, Gauge>::default();
        let queue_oldest =
            Family::<QueueLabel, Gauge<f64, std::sync::atomic::AtomicU64>>::default();
        let open_streams = Gauge::default();
        registry.register(
            "vestibule_http_requests",
            "HTTP requests answered, by method, route pattern and status",
            requests.clone(),
        );
        registry.register(
            "vestibule_http_request_duration_seconds",
            "Time to the response's head, by method and route pattern",
            latency.clone(),
        );
        registry.register(
            "vestibule_queue_jobs",
            "Jobs waiting to be sent (emails, webhook deliveries), due now or later",
            queue_depth.clone(),
        );
        registry.register(
            "vestibule_queue_oldest_job_age_seconds",
            "Age of the oldest job waiting to be sent (0 when none)",
            queue_oldest.clone(),
        );
        registry.register(
            "vestibule_live_streams_open",
            "Live-update streams (/events) this process holds open",
            open_streams.clone(),
        );
        domain::metrics::domain().register(&mut registry);
        Metrics {
            registry,
            requests,
            latency,
            queue_depth,
            queue_oldest,
            open_streams,
        }
    }

    /// One answered request. `route` is the route's pattern (or "unmatched").
    pub fn request(&self, method: &str, route: &str, status: u16, took: Duration) {
        self.requests
            .get_or_create(&RequestLabels {
                method: method.to_owned(),
                route: route.to_owned(),
                status,
            })
            .inc();
        self.latency
            .get_or_create(&RouteLabels {
                method: method.to_owned(),
                route: route.to_owned(),
            })
            .observe(took.as_secs_f64());
    }
}

/// The token a scrape must bring, when metrics are on.
#[derive(Clone)]
pub struct MetricsToken(pub Option<Arc<str>>);

/// Whether `headers` carry `Authorization: Bearer <token>`, compared in constant time.
fn authorized(headers: &HeaderMap, token: &str) -> bool {
    let Some(given) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    else {
        return false;
    };
    domain::token::constant_time_eq(given.trim().as_bytes(), token.as_bytes())
}

pub async fn scrape(
    State(state): State<AppState>,
    Extension(MetricsToken(token)): Extension<MetricsToken>,
    Extension(streams): Extension<OpenStreams>,
    headers: HeaderMap,
) -> Response {
    let Some(token) = token else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if !authorized(&headers, &token) {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "GET /metrics needs the metrics token: Authorization: Bearer <VESTIBULE_METRICS_TOKEN>",
        )
            .into_response();
    }
    let m = metrics();
    m.open_streams.set(streams.len() as i64);
    let now = domain::clock::Clock::now(&*state.services.clock);
    match state.services.queues(now).await {
        Ok(queues) => {
            for q in queues {
                let label = QueueLabel { queue: q.name };
                m.queue_depth.get_or_create(&label).set(q.jobs);
                m.queue_oldest
                    .get_or_create(&label)
                    .set(q.oldest_age_ms as f64 / 1000.0);
            }
        }
        Err(e) => tracing::warn!(error = %e, "metrics: cannot read the queues"),
    }
    let mut body = String::new();
    if let Err(e) = prometheus_client::encoding::text::encode(&mut body, &m.registry) {
        tracing::error!(error = %e, "metrics: cannot encode");
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exact_bearer_token_is_let_in() {
        let token = "0123456789abcdef0123456789abcdef";
        let with = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert(header::AUTHORIZATION, v.parse().unwrap());
            h
        };
        assert!(authorized(&with(&format!("Bearer {token}")), token));
        assert!(!authorized(&HeaderMap::new(), token));
        assert!(!authorized(&with(token), token), "the scheme is required");
        assert!(!authorized(&with(&format!("Bearer {token}x")), token));
        assert!(!authorized(&with("Bearer 0123"), token));
        assert!(!authorized(&with(&format!("Basic {token}")), token));
    }
}
