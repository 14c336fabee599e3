//! Navigation in place: a click on a link to another page of the app, a GET form and
//! back/forward fetch the page from the server and swap the new page's body into this
//! document, so the tab keeps its WASM, its live stream and its history of pages.
//!
//! It behaves like a page load where people notice: the URL and title change; back and
//! forward work (the page is fetched again, with the scroll position and the typed-in fields
//! of that visit put back, as a browser does); a new page starts at the top, or at its `#id`;
//! focus moves to the new page's main heading, and the status region reads the new title out
//! to screen readers; a progress bar shows when the server takes longer than 150 ms. Anything
//! it does not handle (other origins, new tabs, downloads, `/api/` and other non-page answers)
//! is left to the browser, and without WASM links and forms are plain ones.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;

use leptos::prelude::{document, window};
use leptos::wasm_bindgen::{JsCast, JsValue};
use web_sys::{
    Element, FormData, HtmlElement, HtmlFormElement, HtmlInputElement, HtmlSelectElement,
    HtmlTextAreaElement, MouseEvent, ScrollRestoration, Url, UrlSearchParams,
};

use super::dom::{after, each, get_page, on_document, on_window, parse_page, text};
use super::regions;

/// How a navigation changes the session history.
#[derive(Clone, Copy, PartialEq)]
pub enum How {
    /// A new entry (a click, a form, a redirect after a form).
    Push,
    /// The same entry, corrected (a refreshed page that was sent elsewhere).
    Replace,
    /// An entry the browser went back or forward to.
    Pop,
}

/// When a slow navigation starts showing progress.
const PROGRESS_AFTER_MS: i32 = 150;

thread_local! {
    /// Counts the pages swapped in: a refresh that started on another page is stale.
    static PAGE: Cell<u32> = const { Cell::new(0) };
    /// The latest navigation asked for: a slower earlier one is dropped when it arrives.
    static WANTED: Cell<u32> = const { Cell::new(0) };
    /// The navigation on its way, if any (0: none), for the progress bar.
    static LOADING: Cell<u32> = const { Cell::new(0) };
    /// The history entry this document shows (its `history.state`).
    static ENTRY: Cell<f64> = const { Cell::new(0.0) };
    /// What each visited entry looked like when it was left: scroll and fields.
    static SAVED: RefCell<HashMap<u64, Saved>> = RefCell::new(HashMap::new());
}

/// Which page this document shows now (see [`PAGE`]).
pub fn page() -> u32 {
    PAGE.get()
}

pub fn listen() {
    let Ok(history) = window().history() else {
        return;
    };
    // Scroll is put back by `restore`, after the page arrives, not by the browser before.
    let _ = history.set_scroll_restoration(ScrollRestoration::Manual);
    let entry = shown_entry(&history);
    ENTRY.set(entry);
    let _ = history.replace_state(&JsValue::from(entry), "");
    on_document("click", |ev| {
        if let Ok(ev) = ev.dyn_into::<MouseEvent>() {
            on_click(ev);
        }
    });
    on_window("popstate", |_| {
        if let Ok(here) = window().location().href() {
            go(here, How::Pop);
        }
    });
}

/// The key of the entry the browser shows now, or a new one for an entry without (the
/// tab's first page, or one made by a page load).
fn shown_entry(history: &web_sys::History) -> f64 {
    history
        .state()
        .ok()
        .and_then(|s| s.as_f64())
        .unwrap_or_else(new_entry)
}

/// Entries are told apart across reloads of the tab, so their keys are times.
fn new_entry() -> f64 {
    let now = js_sys::Date::now();
    let last = ENTRY.get();
    if now > last {
        now
    } else {
        last + 1.0
    }
}

fn on_click(ev: MouseEvent) {
    if ev.default_prevented()
        || ev.button() != 0
        || ev.meta_key()
        || ev.ctrl_key()
        || ev.shift_key()
        || ev.alt_key()
    {
        return;
    }
    let Some(link) = ev
        .target()
        .and_then(|t| t.dyn_into::<Element>().ok())
        .and_then(|e| e.closest("a[href]").ok().flatten())
    else {
        return;
    };
    let target = link.get_attribute("target").unwrap_or_default();
    let rel = link.get_attribute("rel").unwrap_or_default();
    if !(target.is_empty() || target == "_self")
        || link.has_attribute("download")
        || rel.split_whitespace().any(|r| r == "external")
    {
        return;
    }
    let href = link.get_attribute("href").unwrap_or_default();
    let Some(url) = ours(&href) else { return };
    // Only the fragment differs: the browser scrolls to it by itself.
    if let Ok(here) = Url::new(&window().location().href().unwrap_or_default()) {
        if url.pathname() == here.pathname()
            && url.search() == here.search()
            && !url.hash().is_empty()
        {
            return;
        }
    }
    ev.prevent_default();
    go(url.href(), How::Push);
}

