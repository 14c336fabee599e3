//! Server-rendered pages that behave like an app: links and forms work in place, and the
//! parts that change are fetched again from the server.
//!
//! Every page renders on the server, forms included: each form posts to its server function
//! (`action="/api/…"`), and works that way without WASM as well. Once the WASM has loaded,
//! [`start`] listens on the whole document:
//! - **navigation** (`navigation`): a click on a link to another page of the app, a GET form
//!   (filters, pagination) and back/forward fetch the next page and swap it into the document,
//!   with the URL, title, focus, scroll and history of a real page load;
//! - **forms** (`forms`) inside an [`Enhance`] area are sent with `fetch`, and then:
//!   - a redirect the server function asked for is followed, in place (sign-in, accept);
//!   - an error goes into the form's slots (`components::form`): the field's `data-error-for`,
//!     else the form's `data-form-error`, else the nearest `data-area-error`;
//!   - success does what the form's `data-then` lists, in order: `reset` the form, show the
//!     issued `link`, show a `notice` (the form's `data-done` text), show the `revoked` count,
//!     `replace` the form by its notice, `refresh` the regions (the default);
//! - a file chosen in an `input[type=file][data-read-into]` is read into that text area;
//! - moments (`<time data-local>`) are shown in the viewer's time zone (`times`).
//!
//! A *region* (`data-region="name"`) is a part of the page that can change: the invites list,
//! a timeline, the dashboard's figures. Refreshing fetches the page again and swaps each
//! region's contents for the server's new rendering of it. A page with a `live` area is
//! refreshed whenever the server announces a change (`GET /events`, server-sent events; one
//! stream per tab, kept across navigations); a region marked `data-poll` is refreshed every
//! moment while the server keeps rendering the mark (a running import).
//!
//! Why not reactive views in WASM: the views then live in one place, on the server, and the
//! browser downloads this one small module instead of the rendering code of every list and
//! form (see the README's bundle section).

use leptos::prelude::*;

#[cfg(feature = "hydrate")]
mod dom;
#[cfg(feature = "hydrate")]
mod files;
#[cfg(feature = "hydrate")]
mod forms;
#[cfg(feature = "hydrate")]
mod navigation;
#[cfg(feature = "hydrate")]
mod regions;
#[cfg(feature = "hydrate")]
mod times;

/// Starts the browser side on the page the server sent: called once per tab by the WASM
/// entry point, since navigation keeps the document.
#[cfg(feature = "hydrate")]
pub fn start() {
    forms::listen();
    files::listen();
    navigation::listen();
    regions::arrived();
}

/// An area whose forms are sent in place. `live`: the page's regions follow the server's
/// live updates.
#[component]
pub fn Enhance(live: bool, children: Children) -> impl IntoView {
    view! {
        <div class="enhance" data-live=live.then_some("")>
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
