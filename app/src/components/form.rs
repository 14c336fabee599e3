//! Form pieces shared by the pages. They render on the server; the places where a
//! submission's errors go are empty slots that the browser side fills in
//! (`components::enhance`): `data-error-for` names the field a message belongs to,
//! `data-form-error` takes a message that is about no single field.

use leptos::prelude::*;

/// A labelled input with the slot for its error message, tied to it for screen readers.
#[component]
pub fn Field(
    label: &'static str,
    name: &'static str,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional, into)] value: Option<String>,
    #[prop(optional)] readonly: bool,
    /// The element id, when `field-{name}` would repeat on the page.
    #[prop(optional)]
    id: Option<&'static str>,
) -> impl IntoView {
    let id = id
        .map(str::to_owned)
        .unwrap_or_else(|| format!("field-{name}"));
    let err_id = format!("{id}-error");
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <input
                id=id
                name=name
                type=kind
                autocomplete=autocomplete
                value=value
                readonly=readonly
                required=true
                aria-describedby=err_id.clone()
            />
            <p class="field-error" id=err_id data-error-for=name role="alert"></p>
        </div>
    }
}

/// The error slot of a field that is not a plain input (a select, checkboxes, a textarea).
#[component]
pub fn FieldError(name: &'static str) -> impl IntoView {
    view! { <p class="field-error" id=format!("field-{name}-error") data-error-for=name role="alert"></p> }
}

/// The slot for a message that is about no one field (wrong credentials, rate limit…).
#[component]
pub fn FormError() -> impl IntoView {
    view! { <p class="form-error" role="alert" data-form-error hidden></p> }
}

/// The submit button. While the form is on its way it is disabled and, if `busy` is
/// given, says so ("Sending…").
#[component]
pub fn Submit(
    label: &'static str,
    #[prop(optional)] busy: Option<&'static str>,
    #[prop(default = "button primary")] class: &'static str,
) -> impl IntoView {
    view! { <button type="submit" class=class data-busy-label=busy>{label}</button> }
}
