//! Standard Webhooks 1.0 signatures: `webhook-signature: v1,<base64 HMAC-SHA256(secret,
//! "{id}.{timestamp}.{body}")>`, space-separated when several secrets sign (a rotation's
//! overlap). The secret is `whsec_` and the base64 of its bytes; ours are 32 bytes derived
//! from a stored seed under the server key, so the database alone holds no secret.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::error::{DomainError, DomainResult};
use crate::secret::SecretKey;

pub const SECRET_PREFIX: &str = "whsec_";

/// A fresh seed (256 random bits, hex).
pub fn new_seed() -> DomainResult<String> {
    crate::token::new_seed()
}

/// The secret's bytes for endpoint `id` with `seed`.
pub fn secret_bytes(key: &SecretKey, id: &str, seed: &str) -> [u8; 32] {
    key.mac("webhook-secret-v1", &[id.as_bytes(), seed.as_bytes()])
}

/// The secret as the endpoint's owner configures it in their receiver.
pub fn secret_text(bytes: &[u8]) -> String {
    format!("{SECRET_PREFIX}{}", STANDARD.encode(bytes))
}

/// One `v1,…` signature of a message.
pub fn sign(secret: &[u8], msg_id: &str, timestamp: i64, body: &str) -> DomainResult<String> {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret)
        .map_err(|e| DomainError::Internal(format!("webhook key: {e}")))?;
    mac.update(format!("{msg_id}.{timestamp}.").as_bytes());
    mac.update(body.as_bytes());
    Ok(format!(
        "v1,{}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_as_the_standard_webhooks_reference_does() {
        // The example of the Standard Webhooks specification (spec/standard-webhooks.md).
        let secret = STANDARD.decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let body = r#"{"test": 2432232314}"#;
        let sig = sign(&secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body).unwrap();
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn secrets_differ_per_endpoint_and_seed_and_read_as_whsec() {
        let key = SecretKey::parse(&"cd".repeat(32)).unwrap();
        let a = secret_bytes(&key, "e1", "s1");
        assert_ne!(a, secret_bytes(&key, "e2", "s1"));
        assert_ne!(a, secret_bytes(&key, "e1", "s2"));
        let text = secret_text(&a);
        assert!(text.starts_with("whsec_"));
        assert_eq!(STANDARD.decode(&text[6..]).unwrap(), a);
    }
}
