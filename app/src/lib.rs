// Leptos view types nest deeply; the bulk page and the invites table exceed the default
// query depth.
#![recursion_limit = "256"]

//! The Vestibule web app, compiled twice: natively with `ssr` (server rendering and server
//! functions) and to WASM with `hydrate`.
//!
//! Every page renders on the server only, with its data, and arrives whole (Leptos in
//! islands mode, with no island left). The WASM is the browser side of
//! `components::enhance`: it navigates between pages in place, sends forms in place and
//! refreshes the parts of a page that change (on live updates too). So it holds no views,
//! no router and no data loading: those stay on the server.

pub mod api;
pub mod components;
pub mod error;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod state;

pub use model;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::{path, SsrMode};

use crate::components::layout::SignedInLayout;
use crate::pages::{
    accept::AcceptPage,
    api_keys::ApiKeysPage,
    audit::AuditPage,
    bulk::{BulkCheckPage, BulkInvitePage, BulkJobPage},
    confirm_address::ConfirmAddressPage,
    dashboard::DashboardPage,
    forgot_password::ForgotPasswordPage,
    home::HomePage,
    invite_detail::InviteDetailPage,
    invites::InvitesPage,
    members::MembersPage,
    not_found::NotFound,
    policy::PolicyPage,
    roles::RolesPage,
    set_password::SetPasswordPage,
    sign_in::SignInPage,
    webhooks::{WebhookPage, WebhooksPage},
};

/// The HTML document around the app.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    state::provide_csp_nonce();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <HydrationScripts options islands=true/>
                <MetaTags/>
            </head>
            <body>
                <App/>
                // Outside the app's own markup, so navigation in place keeps them (`data-persist`):
                // the status region that reads each new page's title out to screen readers,
                // and the bar a slow navigation shows.
                <div id="nav-status" class="sr-only" aria-live="polite" aria-atomic="true" data-persist=""></div>
                <div id="nav-progress" class="nav-progress" data-persist="" hidden></div>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="leptos" href="/pkg/vestibule.css"/>
        <Title formatter=|title: String| if title.is_empty() { "Vestibule".to_owned() } else { format!("{title} · Vestibule") }/>
        <Router>
            <Routes fallback=NotFound>
                // Async: every page waits for its data before the first byte, so it arrives
                // whole (navigation in place swaps in the whole page), and a visitor who is not signed in
                // gets a real 302 to the sign-in page instead of a streamed placeholder.
                <Route path=path!("/sign-in") view=SignInPage ssr=SsrMode::Async/>
                <Route path=path!("/forgot-password") view=ForgotPasswordPage ssr=SsrMode::Async/>
                <Route path=path!("/set-password/:token") view=SetPasswordPage ssr=SsrMode::Async/>
                <Route path=path!("/invite/:token") view=AcceptPage ssr=SsrMode::Async/>
                <ParentRoute path=path!("") view=SignedInLayout ssr=SsrMode::Async>
                    <Route path=path!("") view=HomePage/>
                    <Route path=path!("dashboard") view=DashboardPage/>
                    <Route path=path!("invites") view=InvitesPage/>
                    <Route path=path!("invites/bulk") view=BulkInvitePage/>
                    <Route path=path!("invites/bulk/check/:draft") view=BulkCheckPage/>
                    <Route path=path!("invites/bulk/jobs/:job") view=BulkJobPage/>
                    <Route path=path!("invites/:id") view=InviteDetailPage/>
                    <Route path=path!("members") view=MembersPage/>
                    <Route path=path!("roles") view=RolesPage/>
                    <Route path=path!("audit") view=AuditPage/>
                    <Route path=path!("policy") view=PolicyPage/>
                    <Route path=path!("api-keys") view=ApiKeysPage/>
                    <Route path=path!("webhooks") view=WebhooksPage/>
                    <Route path=path!("webhooks/:id") view=WebhookPage/>
                    <Route path=path!("confirm-address/:token") view=ConfirmAddressPage/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}
