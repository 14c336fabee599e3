use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use model::CurrentUser;

#[component]
pub fn HomePage() -> impl IntoView {
    let user = expect_context::<CurrentUser>();
    let permissions: Vec<_> = user.permissions.iter().map(|p| p.label()).collect();
    let confirmed = use_query_map().read_untracked().get("address").as_deref() == Some("confirmed");
    view! {
        <Title text="Home"/>
        <h1>{format!("Welcome, {}", user.name)}</h1>
        {confirmed.then(|| view! {
            <p class="notice" role="status">"Thank you: your email address is confirmed."</p>
        })}
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
