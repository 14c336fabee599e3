//! The invitee's page: who invited them, to which role and teams, until when; then a name
//! and a password, and they are in. Dead links say why and offer to ask for a new one.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use model::{fmt_utc, InvitePreview, LinkView};

use crate::api::accept::{open_invite, AcceptInvite, RequestNewInvite};
use crate::components::form::{Field, FormError};
use crate::error::AppError;

#[component]
pub fn AcceptPage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let view_of_link = Resource::new(token, open_invite);
    view! {
        <Title text="Your invitation"/>
        <main class="narrow wide">
            <h1 class="brand-title">"Vestibule"</h1>
            <section class="card">
                <Suspense fallback=|| view! { <p class="loading">"Checking your invitation…"</p> }>
                    {move || Suspend::new(async move {
                        match view_of_link.await {
                            Ok(LinkView::Open(preview)) => view! { <AcceptForm preview=preview token=token()/> }.into_any(),
                            Ok(other) => view! { <Refused view=other token=token()/> }.into_any(),
                            Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                        }
                    })}
                </Suspense>
            </section>
        </main>
    }
}

#[component]
fn AcceptForm(preview: InvitePreview, token: String) -> impl IntoView {
    let action = ServerAction::<AcceptInvite>::new();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    // If the link died while the page was open, show why in place of the form.
    let dead = move || match error.get() {
        Some(AppError::InviteUnusable(v)) => Some(*v),
        _ => None,
    };
    let teams = (!preview.teams.is_empty()).then(|| format!(" in {}", preview.teams.join(", ")));
    let message = (!preview.message.is_empty()).then(|| preview.message.clone());
    let token2 = token.clone();
    let email = preview.email.clone();
    view! {
        <h2>"You are invited"</h2>
        <p class="invite-summary">
            <strong>{preview.inviter_name.clone()}</strong> " invited you to join as "
            <strong class="invite-role">{preview.role_name.clone()}</strong>{teams}"."
        </p>
        {message.map(|m| view! { <blockquote class="note">{m}</blockquote> })}
        <p class="hint">{format!("This invitation is valid until {}.", fmt_utc(preview.expires_at))}</p>
        {move || match dead() {
            Some(v) => view! { <Refused view=v token=token2.clone()/> }.into_any(),
            None => {
                let token = token.clone();
                let email = email.clone();
                view! {
                    <ActionForm action=action>
                        <input type="hidden" name="token" value=token/>
                        <Field label="Email" name="email" kind="email" value=email readonly=true error=error/>
                        <Field label="Your name" name="name" autocomplete="name" error=error/>
                        <Field label="Choose a password (at least 10 characters)" name="password" kind="password" autocomplete="new-password" error=error/>
                        <Field label="Repeat the password" name="confirm" kind="password" autocomplete="new-password" error=error/>
                        <FormError error=error/>
                        <button type="submit" class="button primary" disabled=move || action.pending().get()>
                            {move || if action.pending().get() { "Creating your account…" } else { "Accept invitation" }}
                        </button>
                    </ActionForm>
                }
                .into_any()
            }
        }}
    }
}

#[component]
fn Refused(view: LinkView, token: String) -> impl IntoView {
    let ask = ServerAction::<RequestNewInvite>::new();
    let can_ask = view.can_request_new();
    let result = move || ask.value().get();
    view! {
        <h2>"This invitation cannot be used"</h2>
        <p class="form-error" role="alert">{view.refusal()}</p>
        {move || {
            if !can_ask {
                return None;
            }
            let token = token.clone();
            Some(match result() {
                Some(Ok(())) => view! { <p class="notice" role="status">"Your administrator has been told. Watch your inbox for a new invitation."</p> }.into_any(),
                other => view! {
                    <ActionForm action=ask>
                        <input type="hidden" name="token" value=token/>
                        {other.and_then(Result::err).map(|e| view! { <p class="form-error" role="alert">{e.to_string()}</p> })}
                        <button type="submit" class="button primary">"Request a new invitation"</button>
                    </ActionForm>
                }
                .into_any(),
            })
        }}
    }
}
