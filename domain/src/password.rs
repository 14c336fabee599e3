//! Passwords: argon2id with OWASP's parameters (19 MiB, 2 passes, 1 lane), hashed off the
//! async runtime and bounded so a burst of sign-ins cannot starve the server of cores.

use std::sync::{Arc, OnceLock};

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;

use crate::error::DomainError;

pub const MIN_LEN: usize = 10;
pub const MAX_LEN: usize = 128;

/// A password someone chose, checked against the policy. Never printed.
pub struct NewPassword(String);

impl NewPassword {
    pub fn parse(password: &str, confirm: &str) -> Result<NewPassword, DomainError> {
        let n = password.chars().count();
        if n < MIN_LEN {
            return Err(DomainError::invalid(
                "password",
                format!("Use at least {MIN_LEN} characters."),
            ));
        }
        if n > MAX_LEN {
            return Err(DomainError::invalid(
                "password",
                format!("Use at most {MAX_LEN} characters."),
            ));
        }
        if password != confirm {
            return Err(DomainError::invalid("confirm", "The two passwords differ."));
        }
        Ok(NewPassword(password.to_owned()))
    }
}

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(<redacted>)")
    }
}

fn argon2() -> Argon2<'static> {
    // OWASP Password Storage Cheat Sheet: argon2id, m=19456 KiB, t=2, p=1.
    let params = Params::new(19_456, 2, 1, None).expect("constant argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

fn hash_blocking(password: &str) -> Result<String, DomainError> {
    argon2()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| DomainError::Internal(format!("password hashing failed: {e}")))
}

fn verify_blocking(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A hash of a password nobody knows, verified against when the account does not exist so
/// that "no such account" and "wrong password" take the same time.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_blocking("vestibule-dummy-password-never-valid").unwrap_or_default())
}

/// Runs argon2 on the blocking pool, at most `permits` at once.
#[derive(Clone, Debug)]
pub struct PasswordHasherPool {
    permits: Arc<Semaphore>,
}

impl PasswordHasherPool {
    pub fn new(concurrency: usize) -> Self {
        PasswordHasherPool {
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
        }
    }

    pub async fn hash(&self, password: &NewPassword) -> Result<String, DomainError> {
        let _permit = self.permits.acquire().await.map_err(internal)?;
        let password = password.0.clone();
        tokio::task::spawn_blocking(move || hash_blocking(&password))
            .await
            .map_err(internal)?
    }

    /// Checks `password` against `phc`, or against a dummy hash when there is no account.
    pub async fn verify(&self, password: &str, phc: Option<&str>) -> Result<bool, DomainError> {
        let _permit = self.permits.acquire().await.map_err(internal)?;
        let password = password.to_owned();
        let (phc, real) = match phc {
            Some(h) => (h.to_owned(), true),
            None => (String::new(), false),
        };
        tokio::task::spawn_blocking(move || {
            if real {
                verify_blocking(&password, &phc)
            } else {
                verify_blocking(&password, dummy_hash());
                false
            }
        })
        .await
        .map_err(internal)
    }
}

fn internal(e: impl std::fmt::Display) -> DomainError {
    DomainError::Internal(e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_with_argon2id_owasp_parameters_and_verifies() {
        let pool = PasswordHasherPool::new(2);
        let pw = NewPassword::parse("correct horse battery", "correct horse battery").unwrap();
        let phc = pool.hash(&pw).await.unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(pool
            .verify("correct horse battery", Some(&phc))
            .await
            .unwrap());
        assert!(!pool
            .verify("correct horse batterY", Some(&phc))
            .await
            .unwrap());
    }

    #[tokio::test]
    async fn same_password_hashes_differently_each_time() {
        let pool = PasswordHasherPool::new(1);
        let pw = NewPassword::parse("0123456789ab", "0123456789ab").unwrap();
        assert_ne!(pool.hash(&pw).await.unwrap(), pool.hash(&pw).await.unwrap());
    }

    #[tokio::test]
    async fn missing_account_and_garbage_hash_never_verify() {
        let pool = PasswordHasherPool::new(1);
        assert!(!pool.verify("anything at all", None).await.unwrap());
        assert!(!pool
            .verify("anything at all", Some("not a phc string"))
            .await
            .unwrap());
    }

    #[test]
    fn policy_refuses_short_long_and_mismatched_passwords() {
        assert!(NewPassword::parse("short", "short").is_err());
        let long = "x".repeat(MAX_LEN + 1);
        assert!(NewPassword::parse(&long, &long).is_err());
        assert!(NewPassword::parse("0123456789", "0123456788").is_err());
        assert!(NewPassword::parse("0123456789", "0123456789").is_ok());
        assert_eq!(
            format!(
                "{:?}",
                NewPassword::parse("0123456789", "0123456789").unwrap()
            ),
            "NewPassword(<redacted>)"
        );
    }
}