/// `href` as an absolute URL if it is a page of this app: same origin, and not an endpoint
/// (`/api/…`, `/events`, the bundle under `/pkg/`).
fn ours(href: &str) -> Option<Url> {
    let location = window().location();
    let url = Url::new_with_base(href, &location.href().ok()?).ok()?;
    let path = url.pathname();
    let endpoint = ["/api/", "/pkg/", "/events"]
        .iter()
        .any(|p| path.starts_with(p));
    (url.origin() == location.origin().ok()? && !endpoint).then_some(url)
}

/// Where a GET form goes: its action with its fields as the query, as a browser builds it.
pub fn form_url(form: &HtmlFormElement, submitter: Option<HtmlElement>) -> Option<String> {
    let url = ours(&form.get_attribute("action").unwrap_or_default())?;
    let data = FormData::new_with_form(form).ok()?;
    // The button that sent the form is one of its fields when it has a name.
    if let Some(button) = submitter {
        if let Some(name) = button.get_attribute("name").filter(|n| !n.is_empty()) {
            let value = button.get_attribute("value").unwrap_or_default();
            let _ = data.append_with_str(&name, &value);
        }
    }
    let query = UrlSearchParams::new_with_str_sequence_sequence(&data).ok()?;
    url.set_search(&String::from(query.to_string()));
    url.set_hash("");
    Some(url.href())
}

/// Goes to `url` in place (see the module's text).
pub fn go(url: String, how: How) {
    wasm_bindgen_futures::spawn_local(navigate(url, how));
}

async fn navigate(url: String, how: How) {
    let wanted = WANTED.get() + 1;
    WANTED.set(wanted);
    LOADING.set(wanted);
    after(PROGRESS_AFTER_MS, move || {
        if LOADING.get() == wanted {
            progress(true);
        }
    });
    arrive(&url, how, wanted).await;
    if LOADING.get() == wanted {
        LOADING.set(0);
        progress(false);
    }
}

/// Fetches `url` and swaps it in, unless a later navigation took over meanwhile.
async fn arrive(url: &str, how: How, wanted: u32) {
    let answer = get_page(url).await;
    if WANTED.get() != wanted {
        return; // a later navigation took over
    }
    let html_page = answer.as_ref().is_ok_and(|r| {
        r.headers()
            .get("content-type")
            .ok()
            .flatten()
            .is_some_and(|t| t.starts_with("text/html"))
    });
    let response = match answer {
        Ok(r) if html_page => r,
        // Offline, or not a page after all: the browser shows whatever it is.
        _ => return leave(url, how),
    };
    let arrived = response.url();
    let html = text(&response).await;
    if WANTED.get() != wanted {
        return;
    }
    let Some(fresh) = parse_page(&html) else {
        return leave(url, how);
    };
    swap(&fresh, &arrived, how);
}

/// Lets the browser load `url` itself.
fn leave(url: &str, how: How) {
    let location = window().location();
    let _ = match how {
        How::Push => location.assign(url),
        How::Replace | How::Pop => location.replace(url),
    };
}

fn swap(fresh: &web_sys::Document, url: &str, how: How) {
    let Ok(history) = window().history() else {
        return;
    };
    save(ENTRY.get());
    document().set_title(&fresh.title());
    let (Some(body), Some(new_body)) = (document().body(), fresh.body()) else {
        return;
    };
    // Scripts of the new page are not run (its data came rendered), and `<noscript>` parts,
    // elements in a document parsed without scripting, must not arrive as such (a refresh).
    // What the shell keeps across pages (`data-persist`, children of the body) stays.
    each(&new_body, "script, noscript, body > [data-persist]", |el| {
        el.remove()
    });
    let kept = document()
        .query_selector("body > [data-persist]")
        .ok()
        .flatten();
    each(&body, ":scope > :not([data-persist])", |el| el.remove());
    while let Some(child) = new_body.first_child() {
        if body
            .insert_before(&child, kept.as_ref().map(|k| k.unchecked_ref()))
            .is_err()
        {
            return leave(url, how);
        }
    }
    PAGE.set(PAGE.get() + 1);
    match how {
        How::Push => {
            let entry = new_entry();
            ENTRY.set(entry);
            let _ = history.push_state_with_url(&JsValue::from(entry), "", Some(url));
        }
        How::Replace => {
            let _ = history.replace_state_with_url(&JsValue::from(ENTRY.get()), "", Some(url));
        }
        How::Pop => {
            let entry = shown_entry(&history);
            ENTRY.set(entry);
            // Sent elsewhere on the way (signed out meanwhile): the entry says where it is now.
            let _ = history.replace_state_with_url(&JsValue::from(entry), "", Some(url));
        }
    }
    let restored = how == How::Pop && restore(entry_key(ENTRY.get()));
    if !restored {
        top_or_fragment();
    }
    focus_heading();
    announce(&fresh.title());
    regions::arrived();
}

