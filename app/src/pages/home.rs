use leptos::prelude::*;
use leptos_meta::Title;
use model::CurrentUser;

#[component]
pub fn HomePage() -> impl IntoView {
    let user = expect_context::<CurrentUser>();
    let permissions: Vec<_> = user.permissions.iter().map(|p| p.label()).collect();
    view! {
        <Title text="Home"/>
        <h1>{format!("Welcome, {}", user.name)}</h1>
        <p class="lead">
            "You are signed in as " <strong>{user.email.clone()}</strong> " with the role "
            <strong class="current-role">{user.role_name.clone()}</strong> "."
        </p>
        <section class="card">
            <h2>"What your role allows"</h2>
            <ul class="permissions">
                {permissions.into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}
            </ul>
        </section>
    }
}
