//! Webhooks (Standard Webhooks 1.0): endpoints that hear what happens, signed.
//!
//! An event is written with the change that caused it: every audit event whose action is
//! something webhooks hear (`Action::hooks`) also writes one delivery row per enabled
//! endpoint that receives its type, in the same transaction (`store::audit`). So an event
//! exists exactly when its change committed, whichever door (panel, API, command line) made
//! it. `deliver` sends them; `expiry` announces invitations as they expire.
//!
//! - `address`: where a webhook may go (https, public addresses only: SSRF defence)
//! - `signing`: the secret and the `webhook-signature` header
//! - `deliver`: the worker (lease, retries for about a day, 410 disables)
//! - `expiry`: `invitation.expired`, once per expiry, by any number of server processes

pub mod address;
pub mod deliver;
pub mod expiry;
pub mod signing;

use model::{
    is_event_type, DeliveryState, IssuedSecret, Permission, WebhookAttemptInfo,
    WebhookDeliveryInfo, WebhookEndpointInfo, EVENT_TYPES,
};
use uuid::Uuid;

use crate::access::Caller;
use crate::audit::{Action, Event};
use crate::clock::{Millis, HOUR};
use crate::error::{DomainError, DomainResult};
use crate::live::Change;
use crate::store::audit as audit_store;
use crate::store::webhooks::{self as store, EndpointRow, NewEndpoint, Outgoing};
use crate::Services;
use address::{parse_url, resolve};
use signing::{new_seed, secret_bytes, secret_text};

pub const MAX_DESCRIPTION_CHARS: usize = 200;
/// The longest a rotated secret keeps signing beside the new one.
pub const MAX_OVERLAP_HOURS: i64 = 7 * 24;
/// Deliveries an endpoint's page shows.
const SHOWN_DELIVERIES: i64 = 50;

/// The webhook event for `event` as type `event_type`: a fresh webhook-id, and the payload
/// `{type, timestamp, data}`. `data` says what happened and to whom, with ids to read the
/// rest through the API; never a token, link or secret (audit events hold none).
pub fn outgoing(event: &Event, event_type: &'static str, now: Millis) -> Outgoing {
    let mut data = serde_json::Map::new();
    let mut put = |k: &str, v: &Option<String>| {
        if let Some(v) = v {
            data.insert(k.into(), serde_json::Value::String(v.clone()));
        }
    };
    put("invitation_id", &event.invite_id);
    let member = event.member_id.clone().or_else(|| {
        // The member an accept created is the actor of that event.
        (event.action == Action::InviteAccepted)
            .then(|| event.actor.user_id.clone())
            .flatten()
    });
    put("member_id", &member);
    put("email", &event.subject);
    put("actor", &event.actor.email);
    put("api_key", &event.actor.api_key);
    if !event.detail.is_empty() {
        data.insert("detail".into(), event.detail.clone().into());
    }
    let payload = serde_json::json!({
        "type": event_type,
        "timestamp": rfc3339(now),
        "data": data,
    });
    Outgoing {
        msg_id: format!("msg_{}", Uuid::now_v7().simple()),
        event_type,
        subject_key: event
            .invite_id
            .clone()
            .or(member)
            .unwrap_or_else(|| "-".into()),
        payload: payload.to_string(),
    }
}

fn rfc3339(ms: Millis) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// The event types asked for: each known (or `*`), each once; at least one.
fn parse_event_types(list: &[String]) -> DomainResult<String> {
    let mut chosen: Vec<&str> = Vec::new();
    for t in list.iter().map(|t| t.trim()).filter(|t| !t.is_empty()) {
        if !is_event_type(t) {
            return Err(DomainError::invalid(
                "event_types",
                format!(
                    "There is no event type {t:?}. Choose from {}, or * for all.",
                    EVENT_TYPES.join(", ")
                ),
            ));
        }
        if !chosen.contains(&t) {
            chosen.push(t);
        }
    }
    if chosen.is_empty() {
        return Err(DomainError::invalid(
            "event_types",
            "Choose at least one event type (or * for all).",
        ));
    }
    if chosen.contains(&"*") {
        return Ok("*".into());
    }
    Ok(chosen.join(","))
}

fn parse_description(text: &str) -> DomainResult<String> {
    let t = text.trim();
    if t.chars().count() > MAX_DESCRIPTION_CHARS || t.chars().any(char::is_control) {
        return Err(DomainError::invalid(
            "description",
            format!("Use one line of at most {MAX_DESCRIPTION_CHARS} characters."),
        ));
    }
    Ok(t.to_owned())
}

fn info(row: EndpointRow, now: Millis) -> WebhookEndpointInfo {
    WebhookEndpointInfo {
        event_types: row.event_types.split(',').map(str::to_owned).collect(),
        previous_secret_until: row.previous_until.filter(|u| *u > now),
        id: row.id,
        url: row.url,
        description: row.description,
        enabled: row.enabled,
        disabled_reason: row.disabled_reason,
        created_by: row.created_by_email,
        created_at: row.created_at,
        pending: row.pending,
    }
}

