//! `/api/v1/webhooks`: endpoints that receive signed events, their deliveries and replays.

use app::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use domain::model::{self, ApiScope};
use domain::webhooks::{NewWebhook, WebhookChanges};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::ApiCaller;
use super::json::{rfc3339, ApiJson};
use super::problem::ApiResult;

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Endpoint {
    pub id: String,
    pub url: String,
    pub description: String,
    /// The event types it receives; `["*"]` for all.
    pub event_types: Vec<String>,
    pub enabled: bool,
    /// Why the system disabled it (it answered 410 Gone), if it did.
    pub disabled_reason: Option<String>,
    /// The email of who added it.
    pub created_by: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    /// Until when a rotated secret still signs beside the new one.
    #[schema(format = DateTime)]
    pub previous_secret_until: Option<String>,
    /// Deliveries not done yet.
    pub pending: i64,
}

impl From<model::WebhookEndpointInfo> for Endpoint {
    fn from(e: model::WebhookEndpointInfo) -> Endpoint {
        Endpoint {
            id: e.id,
            url: e.url,
            description: e.description,
            event_types: e.event_types,
            enabled: e.enabled,
            disabled_reason: e.disabled_reason,
            created_by: e.created_by,
            created_at: rfc3339(e.created_at),
            previous_secret_until: e.previous_secret_until.map(rfc3339),
            pending: e.pending,
        }
    }
}

/// A secret, shown once: at creation and at rotation.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Secret {
    pub endpoint_id: String,
    /// `whsec_…`: give it to your Standard Webhooks library to verify signatures. Null in a
    /// replayed answer (secrets are not kept).
    pub secret: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    Pending,
    Delivered,
    Failed,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Attempt {
    #[schema(format = DateTime)]
    pub at: String,
    /// The HTTP status the endpoint answered, if it answered.
    pub status: Option<i64>,
    pub error: Option<String>,
    pub duration_ms: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Delivery {
    /// The `webhook-id` header: the same on every attempt and replay.
    pub msg_id: String,
    #[serde(rename = "type")]
    pub event_type: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    pub state: DeliveryState,
    pub attempts: i64,
    #[schema(format = DateTime)]
    pub next_attempt_at: Option<String>,
    pub attempt_log: Vec<Attempt>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct EndpointDetail {
    #[serde(flatten)]
    pub endpoint: Endpoint,
    /// The newest 50 deliveries.
    pub deliveries: Vec<Delivery>,
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEndpoint {
    /// https (or http to a loopback address with the development setting).
    #[schema(example = "https://example.com/hooks/vestibule")]
    pub url: String,
    /// Event types, or `["*"]` for all.
    #[schema(min_items = 1)]
    pub event_types: Vec<String>,
    #[serde(default)]
    #[schema(max_length = 200)]
    pub description: String,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EndpointChanges {
    pub url: Option<String>,
    pub event_types: Option<Vec<String>>,
    #[schema(max_length = 200)]
    pub description: Option<String>,
    pub enabled: Option<bool>,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Rotation {
    /// Hours the old secret keeps signing beside the new one (0 to 168; 24 by default).
    #[schema(minimum = 0, maximum = 168)]
    pub overlap_hours: Option<i64>,
}

/// Every webhook endpoint.
#[utoipa::path(get, path = "/webhooks", tag = "webhooks",
    responses((status = 200, body = Vec<Endpoint>)), security(("api_key" = ["webhooks:manage"])))]
pub async fn list(State(state): State<AppState>, key: ApiCaller) -> ApiResult<Json<Vec<Endpoint>>> {
    let caller = key.need(ApiScope::WebhooksManage)?;
    let list = state.services.list_webhooks(caller).await?;
    Ok(Json(list.into_iter().map(Endpoint::from).collect()))
}

/// Add an endpoint. The answer holds its signing secret, this once.
#[utoipa::path(post, path = "/webhooks", tag = "webhooks", request_body = NewEndpoint,
    params(("Idempotency-Key" = Option<String>, Header)),
    responses((status = 201, body = Secret)), security(("api_key" = ["webhooks:manage"])))]
pub async fn create(
    State(state): State<AppState>,
    key: ApiCaller,
    ApiJson(req): ApiJson<NewEndpoint>,
) -> ApiResult<(StatusCode, Json<Secret>)> {
    let caller = key.need(ApiScope::WebhooksManage)?;
    let issued = state
        .services
        .create_webhook(
            caller,
            NewWebhook {
                url: &req.url,
                event_types: &req.event_types,
                description: &req.description,
            },
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(Secret {
            endpoint_id: issued.endpoint_id,
            secret: Some(issued.secret),
        }),
    ))
}

