//! Small form pieces shared by the pages.

use leptos::prelude::*;

use crate::error::AppError;

/// A labelled input whose error message (if the last submission failed on this field) is
/// shown under it and tied to it for screen readers.
#[component]
pub fn Field(
    label: &'static str,
    name: &'static str,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] value: Option<String>,
    #[prop(optional)] readonly: bool,
    /// The element id, when `field-{name}` would repeat on the page.
    #[prop(optional)]
    id: Option<&'static str>,
    #[prop(into)] error: Signal<Option<AppError>>,
) -> impl IntoView {
    let id = id
        .map(str::to_owned)
        .unwrap_or_else(|| format!("field-{name}"));
    let err_id = format!("{id}-error");
    let message = move || error.get().and_then(|e| e.for_field(name));
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
                aria-invalid=move || message().is_some().then_some("true")
                aria-describedby=err_id.clone()
            />
            <p class="field-error" id=err_id role="alert">{message}</p>
        </div>
    }
}

/// The message of an error that is not about one field (wrong credentials, rate limit…).
#[component]
pub fn FormError(#[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    let message = move || {
        error
            .get()
            .filter(|e| !matches!(e, AppError::Invalid { .. }))
            .map(|e| e.to_string())
    };
    view! {
        <Show when=move || message().is_some()>
            <p class="form-error" role="alert">{message}</p>
        </Show>
    }
}

/// The message for a field that is not a plain input (a select, checkboxes, a textarea).
#[component]
pub fn FieldError(
    name: &'static str,
    #[prop(into)] error: Signal<Option<AppError>>,
) -> impl IntoView {
    let message = move || error.get().and_then(|e| e.for_field(name));
    view! { <p class="field-error" id=format!("field-{name}-error") role="alert">{message}</p> }
}
