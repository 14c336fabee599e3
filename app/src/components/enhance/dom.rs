//! The small DOM and fetch helpers the browser side is made of.

use leptos::prelude::{document, window};
use leptos::wasm_bindgen::closure::Closure;
use leptos::wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Document, DomParser, Element, RequestInit, Response, SupportedType};

pub async fn fetch(request: js_sys::Promise) -> Result<Response, JsValue> {
    JsFuture::from(request).await?.dyn_into::<Response>()
}

/// GET of a page of the app as HTML, as navigation and region refreshes both fetch it.
pub async fn get_page(url: &str) -> Result<Response, JsValue> {
    let init = RequestInit::new();
    let headers = web_sys::Headers::new()?;
    headers.set("Accept", "text/html")?;
    init.set_headers(&headers);
    fetch(window().fetch_with_str_and_init(url, &init)).await
}

/// A fetched page's HTML as a document to take parts from (never run: scripting is off).
pub fn parse_page(html: &str) -> Option<Document> {
    DomParser::new()
        .ok()?
        .parse_from_string(html, SupportedType::TextHtml)
        .ok()
}

pub async fn text(response: &Response) -> String {
    match response.text() {
        Ok(p) => JsFuture::from(p)
            .await
            .ok()
            .and_then(|t| t.as_string())
            .unwrap_or_default(),
        Err(_) => String::new(),
    }
}

pub fn find(root: Option<&Element>, selector: &str) -> Option<Element> {
    match root {
        Some(r) => r.query_selector(selector).ok().flatten(),
        None => document().query_selector(selector).ok().flatten(),
    }
}

pub fn show(el: &Element, text: &str) {
    el.set_text_content(Some(text));
    let _ = el.remove_attribute("hidden");
}

pub fn hide(el: &Element) {
    el.set_text_content(None);
    let _ = el.set_attribute("hidden", "");
}

pub fn each(root: &Element, selector: &str, mut f: impl FnMut(Element)) {
    if let Ok(list) = root.query_selector_all(selector) {
        for i in 0..list.length() {
            if let Some(el) = list.item(i).and_then(|n| n.dyn_into::<Element>().ok()) {
                f(el);
            }
        }
    }
}

/// Field and region names are ours (letters, digits, `_`, `-`), but a stray quote must not
/// break the selector. (Dropping `-` once made the `api-keys` region unfindable, and every
/// refresh of that page a full reload.)
pub fn css_escape(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect()
}

/// Calls `f` for every `event` on the document, for as long as the tab lives.
pub fn on_document(event: &str, f: impl Fn(web_sys::Event) + 'static) {
    let f = Closure::<dyn Fn(web_sys::Event)>::new(f);
    let _ = document().add_event_listener_with_callback(event, f.as_ref().unchecked_ref());
    f.forget();
}

/// Calls `f` for every `event` on the window, for as long as the tab lives.
pub fn on_window(event: &str, f: impl Fn(web_sys::Event) + 'static) {
    let f = Closure::<dyn Fn(web_sys::Event)>::new(f);
    let _ = window().add_event_listener_with_callback(event, f.as_ref().unchecked_ref());
    f.forget();
}

/// Runs `f` once after `ms` milliseconds.
pub fn after(ms: i32, f: impl FnOnce() + 'static) {
    let f = Closure::once_into_js(f);
    let _ = window().set_timeout_with_callback_and_timeout_and_arguments_0(f.unchecked_ref(), ms);
}
