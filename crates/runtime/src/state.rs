//! Signed state: a stateful component's state travels through the client as a token the
//! server can trust again.
//!
//! A token is `v1.<payload>.<mac>`: the payload is the component's serde JSON (fields marked
//! `#[pjx(locked)]` left out: they never leave the server and are re-derived on each request),
//! base64url-encoded; the MAC is a blake3 keyed hash over the component's name and the payload,
//! so a token of one component cannot be passed off as another's. The first key signs and every
//! key verifies, so keys rotate without logging anyone out: add the new key first, keep the old
//! one until the tokens it signed have expired from open pages, then drop it.
//!
//! Tokens are authenticated, not encrypted (the client can read them) and not fresh (a client
//! can send back an older token it was given). Keep secrets and anything that must never go
//! back in time in locked fields or on the server.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Tokens above this size are logged: state this large slows every request that carries it.
pub const WARN_BYTES: usize = 64 * 1024;
/// Tokens above this size are refused, when signing and when verifying.
pub const MAX_BYTES: usize = 512 * 1024;

const VERSION: &str = "v1";

/// A 32-byte signing key.
#[derive(Clone)]
pub struct StateKey([u8; 32]);

impl StateKey {
    /// A key from 32 secret bytes.
    pub fn new(bytes: [u8; 32]) -> Self {
        StateKey(bytes)
    }

    /// A key derived from a secret of any length (e.g. an environment variable).
    ///
    /// ```
    /// let key = pjx::state::StateKey::from_secret("correct horse battery staple");
    /// # let _ = key;
    /// ```
    pub fn from_secret(secret: impl AsRef<[u8]>) -> Self {
        StateKey(blake3::derive_key("pjx 2026 state key", secret.as_ref()))
    }

    /// A fresh random key (tokens signed with it die with the process): for development;
    /// configure keys from a secret in production.
    pub fn random() -> Self {
        use std::io::Read;
        let mut bytes = [0u8; 32];
        if std::fs::File::open("/dev/urandom")
            .and_then(|mut f| f.read_exact(&mut bytes))
            .is_ok()
        {
            return StateKey(bytes);
        }
        // No /dev/urandom: mix the OS-seeded hasher keys std uses with time and addresses.
        let mut seed = Vec::new();
        for _ in 0..4 {
            let hasher = std::collections::hash_map::RandomState::new();
            seed.extend_from_slice(&std::hash::BuildHasher::hash_one(&hasher, 0u8).to_le_bytes());
        }
        seed.extend_from_slice(
            &std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default()
                .as_nanos()
                .to_le_bytes(),
        );
        seed.extend_from_slice(&std::process::id().to_le_bytes());
        StateKey::from_secret(seed)
    }
}

impl fmt::Debug for StateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StateKey(…)")
    }
}

/// The keys state is signed and verified with: the first signs, all verify.
///
/// ```
/// use pjx::state::{StateKey, StateKeys};
/// let old = StateKeys::new([StateKey::from_secret("old")]);
/// let rotated = StateKeys::new([StateKey::from_secret("new"), StateKey::from_secret("old")]);
/// let token = old.sign("counter", &5u32).unwrap();
/// assert_eq!(rotated.verify::<u32>("counter", &token).unwrap(), 5);
/// assert!(rotated.verify::<u32>("timer", &token).is_err()); // bound to the component
/// ```
#[derive(Clone, Debug)]
pub struct StateKeys {
    keys: Vec<StateKey>,
}

/// Why a token was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StateError {
    /// Not a pjx token at all (wrong format, unsigned, truncated, bad encoding).
    Malformed,
    /// Well-formed, but no key signed it for this component: tampered, or from elsewhere.
    BadSignature,
    /// Larger than [`MAX_BYTES`].
    TooLarge(usize),
    /// Signed, but not this component's state shape.
    Shape(String),
    /// The state cannot be serialized.
    Encode(String),
}

