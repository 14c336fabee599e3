//! The sections the next releases fill in. Each says plainly what is coming.

use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn SectionPage(section: &'static str) -> impl IntoView {
    let (title, what) = match section {
        "invites" => ("Invites", "Send invitations by email, follow each one from pending to accepted, and revoke or resend them."),
        "members" => ("Members", "See everyone who joined, change their role or teams, and deactivate accounts."),
        "roles" => ("Roles", "Built-in roles Admin, Editor and Analyst, and custom roles with their own permissions."),
        _ => ("Audit log", "Every sign-in and every admin action, with time, person, IP address and browser."),
    };
    view! {
        <Title text=title/>
        <h1>{title}</h1>
        <section class="card coming-next">
            <p class="badge">"Coming next"</p>
            <p>{what}</p>
        </section>
    }
}
