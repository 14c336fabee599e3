//! Regions refreshed from the server: the page is fetched again and each `data-region`
//! swapped for its new rendering. The live-update stream asks for that on every change, on
//! pages with a live area; a `data-poll` region asks for it every moment while it has the mark.

use std::cell::Cell;

use leptos::prelude::{document, window};
use leptos::wasm_bindgen::closure::Closure;
use leptos::wasm_bindgen::JsCast;
use web_sys::{Element, EventSource, HtmlInputElement};

use super::dom::{after, css_escape, each, get_page, parse_page, text};
use super::navigation;

thread_local! {
    /// 0: idle; 1: a refresh is running; 2: running, and another is wanted after it.
    static REFRESH: Cell<u8> = const { Cell::new(0) };
    static LIVE: Cell<bool> = const { Cell::new(false) };
    static POLLING: Cell<bool> = const { Cell::new(false) };
}

/// How often a `data-poll` region is fetched again.
const POLL_MS: i32 = 400;

/// Called for the first page and for every page navigation brings: shows its moments in
/// local time, opens the live stream the first time a page wants it, and polls while a
/// region asks for it.
pub fn arrived() {
    super::times::localise();
    if page_has("[data-live]") {
        follow_live();
    }
    keep_polling();
}

fn page_has(selector: &str) -> bool {
    document().query_selector(selector).ok().flatten().is_some()
}

fn keep_polling() {
    if !page_has("[data-poll]") || POLLING.replace(true) {
        return;
    }
    after(POLL_MS, || {
        POLLING.set(false);
        wasm_bindgen_futures::spawn_local(async {
            refresh_regions().await;
            keep_polling();
        });
    });
}

/// Fetches the page again and swaps in each region's new contents. Requests that come
/// while one runs are folded into one more run after it, so a burst of live updates (two
/// hundred emails going out) costs two page loads, not two hundred.
pub async fn refresh_regions() {
    if REFRESH.get() > 0 {
        REFRESH.set(2);
        return;
    }
    loop {
        REFRESH.set(1);
        swap_regions().await;
        if REFRESH.get() == 1 {
            REFRESH.set(0);
            return;
        }
    }
}

async fn swap_regions() {
    let location = window().location();
    let Ok(here) = location.href() else { return };
    // A navigation while this was on its way made it stale: its regions are of another page.
    let page = navigation::page();
    let Ok(response) = get_page(&here).await else {
        return; // offline for a moment: the next change or reconnect refreshes again
    };
    let html = text(&response).await;
    if navigation::page() != page {
        return;
    }
    let Some(fresh) = parse_page(&html) else {
        return;
    };
    let mut lost = false;
    each(
        &document().document_element().unwrap(),
        "[data-region]",
        |region| {
            let name = region.get_attribute("data-region").unwrap_or_default();
            let selector = format!("[data-region=\"{}\"]", css_escape(&name));
            match fresh.query_selector(&selector).ok().flatten() {
                Some(new) => {
                    let kept = kept_checks(&region);
                    region.set_inner_html(&new.inner_html());
                    restore_checks(&region, &kept);
                }
                None => lost = true,
            }
        },
    );
    super::times::localise();
    // The page is no longer what it was (signed out, deactivated, gone): go where the
    // server sent us.
    if lost {
        navigation::go(response.url(), navigation::How::Replace);
    }
}

/// Ticked boxes marked `data-keep` survive a refresh (a selection for bulk revoke).
fn kept_checks(region: &Element) -> Vec<String> {
    let mut values = Vec::new();
    each(region, "input[type=checkbox][data-keep]", |el| {
        if let Ok(input) = el.dyn_into::<HtmlInputElement>() {
            if input.checked() {
                values.push(input.value());
            }
        }
    });
    values
}

fn restore_checks(region: &Element, values: &[String]) {
    each(region, "input[type=checkbox][data-keep]", |el| {
        if let Ok(input) = el.dyn_into::<HtmlInputElement>() {
            if values.contains(&input.value()) {
                input.set_checked(true);
            }
        }
    });
}

/// Opens the page's one live-update stream. The browser's EventSource reconnects by
/// itself after a network break or a server restart; the regions are refreshed on every
/// reconnect too, since changes may have been missed meanwhile.
fn follow_live() {
    if LIVE.replace(true) {
        return;
    }
    let Ok(source) = EventSource::new("/events") else {
        leptos::logging::warn!("live updates unavailable: cannot open /events");
        return;
    };
    // One stream per tab: it stays open across navigations, and only pages with a live area
    // are refreshed by it.
    let on_message = Closure::<dyn Fn()>::new(|| {
        if page_has("[data-live]") {
            wasm_bindgen_futures::spawn_local(refresh_regions());
        }
    });
    source.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The first open is the page's own start; later ones are reconnects after a break.
    let opened = Cell::new(false);
    let on_open = Closure::<dyn Fn()>::new(move || {
        if opened.replace(true) && page_has("[data-live]") {
            wasm_bindgen_futures::spawn_local(refresh_regions());
        }
    });
    source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    // The stream lasts as long as the tab: navigation keeps the document.
    on_message.forget();
    on_open.forget();
}
