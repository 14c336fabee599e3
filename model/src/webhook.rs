//! Webhooks as the pages and the API show them: endpoints, the events they receive, and
//! each delivery with its attempts. Secrets appear only in `IssuedSecret`, once.

use serde::{Deserialize, Serialize};

/// Every event a webhook endpoint can receive (Standard Webhooks' `type`).
pub const EVENT_TYPES: [&str; 17] = [
    "invitation.created",
    "invitation.sent",
    "invitation.delivery_failed",
    "invitation.reminded",
    "invitation.opened",
    "invitation.resent",
    "invitation.updated",
    "invitation.accepted",
    "invitation.revoked",
    "invitation.declined",
    "invitation.expired",
    "member.joined",
    "member.role_changed",
    "member.deactivated",
    "member.reactivated",
    "member.access_end_changed",
    "member.password_reset_sent",
];

/// `name` if it is an event type, or `*` for all of them.
pub fn is_event_type(name: &str) -> bool {
    name == "*" || EVENT_TYPES.contains(&name)
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookEndpointInfo {
    pub id: String,
    pub url: String,
    pub description: String,
    /// The event types it receives; `["*"]` for all.
    pub event_types: Vec<String>,
    pub enabled: bool,
    /// Why the system disabled it (a `410 Gone`), if it did.
    pub disabled_reason: Option<String>,
    pub created_by: String,
    pub created_at: i64,
    /// While a rotated secret still signs too: until when.
    pub previous_secret_until: Option<i64>,
    /// Deliveries not yet done (waiting, or retrying).
    pub pending: i64,
}

/// Where a delivery stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DeliveryState {
    Pending,
    Delivered,
    Failed,
}

impl DeliveryState {
    pub fn label(self) -> &'static str {
        match self {
            DeliveryState::Pending => "Pending",
            DeliveryState::Delivered => "Delivered",
            DeliveryState::Failed => "Failed",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookAttemptInfo {
    pub at: i64,
    /// The HTTP status the endpoint answered, if it answered.
    pub status: Option<i64>,
    pub error: Option<String>,
    pub duration_ms: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookDeliveryInfo {
    /// The `webhook-id`: the same on every attempt and replay.
    pub msg_id: String,
    pub event_type: String,
    pub created_at: i64,
    pub state: DeliveryState,
    pub attempts: i64,
    pub next_attempt_at: Option<i64>,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub attempt_log: Vec<WebhookAttemptInfo>,
}

/// A secret just made (at create or rotation): the only time it is shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedSecret {
    pub endpoint_id: String,
    /// `whsec_` and the base64 of 32 random-looking bytes.
    pub secret: String,
}
