//! API keys: created by someone who may manage them, shown once, stored as a keyed digest,
//! revocable at once. A request with a key acts for the key's creator, within the key's
//! scopes and the creator's *current* permissions (`Caller::through_key`), read again on
//! every request: demote or deactivate the creator and the key shrinks or stops.
//!
//! A key is `vsk_` and the base64url of 32 random bytes (256 bits). Unlike a link token it
//! carries no row id or tag: the lookup is by its keyed digest, one indexed read, and the
//! digest cannot be computed from the database alone.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use model::{ApiKeyInfo, ApiKeyState, ApiScopes, IssuedApiKey, Permission, Permissions};
use uuid::Uuid;

use crate::access::Caller;
use crate::audit::{Action, Actor, Event};
use crate::clock::{Millis, DAY, MINUTE};
use crate::error::{DomainError, DomainResult};
use crate::names::parse_label;
use crate::store::api_keys::{self as store, KeyRow, NewKey};
use crate::store::{audit as audit_store, users};
use crate::Services;

const PREFIX: &str = "vsk_";
const SECRET_LEN: usize = 32;
/// How many characters of the key (after `vsk_`) lists show.
const SHOWN_CHARS: usize = 8;
pub const MAX_KEY_NAME: usize = 80;
/// The longest a key may live, in days (and the longest expiry the form offers).
pub const MAX_EXPIRY_DAYS: i64 = 730;
/// A key's `last_used_at` moves at most this often.
const TOUCH_EVERY: Millis = MINUTE;

/// A request's caller through a key, and which key (idempotency keys are kept per key).
#[derive(Clone, Debug)]
pub struct KeyCaller {
    pub caller: Caller,
    pub key_id: String,
}

/// What a new key needs.
pub struct NewApiKey<'a> {
    pub name: &'a str,
    pub scopes: ApiScopes,
    /// Days until it stops working; `None` for a key that does not expire.
    pub expires_in_days: Option<i64>,
}

