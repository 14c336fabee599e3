//! Link tokens ("signed and stateful", DESIGN §3).
//!
//! A token is base64url of `version | purpose | row id (16 bytes) | secret (32 random bytes) |
//! tag (16 bytes)`. The tag is an HMAC under the server key, so a forged or mangled token is
//! refused before any database work. The database stores only a keyed digest of the secret,
//! so a dump of it yields no usable link. Single use, expiry and revocation live in the row.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use uuid::Uuid;

use crate::error::DomainError;
use crate::secret::SecretKey;

const VERSION: u8 = 1;
const SECRET_LEN: usize = 32;
const TAG_LEN: usize = 16;
const RAW_LEN: usize = 2 + 16 + SECRET_LEN + TAG_LEN;

/// What a token may be used for. Part of the signed bytes: a set-password token can never
/// be replayed as an invitation, or the other way round.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    SetPassword = 1,
    Invite = 2,
    /// A member confirming their address from an email (after joining through a copied link).
    ConfirmEmail = 3,
}

/// A freshly issued token. `token` goes into the link and nowhere else; `digest` goes into
/// the database.
pub struct Issued {
    pub token: String,
    pub digest: String,
}

impl std::fmt::Debug for Issued {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Issued")
            .field("token", &"<redacted>")
            .finish()
    }
}

/// A token whose signature checked out: which row it names, and the digest to compare.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub id: Uuid,
    pub digest: String,
}

/// Why a token was refused before looking anything up. Callers show one neutral message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("this link is not valid")]
pub struct Forged;

fn tag(key: &SecretKey, header: &[u8], id: &[u8], secret: &[u8]) -> [u8; TAG_LEN] {
    let full = key.mac("token-tag-v1", &[header, id, secret]);
    let mut t = [0u8; TAG_LEN];
    t.copy_from_slice(&full[..TAG_LEN]);
    t
}

fn digest(key: &SecretKey, purpose: Purpose, id: &Uuid, secret: &[u8]) -> String {
    key.mac(
        "token-digest-v1",
        &[&[purpose as u8], id.as_bytes(), secret],
    )
    .iter()
    .map(|b| format!("{b:02x}"))
    .collect()
}

fn random_bytes() -> Result<[u8; SECRET_LEN], DomainError> {
    let mut b = [0u8; SECRET_LEN];
    getrandom::fill(&mut b).map_err(|e| DomainError::Internal(format!("no randomness: {e}")))?;
    Ok(b)
}

/// Issues a token whose secret is 256 fresh random bits.
pub fn issue(key: &SecretKey, purpose: Purpose, id: Uuid) -> Result<Issued, DomainError> {
    Ok(build(key, purpose, id, &random_bytes()?))
}

/// A fresh seed (256 random bits, hex) for `issue_from_seed`.
pub fn new_seed() -> Result<String, DomainError> {
    Ok(random_bytes()?.iter().map(|b| format!("{b:02x}")).collect())
}

/// Issues the token whose secret is derived from `seed` under the server key.
///
/// Invitation emails are sent later by the outbox worker, which must rebuild the link. The
/// outbox keeps only the seed: with the database alone (no server key) the secret cannot be
/// computed, so a dump still yields no usable link. The seed is erased once the email is out.
pub fn issue_from_seed(key: &SecretKey, purpose: Purpose, id: Uuid, seed: &str) -> Issued {
    let secret = key.mac(
        "token-secret-from-seed-v1",
        &[&[purpose as u8], id.as_bytes(), seed.as_bytes()],
    );
    build(key, purpose, id, &secret)
}

fn build(key: &SecretKey, purpose: Purpose, id: Uuid, secret: &[u8; SECRET_LEN]) -> Issued {
    let header = [VERSION, purpose as u8];
    let mut raw = Vec::with_capacity(RAW_LEN);
    raw.extend_from_slice(&header);
    raw.extend_from_slice(id.as_bytes());
    raw.extend_from_slice(secret);
    raw.extend_from_slice(&tag(key, &header, id.as_bytes(), secret));
    Issued {
        token: URL_SAFE_NO_PAD.encode(&raw),
        digest: digest(key, purpose, &id, secret),
    }
}