/// A new page starts at the top, or at the element its `#fragment` names.
fn top_or_fragment() {
    let hash = window().location().hash().unwrap_or_default();
    let target = hash
        .strip_prefix('#')
        .filter(|id| !id.is_empty())
        .and_then(|id| document().get_element_by_id(id));
    match target {
        Some(el) => el.scroll_into_view(),
        None => window().scroll_to_with_x_and_y(0.0, 0.0),
    }
}

/// Focus goes to the page's main heading, as a screen reader user expects of a new page
/// (it can take focus without entering the tab order).
fn focus_heading() {
    let heading = document()
        .query_selector("main h1, h1")
        .ok()
        .flatten()
        .and_then(|h| h.dyn_into::<HtmlElement>().ok());
    if let Some(h) = heading {
        if !h.has_attribute("tabindex") {
            let _ = h.set_attribute("tabindex", "-1");
        }
        let options = web_sys::FocusOptions::new();
        options.set_prevent_scroll(true);
        let _ = h.focus_with_options(&options);
    }
}

/// The status region (kept with the shell, outside the swapped part) reads the new page's title.
fn announce(title: &str) {
    if let Some(el) = document().get_element_by_id("nav-status") {
        el.set_text_content(Some(title));
    }
}

fn progress(on: bool) {
    if let Some(bar) = document().get_element_by_id("nav-progress") {
        let _ = if on {
            bar.remove_attribute("hidden")
        } else {
            bar.set_attribute("hidden", "")
        };
    }
    if let Some(main) = document().query_selector("main").ok().flatten() {
        let _ = if on {
            main.set_attribute("aria-busy", "true")
        } else {
            main.remove_attribute("aria-busy")
        };
    }
}

/// A page as it was left: where it was scrolled to and what its fields held.
struct Saved {
    scroll: f64,
    fields: Vec<(String, Field)>,
}

enum Field {
    Text(String),
    Checked(bool),
}

fn entry_key(entry: f64) -> u64 {
    entry as u64
}

fn save(entry: f64) {
    let mut fields = Vec::new();
    each_field(|key, el| {
        if let Some(f) = read_field(&el) {
            fields.push((key, f));
        }
    });
    let scroll = window().scroll_y().unwrap_or(0.0);
    SAVED.with_borrow_mut(|s| {
        s.insert(entry_key(entry), Saved { scroll, fields });
    });
}

/// Puts back what [`save`] kept of this entry; false if nothing was kept (a reloaded tab).
fn restore(key: u64) -> bool {
    let Some(saved) = SAVED.with_borrow_mut(|s| s.remove(&key)) else {
        return false;
    };
    each_field(|key, el| {
        if let Some((_, f)) = saved.fields.iter().find(|(k, _)| *k == key) {
            write_field(&el, f);
        }
    });
    window().scroll_to_with_x_and_y(0.0, saved.scroll);
    true
}

/// The fields a person types into or ticks, each with a key that finds it again on the
/// same page rendered anew: its id, or its form's action, its name and its place.
fn each_field(mut f: impl FnMut(String, Element)) {
    let mut seen: HashMap<String, usize> = HashMap::new();
    each(
        &document().document_element().unwrap(),
        "main input, main select, main textarea",
        |el| {
            let kind = el.get_attribute("type").unwrap_or_default();
            if matches!(
                kind.as_str(),
                "hidden" | "password" | "file" | "submit" | "button"
            ) {
                return;
            }
            let base = match el.get_attribute("id").filter(|i| !i.is_empty()) {
                Some(id) => format!("#{id}"),
                None => {
                    let form = el
                        .closest("form")
                        .ok()
                        .flatten()
                        .and_then(|f| f.get_attribute("action"))
                        .unwrap_or_default();
                    format!(
                        "{form} {} {}",
                        el.get_attribute("name").unwrap_or_default(),
                        el.get_attribute("value").unwrap_or_default()
                    )
                }
            };
            let n = seen.entry(base.clone()).or_default();
            *n += 1;
            f(format!("{base} {n}"), el);
        },
    );
}

fn read_field(el: &Element) -> Option<Field> {
    if let Some(i) = el.dyn_ref::<HtmlInputElement>() {
        return Some(match i.type_().as_str() {
            "checkbox" | "radio" => Field::Checked(i.checked()),
            _ => Field::Text(i.value()),
        });
    }
    if let Some(s) = el.dyn_ref::<HtmlSelectElement>() {
        return Some(Field::Text(s.value()));
    }
    el.dyn_ref::<HtmlTextAreaElement>()
        .map(|t| Field::Text(t.value()))
}

fn write_field(el: &Element, f: &Field) {
    match f {
        Field::Checked(on) => {
            if let Some(i) = el.dyn_ref::<HtmlInputElement>() {
                i.set_checked(*on);
            }
        }
        Field::Text(v) => {
            if let Some(i) = el.dyn_ref::<HtmlInputElement>() {
                i.set_value(v);
            } else if let Some(s) = el.dyn_ref::<HtmlSelectElement>() {
                s.set_value(v);
            } else if let Some(t) = el.dyn_ref::<HtmlTextAreaElement>() {
                t.set_value(v);
            }
        }
    }
}
