// Leptos view types nest deeply; the bulk page and the invites table exceed the default
// query depth.
#![recursion_limit = "256"]

//! The Vestibule web app, compiled twice: natively with `ssr` (server rendering and server
//! functions) and to WASM with `hydrate`.
//!
//! Leptos *islands*: every page renders on the server only, with its data, and arrives
//! whole. Two islands hydrate in the browser: `components::enhance::Enhance`, which sends
//! the pages' forms in place and refreshes the parts that change (on live updates too), and
//! the bulk import (`pages::bulk`), the one page with state of its own in the browser. So
//! the WASM holds those two, not the views of every page, the router and the data loading;
//! navigation between pages is ordinary links and GET forms.

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
    bulk::BulkInvitePage,
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
                // whole (islands get their data as props), and a visitor who is not signed in
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

/// Called by the WASM entry point so the linker keeps this crate, and with it every island's
/// exported hydration function: nothing else in the entry point refers to the app.
#[cfg(feature = "hydrate")]
#[inline(never)]
pub fn islands_linked() {}
