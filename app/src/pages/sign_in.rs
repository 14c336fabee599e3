use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::auth::SignIn;
use crate::components::enhance::Enhance;
use crate::components::form::{Field, FormError, Submit};

#[component]
pub fn SignInPage() -> impl IntoView {
    let query = use_query_map();
    // Where to go afterwards; the server function only follows it to a path on this site.
    let next = query
        .read_untracked()
        .get("next")
        .unwrap_or_else(|| "/".into());
    let password_set = query.read_untracked().get("password_set").is_some();
    let everywhere = query.read_untracked().get("signed_out").as_deref() == Some("everywhere");
    view! {
        <Title text="Sign in"/>
        <main class="narrow">
            <h1 class="brand-title">"Vestibule"</h1>
            <section class="card">
                <h2>"Sign in"</h2>
                {password_set.then(|| view! {
                    <p class="notice" role="status">"Your password is set. Every earlier sign-in has ended: sign in with it now."</p>
                })}
                {everywhere.then(|| view! {
                    <p class="notice" role="status">"You are signed out on every device and browser."</p>
                })}
                <Enhance live=false>
                    <form method="post" action=SignIn::PATH>
                        <input type="hidden" name="next" value=next/>
                        <Field label="Email" name="email" kind="email" autocomplete="username"/>
                        <Field label="Password" name="password" kind="password" autocomplete="current-password"/>
                        <FormError/>
                        <Submit label="Sign in" busy="Signing in…"/>
                    </form>
                </Enhance>
                <p class="hint"><a href="/forgot-password">"Forgot your password?"</a></p>
                <p class="hint">"Vestibule is invitation-only. No account yet? Ask your administrator for an invitation."</p>
            </section>
        </main>
    }
}