fn digest(key: &crate::secret::SecretKey, secret: &[u8]) -> String {
    key.mac("api-key-digest-v1", &[secret])
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The secret bytes of a key as presented, if it has the shape of one of ours.
fn parse_key(presented: &str) -> Option<Vec<u8>> {
    let body = presented.strip_prefix(PREFIX)?;
    if body.len() > 64 {
        return None;
    }
    let raw = URL_SAFE_NO_PAD.decode(body.as_bytes()).ok()?;
    (raw.len() == SECRET_LEN).then_some(raw)
}

fn state_of(row: &KeyRow, now: Millis) -> ApiKeyState {
    if row.revoked_at.is_some() {
        ApiKeyState::Revoked
    } else if row.expires_at.is_some_and(|at| at <= now) {
        ApiKeyState::Expired
    } else {
        ApiKeyState::Active
    }
}

fn info(row: KeyRow, now: Millis) -> ApiKeyInfo {
    ApiKeyInfo {
        state: state_of(&row, now),
        id: row.id,
        name: row.name,
        prefix: row.prefix,
        scopes: ApiScopes::from_bits(row.scopes),
        creator_email: row.creator_email,
        created_at: row.created_at,
        expires_at: row.expires_at,
        last_used_at: row.last_used_at,
        revoked_at: row.revoked_at,
    }
}

/// Refuses scopes the creator could not use: a key is never given more than its creator
/// holds (and it shrinks with them later, `Caller::through_key`).
fn check_scopes(held: Permissions, scopes: ApiScopes) -> DomainResult<()> {
    if scopes.is_empty() {
        return Err(DomainError::invalid("scopes", "Choose at least one scope."));
    }
    let lacking: Vec<&str> = scopes
        .iter()
        .filter(|s| !held.contains(s.permission()))
        .map(|s| s.as_str())
        .collect();
    if lacking.is_empty() {
        Ok(())
    } else {
        Err(DomainError::invalid(
            "scopes",
            format!(
                "Your role lacks the permissions for {}, so a key of yours cannot have them.",
                lacking.join(", ")
            ),
        ))
    }
}

impl Services {
    pub async fn create_api_key(
        &self,
        caller: &Caller,
        req: NewApiKey<'_>,
    ) -> DomainResult<IssuedApiKey> {
        let held = caller.require(Permission::ManageApiKeys)?;
        let name = parse_label("name", req.name, MAX_KEY_NAME, "name for the key")?;
        check_scopes(held, req.scopes)?;
        let now = self.clock.now();
        let expires_at = match req.expires_in_days {
            None => None,
            Some(d) if (1..=MAX_EXPIRY_DAYS).contains(&d) => Some(now + d * DAY),
            Some(_) => {
                return Err(DomainError::invalid(
                    "expires_in_days",
                    format!("A key may expire in 1 to {MAX_EXPIRY_DAYS} days, or never."),
                ))
            }
        };
        let mut secret = [0u8; SECRET_LEN];
        getrandom::fill(&mut secret)
            .map_err(|e| DomainError::Internal(format!("no randomness: {e}")))?;
        let encoded = URL_SAFE_NO_PAD.encode(secret);
        let key = format!("{PREFIX}{encoded}");
        let prefix = format!("{PREFIX}{}", &encoded[..SHOWN_CHARS]);
        let id = Uuid::now_v7().to_string();
        let mut tx = self.db.begin().await?;
        store::insert(
            &mut tx,
            &NewKey {
                id: &id,
                name: &name,
                prefix: &prefix,
                digest: &digest(&self.key, &secret),
                scopes: req.scopes.bits(),
                creator_id: caller.id(),
                created_at: now,
                expires_at,
            },
        )
        .await?;
        let event = Event::new(&caller.actor, Action::ApiKeyCreated, Some(&name)).detail(format!(
            "{prefix}…; scopes {}; {}",
            req.scopes.names(),
            match req.expires_in_days {
                Some(d) => format!("expires in {d} days"),
                None => "does not expire".into(),
            }
        ));
        audit_store::insert_tx(&mut tx, &event, now).await?;
        tx.commit().await?;
        self.live
            .publish(crate::live::Change::general("api_keys"))
            .await;
        Ok(IssuedApiKey { id, name, key })
    }

    pub async fn list_api_keys(&self, caller: &Caller) -> DomainResult<Vec<ApiKeyInfo>> {
        caller.require(Permission::ManageApiKeys)?;
        let now = self.clock.now();
        Ok(store::list(&self.db)
            .await?
            .into_iter()
            .map(|r| info(r, now))
            .collect())
    }

    pub async fn revoke_api_key(&self, caller: &Caller, id: &str) -> DomainResult<()> {
        caller.require(Permission::ManageApiKeys)?;
        let now = self.clock.now();
        let key = store::find(&self.db, id)
            .await?
            .ok_or(DomainError::NotFound)?;
        let mut tx = self.db.begin().await?;
        if store::revoke(&mut tx, id, caller.id(), now).await? != 1 {
            return Err(DomainError::Conflict(
                "This key was revoked already.".into(),
            ));
        }
        let event = Event::new(&caller.actor, Action::ApiKeyRevoked, Some(&key.name))
            .detail(format!("{}…, created by {}", key.prefix, key.creator_email));
        audit_store::insert_tx(&mut tx, &event, now).await?;
        tx.commit().await?;
        self.live
            .publish(crate::live::Change::general("api_keys"))
            .await;
        Ok(())
    }

    /// The caller behind a presented key (`Authorization: Bearer vsk_…`), from `request` (its
    /// IP and user agent). Refused: a key not ours or unknown (counted per IP as a guess),
    /// revoked or expired, whose creator is deactivated, or past its requests per minute.
    pub async fn caller_for_key(
        &self,
        presented: &str,
        request: &Actor,
    ) -> DomainResult<KeyCaller> {
        let refused = |why: &str| DomainError::KeyRefused(why.to_owned());
        let now = self.clock.now();
        let client = request.ip.as_deref().unwrap_or("unknown");
        if let Some(secs) = self.limits.bad_api_keys.check(client, now).await {
            return Err(DomainError::RateLimited {
                retry_after_secs: secs,
                message: format!(
                    "Too many invalid API keys came from your network. {}",
                    crate::ratelimit::wait_phrase(secs)
                ),
            });
        }
        let found = match parse_key(presented.trim()) {
            Some(secret) => store::find_by_digest(&self.db, &digest(&self.key, &secret)).await?,
            None => None,
        };
        let Some(row) = found else {
            self.limits.bad_api_keys.hit(client, now).await;
            return Err(refused("This API key is not valid."));
        };
        match state_of(&row, now) {
            ApiKeyState::Active => {}
            ApiKeyState::Revoked => return Err(refused("This API key has been revoked.")),
            ApiKeyState::Expired => return Err(refused("This API key has expired.")),
        }
        let creator = users::find_by_id(&self.db, &row.creator_id)
            .await?
            .filter(|u| u.may_act_at(now))
            .ok_or_else(|| {
                refused(
                    "The person who created this API key has been deactivated, so the key no \
                     longer works.",
                )
            })?;
        if let Some(secs) = self.limits.api_requests.take(&row.id, now).await {
            return Err(DomainError::RateLimited {
                retry_after_secs: secs,
                message: format!(
                    "This API key has made too many requests in the last minute. {}",
                    crate::ratelimit::wait_phrase(secs)
                ),
            });
        }
        store::touch(&self.db, &row.id, now, TOUCH_EVERY).await?;
        Ok(KeyCaller {
            caller: Caller::through_key(
                creator,
                &row.name,
                ApiScopes::from_bits(row.scopes),
                request,
            ),
            key_id: row.id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::ApiScope;

    #[test]
    fn only_keys_of_our_shape_are_looked_up() {
        let secret = [7u8; SECRET_LEN];
        let key = format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(secret));
        assert_eq!(parse_key(&key), Some(secret.to_vec()));
        assert_eq!(
            parse_key(&key[PREFIX.len()..]),
            None,
            "the prefix is part of it"
        );
        assert_eq!(
            parse_key(&key[..key.len() - 1]),
            None,
            "one character short"
        );
        assert_eq!(parse_key(&format!("{key}AA")), None, "two characters long");
        assert_eq!(parse_key("vsk_"), None);
        assert_eq!(parse_key(&format!("{PREFIX}{}", "A".repeat(10_000))), None);
    }

    #[test]
    fn a_key_gets_no_scope_its_creator_could_not_use() {
        let editor = Permissions::of(&[Permission::ViewInvites, Permission::SendInvites]);
        let ok = ApiScopes::of(&[ApiScope::InvitationsRead, ApiScope::InvitationsWrite]);
        assert!(check_scopes(editor, ok).is_ok());
        let too_much = ApiScopes::of(&[ApiScope::InvitationsRead, ApiScope::AuditRead]);
        let err = check_scopes(editor, too_much).unwrap_err().to_string();
        assert!(err.contains("audit:read"), "{err}");
        assert!(!err.contains("invitations:read"), "{err}");
        assert!(check_scopes(Permissions::ALL, ApiScopes::NONE).is_err());
    }
}
