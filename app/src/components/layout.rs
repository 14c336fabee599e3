//! The frame of every signed-in page: header, navigation, the user's name and role, and
//! sign-out. Visitors who are not signed in are sent to the sign-in page. It renders on the
//! server only: nothing in it needs the browser's WASM.

use leptos::prelude::*;
use leptos_router::components::{Outlet, Redirect, A};
use leptos_router::hooks::use_location;
use model::{CurrentUser, Permission};

use crate::api::auth::whoami;

#[component]
pub fn SignedInLayout() -> impl IntoView {
    // Blocking: the server knows who is signed in before it sends a byte, so a visitor
    // gets a real redirect rather than a flash of the app.
    let user = Resource::new_blocking(|| (), |_| whoami());
    let location = use_location();
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match user.await {
                    Ok(Some(u)) => view! { <Frame user=u/> }.into_any(),
                    Ok(None) => {
                        let here = location.pathname.get_untracked();
                        let path = if here == "/" { "/sign-in".to_owned() } else { format!("/sign-in?next={here}") };
                        view! { <Redirect path=path/> }.into_any()
                    }
                    Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Frame(user: CurrentUser) -> impl IntoView {
    let links = [
        ("/", "Home", None),
        ("/dashboard", "Dashboard", Some(Permission::ViewInvites)),
        ("/invites", "Invites", Some(Permission::ViewInvites)),
        ("/members", "Members", Some(Permission::ManageMembers)),
        ("/roles", "Roles", Some(Permission::ManageRolesAndTeams)),
        ("/audit", "Audit log", Some(Permission::ViewAuditLog)),
        ("/policy", "Policy", Some(Permission::ManagePolicy)),
        ("/api-keys", "API keys", Some(Permission::ManageApiKeys)),
        ("/webhooks", "Webhooks", Some(Permission::ManageApiKeys)),
    ];
    let visible: Vec<_> = links
        .into_iter()
        .filter(|(_, _, p)| p.is_none_or(|p| user.can(p)))
        .collect();
    let name = user.name.clone();
    let role = user.role_name.clone();
    provide_context(user);
    view! {
        <div class="app">
            <header class="topbar">
                <a class="brand" href="/">"Vestibule"</a>
                <nav aria-label="Main">
                    <ul class="nav">
                        {visible
                            .into_iter()
                            .map(|(href, label, _)| view! { <li><A href=href exact=true>{label}</A></li> })
                            .collect_view()}
                    </ul>
                </nav>
                <div class="who">
                    <span class="who-name">{name}</span>
                    <span class="badge role" title="Your role">{role}</span>
                    // A plain form: the server function answers a browser's own POST with a
                    // redirect to the sign-in page.
                    <form method="post" action="/api/sign_out">
                        <button type="submit" class="button subtle">"Sign out"</button>
                    </form>
                </div>
            </header>
            <main class="content" id="main">
                <Outlet/>
            </main>
        </div>
    }
}
