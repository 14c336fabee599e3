//! Forms sent in place: the request a server function expects, then its answer: a redirect
//! to follow, errors into the form's slots, or the outcomes the form's `data-then` lists.

use leptos::prelude::{document, window};
use leptos::wasm_bindgen::{JsCast, JsValue};
use model::IssuedLink;
use web_sys::{
    Element, FormData, HtmlElement, HtmlFormElement, HtmlInputElement, RequestInit, UrlSearchParams,
};

use super::dom::{css_escape, each, fetch, find, hide, on_document, show, text};
use super::navigation;
use super::regions::refresh_regions;
use crate::error::AppError;

/// Listens for every form's submission and for focus on a link field, on the whole
/// document: pages swapped in by navigation are covered without any set-up of their own.
pub fn listen() {
    on_document("submit", |ev| {
        if let Ok(ev) = ev.dyn_into::<web_sys::SubmitEvent>() {
            on_submit(ev);
        }
    });
    on_document("focusin", |ev| {
        if let Ok(ev) = ev.dyn_into::<web_sys::FocusEvent>() {
            on_focus(ev);
        }
    });
}

fn on_submit(ev: web_sys::SubmitEvent) {
    if ev.default_prevented() {
        return;
    }
    let Some(form) = ev
        .target()
        .and_then(|t| t.dyn_into::<HtmlFormElement>().ok())
    else {
        return;
    };
    // GET forms (filters, pagination) are navigation.
    if form.method() == "get" {
        if let Some(url) = navigation::form_url(&form, ev.submitter()) {
            ev.prevent_default();
            navigation::go(url, navigation::How::Push);
        }
        return;
    }
    // Server functions inside an enhanced area are sent in place; other posts (sign out)
    // leave the page as plain forms do.
    let action = form.get_attribute("action").unwrap_or_default();
    if !action.starts_with("/api/") || form.closest(".enhance").ok().flatten().is_none() {
        return;
    }
    ev.prevent_default();
    if form.has_attribute("aria-busy") {
        return; // already on its way: a double click sends once
    }
    wasm_bindgen_futures::spawn_local(submit(form, action));
}

/// The invitation link field selects itself, ready to copy.
fn on_focus(ev: web_sys::FocusEvent) {
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
        Ok(Answer::Redirect(to)) => navigation::go(to, navigation::How::Push),
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
            "key" => {
                if let Ok(shown) = serde_json::from_str::<ShownOnce>(body) {
                    let secret = shown.key.or(shown.secret).unwrap_or_default();
                    show_key(area, &shown.name.unwrap_or_default(), &secret);
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

fn show_notice(area: Option<&Element>, text: &str) {
    if let Some(el) = find(area, "[data-notice]") {
        show(&el, text);
    }
}

/// A secret just made, as its answer carries it: an API key (`model::IssuedApiKey`: `name`,
/// `key`) or a webhook's signing secret (`model::IssuedSecret`: `secret`).
#[derive(serde::Deserialize)]
struct ShownOnce {
    name: Option<String>,
    key: Option<String>,
    secret: Option<String>,
}

fn show_key(area: Option<&Element>, name: &str, secret: &str) {
    let Some(panel) = find(area, "[data-issued-key]") else {
        return;
    };
    if let Some(el) = find(Some(&panel), "[data-issued-name]") {
        el.set_text_content(Some(name));
    }
    if let Some(input) =
        find(Some(&panel), "input").and_then(|e| e.dyn_into::<HtmlInputElement>().ok())
    {
        input.set_value(secret);
    }
    let _ = panel.remove_attribute("hidden");
}

fn show_link(area: Option<&Element>, link: &IssuedLink, lead: Option<&str>) {
    // A scheduled invite has no link until its email goes out.
    let Some(url) = &link.link else {
        show_notice(
            area,
            &format!(
                "Scheduled: the invitation to {} and its link go out at the time you chose.",
                link.email
            ),
        );
        return;
    };
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
        input.set_value(url);
    }
    let _ = panel.remove_attribute("hidden");
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
    let slot = find(Some(form), "[data-form-error]").or_else(|| find(area, "[data-area-error]"));
    match slot {
        Some(el) => show(&el, &e.to_string()),
        None => {
            let _ = window().alert_with_message(&e.to_string());
        }
    }
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
                let _ =
                    button.set_attribute("data-label", &button.text_content().unwrap_or_default());
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
