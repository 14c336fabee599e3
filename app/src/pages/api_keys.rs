//! API keys: for the platforms that invite from their own code (the REST API, `/api/v1`).
//! A key is shown once, when it is created; the list shows only its first characters.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use model::{fmt_utc, ApiKeyInfo, ApiKeyState, ApiScope, CurrentUser};

use crate::api::api_keys::{list_api_keys, CreateApiKey, RevokeApiKey};
use crate::components::enhance::{AreaError, Enhance, IssuedKey};
use crate::components::form::{FieldError, FormError, Submit};
use crate::components::server_data::loading;
use crate::components::time::When;

#[component]
pub fn ApiKeysPage() -> impl IntoView {
    let user = expect_context::<CurrentUser>();
    view! {
        <Title text="API keys"/>
        <h1>"API keys"</h1>
        <p class="lead">
            "A key lets another system use the "<a href="/api/v1/docs">"REST API"</a>" as you: "
            "within the scopes you give it, and never beyond your own permissions, now or later. "
            "Send it as "<code>"Authorization: Bearer vsk_…"</code>"."
        </p>
        <Enhance live=true>
            <CreateKey user=user/>
            <IssuedKey what="The key"/>
            <AreaError/>
            <section class="card">
                <h2>"Keys"</h2>
                {loading("the API keys", list_api_keys(), |keys| view! {
                    <div data-region="api-keys"><KeyTable keys=keys/></div>
                })}
            </section>
        </Enhance>
    }
}

#[component]
fn CreateKey(user: CurrentUser) -> impl IntoView {
    view! {
        <section class="card">
            <h2>"Create a key"</h2>
            <form method="post" action=CreateApiKey::PATH data-then="reset key refresh">
                <div class="grid">
                    <div class="field">
                        <label for="key-name">"Name (what uses it)"</label>
                        <input id="key-name" name="name" required=true maxlength="80" autocomplete="off"
                            aria-describedby="field-name-error"/>
                        <FieldError name="name"/>
                    </div>
                    <div class="field">
                        <label for="key-expiry">"Expires"</label>
                        <select id="key-expiry" name="expires_in_days" aria-describedby="field-expires_in_days-error">
                            <option value="30">"In 30 days"</option>
                            <option value="90" selected=true>"In 90 days"</option>
                            <option value="365">"In a year"</option>
                            <option value="never">"Never"</option>
                        </select>
                        <FieldError name="expires_in_days"/>
                    </div>
                </div>
                <fieldset class="field">
                    <legend>"Scopes"</legend>
                    {ApiScope::ALL.into_iter().enumerate().map(|(i, s)| {
                        let usable = user.can(s.permission());
                        let (for_id, id) = (format!("scope-{i}"), format!("scope-{i}"));
                        view! {
                            <label class="check" for=for_id>
                                <input id=id type="checkbox" name=format!("scopes[{i}]") value=s.as_str() disabled=!usable/>
                                " " <code>{s.as_str()}</code> " " {s.label()}
                                {(!usable).then(|| view! { <span class="muted">" (your role lacks "{s.permission().label()}")"</span> })}
                            </label>
                        }
                    }).collect_view()}
                    <FieldError name="scopes"/>
                </fieldset>
                <FormError/>
                <Submit label="Create key" busy="Creating…" class="button primary narrow-button"/>
            </form>
        </section>
    }
}

#[component]
fn KeyTable(keys: Vec<ApiKeyInfo>) -> impl IntoView {
    if keys.is_empty() {
        return view! { <p class="empty">"No API keys yet."</p> }.into_any();
    }
    view! {
        <div class="table-wrap" tabindex="0" role="region" aria-label="API keys">
            <table class="api-keys">
                <thead>
                    <tr><th>"Name"</th><th>"Key"</th><th>"Scopes"</th><th>"Created by"</th><th>"Created"</th><th>"Last used"</th><th>"Expires"</th><th>"State"</th><th><span class="sr-only">"Actions"</span></th></tr>
                </thead>
                <tbody>
                    {keys.into_iter().map(|k| {
                        let active = k.state == ApiKeyState::Active;
                        let id = k.id.clone();
                        view! {
                            <tr data-key=k.name.clone()>
                                <td><strong>{k.name.clone()}</strong></td>
                                <td><code>{format!("{}…", k.prefix)}</code></td>
                                <td>{k.scopes.names()}</td>
                                <td>{k.creator_email.clone()}</td>
                                <td><When at=k.created_at/></td>
                                <td>{k.last_used_at.map(fmt_utc).unwrap_or_else(|| "Never".into())}</td>
                                <td>{k.expires_at.map(fmt_utc).unwrap_or_else(|| "Never".into())}</td>
                                <td><span class=format!("badge key-{}", k.state.label().to_lowercase())>{k.state.label()}</span></td>
                                <td class="actions">
                                    {active.then(|| view! {
                                        <form method="post" action=RevokeApiKey::PATH data-then="refresh">
                                            <input type="hidden" name="id" value=id/>
                                            <button type="submit" class="button subtle danger">"Revoke"</button>
                                        </form>
                                    })}
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}
