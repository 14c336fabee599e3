//! Regions refreshed from the server: the page is fetched again and each `data-region`
//! swapped for its new rendering; the live-update stream asks for that on every change.

use std::cell::Cell;

use leptos::prelude::{document, window};
use leptos::wasm_bindgen::closure::Closure;
use leptos::wasm_bindgen::JsCast;
use web_sys::{DomParser, Element, EventSource, HtmlInputElement, RequestInit, SupportedType};

use super::dom::{css_escape, each, fetch, text};

thread_local! {
    /// 0: idle; 1: a refresh is running; 2: running, and another is wanted after it.
    static REFRESH: Cell<u8> = const { Cell::new(0) };
    static LIVE: Cell<bool> = const { Cell::new(false) };
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
    let init = RequestInit::new();
    let headers = web_sys::Headers::new().ok();
    if let Some(h) = &headers {
        let _ = h.set("Accept", "text/html");
        init.set_headers(h);
    }
    let Ok(response) = fetch(window().fetch_with_str_and_init(&here, &init)).await else {
        return; // offline for a moment: the next change or reconnect refreshes again
    };
    let html = text(&response).await;
    let Ok(parser) = DomParser::new() else { return };
    let Ok(fresh) = parser.parse_from_string(&html, SupportedType::TextHtml) else {
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
    // The page is no longer what it was (signed out, deactivated, gone): go where the
    // server sent us.
    if lost {
        let _ = location.assign(&response.url());
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
pub fn follow_live() {
    if LIVE.replace(true) {
        return;
    }
    let Ok(source) = EventSource::new("/events") else {
        leptos::logging::warn!("live updates unavailable: cannot open /events");
        return;
    };
    let on_message = Closure::<dyn Fn()>::new(|| leptos::task::spawn_local(refresh_regions()));
    source.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The first open is the page's own start; later ones are reconnects after a break.
    let opened = Cell::new(false);
    let on_open = Closure::<dyn Fn()>::new(move || {
        if opened.replace(true) {
            leptos::task::spawn_local(refresh_regions());
        }
    });
    source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    // The stream lasts as long as the page: navigating loads a new document.
    on_message.forget();
    on_open.forget();
}
