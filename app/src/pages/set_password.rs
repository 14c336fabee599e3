use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::auth::{password_link, SetPassword};
use crate::components::enhance::Enhance;
use crate::components::form::{Field, FormError, Submit};
use crate::components::server_data::loading;

#[component]
pub fn SetPasswordPage() -> impl IntoView {
    let params = use_params_map();
    let token = params.read_untracked().get("token").unwrap_or_default();
    view! {
        <Title text="Set your password"/>
        <main class="narrow">
            <h1 class="brand-title">"Vestibule"</h1>
            <section class="card">
                <h2>"Set your password"</h2>
                {loading("your link", password_link(token.clone()), move |email| view! {
                    <Enhance live=false>
                        <form method="post" action=SetPassword::PATH>
                            <input type="hidden" name="token" value=token/>
                            <Field label="Email" name="email" kind="email" value=email readonly=true/>
                            <Field label="New password (at least 10 characters)" name="password" kind="password" autocomplete="new-password"/>
                            <Field label="Repeat the password" name="confirm" kind="password" autocomplete="new-password"/>
                            <p class="hint">"Setting it signs you out on every other device."</p>
                            <FormError/>
                            <Submit label="Set password"/>
                        </form>
                    </Enhance>
                })}
            </section>
        </main>
    }
}
