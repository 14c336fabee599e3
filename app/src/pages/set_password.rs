use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::auth::{password_link, SetPassword};
use crate::components::form::{Field, FormError};

#[component]
pub fn SetPasswordPage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let link = Resource::new(token, password_link);
    let action = ServerAction::<SetPassword>::new();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    view! {
        <Title text="Set your password"/>
        <main class="narrow">
            <h1 class="brand-title">"Vestibule"</h1>
            <section class="card">
                <h2>"Set your password"</h2>
                <Suspense fallback=|| view! { <p class="loading">"Checking your link…"</p> }>
                    {move || Suspend::new(async move {
                        match link.await {
                            Ok(email) => view! {
                                <ActionForm action=action>
                                    <input type="hidden" name="token" value=token/>
                                    <Field label="Email" name="email" kind="email" value=email readonly=true error=error/>
                                    <Field label="New password (at least 10 characters)" name="password" kind="password" autocomplete="new-password" error=error/>
                                    <Field label="Repeat the password" name="confirm" kind="password" autocomplete="new-password" error=error/>
                                    <FormError error=error/>
                                    <button type="submit" class="button primary" disabled=move || action.pending().get()>"Set password"</button>
                                </ActionForm>
                            }.into_any(),
                            Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                        }
                    })}
                </Suspense>
            </section>
        </main>
    }
}
