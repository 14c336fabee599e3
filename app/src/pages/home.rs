use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use model::CurrentUser;

use crate::api::address::ResendAddressConfirmation;
use crate::api::auth::{ChangePassword, SignOutEverywhere};
use crate::components::enhance::Enhance;
use crate::components::form::{Field, FormError, Submit};

#[component]
pub fn HomePage() -> impl IntoView {
    let user = expect_context::<CurrentUser>();
    let permissions: Vec<_> = user.permissions.iter().map(|p| p.label()).collect();
    let query = use_query_map().read_untracked();
    let confirmed = query.get("address").as_deref() == Some("confirmed");
    let password_changed = query.get("password").as_deref() == Some("changed");
    view! {
        <Title text="Home"/>
        <h1>{format!("Welcome, {}", user.name)}</h1>
        {confirmed.then(|| view! {
            <p class="notice" role="status">"Thank you: your email address is confirmed."</p>
        })}
        {password_changed.then(|| view! {
            <p class="notice" role="status">"Your password is changed. Every other sign-in of yours has ended."</p>
        })}
        {(!user.address_confirmed).then(|| view! {
            <section class="card" aria-labelledby="confirm-heading">
                <h2 id="confirm-heading">"Confirm your email address"</h2>
                <p>
                    "You joined through a link that was passed on to you, so your address is not confirmed yet. "
                    "We emailed " <strong>{user.email.clone()}</strong> " a link: open it while signed in."
                </p>
                <Enhance live=false>
                    <form method="post" action=ResendAddressConfirmation::PATH data-then="replace"
                        data-done="Sent. Look in your inbox for the new link; the earlier one no longer works.">
                        <FormError/>
                        <Submit label="Send the link again" busy="Sending…"/>
                    </form>
                </Enhance>
            </section>
        })}
        <p class="lead">
            "You are signed in as " <strong>{user.email.clone()}</strong> " with the role "
            <strong class="current-role">{user.role_name.clone()}</strong> "."
        </p>
        <section class="card">
            <h2>"What your role allows"</h2>
            <ul class="permissions">
                {permissions.into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}
            </ul>
        </section>
        <section class="card" aria-labelledby="password-heading">
            <h2 id="password-heading">"Change your password"</h2>
            <Enhance live=false>
                <form method="post" action=ChangePassword::PATH>
                    <Field label="Current password" name="current" kind="password" autocomplete="current-password"/>
                    <Field label="New password (at least 10 characters)" name="password" kind="password" autocomplete="new-password"/>
                    <Field label="Repeat the new password" name="confirm" kind="password" autocomplete="new-password"/>
                    <p class="hint">"Changing it signs you out on every other device."</p>
                    <FormError/>
                    <Submit label="Change password" busy="Changing…"/>
                </form>
            </Enhance>
        </section>
        <section class="card" aria-labelledby="everywhere-heading">
            <h2 id="everywhere-heading">"Sign out everywhere"</h2>
            <p>"Lost a device, or signed in on a shared computer? This ends every sign-in of yours, this one too."</p>
            <Enhance live=false>
                <form method="post" action=SignOutEverywhere::PATH>
                    <FormError/>
                    <Submit label="Sign out everywhere" busy="Signing out…" class="button subtle danger"/>
                </form>
            </Enhance>
        </section>
    }
}
