//! The invitee's page: who invited them, to which role and teams, until when; then a name
//! and a password, and they are in. Dead links say why and offer to ask for a new one.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use model::{fmt_utc, InvitePreview, LinkView};

use crate::api::accept::{open_invite, AcceptInvite, RequestNewInvite};
use crate::components::enhance::Enhance;
use crate::components::form::{Field, FormError, Submit};
use crate::components::server_data::loading;

#[component]
pub fn AcceptPage() -> impl IntoView {
    let params = use_params_map();
    let token = params.read_untracked().get("token").unwrap_or_default();
    view! {
        <Title text="Your invitation"/>
        <main class="narrow wide">
            <h1 class="brand-title">"Vestibule"</h1>
            <section class="card">
                {loading("your invitation", open_invite(token.clone()), move |link| match link {
                    LinkView::Open(preview) => view! { <Invitation preview=preview token=token/> }.into_any(),
                    other => view! { <Refused view=other token=token/> }.into_any(),
                })}
            </section>
        </main>
    }
}

/// If the link dies while this page is open (revoked, replaced), accepting is refused and the
/// page, loaded again, shows why.
#[component]
fn Invitation(preview: InvitePreview, token: String) -> impl IntoView {
    let teams = (!preview.teams.is_empty()).then(|| format!(" in {}", preview.teams.join(", ")));
    let message = (!preview.message.is_empty()).then(|| preview.message.clone());
    view! {
        <h2>"You are invited"</h2>
        <p class="invite-summary">
            <strong>{preview.inviter_name.clone()}</strong> " invited you to join as "
            <strong class="invite-role">{preview.role_name.clone()}</strong>{teams}"."
        </p>
        {message.map(|m| view! { <blockquote class="note">{m}</blockquote> })}
        <p class="hint">{format!("This invitation is valid until {}.", fmt_utc(preview.expires_at))}</p>
        <Enhance live=false>
            <form method="post" action=AcceptInvite::PATH>
                <input type="hidden" name="token" value=token/>
                <Field label="Email" name="email" kind="email" value=preview.email readonly=true/>
                <Field label="Your name" name="name" autocomplete="name"/>
                <Field label="Choose a password (at least 10 characters)" name="password" kind="password" autocomplete="new-password"/>
                <Field label="Repeat the password" name="confirm" kind="password" autocomplete="new-password"/>
                <FormError/>
                <Submit label="Accept invitation" busy="Creating your account…"/>
            </form>
        </Enhance>
    }
}

#[component]
fn Refused(view: LinkView, token: String) -> impl IntoView {
    let can_ask = view.can_request_new();
    view! {
        <h2>"This invitation cannot be used"</h2>
        <p class="form-error" role="alert">{view.refusal()}</p>
        {can_ask.then(|| view! {
            <Enhance live=false>
                <form method="post" action=RequestNewInvite::PATH data-then="replace"
                    data-done="Your administrator has been told. Watch your inbox for a new invitation.">
                    <input type="hidden" name="token" value=token/>
                    <FormError/>
                    <Submit label="Request a new invitation"/>
                </form>
            </Enhance>
        })}
    }
}
