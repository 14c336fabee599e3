//! The server key: signs tokens and keys the digests stored in the database. It comes from
//! configuration, or on the embedded default is generated once into the data directory.

use std::io::Write;
use std::path::Path;

use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::error::DomainError;

const KEY_LEN: usize = 32;

#[derive(Clone)]
pub struct SecretKey([u8; KEY_LEN]);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(<redacted>)")
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyError {
    #[error("must be 64 hex characters or base64 of at least 32 bytes")]
    Format,
    #[error("must hold at least 32 bytes (256 bits) of key material")]
    TooShort,
}

impl SecretKey {
    pub fn generate() -> Result<SecretKey, DomainError> {
        let mut k = [0u8; KEY_LEN];
        getrandom::fill(&mut k)
            .map_err(|e| DomainError::Internal(format!("no randomness: {e}")))?;
        Ok(SecretKey(k))
    }

    /// Parses 64 hex characters, or standard/url-safe base64 of 32 or more bytes. Longer
    /// material is condensed with HMAC so every byte counts.
    pub fn parse(text: &str) -> Result<SecretKey, KeyError> {
        let t = text.trim();
        let bytes = if t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()) {
            (0..32)
                .map(|i| u8::from_str_radix(&t[2 * i..2 * i + 2], 16))
                .collect::<Result<Vec<u8>, _>>()
                .map_err(|_| KeyError::Format)?
        } else {
            let engines = [
                base64::engine::general_purpose::STANDARD,
                base64::engine::general_purpose::STANDARD_NO_PAD,
                base64::engine::general_purpose::URL_SAFE,
                base64::engine::general_purpose::URL_SAFE_NO_PAD,
            ];
            engines
                .iter()
                .find_map(|e| e.decode(t).ok())
                .ok_or(KeyError::Format)?
        };
        if bytes.len() < KEY_LEN {
            return Err(KeyError::TooShort);
        }
        if bytes.len() == KEY_LEN {
            let mut k = [0u8; KEY_LEN];
            k.copy_from_slice(&bytes);
            return Ok(SecretKey(k));
        }
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(b"vestibule-key-condense")
            .expect("any key length");
        mac.update(&bytes);
        Ok(SecretKey(mac.finalize().into_bytes().into()))
    }

    fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Reads the key file, or creates it (mode 0600) when it does not exist yet.
    pub fn load_or_create(path: &Path) -> Result<SecretKey, DomainError> {
        match std::fs::read_to_string(path) {
            Ok(text) => SecretKey::parse(&text)
                .map_err(|e| DomainError::Internal(format!("the key file {} {e}", path.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = SecretKey::generate()?;
                write_private(path, key.to_hex().as_bytes()).map_err(|e| {
                    DomainError::Internal(format!(
                        "cannot write the key file {}: {e}",
                        path.display()
                    ))
                })?;
                tracing::info!(path = %path.display(), "generated a new server key");
                Ok(key)
            }
            Err(e) => Err(DomainError::Internal(format!(
                "cannot read the key file {}: {e}",
                path.display()
            ))),
        }
    }

    /// HMAC-SHA256 of `parts` under a key derived for `purpose`, so one purpose's digests can
    /// never stand in for another's.
    pub fn mac(&self, purpose: &str, parts: &[&[u8]]) -> [u8; 32] {
        let mut derive =
            <Hmac<Sha256> as KeyInit>::new_from_slice(&self.0).expect("any key length");
        derive.update(purpose.as_bytes());
        let subkey = derive.finalize().into_bytes();
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&subkey).expect("any key length");
        for p in parts {
            mac.update(&(p.len() as u64).to_be_bytes());
            mac.update(p);
        }
        mac.finalize().into_bytes().into()
    }
}

fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(path)?;
    f.write_all(contents)?;
    f.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_hex_and_base64_and_refuses_short_or_garbage_keys() {
        let hex = "00".repeat(32);
        assert!(SecretKey::parse(&hex).is_ok());
        let b64 = base64::engine::general_purpose::STANDARD.encode([7u8; 48]);
        assert!(SecretKey::parse(&b64).is_ok());
        let short = base64::engine::general_purpose::STANDARD.encode([7u8; 16]);
        assert_eq!(SecretKey::parse(&short).unwrap_err(), KeyError::TooShort);
        assert_eq!(
            SecretKey::parse("not a key!").unwrap_err(),
            KeyError::Format
        );
    }

    #[test]
    fn debug_never_shows_the_key() {
        let k = SecretKey::generate().unwrap();
        assert_eq!(format!("{k:?}"), "SecretKey(<redacted>)");
    }

    #[test]
    fn generated_key_file_is_private_and_reloads_to_the_same_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/secret.key");
        let a = SecretKey::load_or_create(&path).unwrap();
        let b = SecretKey::load_or_create(&path).unwrap();
        assert_eq!(a.mac("t", &[b"x"]), b.mac("t", &[b"x"]));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn macs_differ_by_purpose_and_by_framing() {
        let k = SecretKey::generate().unwrap();
        assert_ne!(k.mac("a", &[b"x"]), k.mac("b", &[b"x"]));
        assert_ne!(k.mac("a", &[b"ab", b"c"]), k.mac("a", &[b"a", b"bc"]));
    }
}