impl fmt::Display for StateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StateError::Malformed => f.write_str("the state token is malformed"),
            StateError::BadSignature => f.write_str("the state token's signature does not match"),
            StateError::TooLarge(n) => {
                write!(f, "the state is {n} bytes, over the {MAX_BYTES}-byte limit")
            }
            StateError::Shape(e) => write!(f, "the state does not fit the component: {e}"),
            StateError::Encode(e) => write!(f, "the state cannot be serialized: {e}"),
        }
    }
}

impl std::error::Error for StateError {}

impl StateKeys {
    /// Keys, the first of which signs. Panics on an empty list: a configuration error.
    pub fn new(keys: impl IntoIterator<Item = StateKey>) -> Self {
        let keys: Vec<StateKey> = keys.into_iter().collect();
        assert!(!keys.is_empty(), "pjx: StateKeys needs at least one key");
        StateKeys { keys }
    }

    fn mac(key: &StateKey, component: &str, payload: &str) -> blake3::Hash {
        let mut hasher = blake3::Hasher::new_keyed(&key.0);
        hasher.update(VERSION.as_bytes());
        hasher.update(&(component.len() as u64).to_le_bytes());
        hasher.update(component.as_bytes());
        hasher.update(payload.as_bytes());
        hasher.finalize()
    }

    /// Signs `state` as the state of `component`.
    pub fn sign<T: Serialize + ?Sized>(
        &self,
        component: &str,
        state: &T,
    ) -> Result<String, StateError> {
        let json = serde_json::to_vec(state).map_err(|e| StateError::Encode(e.to_string()))?;
        let payload = B64.encode(&json);
        let mac = Self::mac(&self.keys[0], component, &payload);
        let token = format!("{VERSION}.{payload}.{}", B64.encode(mac.as_bytes()));
        if token.len() > MAX_BYTES {
            return Err(StateError::TooLarge(token.len()));
        }
        if token.len() > WARN_BYTES {
            tracing::warn!(
                target: "pjx::state",
                "`{component}`'s state token is {} bytes; every request carries it",
                token.len()
            );
        }
        Ok(token)
    }

