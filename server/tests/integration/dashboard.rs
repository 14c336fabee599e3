//! The dashboard's figures, on SQLite and PostgreSQL.

use crate::common;

use common::{spawn_app, Backend};
use domain::model::Dashboard;
use reqwest::StatusCode;

async fn the_dashboard_counts_the_funnel_rate_median_and_days(backend: Backend) {
    let app = spawn_app(backend).await;
    app.signed_in_admin().await;
    let hour = 60 * 60 * 1000;
    let (_, a) = app.invite_ok("a@dash.example", "analyst", &[]).await;
    let (_, b) = app.invite_ok("b@dash.example", "analyst", &[]).await;
    app.invite_ok("c@dash.example", "analyst", &[]).await;
    let (d, _) = app.invite_ok("d@dash.example", "analyst", &[]).await;
    app.deliver_all().await;
    app.call("revoke_invite", &[("id", &d)]).await;
    app.clock.advance(2 * hour);
    assert_eq!(app.accept(&a, "A").await.0.status(), StatusCode::OK);
    app.clock.advance(2 * hour);
    assert_eq!(app.accept(&b, "B").await.0.status(), StatusCode::OK);

    let dash: Dashboard = app.read("dashboard", &[]).await;
    assert_eq!(dash.counts.accepted, 2);
    assert_eq!(dash.counts.pending, 1);
    assert_eq!(dash.counts.revoked, 1);
    assert_eq!(dash.created, 4);
    assert_eq!(dash.sent, 4, "every email went out before the revoke");
    assert_eq!(dash.opened, 2, "accepting opened the link");
    assert_eq!(dash.accepted, 2);
    // Accepted after 2 h and 4 h: the median (upper middle of two) is 4 h.
    assert_eq!(dash.median_accept_ms, Some(4 * hour));
    let days = &dash.per_day;
    assert_eq!(days.len(), 30);
    let (_, created, accepted) = *days.last().unwrap();
    assert_eq!((created, accepted), (4, 2));
    let total: i64 = days.iter().map(|(_, created, _)| created).sum();
    assert_eq!(total, 4);

    let visitor = common::client(&app.base);
    let r = app.call_with(&visitor, "dashboard", &[]).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}
both_backends!(
    the_dashboard_counts_the_funnel_rate_median_and_days,
    super::the_dashboard_counts_the_funnel_rate_median_and_days
);
