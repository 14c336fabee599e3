//! Dashboard: counts by status, acceptance rate, median time to accept, the funnel
//! sent → opened → accepted, and invites per day, drawn as SVG by the app itself. It
//! refreshes itself on every live update.

use leptos::prelude::*;
use leptos_meta::Title;
use model::{fmt_duration, fmt_utc, Dashboard, InviteStatus};

use crate::api::dashboard::get_dashboard;
use crate::components::enhance::Enhance;
use crate::components::server_data::loading;

#[component]
pub fn DashboardPage() -> impl IntoView {
    view! {
        <Title text="Dashboard"/>
        <h1>"Dashboard"</h1>
        <Enhance live=true>
            {loading("figures", get_dashboard(), |d| view! {
                <div data-region="dashboard"><Figures d=d/></div>
            })}
        </Enhance>
    }
}

#[component]
fn Figures(d: Dashboard) -> impl IntoView {
    let rate = d
        .acceptance_percent()
        .map_or("—".to_owned(), |p| format!("{p}%"));
    let median = d.median_accept_ms.map_or("—".to_owned(), fmt_duration);
    let days = d.window_days;
    view! {
        <section class="card">
            <h2>"All invites"</h2>
            <dl class="stats">
                {InviteStatus::ALL.into_iter().map(|s| view! {
                    <div class=format!("stat status-{}", s.as_str())><dt>{s.label()}</dt><dd>{d.counts.of(s)}</dd></div>
                }).collect_view()}
            </dl>
        </section>
        <section class="card">
            <h2>{format!("Last {days} days")}</h2>
            <dl class="stats">
                <div class="stat"><dt>"Invites sent"</dt><dd>{d.created}</dd></div>
                <div class="stat"><dt>"Acceptance rate"</dt><dd class="acceptance-rate">{rate}</dd></div>
                <div class="stat"><dt>"Median time to accept"</dt><dd class="median-accept">{median}</dd></div>
            </dl>
            <h3>"Funnel"</h3>
            <Funnel d=d.clone()/>
            <h3>"Invites per day"</h3>
            <PerDay per_day=d.per_day.clone()/>
        </section>
    }
}

#[component]
fn Funnel(d: Dashboard) -> impl IntoView {
    let steps = [
        ("Created", d.created),
        ("Email sent", d.sent),
        ("Link opened", d.opened),
        ("Accepted", d.accepted),
        ("Declined", d.declined),
    ];
    let top = d.created.max(1) as f64;
    let summary = steps
        .iter()
        .map(|(l, n)| format!("{l}: {n}"))
        .collect::<Vec<_>>()
        .join(", ");
    const W: f64 = 600.0;
    const ROW: f64 = 34.0;
    view! {
        <svg class="funnel" viewBox=format!("0 0 {W} {}", ROW * steps.len() as f64) role="img" aria-label=format!("Funnel. {summary}")>
            {steps.into_iter().enumerate().map(|(i, (label, n))| {
                let w = (n as f64 / top * (W - 180.0)).max(2.0);
                let y = i as f64 * ROW;
                view! {
                    <g>
                        <text x="0" y=format!("{}", y + 22.0) class="funnel-label">{label}</text>
                        <rect x="110" y=format!("{}", y + 6.0) width=format!("{w:.1}") height="22" rx="4" class=format!("funnel-bar step-{i}")></rect>
                        <text x=format!("{:.1}", 116.0 + w) y=format!("{}", y + 22.0) class="funnel-value">{n}</text>
                    </g>
                }
            }).collect_view()}
        </svg>
    }
}

#[component]
fn PerDay(per_day: Vec<(i64, i64, i64)>) -> impl IntoView {
    const W: f64 = 600.0;
    const H: f64 = 160.0;
    let n = per_day.len().max(1) as f64;
    let peak = per_day.iter().map(|(_, c, _)| *c).max().unwrap_or(0).max(1) as f64;
    let slot = W / n;
    let total: i64 = per_day.iter().map(|(_, c, _)| c).sum();
    let first = per_day
        .first()
        .map(|(t, ..)| fmt_utc(*t))
        .unwrap_or_default();
    view! {
        <svg class="per-day" viewBox=format!("0 0 {W} {}", H + 20.0) role="img"
            aria-label=format!("Invites per day since {first}: {total} in all, at most {peak} in a day.")>
            {per_day.into_iter().enumerate().map(|(i, (day, created, accepted))| {
                let x = i as f64 * slot;
                let hc = created as f64 / peak * H;
                let ha = accepted as f64 / peak * H;
                view! {
                    <g>
                        <title>{format!("{}: {created} created, {accepted} accepted", &fmt_utc(day)[..10])}</title>
                        <rect x=format!("{:.1}", x + 1.0) y=format!("{:.1}", H - hc) width=format!("{:.1}", (slot - 2.0).max(1.0)) height=format!("{hc:.1}") class="bar-created"></rect>
                        <rect x=format!("{:.1}", x + 1.0) y=format!("{:.1}", H - ha) width=format!("{:.1}", (slot - 2.0).max(1.0)) height=format!("{ha:.1}") class="bar-accepted"></rect>
                    </g>
                }
            }).collect_view()}
            <line x1="0" y1=H.to_string() x2=W.to_string() y2=H.to_string() class="axis"></line>
            <text x="0" y=format!("{}", H + 16.0) class="axis-label">{first.get(..10).unwrap_or("").to_owned()}</text>
            <text x=W.to_string() y=format!("{}", H + 16.0) text-anchor="end" class="axis-label">"today"</text>
        </svg>
        <p class="legend"><span class="key key-created"></span>"created" <span class="key key-accepted"></span>"accepted"</p>
    }
}
