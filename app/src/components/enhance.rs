//! Server-rendered pages that behave like an app: forms submit in place, and the parts that
//! change are fetched again from the server.
//!
//! Every page renders on the server, forms included: each form posts to its server function
//! (`action="/api/…"`), and works that way without WASM as well. Wrapped in [`Enhance`], the
//! island that hydrates in the browser, a form is instead sent with `fetch`, and then:
//! - a redirect the server function asked for is followed (sign-in, accept);
//! - an error goes into the form's slots (`components::form`): the field's `data-error-for`,
//!   else the form's `data-form-error`, else the nearest `data-area-error`;
//! - success does what the form's `data-then` lists, in order: `reset` the form, show the
//!   issued `link`, show a `notice` (the form's `data-done` text), show the `revoked` count,
//!   `replace` the form by its notice, `refresh` the regions (the default).
//!
//! A *region* (`data-region="name"`) is a part of the page that can change: the invites list,
//! a timeline, the dashboard's figures. Refreshing fetches the page again and swaps each
//! region's contents for the server's new rendering of it. With `live`, regions are
//! refreshed whenever the server announces a change (`GET /events`, server-sent events).
//!
//! Why not reactive views in WASM: the views then live in one place, on the server, and the
//! browser downloads this one small module instead of the rendering code of every list and
//! form (a bundle budget of 250 KB gzipped; see the README's performance section).

use leptos::prelude::*;

