use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::auth::SignIn;
use crate::components::form::{Field, FormError};

#[component]
pub fn SignInPage() -> impl IntoView {
    let action = ServerAction::<SignIn>::new();
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_else(|| "/".into());
    let password_set = move || query.read().get("password_set").is_some();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    view! {
        <Title text="Sign in"/>
        <main class="narrow">
            <h1 class="brand-title">"Vestibule"</h1>
            <section class="card">
                <h2>"Sign in"</h2>
                <Show when=password_set>
                    <p class="notice" role="status">"Your password is set. Sign in with it now."</p>
                </Show>
                <ActionForm action=action>
                    <input type="hidden" name="next" value=next/>
                    <Field label="Email" name="email" kind="email" autocomplete="username" error=error/>
                    <Field label="Password" name="password" kind="password" autocomplete="current-password" error=error/>
                    <FormError error=error/>
                    <button type="submit" class="button primary" disabled=move || action.pending().get()>
                        {move || if action.pending().get() { "Signing in…" } else { "Sign in" }}
                    </button>
                </ActionForm>
                <p class="hint">"Vestibule is invitation-only. No account yet? Ask your administrator for an invitation."</p>
            </section>
        </main>
    }
}