/// One endpoint with its newest deliveries and every attempt.
#[utoipa::path(get, path = "/webhooks/{id}", tag = "webhooks", params(("id" = String, Path)),
    responses((status = 200, body = EndpointDetail)), security(("api_key" = ["webhooks:manage"])))]
pub async fn get(
    State(state): State<AppState>,
    key: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<EndpointDetail>> {
    let caller = key.need(ApiScope::WebhooksManage)?;
    let (endpoint, deliveries) = state.services.webhook_detail(caller, &id).await?;
    Ok(Json(EndpointDetail {
        endpoint: endpoint.into(),
        deliveries: deliveries
            .into_iter()
            .map(|d| Delivery {
                msg_id: d.msg_id,
                event_type: d.event_type,
                created_at: rfc3339(d.created_at),
                state: match d.state {
                    model::DeliveryState::Pending => DeliveryState::Pending,
                    model::DeliveryState::Delivered => DeliveryState::Delivered,
                    model::DeliveryState::Failed => DeliveryState::Failed,
                },
                attempts: d.attempts,
                next_attempt_at: d.next_attempt_at.map(rfc3339),
                attempt_log: d
                    .attempt_log
                    .into_iter()
                    .map(|a| Attempt {
                        at: rfc3339(a.at),
                        status: a.status,
                        error: a.error,
                        duration_ms: a.duration_ms,
                    })
                    .collect(),
            })
            .collect(),
    }))
}

/// Change an endpoint's URL, event types, description, or enable or disable it.
#[utoipa::path(patch, path = "/webhooks/{id}", tag = "webhooks", params(("id" = String, Path)),
    request_body = EndpointChanges,
    responses((status = 200, body = Endpoint)), security(("api_key" = ["webhooks:manage"])))]
pub async fn update(
    State(state): State<AppState>,
    key: ApiCaller,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<EndpointChanges>,
) -> ApiResult<Json<Endpoint>> {
    let caller = key.need(ApiScope::WebhooksManage)?;
    let changed = state
        .services
        .update_webhook(
            caller,
            &id,
            WebhookChanges {
                url: req.url.as_deref(),
                event_types: req.event_types.as_deref(),
                description: req.description.as_deref(),
                enabled: req.enabled,
            },
        )
        .await?;
    Ok(Json(changed.into()))
}

/// Delete an endpoint and its deliveries.
#[utoipa::path(delete, path = "/webhooks/{id}", tag = "webhooks", params(("id" = String, Path)),
    responses((status = 204)), security(("api_key" = ["webhooks:manage"])))]
pub async fn delete(
    State(state): State<AppState>,
    key: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let caller = key.need(ApiScope::WebhooksManage)?;
    state.services.delete_webhook(caller, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A new signing secret; the old one signs too for `overlap_hours`.
#[utoipa::path(post, path = "/webhooks/{id}/rotate-secret", tag = "webhooks",
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header)),
    request_body(content = Option<Rotation>, description = "Optional"),
    responses((status = 200, body = Secret)), security(("api_key" = ["webhooks:manage"])))]
pub async fn rotate(
    State(state): State<AppState>,
    key: ApiCaller,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<Rotation>,
) -> ApiResult<Json<Secret>> {
    let caller = key.need(ApiScope::WebhooksManage)?;
    let issued = state
        .services
        .rotate_webhook_secret(caller, &id, req.overlap_hours.unwrap_or(24))
        .await?;
    Ok(Json(Secret {
        endpoint_id: issued.endpoint_id,
        secret: Some(issued.secret),
    }))
}

/// Send a delivery again now, with the same webhook-id.
#[utoipa::path(post, path = "/webhooks/{id}/deliveries/{msg_id}/replay", tag = "webhooks",
    params(("id" = String, Path), ("msg_id" = String, Path), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 202, description = "Queued")), security(("api_key" = ["webhooks:manage"])))]
pub async fn replay(
    State(state): State<AppState>,
    key: ApiCaller,
    Path((id, msg_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let caller = key.need(ApiScope::WebhooksManage)?;
    state.services.replay_webhook(caller, &id, &msg_id).await?;
    Ok(StatusCode::ACCEPTED)
}
