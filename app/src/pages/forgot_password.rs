use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::auth::RequestPasswordReset;
use crate::components::enhance::Enhance;
use crate::components::form::{Field, FormError, Submit};

/// "Forgot your password?": asks for the address, and afterwards says the same thing whether
/// or not an account has it.
#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let sent = use_query_map().read_untracked().get("sent").is_some();
    view! {
        <Title text="Forgot your password?"/>
        <main class="narrow">
            <h1 class="brand-title">"Vestibule"</h1>
            <section class="card">
                <h2>"Forgot your password?"</h2>
                {if sent {
                    view! {
                        <p class="notice" role="status">
                            "If an account has that address, an email with a link to choose a new password is on its way. "
                            "The link works once, for one hour. Nothing arrived after a few minutes? Look in your spam folder, or ask your administrator."
                        </p>
                        <p><a href="/sign-in">"Back to sign in"</a></p>
                    }.into_any()
                } else {
                    view! {
                        <p>"Type the address you sign in with. We will email it a link to choose a new password."</p>
                        <Enhance live=false>
                            <form method="post" action=RequestPasswordReset::PATH>
                                <Field label="Email" name="email" kind="email" autocomplete="username"/>
                                <FormError/>
                                <Submit label="Email me a link" busy="Sending…"/>
                            </form>
                        </Enhance>
                        <p class="hint"><a href="/sign-in">"Back to sign in"</a></p>
                    }.into_any()
                }}
            </section>
        </main>
    }
}
