//! The invitee's page: who invited them, to which role and teams, until when; then a name
//! and a password, and they are in, or a reason and they have said no. Dead links say why
//! and offer to ask for a new one. Someone else signed in on this browser is told so and
//! offered to sign out first: an invite is never attached to them.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use model::{CurrentUser, InvitePreview, LinkView};

use crate::api::accept::{open_invite, AcceptInvite, DeclineInvite, RequestNewInvite};
use crate::api::auth::whoami;
use crate::components::enhance::Enhance;
use crate::components::form::{Field, FieldError, FormError, Submit};
use crate::components::server_data::loading;
use crate::components::time::When;

#[component]
pub fn AcceptPage() -> impl IntoView {
    let params = use_params_map();
    let token = params.read_untracked().get("token").unwrap_or_default();
    let data = {
        let token = token.clone();
        async move { Ok((open_invite(token).await?, whoami().await?)) }
    };
    view! {
        <Title text="Your invitation"/>
        <main class="narrow wide">
            <h1 class="brand-title">"Vestibule"</h1>
            <section class="card">
                {loading("your invitation", data, move |(link, signed_in)| match (link, signed_in) {
                    (LinkView::Open(preview), Some(user)) => view! { <SignedInAsSomeoneElse preview=preview user=user token=token/> }.into_any(),
                    (LinkView::Open(preview), None) => view! { <Invitation preview=preview token=token/> }.into_any(),
                    (other, _) => view! { <Refused view=other token=token/> }.into_any(),
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
    let declined = format!(
        "You declined the invitation. {} has been told; the link no longer works.",
        preview.inviter_name
    );
    let decline_token = token.clone();
    view! {
        <Summary preview=preview.clone() teams=teams/>
        {message.map(|m| view! { <blockquote class="note">{m}</blockquote> })}
        <p class="hint">"This invitation is valid until " <When at=preview.expires_at/> "."</p>
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
        <details class="decline">
            <summary>"Not for you? Decline the invitation"</summary>
            <Enhance live=false>
                <form method="post" action=DeclineInvite::PATH data-then="replace" data-done=declined>
                    <input type="hidden" name="token" value=decline_token/>
                    <div class="field">
                        <label for="field-reason">"Reason (optional; the person who invited you will see it)"</label>
                        <textarea id="field-reason" name="reason" rows="3" maxlength="500" aria-describedby="field-reason-error"></textarea>
                        <FieldError name="reason"/>
                    </div>
                    <FormError/>
                    <Submit label="Decline invitation" busy="Declining…" class="button danger"/>
                </form>
            </Enhance>
        </details>
    }
}

#[component]
fn Summary(preview: InvitePreview, teams: Option<String>) -> impl IntoView {
    view! {
        <h2>"You are invited"</h2>
        <p class="invite-summary">
            <strong>{preview.inviter_name.clone()}</strong> " invited you to join as "
            <strong class="invite-role">{preview.role_name.clone()}</strong>{teams}"."
        </p>
    }
}

/// The invitation is for someone else than the person signed in here: nothing is offered
/// but to sign out and come back to this page.
#[component]
fn SignedInAsSomeoneElse(
    preview: InvitePreview,
    user: CurrentUser,
    token: String,
) -> impl IntoView {
    let teams = (!preview.teams.is_empty()).then(|| format!(" in {}", preview.teams.join(", ")));
    let invitee = preview.email.clone();
    let message = (!preview.message.is_empty()).then(|| preview.message.clone());
    view! {
        <Summary preview=preview teams=teams/>
        {message.map(|m| view! { <blockquote class="note">{m}</blockquote> })}
        <p class="notice signed-in-as" role="status">
            {format!("You are signed in as {} ({}). This invitation is for {invitee}: accepting it here would not add it to your account.", user.name, user.email)}
        </p>
        <form method="post" action="/api/sign_out">
            <input type="hidden" name="next" value=format!("/invite/{token}")/>
            <button type="submit" class="button primary">{format!("Sign out and continue as {invitee}")}</button>
        </form>
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
