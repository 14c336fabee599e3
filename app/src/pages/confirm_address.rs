use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::address::{address_to_confirm, ConfirmAddress};
use crate::components::enhance::Enhance;
use crate::components::form::{FormError, Submit};
use crate::components::server_data::loading;

/// `/confirm-address/{token}`, signed in: the member confirms that the address their account
/// uses is theirs. Opening the page changes nothing; the button does.
#[component]
pub fn ConfirmAddressPage() -> impl IntoView {
    let params = use_params_map();
    let token = params.read_untracked().get("token").unwrap_or_default();
    view! {
        <Title text="Confirm your address"/>
        <h1>"Confirm your address"</h1>
        <section class="card">
            {loading("your link", address_to_confirm(token.clone()), move |email| view! {
                <p>"Confirm that " <strong>{email}</strong> " is your email address, and that you joined with it yourself."</p>
                <Enhance live=false>
                    <form method="post" action=ConfirmAddress::PATH>
                        <input type="hidden" name="token" value=token/>
                        <FormError/>
                        <Submit label="Confirm my address"/>
                    </form>
                </Enhance>
            })}
        </section>
    }
}
