//! Webhook endpoints: list, add (the secret is in this one answer), change, rotate the
//! secret, delete, and an endpoint's deliveries with Replay.

use leptos::prelude::*;
use model::{IssuedSecret, WebhookDeliveryInfo, WebhookEndpointInfo};
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[cfg(feature = "ssr")]
mod ssr {
    pub use crate::state::Ctx;
    pub use domain::webhooks::{NewWebhook, WebhookChanges};
}

/// An endpoint and its newest deliveries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointDetail {
    pub endpoint: WebhookEndpointInfo,
    pub deliveries: Vec<WebhookDeliveryInfo>,
}

#[server(endpoint = "list_webhooks")]
pub async fn list_webhooks() -> Result<Vec<WebhookEndpointInfo>, AppError> {
    use self::ssr::*;
    let cx = Ctx::get()?;
    let caller = cx.caller().await?;
    Ok(cx.services.list_webhooks(&caller).await?)
}

/// `event_types` arrives as `event_types[0]=…` from the form's checkboxes.
#[server(endpoint = "create_webhook")]
pub async fn create_webhook(
    url: String,
    event_types: Option<Vec<String>>,
    description: Option<String>,
) -> Result<IssuedSecret, AppError> {
    use self::ssr::*;
    let cx = Ctx::get()?;
    let caller = cx.caller().await?;
    let types = event_types.unwrap_or_default();
    let req = NewWebhook {
        url: &url,
        event_types: &types,
        description: description.as_deref().unwrap_or(""),
    };
    Ok(cx.services.create_webhook(&caller, req).await?)
}

#[server(endpoint = "set_webhook_enabled")]
pub async fn set_webhook_enabled(id: String, enabled: bool) -> Result<(), AppError> {
    use self::ssr::*;
    let cx = Ctx::get()?;
    let caller = cx.caller().await?;
    let changes = WebhookChanges {
        enabled: Some(enabled),
        ..WebhookChanges::default()
    };
    cx.services.update_webhook(&caller, &id, changes).await?;
    Ok(())
}

#[server(endpoint = "rotate_webhook_secret")]
pub async fn rotate_webhook_secret(
    id: String,
    overlap_hours: i64,
) -> Result<IssuedSecret, AppError> {
    use self::ssr::*;
    let cx = Ctx::get()?;
    let caller = cx.caller().await?;
    Ok(cx
        .services
        .rotate_webhook_secret(&caller, &id, overlap_hours)
        .await?)
}

#[server(endpoint = "delete_webhook")]
pub async fn delete_webhook(id: String) -> Result<(), AppError> {
    use self::ssr::*;
    let cx = Ctx::get()?;
    let caller = cx.caller().await?;
    Ok(cx.services.delete_webhook(&caller, &id).await?)
}

#[server(endpoint = "webhook_detail")]
pub async fn get_webhook_detail(id: String) -> Result<EndpointDetail, AppError> {
    use self::ssr::*;
    let cx = Ctx::get()?;
    let caller = cx.caller().await?;
    let (endpoint, deliveries) = cx.services.webhook_detail(&caller, &id).await?;
    Ok(EndpointDetail {
        endpoint,
        deliveries,
    })
}

#[server(endpoint = "replay_webhook")]
pub async fn replay_webhook(id: String, msg_id: String) -> Result<(), AppError> {
    use self::ssr::*;
    let cx = Ctx::get()?;
    let caller = cx.caller().await?;
    Ok(cx.services.replay_webhook(&caller, &id, &msg_id).await?)
}
