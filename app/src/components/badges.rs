use leptos::prelude::*;
use model::{Delivery, InviteStatus};

#[component]
pub fn StatusBadge(status: InviteStatus) -> impl IntoView {
    view! { <span class=format!("badge status-{}", status.as_str())>{status.label()}</span> }
}

/// Delivery, said plainly: an admin is never told an email went out when it did not.
#[component]
pub fn DeliveryBadge(delivery: Delivery, error: Option<String>) -> impl IntoView {
    let (class, label) = match (delivery, error.is_some()) {
        (Delivery::Sent, _) => ("delivery-sent", "Email sent"),
        (Delivery::Failed, _) => ("delivery-failed", "Email failed"),
        (Delivery::NotSent, _) => ("delivery-none", "Not emailed"),
        (Delivery::Queued, true) => ("delivery-retrying", "Email delayed, retrying"),
        (Delivery::Queued, false) => ("delivery-queued", "Email queued"),
    };
    view! { <span class=format!("badge {class}") title=error.unwrap_or_default()>{label}</span> }
}
