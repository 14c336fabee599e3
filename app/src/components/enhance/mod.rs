//! Server-rendered pages that behave like an app: forms submit in place, and the parts that
//! change are fetched again from the server.
//!
//! Every page renders on the server, forms included: each form posts to its server function
//! (`action="/api/…"`), and works that way without WASM as well. Wrapped in [`Enhance`], the
//! island that hydrates in the browser, a form is instead sent with `fetch`, and then:
//! - a redirect the server function asked for is followed (sign-in, accept);
//! - an error goes into the form's slots (`components::form`): the field's `data-error-for`,
//!   else the form's `data-form-error`, else the nearest `data-area-error`;
//! - success does what the form's `data-then` lists, in order: `reset` the form, show the
//!   issued `link`, show a `notice` (the form's `data-done` text), show the `revoked` count,
//!   `replace` the form by its notice, `refresh` the regions (the default).
//!
//! A *region* (`data-region="name"`) is a part of the page that can change: the invites list,
//! a timeline, the dashboard's figures. Refreshing fetches the page again and swaps each
//! region's contents for the server's new rendering of it. With `live`, regions are
//! refreshed whenever the server announces a change (`GET /events`, server-sent events).
//!
//! Why not reactive views in WASM: the views then live in one place, on the server, and the
//! browser downloads this one small module instead of the rendering code of every list and
//! form (a bundle budget of 250 KB gzipped; see the README's performance section).

use leptos::prelude::*;

#[cfg(feature = "hydrate")]
mod dom;
#[cfg(feature = "hydrate")]
mod forms;
#[cfg(feature = "hydrate")]
mod regions;

/// Makes the forms and regions inside it work in place. `live`: refresh the regions on the
/// server's live updates.
#[island]
pub fn Enhance(live: bool, children: Children) -> impl IntoView {
    #[cfg(feature = "hydrate")]
    if live {
        regions::follow_live();
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = live;
    view! {
        <div
            class="enhance"
            on:submit=|ev| {
                #[cfg(feature = "hydrate")]
                forms::on_submit(ev);
                #[cfg(not(feature = "hydrate"))]
                let _ = ev;
            }
            on:focusin=|ev| {
                #[cfg(feature = "hydrate")]
                forms::on_focus(ev);
                #[cfg(not(feature = "hydrate"))]
                let _ = ev;
            }
        >
            {children()}
        </div>
    }
}

/// The slot for errors of forms that have none of their own (row actions in a table).
#[component]
pub fn AreaError() -> impl IntoView {
    view! { <p class="form-error" role="alert" data-area-error hidden></p> }
}

/// Where `notice` and `revoked` outcomes are shown.
#[component]
pub fn Notice() -> impl IntoView {
    view! { <p class="notice" role="status" data-notice hidden></p> }
}

/// Where a `key` outcome shows a secret just made (an API key, a webhook's signing secret),
/// once, for copying. `what` names it ("The key", "The signing secret").
#[component]
pub fn IssuedKey(what: &'static str) -> impl IntoView {
    view! {
        <section class="card notice-card" role="status" data-issued-key hidden>
            <p>
                {what} " " <strong data-issued-name></strong>
                " is ready. Copy it now: it is not shown again."
            </p>
            <label class="sr-only" for="issued-key">{what}</label>
            <input id="issued-key" class="copy-link" readonly=true value=""/>
        </section>
    }
}

/// Where a `link` outcome shows the link just issued, once, for copying.
#[component]
pub fn IssuedLink() -> impl IntoView {
    view! {
        <section class="card notice-card" role="status" data-issued hidden>
            <p>
                <span data-issued-lead>"Invite to"</span> " " <strong data-issued-email></strong>
                " is on its way. Copy the link now if you want to pass it on yourself: it is not shown again."
            </p>
            <label class="sr-only" for="issued-link">"Invitation link"</label>
            <input id="issued-link" class="copy-link" readonly=true value=""/>
        </section>
    }
}