    /// Verifies `token` as a state of `component` and reads it.
    pub fn verify<T: DeserializeOwned>(
        &self,
        component: &str,
        token: &str,
    ) -> Result<T, StateError> {
        if token.len() > MAX_BYTES {
            return Err(StateError::TooLarge(token.len()));
        }
        let mut parts = token.split('.');
        let (Some(VERSION), Some(payload), Some(mac), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(StateError::Malformed);
        };
        let mac: [u8; 32] = B64
            .decode(mac)
            .ok()
            .and_then(|m| m.try_into().ok())
            .ok_or(StateError::Malformed)?;
        let mac = blake3::Hash::from_bytes(mac);
        // blake3::Hash compares in constant time.
        if !self
            .keys
            .iter()
            .any(|key| Self::mac(key, component, payload) == mac)
        {
            return Err(StateError::BadSignature);
        }
        let json = B64.decode(payload).map_err(|_| StateError::Malformed)?;
        serde_json::from_slice(&json).map_err(|e| StateError::Shape(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};

    use super::*;

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Cart {
        items: Vec<(u32, String)>,
    }

    fn keys(secrets: &[&str]) -> StateKeys {
        StateKeys::new(secrets.iter().map(StateKey::from_secret))
    }

    fn cart() -> Cart {
        Cart {
            items: vec![(1, "M".into()), (7, "XL".into())],
        }
    }

    #[test]
    fn round_trips() {
        let k = keys(&["a"]);
        let token = k.sign("cart", &cart()).unwrap();
        assert!(token.starts_with("v1."));
        assert_eq!(k.verify::<Cart>("cart", &token).unwrap(), cart());
    }

    #[test]
    fn tampered_truncated_unsigned_and_foreign_tokens_are_refused() {
        let k = keys(&["a"]);
        let token = k.sign("cart", &cart()).unwrap();
        let (_, payload, mac) = {
            let mut p = token.split('.');
            (p.next().unwrap(), p.next().unwrap(), p.next().unwrap())
        };
        // Change one character of the payload: the MAC no longer matches.
        let mut bytes = payload.as_bytes().to_vec();
        bytes[3] = if bytes[3] == b'A' { b'B' } else { b'A' };
        let tampered = format!("v1.{}.{mac}", String::from_utf8(bytes).unwrap());
        assert_eq!(
            k.verify::<Cart>("cart", &tampered),
            Err(StateError::BadSignature)
        );
        // A forged payload with the old MAC.
        let forged_json = B64.encode(br#"{"items":[[1,"M"],[2,"free"]]}"#);
        let forged = format!("v1.{forged_json}.{mac}");
        assert_eq!(
            k.verify::<Cart>("cart", &forged),
            Err(StateError::BadSignature)
        );
        // Truncated, unsigned, other versions, junk.
        for bad in [
            &token[..token.len() - 5],
            &format!("v1.{payload}"),
            &format!("v1.{payload}."),
            &format!("v2.{payload}.{mac}"),
            &format!("{token}.extra"),
            "",
            "v1..",
            "not a token",
            &format!("v1.{payload}.!!!"),
        ] {
            assert!(
                matches!(
                    k.verify::<Cart>("cart", bad),
                    Err(StateError::Malformed | StateError::BadSignature)
                ),
                "{bad:?}"
            );
        }
        // Signed for another component.
        assert_eq!(
            k.verify::<Cart>("wishlist", &token),
            Err(StateError::BadSignature)
        );
        // Signed with another key.
        assert_eq!(
            keys(&["b"]).verify::<Cart>("cart", &token),
            Err(StateError::BadSignature)
        );
    }

    #[test]
    fn keys_rotate() {
        let old = keys(&["old"]);
        let both = keys(&["new", "old"]);
        let new_only = keys(&["new"]);
        let old_token = old.sign("cart", &cart()).unwrap();
        // The rotated keys still accept old tokens, and sign with the new key.
        assert_eq!(both.verify::<Cart>("cart", &old_token).unwrap(), cart());
        let new_token = both.sign("cart", &cart()).unwrap();
        assert_eq!(new_only.verify::<Cart>("cart", &new_token).unwrap(), cart());
        // Once the old key is dropped, its tokens die.
        assert_eq!(
            new_only.verify::<Cart>("cart", &old_token),
            Err(StateError::BadSignature)
        );
    }

    #[test]
    fn size_limits() {
        let k = keys(&["a"]);
        let big = "x".repeat(MAX_BYTES);
        assert!(matches!(k.sign("c", &big), Err(StateError::TooLarge(_))));
        // Refused before any decoding: one byte over is enough.
        let over = "x".repeat(MAX_BYTES + 1);
        assert!(matches!(
            k.verify::<String>("c", &over),
            Err(StateError::TooLarge(_))
        ));
        assert!(matches!(
            k.verify::<String>("c", &big),
            Err(StateError::Malformed)
        ));
        // Just under the warning threshold is fine and quiet; above it still signs.
        assert!(k.sign("c", &"y".repeat(WARN_BYTES / 2)).is_ok());
        assert!(k.sign("c", &"y".repeat(WARN_BYTES * 2)).is_ok());
    }

    #[test]
    fn a_well_signed_token_of_the_wrong_shape_is_a_shape_error() {
        let k = keys(&["a"]);
        let token = k.sign("cart", &42u8).unwrap();
        assert!(matches!(
            k.verify::<Cart>("cart", &token),
            Err(StateError::Shape(_))
        ));
    }

    #[test]
    fn random_keys_differ() {
        let a = StateKeys::new([StateKey::random()]);
        let b = StateKeys::new([StateKey::random()]);
        let token = a.sign("c", &1).unwrap();
        assert_eq!(b.verify::<i32>("c", &token), Err(StateError::BadSignature));
    }
}