/// What a new endpoint needs.
pub struct NewWebhook<'a> {
    pub url: &'a str,
    pub event_types: &'a [String],
    pub description: &'a str,
}

/// What to change on an endpoint; `None` keeps it.
#[derive(Default)]
pub struct WebhookChanges<'a> {
    pub url: Option<&'a str>,
    pub event_types: Option<&'a [String]>,
    pub description: Option<&'a str>,
    pub enabled: Option<bool>,
}

impl Services {
    /// Checks a URL as a delivery would: its shape, and every address it resolves to.
    async fn checked_url(&self, url: &str) -> DomainResult<String> {
        let target = parse_url(url, self.outbound)?;
        resolve(&target, self.outbound).await?;
        Ok(target.url.to_string())
    }

    fn issued(&self, id: &str, seed: &str) -> IssuedSecret {
        IssuedSecret {
            endpoint_id: id.to_owned(),
            secret: secret_text(&secret_bytes(&self.key, id, seed)),
        }
    }

    async fn endpoint_row(&self, id: &str) -> DomainResult<EndpointRow> {
        store::endpoint(&self.db, id)
            .await?
            .ok_or(DomainError::NotFound)
    }

    pub async fn create_webhook(
        &self,
        caller: &Caller,
        req: NewWebhook<'_>,
    ) -> DomainResult<IssuedSecret> {
        caller.require(Permission::ManageApiKeys)?;
        let event_types = parse_event_types(req.event_types)?;
        let description = parse_description(req.description)?;
        let url = self.checked_url(req.url).await?;
        let id = Uuid::now_v7().to_string();
        let seed = new_seed()?;
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        store::insert_endpoint(
            &mut tx,
            &NewEndpoint {
                id: &id,
                url: &url,
                description: &description,
                event_types: &event_types,
                secret_seed: &seed,
                created_by: caller.id(),
                created_at: now,
            },
        )
        .await?;
        let event = Event::new(&caller.actor, Action::WebhookCreated, Some(&url))
            .detail(format!("events: {event_types}"));
        audit_store::insert_tx(&mut tx, &event, now).await?;
        tx.commit().await?;
        self.live.publish(Change::general("webhooks")).await;
        Ok(self.issued(&id, &seed))
    }

    pub async fn list_webhooks(&self, caller: &Caller) -> DomainResult<Vec<WebhookEndpointInfo>> {
        caller.require(Permission::ManageApiKeys)?;
        let now = self.clock.now();
        Ok(store::endpoints(&self.db)
            .await?
            .into_iter()
            .map(|r| info(r, now))
            .collect())
    }

    /// One endpoint with its newest deliveries, each with its attempts.
    pub async fn webhook_detail(
        &self,
        caller: &Caller,
        id: &str,
    ) -> DomainResult<(WebhookEndpointInfo, Vec<WebhookDeliveryInfo>)> {
        caller.require(Permission::ManageApiKeys)?;
        let now = self.clock.now();
        let row = self.endpoint_row(id).await?;
        let rows = store::deliveries(&self.db, id, SHOWN_DELIVERIES).await?;
        let ids: Vec<String> = rows.iter().map(|d| d.msg_id.clone()).collect();
        let attempts = store::attempts(&self.db, id, &ids).await?;
        let deliveries = rows
            .into_iter()
            .map(|d| {
                let state = if d.delivered_at.is_some() {
                    DeliveryState::Delivered
                } else if d.failed_at.is_some() {
                    DeliveryState::Failed
                } else {
                    DeliveryState::Pending
                };
                WebhookDeliveryInfo {
                    attempt_log: attempts
                        .iter()
                        .filter(|a| a.msg_id == d.msg_id)
                        .map(|a| WebhookAttemptInfo {
                            at: a.at,
                            status: a.status,
                            error: a.error.clone(),
                            duration_ms: a.duration_ms,
                        })
                        .collect(),
                    next_attempt_at: (state == DeliveryState::Pending).then_some(d.next_attempt_at),
                    msg_id: d.msg_id,
                    event_type: d.r#type,
                    created_at: d.created_at,
                    state,
                    attempts: d.attempts,
                    last_status: d.last_status,
                    last_error: d.last_error,
                }
            })
            .collect();
        Ok((info(row, now), deliveries))
    }

