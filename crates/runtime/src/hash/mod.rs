//! The state hash: a fingerprint of a component's state, stamped into `data-pjx-hash`.
//!
//! It is blake3 over the *canonical JSON* of the component's fields (object keys sorted, no
//! whitespace, serde serialization of each field), leaving out a field named `id` and fields
//! marked `#[pjx(ephemeral)]`, written as lowercase hex. Only the first 128 bits are kept: the
//! hash is a skip hint compared with what one client reported for one region, not a security
//! boundary, and every mounted region carries it in the `X-PJX-Mounted` header on every request,
//! so half the length halves that cost. The value is stable across processes and releases;
//! test vectors pin it.

mod canonical;

use std::cell::RefCell;
use std::fmt;

use serde::Serialize;

pub use canonical::{CanonicalError, canonical_json, write_canonical};

/// Length of a state hash in hex digits.
pub const HASH_HEX_LEN: usize = 32;

/// The shortest prefix of a hash a client may report (64 bits): the client runtime sends this
/// much to keep the manifest header small.
pub const MIN_REPORTED_HEX_LEN: usize = 16;

/// A component's state hash: 32 lowercase hex digits.
///
/// ```
/// use pjx::hash::StateHash;
/// let h = StateHash::of_canonical(br#"{"remaining":2}"#);
/// assert_eq!(h.as_str().len(), 32);
/// assert_eq!(h, h.as_str());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct StateHash([u8; HASH_HEX_LEN]);

impl StateHash {
    /// Hashes bytes that are already canonical JSON.
    pub fn of_canonical(json: &[u8]) -> Self {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let digest = blake3::hash(json);
        let mut hex = [0u8; HASH_HEX_LEN];
        for (i, byte) in digest.as_bytes()[..HASH_HEX_LEN / 2].iter().enumerate() {
            hex[2 * i] = HEX[usize::from(byte >> 4)];
            hex[2 * i + 1] = HEX[usize::from(byte & 0x0f)];
        }
        StateHash(hex)
    }

    /// Hashes any serializable value through its canonical JSON.
    pub fn of<T: Serialize + ?Sized>(value: &T) -> Result<Self, CanonicalError> {
        with_buffer(|buf| {
            write_canonical(buf, value)?;
            Ok(Self::of_canonical(buf))
        })
    }

    /// Whether a client reporting `reported` shows this state: `reported` is this hash or a
    /// prefix of it at least [`MIN_REPORTED_HEX_LEN`] digits long.
    ///
    /// ```
    /// let h = pjx::StateHash::of_canonical(b"{}");
    /// assert!(h.is_reported_as(h.as_str()));
    /// assert!(h.is_reported_as(&h.as_str()[..16]));
    /// assert!(!h.is_reported_as(&h.as_str()[..15]));
    /// ```
    pub fn is_reported_as(&self, reported: &str) -> bool {
        reported.len() >= MIN_REPORTED_HEX_LEN && self.as_str().starts_with(reported)
    }

    /// The hash as hex text.
    pub fn as_str(&self) -> &str {
        // Only ASCII hex digits are ever stored.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl fmt::Display for StateHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for StateHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StateHash({})", self.as_str())
    }
}

