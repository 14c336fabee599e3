//! The Vestibule web app, compiled twice: natively with `ssr` (server rendering and server
//! functions) and to WASM with `hydrate` (the same components, made interactive).

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
    accept::AcceptPage, audit::AuditPage, bulk::BulkInvitePage, dashboard::DashboardPage,
    home::HomePage, invite_detail::InviteDetailPage, invites::InvitesPage, members::MembersPage,
    not_found::NotFound, policy::PolicyPage, roles::RolesPage, set_password::SetPasswordPage,
    sign_in::SignInPage,
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
                <HydrationScripts options/>
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
                <Route path=path!("/sign-in") view=SignInPage/>
                <Route path=path!("/set-password/:token") view=SetPasswordPage/>
                <Route path=path!("/invite/:token") view=AcceptPage/>
                // Async: the whole page waits for "who is signed in", so a visitor gets a real
                // 302 to the sign-in page instead of a streamed placeholder.
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
                </ParentRoute>
            </Routes>
        </Router>
    }
}
