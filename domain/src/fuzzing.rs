//! The bodies of the fuzz targets in `fuzz/` (run with scripts/fuzz.sh). They live here so
//! that the seed corpora in `fuzz/corpus/` also run as ordinary tests
//! (domain/tests/fuzz_corpus.rs). Each one panics when a property breaks.

use crate::email::EmailAddress;
use crate::secret::SecretKey;
use crate::token::{self, Purpose};

fn key() -> SecretKey {
    SecretKey::parse(&"5a".repeat(32)).expect("a valid constant key")
}

/// Link tokens: no input the server did not issue verifies, under either purpose; and a
/// token issued from any id and seed verifies to that id, for its purpose only.
pub fn token(data: &[u8]) {
    let key = key();
    if let Ok(text) = std::str::from_utf8(data) {
        for purpose in [Purpose::Invite, Purpose::SetPassword] {
            assert!(
                token::verify(&key, purpose, text).is_err(),
                "an input nobody issued verified: {text:?}"
            );
        }
    }
    if data.len() >= 16 {
        let id = uuid::Uuid::from_slice(&data[..16]).expect("16 bytes");
        let seed: String = data[16..].iter().map(|b| format!("{b:02x}")).collect();
        let issued = token::issue_from_seed(&key, Purpose::Invite, id, &seed);
        let verified =
            token::verify(&key, Purpose::Invite, &issued.token).expect("issued verifies");
        assert_eq!(verified.id, id);
        assert_eq!(verified.digest, issued.digest);
        assert!(token::verify(&key, Purpose::SetPassword, &issued.token).is_err());
    }
}

/// Email normalisation: whatever parses comes out normalised (parsing it again changes
/// nothing) and safe to put in a header (no whitespace or control characters, one `@`,
/// at most 254 characters).
pub fn email(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(address) = EmailAddress::parse(text) else {
        return;
    };
    let normal = address.as_str();
    let again = EmailAddress::parse(normal).expect("a normalised address parses");
    assert_eq!(
        again.as_str(),
        normal,
        "normalising twice changed {normal:?}"
    );
    assert!(normal.len() <= 254, "{normal:?}");
    assert_eq!(normal.matches('@').count(), 1, "{normal:?}");
    assert!(
        !normal.chars().any(|c| c.is_whitespace() || c.is_control()),
        "{normal:?}"
    );
    assert_eq!(normal, normal.to_lowercase(), "{normal:?}");
}

/// CSV import: any bytes either fail to decode (and only when they are not UTF-8) or parse
/// into records, or fail with an error; never a panic. Every parsed field is text from the
/// input, so no record can be longer than the input.
pub fn csv(data: &[u8]) {
    match crate::csv::decode(data) {
        Err(_) => assert!(
            std::str::from_utf8(data).is_err(),
            "valid UTF-8 was refused"
        ),
        Ok(text) => {
            if let Ok(records) = crate::csv::parse(text) {
                for record in &records {
                    let chars: usize = record.fields.iter().map(|f| f.len()).sum();
                    assert!(chars <= text.len(), "a record longer than its input");
                }
            }
            let _ = crate::invites::bulk::parse_rows(text);
        }
    }
}