/// Checks the token's shape and signature. Constant-time tag comparison.
pub fn verify(key: &SecretKey, purpose: Purpose, token: &str) -> Result<Verified, Forged> {
    if token.len() > 128 {
        return Err(Forged);
    }
    let raw = URL_SAFE_NO_PAD
        .decode(token.as_bytes())
        .map_err(|_| Forged)?;
    if raw.len() != RAW_LEN || raw[0] != VERSION || raw[1] != purpose as u8 {
        return Err(Forged);
    }
    let (header, rest) = raw.split_at(2);
    let (id, rest) = rest.split_at(16);
    let (secret, given_tag) = rest.split_at(SECRET_LEN);
    let expected = tag(key, header, id, secret);
    if !constant_time_eq(&expected, given_tag) {
        return Err(Forged);
    }
    let id = Uuid::from_slice(id).map_err(|_| Forged)?;
    Ok(Verified {
        digest: digest(key, purpose, &id, secret),
        id,
    })
}

/// Compares two byte strings without an early exit, so timing does not tell how many
/// leading bytes matched.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn key() -> SecretKey {
        SecretKey::parse(&"ab".repeat(32)).unwrap()
    }

    #[test]
    fn issued_token_verifies_to_its_id_and_digest() {
        let id = Uuid::now_v7();
        let issued = issue(&key(), Purpose::Invite, id).unwrap();
        let v = verify(&key(), Purpose::Invite, &issued.token).unwrap();
        assert_eq!(v.id, id);
        assert_eq!(v.digest, issued.digest);
        assert!(!issued.digest.contains(&issued.token));
    }

    #[test]
    fn tokens_are_distinct_and_long() {
        let mut seen = HashSet::new();
        for _ in 0..10_000 {
            let t = issue(&key(), Purpose::Invite, Uuid::nil()).unwrap();
            assert_eq!(t.token.len(), 88);
            assert!(seen.insert(t.token));
        }
    }

    #[test]
    fn every_single_bit_flip_is_refused() {
        let issued = issue(&key(), Purpose::Invite, Uuid::now_v7()).unwrap();
        let raw = URL_SAFE_NO_PAD.decode(&issued.token).unwrap();
        for byte in 0..raw.len() {
            for bit in 0..8 {
                let mut m = raw.clone();
                m[byte] ^= 1 << bit;
                let t = URL_SAFE_NO_PAD.encode(&m);
                assert_eq!(
                    verify(&key(), Purpose::Invite, &t),
                    Err(Forged),
                    "byte {byte} bit {bit}"
                );
            }
        }
    }

    #[test]
    fn truncated_foreign_key_and_wrong_purpose_tokens_are_refused() {
        let issued = issue(&key(), Purpose::Invite, Uuid::now_v7()).unwrap();
        assert_eq!(
            verify(&key(), Purpose::Invite, &issued.token[..80]),
            Err(Forged)
        );
        assert_eq!(
            verify(&key(), Purpose::SetPassword, &issued.token),
            Err(Forged)
        );
        let other = SecretKey::generate().unwrap();
        assert_eq!(verify(&other, Purpose::Invite, &issued.token), Err(Forged));
        assert_eq!(verify(&key(), Purpose::Invite, ""), Err(Forged));
        assert_eq!(verify(&key(), Purpose::Invite, "%%%"), Err(Forged));
        assert_eq!(
            verify(&key(), Purpose::Invite, &"A".repeat(5000)),
            Err(Forged)
        );
    }

    #[test]
    fn seeded_tokens_rebuild_exactly_and_differ_per_seed_key_and_id() {
        let id = Uuid::now_v7();
        let seed = new_seed().unwrap();
        assert_eq!(seed.len(), 64);
        let a = issue_from_seed(&key(), Purpose::Invite, id, &seed);
        let b = issue_from_seed(&key(), Purpose::Invite, id, &seed);
        assert_eq!(a.token, b.token);
        assert_eq!(
            verify(&key(), Purpose::Invite, &a.token).unwrap().digest,
            a.digest
        );
        assert_ne!(
            issue_from_seed(&key(), Purpose::Invite, id, &new_seed().unwrap()).token,
            a.token
        );
        assert_ne!(
            issue_from_seed(&key(), Purpose::Invite, Uuid::now_v7(), &seed).token,
            a.token
        );
        let other = SecretKey::generate().unwrap();
        assert_ne!(
            issue_from_seed(&other, Purpose::Invite, id, &seed).token,
            a.token
        );
    }

    #[test]
    fn issued_debug_hides_the_token() {
        let issued = issue(&key(), Purpose::Invite, Uuid::now_v7()).unwrap();
        assert!(!format!("{issued:?}").contains(&issued.token));
    }
}
