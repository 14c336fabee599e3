//! Moments on a page. The server writes them in UTC (what a page without WASM, a copy or a
//! search engine gets); the browser shows each in the viewer's own time zone and keeps the
//! UTC time on hover (`components::enhance::times`).

use leptos::prelude::*;
use model::{fmt_iso, fmt_utc};

/// `at` (ms since the epoch) as a `<time>`.
#[component]
pub fn When(at: i64) -> impl IntoView {
    let utc = fmt_utc(at);
    let title = utc.clone();
    view! { <time datetime=fmt_iso(at) title=title data-local="">{utc}</time> }
}