impl PartialEq<str> for StateHash {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for StateHash {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// A component whose state can be hashed. Implemented by `#[reactive]`: every field is
/// serialized with serde, except a field named `id` and fields marked `#[pjx(ephemeral)]`.
///
/// ```
/// use pjx::prelude::*;
/// # #[derive(MutationKey)] enum Keys { Todos }
///
/// #[reactive(react = [Keys::Todos], source = "<b>{{ n }}</b>")]
/// struct Counter { n: u32, #[pjx(ephemeral)] open: bool }
/// # #[reactive] impl Counter { async fn load() -> Result<Self, LoadError> { Err(LoadError::NotFound) } }
///
/// let json = Counter { n: 2, open: true }.canonical_state().unwrap();
/// assert_eq!(json, r#"{"n":2}"#);
/// ```
pub trait HashState {
    /// Writes the canonical JSON of the hashed fields.
    fn write_state(&self, out: &mut StateWriter<'_>) -> Result<(), CanonicalError>;

    /// The state hash.
    fn state_hash(&self) -> Result<StateHash, CanonicalError> {
        with_buffer(|buf| {
            self.write_state(&mut StateWriter { out: buf })?;
            Ok(StateHash::of_canonical(buf))
        })
    }

    /// The canonical JSON the hash is computed over (for debugging and tests).
    fn canonical_state(&self) -> Result<String, CanonicalError> {
        let mut buf = Vec::new();
        self.write_state(&mut StateWriter { out: &mut buf })?;
        String::from_utf8(buf).map_err(<CanonicalError as serde::ser::Error>::custom)
    }
}

/// Where generated [`HashState`] impls write a component's canonical JSON.
pub struct StateWriter<'a> {
    out: &'a mut Vec<u8>,
}

impl StateWriter<'_> {
    /// Writes an object whose keys the caller passes already sorted, each as a JSON string
    /// literal followed by `:` (e.g. `"\"done\":"`).
    pub fn object(&mut self) -> ObjectWriter<'_> {
        self.out.push(b'{');
        ObjectWriter {
            out: self.out,
            first: true,
        }
    }

    /// Writes an array (tuple structs).
    pub fn array(&mut self) -> ArrayWriter<'_> {
        self.out.push(b'[');
        ArrayWriter {
            out: self.out,
            first: true,
        }
    }

    /// Writes one value (newtype structs).
    pub fn value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), CanonicalError> {
        write_canonical(self.out, value)
    }

    /// Writes `null` (unit structs).
    pub fn null(&mut self) {
        self.out.extend_from_slice(b"null");
    }

    /// Writes another component's state in place (the base of `extends`).
    pub fn state<T: HashState + ?Sized>(&mut self, value: &T) -> Result<(), CanonicalError> {
        value.write_state(self)
    }
}

/// An object being written by a generated [`HashState`] impl.
pub struct ObjectWriter<'a> {
    out: &'a mut Vec<u8>,
    first: bool,
}

impl ObjectWriter<'_> {
    fn key(&mut self, key: &str) {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        self.out.extend_from_slice(key.as_bytes());
    }

    /// Writes a field; `key` is the quoted key and colon, e.g. `"\"done\":"`.
    pub fn field<T: Serialize + ?Sized>(
        &mut self,
        key: &str,
        value: &T,
    ) -> Result<(), CanonicalError> {
        self.key(key);
        write_canonical(self.out, value)
    }

    /// Writes a field holding another component's state.
    pub fn state<T: HashState + ?Sized>(
        &mut self,
        key: &str,
        value: &T,
    ) -> Result<(), CanonicalError> {
        self.key(key);
        value.write_state(&mut StateWriter { out: self.out })
    }

    /// Closes the object.
    pub fn end(self) {
        self.out.push(b'}');
    }
}

/// An array being written by a generated [`HashState`] impl.
pub struct ArrayWriter<'a> {
    out: &'a mut Vec<u8>,
    first: bool,
}

impl ArrayWriter<'_> {
    fn comma(&mut self) {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
    }

    /// Writes an element.
    pub fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), CanonicalError> {
        self.comma();
        write_canonical(self.out, value)
    }

    /// Writes an element holding another component's state.
    pub fn state<T: HashState + ?Sized>(&mut self, value: &T) -> Result<(), CanonicalError> {
        self.comma();
        value.write_state(&mut StateWriter { out: self.out })
    }

    /// Closes the array.
    pub fn end(self) {
        self.out.push(b']');
    }
}

thread_local! {
    static BUFFER: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` with an empty scratch buffer, reusing one per thread (hashing runs once per render,
/// so this keeps the allocation off the hot path). A re-entrant call gets a fresh buffer.
fn with_buffer<R>(f: impl FnOnce(&mut Vec<u8>) -> R) -> R {
    BUFFER.with(|cell| match cell.try_borrow_mut() {
        Ok(mut buf) => {
            buf.clear();
            let result = f(&mut buf);
            if buf.capacity() > 64 * 1024 {
                // Do not keep one huge state's buffer alive for the thread's lifetime.
                *buf = Vec::new();
            }
            result
        }
        Err(_) => f(&mut Vec::new()),
    })
}

#[cfg(test)]
mod tests;