    pub async fn update_webhook(
        &self,
        caller: &Caller,
        id: &str,
        changes: WebhookChanges<'_>,
    ) -> DomainResult<WebhookEndpointInfo> {
        caller.require(Permission::ManageApiKeys)?;
        let before = self.endpoint_row(id).await?;
        let url = match changes.url {
            Some(u) => Some(self.checked_url(u).await?),
            None => None,
        };
        let event_types = changes.event_types.map(parse_event_types).transpose()?;
        let description = changes.description.map(parse_description).transpose()?;
        let mut said = Vec::new();
        if let Some(u) = &url {
            said.push(format!("url {} → {u}", before.url));
        }
        if let Some(t) = &event_types {
            said.push(format!("events: {t}"));
        }
        if description.is_some() {
            said.push("description changed".into());
        }
        if let Some(e) = changes.enabled {
            said.push(if e { "enabled" } else { "disabled" }.into());
        }
        if said.is_empty() {
            return Err(DomainError::invalid(
                "body",
                "Say what to change: url, event_types, description or enabled.",
            ));
        }
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        let n = store::update_endpoint(
            &mut tx,
            id,
            url.as_deref(),
            event_types.as_deref(),
            description.as_deref(),
            changes.enabled,
        )
        .await?;
        if n != 1 {
            return Err(DomainError::NotFound);
        }
        let event = Event::new(&caller.actor, Action::WebhookChanged, Some(&before.url))
            .detail(said.join("; "));
        audit_store::insert_tx(&mut tx, &event, now).await?;
        tx.commit().await?;
        self.live.publish(Change::general("webhooks")).await;
        Ok(info(self.endpoint_row(id).await?, now))
    }

    /// A new secret; the old one keeps signing too for `overlap_hours` (0 to 168), so the
    /// receiver can switch without losing a message.
    pub async fn rotate_webhook_secret(
        &self,
        caller: &Caller,
        id: &str,
        overlap_hours: i64,
    ) -> DomainResult<IssuedSecret> {
        caller.require(Permission::ManageApiKeys)?;
        if !(0..=MAX_OVERLAP_HOURS).contains(&overlap_hours) {
            return Err(DomainError::invalid(
                "overlap_hours",
                format!("The old secret may keep signing for 0 to {MAX_OVERLAP_HOURS} hours."),
            ));
        }
        let row = self.endpoint_row(id).await?;
        let seed = new_seed()?;
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        store::rotate(&mut tx, id, &seed, now + overlap_hours * HOUR).await?;
        let event = Event::new(&caller.actor, Action::WebhookSecretRotated, Some(&row.url))
            .detail(format!("the old secret signs too for {overlap_hours} h"));
        audit_store::insert_tx(&mut tx, &event, now).await?;
        tx.commit().await?;
        self.live.publish(Change::general("webhooks")).await;
        Ok(self.issued(id, &seed))
    }

    pub async fn delete_webhook(&self, caller: &Caller, id: &str) -> DomainResult<()> {
        caller.require(Permission::ManageApiKeys)?;
        let row = self.endpoint_row(id).await?;
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        store::delete_endpoint(&mut tx, id).await?;
        let event = Event::new(&caller.actor, Action::WebhookDeleted, Some(&row.url));
        audit_store::insert_tx(&mut tx, &event, now).await?;
        tx.commit().await?;
        self.live.publish(Change::general("webhooks")).await;
        Ok(())
    }

    /// Sends a delivery again, now, with the same webhook-id (receivers de-duplicate on it).
    pub async fn replay_webhook(
        &self,
        caller: &Caller,
        endpoint_id: &str,
        msg_id: &str,
    ) -> DomainResult<()> {
        caller.require(Permission::ManageApiKeys)?;
        let row = self.endpoint_row(endpoint_id).await?;
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        if store::replay(&mut tx, endpoint_id, msg_id, now).await? != 1 {
            return Err(DomainError::NotFound);
        }
        let event = Event::new(&caller.actor, Action::WebhookReplayed, Some(&row.url))
            .detail(msg_id.to_owned());
        audit_store::insert_tx(&mut tx, &event, now).await?;
        tx.commit().await?;
        self.live.publish(Change::general("webhooks")).await;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_types_are_known_kept_once_and_star_means_all() {
        let list = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            parse_event_types(&list(&[
                "invitation.accepted",
                "member.joined",
                "invitation.accepted"
            ]))
            .unwrap(),
            "invitation.accepted,member.joined"
        );
        assert_eq!(
            parse_event_types(&list(&["*", "member.joined"])).unwrap(),
            "*"
        );
        assert!(parse_event_types(&list(&["invitation.exploded"])).is_err());
        assert!(parse_event_types(&list(&[" "])).is_err());
    }

    #[test]
    fn a_payload_names_what_happened_and_never_more_than_the_audit_event() {
        let actor = crate::audit::Actor {
            email: Some("ad@example.com".into()),
            api_key: Some("ci".into()),
            ..Default::default()
        };
        let e = Event::new(&actor, Action::InviteRevoked, Some("ann@example.com")).invite("i1");
        let out = outgoing(&e, "invitation.revoked", 1_796_000_000_000);
        let v: serde_json::Value = serde_json::from_str(&out.payload).unwrap();
        assert_eq!(v["type"], "invitation.revoked");
        assert_eq!(v["data"]["invitation_id"], "i1");
        assert_eq!(v["data"]["email"], "ann@example.com");
        assert_eq!(v["data"]["api_key"], "ci");
        assert!(v["timestamp"].as_str().unwrap().ends_with('Z'));
        assert!(out.msg_id.starts_with("msg_"));
        assert_eq!(out.subject_key, "i1");
    }
}