/// Makes the forms and regions inside it work in place. `live`: refresh the regions on the
/// server's live updates.
#[island]
pub fn Enhance(live: bool, children: Children) -> impl IntoView {
    #[cfg(feature = "hydrate")]
    if live {
        browser::follow_live();
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = live;
    view! {
        <div
            class="enhance"
            on:submit=|ev| {
                #[cfg(feature = "hydrate")]
                browser::on_submit(ev);
                #[cfg(not(feature = "hydrate"))]
                let _ = ev;
            }
            on:focusin=|ev| {
                #[cfg(feature = "hydrate")]
                browser::on_focus(ev);
                #[cfg(not(feature = "hydrate"))]
                let _ = ev;
            }
        >
            {children()}
        </div>
    }
}

/// The slot for errors of forms that have none of their own (row actions in a table).
#[component]
pub fn AreaError() -> impl IntoView {
    view! { <p class="form-error" role="alert" data-area-error hidden></p> }
}

/// Where `notice` and `revoked` outcomes are shown.
#[component]
pub fn Notice() -> impl IntoView {
    view! { <p class="notice" role="status" data-notice hidden></p> }
}

/// Where a `link` outcome shows the link just issued, once, for copying.
#[component]
pub fn IssuedLink() -> impl IntoView {
    view! {
        <section class="card notice-card" role="status" data-issued hidden>
            <p>
                <span data-issued-lead>"Invite to"</span> " " <strong data-issued-email></strong>
                " is on its way. Copy the link now if you want to pass it on yourself: it is not shown again."
            </p>
            <label class="sr-only" for="issued-link">"Invitation link"</label>
            <input id="issued-link" class="copy-link" readonly=true value=""/>
        </section>
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    use std::cell::Cell;

    use leptos::prelude::{document, window};
    use leptos::wasm_bindgen::closure::Closure;
    use leptos::wasm_bindgen::{JsCast, JsValue};
    use model::IssuedLink;
    use wasm_bindgen_futures::JsFuture;
    use web_sys::{
        DomParser, Element, EventSource, FormData, HtmlElement, HtmlFormElement, HtmlInputElement,
        RequestInit, Response, SupportedType, UrlSearchParams,
    };

    use crate::error::AppError;

    pub fn on_submit(ev: web_sys::SubmitEvent) {
        let Some(form) = ev
            .target()
            .and_then(|t| t.dyn_into::<HtmlFormElement>().ok())
        else {
            return;
        };
        // GET forms (filters) navigate as usual; only server functions are sent in place.
        let action = form.get_attribute("action").unwrap_or_default();
        if form.method() != "post" || !action.starts_with("/api/") {
            return;
        }
        ev.prevent_default();
        if form.has_attribute("aria-busy") {
            return; // already on its way: a double click sends once
        }
        leptos::task::spawn_local(submit(form, action));
    }

    /// The invitation link field selects itself, ready to copy.
    pub fn on_focus(ev: web_sys::FocusEvent) {
        if let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
        {
            if input.class_list().contains("copy-link") {
                input.select();
            }
        }
    }

    enum Answer {
        Redirect(String),
        Done(String),
    }

    async fn submit(form: HtmlFormElement, action: String) {
        let area = form.closest(".enhance").ok().flatten();
        clear_messages(&form, area.as_ref());
        busy(&form, true);
        let answer = post(&form, &action).await;
        busy(&form, false);
        match answer {
            Ok(Answer::Redirect(to)) => {
                let _ = window().location().assign(&to);
            }
            Ok(Answer::Done(body)) => done(&form, area.as_ref(), &body).await,
            // The link died while the page was open: the page, loaded again, says why.
            Err(AppError::InviteUnusable(_)) => {
                let _ = window().location().reload();
            }
            Err(e) => show_error(&form, area.as_ref(), &e),
        }
    }

    /// Sends the form as the server function expects it (URL-encoded fields, JSON answer).
    async fn post(form: &HtmlFormElement, action: &str) -> Result<Answer, AppError> {
        let unreachable = |_| {
            AppError::Request(
                "the server cannot be reached. Check your connection and try again.".into(),
            )
        };
        let data = FormData::new_with_form(form).map_err(unreachable)?;
        let fields = UrlSearchParams::new_with_str_sequence_sequence(&data).map_err(unreachable)?;
        let init = RequestInit::new();
        init.set_method("POST");
        init.set_body(&JsValue::from(String::from(fields.to_string())));
        let headers = web_sys::Headers::new().map_err(unreachable)?;
        let _ = headers.set("Content-Type", "application/x-www-form-urlencoded");
        let _ = headers.set("Accept", "application/json");
        init.set_headers(&headers);
        let response = fetch(window().fetch_with_str_and_init(action, &init))
            .await
            .map_err(unreachable)?;
        let body = text(&response).await;
        let headers = response.headers();
        if headers.has("serverfnredirect").unwrap_or(false) {
            let to = headers
                .get("location")
                .ok()
                .flatten()
                .unwrap_or_else(|| "/".into());
            return Ok(Answer::Redirect(to));
        }
        if response.ok() {
            return Ok(Answer::Done(body));
        }
        Err(serde_json::from_str::<AppError>(&body).unwrap_or_else(|_| {
            // Not one of ours (a proxy, the CSRF guard, a body limit): say what came back.
            let said = body.trim();
            AppError::Request(if said.is_empty() || said.len() > 300 {
                format!("the server answered {}.", response.status())
            } else {
                said.to_owned()
            })
        }))
    }

    async fn fetch(request: js_sys::Promise) -> Result<Response, JsValue> {
        JsFuture::from(request).await?.dyn_into::<Response>()
    }

    async fn text(response: &Response) -> String {
        match response.text() {
            Ok(p) => JsFuture::from(p)
                .await
                .ok()
                .and_then(|t| t.as_string())
                .unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    async fn done(form: &HtmlFormElement, area: Option<&Element>, body: &str) {
        let then = form
            .get_attribute("data-then")
            .unwrap_or_else(|| "refresh".into());
        let done_text = form.get_attribute("data-done").unwrap_or_default();
        for step in then.split_whitespace() {
            match step {
                "reset" => form.reset(),
                "link" => {
                    if let Ok(link) = serde_json::from_str::<IssuedLink>(body) {
                        let lead = form.get_attribute("data-link-lead");
                        show_link(area, &link, lead.as_deref());
                    }
                }
                "notice" => show_notice(area, &done_text),
                "revoked" => {
                    if let Ok((revoked, skipped)) = serde_json::from_str::<(u64, u64)>(body) {
                        show_notice(area, &revoked_text(revoked, skipped));
                    }
                }
                "replace" => {
                    if let Ok(p) = document().create_element("p") {
                        p.set_class_name("notice");
                        let _ = p.set_attribute("role", "status");
                        p.set_text_content(Some(&done_text));
                        let _ = form.replace_with_with_node_1(&p);
                    }
                }
                "refresh" => refresh_regions().await,
                _ => {}
            }
        }
    }

    fn revoked_text(revoked: u64, skipped: u64) -> String {
        let mut text = format!(
            "Revoked {revoked} invite{}.",
            if revoked == 1 { "" } else { "s" }
        );
        if skipped > 0 {
            text.push_str(&format!(
                " {skipped} selected were no longer pending and were left as they are."
            ));
        }
        text
    }

    fn find(root: Option<&Element>, selector: &str) -> Option<Element> {
        match root {
            Some(r) => r.query_selector(selector).ok().flatten(),
            None => document().query_selector(selector).ok().flatten(),
        }
    }

    fn show(el: &Element, text: &str) {
        el.set_text_content(Some(text));
        let _ = el.remove_attribute("hidden");
    }

    fn hide(el: &Element) {
        el.set_text_content(None);
        let _ = el.set_attribute("hidden", "");
    }

    fn show_notice(area: Option<&Element>, text: &str) {
        if let Some(el) = find(area, "[data-notice]") {
            show(&el, text);
        }
    }

    fn show_link(area: Option<&Element>, link: &IssuedLink, lead: Option<&str>) {
        let Some(panel) = find(area, "[data-issued]") else {
            return;
        };
        if let Some(el) = find(Some(&panel), "[data-issued-lead]") {
            el.set_text_content(Some(lead.unwrap_or("Invite to")));
        }
        if let Some(el) = find(Some(&panel), "[data-issued-email]") {
            el.set_text_content(Some(&link.email));
        }
        if let Some(input) =
            find(Some(&panel), "input").and_then(|e| e.dyn_into::<HtmlInputElement>().ok())
        {
            input.set_value(&link.link);
        }
        let _ = panel.remove_attribute("hidden");
    }

    fn each(root: &Element, selector: &str, mut f: impl FnMut(Element)) {
        if let Ok(list) = root.query_selector_all(selector) {
            for i in 0..list.length() {
                if let Some(el) = list.item(i).and_then(|n| n.dyn_into::<Element>().ok()) {
                    f(el);
                }
            }
        }
    }

    fn clear_messages(form: &HtmlFormElement, area: Option<&Element>) {
        each(form, "[data-error-for]", |el| el.set_text_content(None));
        each(form, "[aria-invalid]", |el| {
            let _ = el.remove_attribute("aria-invalid");
        });
        each(form, "[data-form-error]", |el| hide(&el));
        if let Some(area) = area {
            each(area, "[data-area-error], [data-notice]", |el| hide(&el));
        }
    }

    fn show_error(form: &HtmlFormElement, area: Option<&Element>, e: &AppError) {
        if let AppError::Invalid { field, message } = e {
            let slot = format!("[data-error-for=\"{}\"]", css_escape(field));
            if let Some(el) = find(Some(form), &slot) {
                el.set_text_content(Some(message));
                let input = format!("[name=\"{0}\"], [name^=\"{0}[\"]", css_escape(field));
                each(form, &input, |i| {
                    let _ = i.set_attribute("aria-invalid", "true");
                });
                return;
            }
        }
        let slot =
            find(Some(form), "[data-form-error]").or_else(|| find(area, "[data-area-error]"));
        match slot {
            Some(el) => show(&el, &e.to_string()),
            None => {
                let _ = window().alert_with_message(&e.to_string());
            }
        }
    }

    /// Field names are ours (letters, digits, `_`), but a stray quote must not break the
    /// selector.
    fn css_escape(name: &str) -> String {
        name.chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    }

    fn busy(form: &HtmlFormElement, on: bool) {
        if on {
            let _ = form.set_attribute("aria-busy", "true");
        } else {
            let _ = form.remove_attribute("aria-busy");
        }
        each(form, "button[type=submit]", |b| {
            let Ok(button) = b.dyn_into::<HtmlElement>() else {
                return;
            };
            if on {
                let _ = button.set_attribute("disabled", "");
                if let Some(label) = button.get_attribute("data-busy-label") {
                    let _ = button
                        .set_attribute("data-label", &button.text_content().unwrap_or_default());
                    button.set_text_content(Some(&label));
                }
            } else {
                let _ = button.remove_attribute("disabled");
                if let Some(label) = button.get_attribute("data-label") {
                    button.set_text_content(Some(&label));
                    let _ = button.remove_attribute("data-label");
                }
            }
        });
    }

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
}
