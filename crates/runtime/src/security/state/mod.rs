//! Signed state: a stateful component's state travels through the client as a token the
//! server can trust again — from whom it was issued to, for as long as it is fresh.
//!
//! A token is `v2.<issued>.<binding>.<payload>.<mac>`:
//!
//! - `issued`: when it was signed, in Unix seconds;
//! - `binding`: whom it was issued to ([`Holder`]): the signed-in user, else the browser, as
//!   keyed fingerprints that name nobody to the client (and never reveal the browser cookie),
//!   base64url;
//! - `payload`: the component's serde JSON (fields marked `#[pjx(locked)]` left out: they
//!   never leave the server and are re-derived on each request), base64url;
//! - `mac`: a blake3 keyed hash over the version, the component's name, `issued`, `binding`
//!   and `payload`, so none of them can be changed and a token of one component cannot be
//!   passed off as another's.
//!
//! [`StateKeys::verify`] refuses a token issued to someone else, or older than the maximum
//! age. The first key signs and every key verifies, so keys rotate without logging anyone
//! out: add the new key first, keep the old one for one maximum age, then drop it.
//!
//! Tokens are authenticated, not encrypted (the client can read the payload), and a holder
//! can send back an older token of their own while it is fresh. Keep secrets and anything
//! that must never go back in time in locked fields or on the server.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::load::LoadCx;
use crate::security::auth::Browser;

/// Tokens above this size are logged: state this large slows every request that carries it.
pub const WARN_BYTES: usize = 64 * 1024;
/// Tokens above this size are refused, when signing and when verifying.
pub const MAX_BYTES: usize = 512 * 1024;
/// How long a token is accepted after it was issued, unless configured otherwise
/// (`EngineBuilder::state_max_age`, `Pjx::state_max_age`): a working day of an open tab.
pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(12 * 60 * 60);

const VERSION: &str = "v2";
/// Bytes of each fingerprint in a binding.
const FINGERPRINT: usize = 16;
/// A binding: the holder's kind, their fingerprint, their browser's fingerprint.
const BINDING: usize = 1 + 2 * FINGERPRINT;

/// A 32-byte signing key (and the keys derived from it for each use).
#[derive(Clone)]
pub struct StateKey {
    /// Signs tokens.
    mac: [u8; 32],
    /// Fingerprints holders.
    holder: [u8; 32],
    /// Signs browser ids.
    browser: [u8; 32],
}

impl StateKey {
    /// A key from 32 secret bytes.
    pub fn new(bytes: [u8; 32]) -> Self {
        StateKey {
            mac: blake3::derive_key("pjx 2026 state token", &bytes),
            holder: blake3::derive_key("pjx 2026 state holder", &bytes),
            browser: blake3::derive_key("pjx 2026 browser id", &bytes),
        }
    }

    /// A key derived from a secret of any length (e.g. an environment variable).
    ///
    /// ```
    /// let key = pjx::security::state::StateKey::from_secret("correct horse battery staple");
    /// # let _ = key;
    /// ```
    pub fn from_secret(secret: impl AsRef<[u8]>) -> Self {
        StateKey::new(blake3::derive_key("pjx 2026 state key", secret.as_ref()))
    }

    /// A fresh random key from the operating system (tokens signed with it die with the
    /// process): for development; configure keys from a secret in production. Panics when
    /// the operating system has no randomness to give.
    pub fn random() -> Self {
        let mut bytes = [0u8; 32];
        if let Err(e) = getrandom::fill(&mut bytes) {
            panic!("pjx: the operating system gave no random bytes for a state key: {e}");
        }
        StateKey::new(bytes)
    }
}

impl fmt::Debug for StateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StateKey(…)")
    }
}

/// Whom a token is issued to: the signed-in user, or, for an anonymous visitor, their browser
/// (see [`Browser`]); with neither, nobody in particular.
///
/// A token is accepted from the holder it was issued to: the same user (from any browser), or
/// the same browser while nobody is signed in on it.
///
/// ```
/// use pjx::security::state::Holder;
/// use pjx::{Identity, LoadCx, security::auth::Browser};
/// let cx = LoadCx::new().with(Browser::known("b1")).with(Identity::user("ann"));
/// assert_eq!(Holder::of(&cx), Holder::user("ann").on_browser("b1"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Holder {
    user: Option<String>,
    browser: Option<String>,
}

impl Holder {
    /// Nobody in particular: an anonymous requester with no browser identity.
    pub fn nobody() -> Self {
        Holder::default()
    }

    /// The signed-in user `id`.
    pub fn user(id: impl Into<String>) -> Self {
        Holder {
            user: Some(id.into()),
            browser: None,
        }
    }

    /// An anonymous visitor on the browser `id`.
    pub fn browser(id: impl Into<String>) -> Self {
        Holder {
            user: None,
            browser: Some(id.into()),
        }
    }

    /// The same holder, on the browser `id`.
    pub fn on_browser(mut self, id: impl Into<String>) -> Self {
        self.browser = Some(id.into());
        self
    }

    /// The requester `cx` describes: its [`Identity`](crate::Identity) and [`Browser`].
    pub fn of(cx: &LoadCx) -> Self {
        Holder {
            user: cx.identity().map(|i| i.id.clone()),
            browser: cx.get::<Browser>().map(|b| b.id.clone()),
        }
    }

    fn kind(&self) -> u8 {
        match (&self.user, &self.browser) {
            (Some(_), _) => KIND_USER,
            (None, Some(_)) => KIND_BROWSER,
            (None, None) => KIND_NOBODY,
        }
    }
}

const KIND_NOBODY: u8 = 0;
const KIND_BROWSER: u8 = 1;
const KIND_USER: u8 = 2;

/// What a binding holds: whose token it is, as fingerprints under one key.
#[derive(PartialEq, Eq)]
struct Binding([u8; BINDING]);

impl Binding {
    fn of(key: &StateKey, holder: &Holder) -> Binding {
        let fingerprint = |tag: &[u8], id: &str| {
            let mut hasher = blake3::Hasher::new_keyed(&key.holder);
            hasher.update(tag);
            hasher.update(id.as_bytes());
            let hash = hasher.finalize();
            let mut out = [0u8; FINGERPRINT];
            out.copy_from_slice(&hash.as_bytes()[..FINGERPRINT]);
            out
        };
        let browser = holder
            .browser
            .as_deref()
            .map(|b| fingerprint(b"browser\0", b));
        let subject = match (&holder.user, browser) {
            (Some(user), _) => fingerprint(b"user\0", user),
            (None, Some(browser)) => browser,
            (None, None) => [0; FINGERPRINT],
        };
        let mut bytes = [0u8; BINDING];
        bytes[0] = holder.kind();
        bytes[1..1 + FINGERPRINT].copy_from_slice(&subject);
        bytes[1 + FINGERPRINT..].copy_from_slice(&browser.unwrap_or([0; FINGERPRINT]));
        Binding(bytes)
    }

    fn kind(&self) -> u8 {
        self.0[0]
    }

    fn subject(&self) -> &[u8] {
        &self.0[..1 + FINGERPRINT]
    }

    fn browser(&self) -> &[u8] {
        &self.0[1 + FINGERPRINT..]
    }
}

/// The time tokens are issued and checked at: the system's, or a manual one for tests.
/// Clones share one manual time.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use pjx::security::state::Clock;
/// let clock = Clock::manual(UNIX_EPOCH + Duration::from_secs(1_000));
/// clock.advance(Duration::from_secs(60));
/// assert_eq!(clock.now(), UNIX_EPOCH + Duration::from_secs(1_060));
/// ```
#[derive(Clone, Default)]
pub struct Clock {
    /// Milliseconds since the Unix epoch, when manual.
    manual: Option<Arc<AtomicU64>>,
}

impl Clock {
    /// The system's clock.
    pub fn system() -> Self {
        Clock::default()
    }

    /// A clock that shows `start` until it is [advanced](Self::advance).
    pub fn manual(start: SystemTime) -> Self {
        let millis = start
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis();
        Clock {
            manual: Some(Arc::new(AtomicU64::new(
                u64::try_from(millis).unwrap_or(u64::MAX),
            ))),
        }
    }

    /// The time now.
    pub fn now(&self) -> SystemTime {
        match &self.manual {
            Some(millis) => UNIX_EPOCH + Duration::from_millis(millis.load(Ordering::Relaxed)),
            None => SystemTime::now(),
        }
    }

    /// Moves a manual clock forward. Panics on the system clock: only tests move time.
    pub fn advance(&self, by: Duration) {
        let millis = self
            .manual
            .as_ref()
            .expect("pjx: only a manual clock (Clock::manual) can be advanced");
        millis.fetch_add(
            u64::try_from(by.as_millis()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
    }

    /// Whether this is a manual clock.
    pub fn is_manual(&self) -> bool {
        self.manual.is_some()
    }
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.is_manual() {
            true => write!(f, "Clock::manual({:?})", self.now()),
            false => f.write_str("Clock::system()"),
        }
    }
}

fn unix_secs(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
}

/// The keys state is signed with: the first signs, all verify. They also sign the browser
/// ids of anonymous visitors ([`issue_browser_id`](Self::issue_browser_id)).
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use pjx::security::state::{Holder, StateError, StateKey, StateKeys};
/// let old = StateKeys::new([StateKey::from_secret("old")]);
/// let rotated = StateKeys::new([StateKey::from_secret("new"), StateKey::from_secret("old")]);
/// let (ann, now, max_age) = (Holder::user("ann"), SystemTime::now(), Duration::from_secs(3600));
/// let token = old.sign("counter", &ann, now, &5u32).unwrap();
/// assert_eq!(rotated.verify::<u32>("counter", &token, &ann, now, max_age).unwrap(), 5);
/// // Bound to the component, to its holder, and to its age.
/// assert!(rotated.verify::<u32>("timer", &token, &ann, now, max_age).is_err());
/// let bob = Holder::user("bob");
/// assert_eq!(rotated.verify::<u32>("counter", &token, &bob, now, max_age), Err(StateError::NotYours));
/// let later = now + Duration::from_secs(3601);
/// assert!(matches!(rotated.verify::<u32>("counter", &token, &ann, later, max_age), Err(StateError::Expired { .. })));
/// ```
#[derive(Clone, Debug)]
pub struct StateKeys {
    keys: Vec<StateKey>,
}

/// Why a token was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StateError {
    /// Not a pjx token at all (wrong format or version, unsigned, truncated, bad encoding).
    Malformed,
    /// Well-formed, but no key signed it for this component: tampered, or from elsewhere.
    BadSignature,
    /// Larger than [`MAX_BYTES`].
    TooLarge(usize),
    /// Signed, but not this component's state shape.
    Shape(String),
    /// The state cannot be serialized.
    Encode(String),
    /// Signed, but older than the maximum age: mount the component again.
    Expired {
        /// How old it is.
        age: Duration,
        /// The oldest a token may be.
        max_age: Duration,
    },
    /// Signed for this browser, but someone signed in or out on it since: mount the
    /// component again.
    SignedInOrOut,
    /// Signed for another user or another browser.
    NotYours,
}

impl StateError {
    /// Whether the token is genuine but stale for this requester ([`Expired`](Self::Expired)
    /// or [`SignedInOrOut`](Self::SignedInOrOut)): a fresh mount is the remedy.
    pub fn is_stale(&self) -> bool {
        matches!(self, StateError::Expired { .. } | StateError::SignedInOrOut)
    }
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
            StateError::Expired { age, max_age } => write!(
                f,
                "the state expired: it is {}s old, over the {}s limit; mount the component again",
                age.as_secs(),
                max_age.as_secs()
            ),
            StateError::SignedInOrOut => f.write_str(
                "the state was issued before someone signed in or out in this browser; mount the component again",
            ),
            StateError::NotYours => f.write_str("the state was issued to someone else"),
        }
    }
}

impl std::error::Error for StateError {}

/// A browser id pjx issued, and the cookie value that carries it (the id and its MAC).
#[derive(Clone, PartialEq, Eq)]
pub struct BrowserId {
    /// The id: 128 random bits, base64url.
    pub id: String,
    /// What the cookie holds: `<id>.<mac>`.
    pub cookie: String,
}

impl fmt::Debug for BrowserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Whoever holds the cookie is this browser: keep it out of logs.
        f.write_str("BrowserId(…)")
    }
}

/// A token's parts, its signature checked.
struct Opened<'a> {
    key: &'a StateKey,
    issued: u64,
    binding: Binding,
    payload: &'a str,
}

impl StateKeys {
    /// Keys, the first of which signs. Panics on an empty list: a configuration error.
    pub fn new(keys: impl IntoIterator<Item = StateKey>) -> Self {
        let keys: Vec<StateKey> = keys.into_iter().collect();
        assert!(!keys.is_empty(), "pjx: StateKeys needs at least one key");
        StateKeys { keys }
    }

    fn mac(
        key: &StateKey,
        component: &str,
        issued: &str,
        binding: &str,
        payload: &str,
    ) -> blake3::Hash {
        let mut hasher = blake3::Hasher::new_keyed(&key.mac);
        hasher.update(VERSION.as_bytes());
        // Length prefixes keep the fields apart: no two field lists hash alike.
        for field in [component, issued, binding] {
            hasher.update(&(field.len() as u64).to_le_bytes());
            hasher.update(field.as_bytes());
        }
        hasher.update(payload.as_bytes());
        hasher.finalize()
    }

    fn seal(&self, component: &str, holder: &Holder, issued: SystemTime, payload: &str) -> String {
        let key = &self.keys[0];
        let issued = unix_secs(issued).to_string();
        let binding = B64.encode(Binding::of(key, holder).0);
        let mac = Self::mac(key, component, &issued, &binding, payload);
        format!(
            "{VERSION}.{issued}.{binding}.{payload}.{}",
            B64.encode(mac.as_bytes())
        )
    }

    /// Signs `state` as the state of `component`, issued to `holder` at `issued`.
    pub fn sign<T: Serialize + ?Sized>(
        &self,
        component: &str,
        holder: &Holder,
        issued: SystemTime,
        state: &T,
    ) -> Result<String, StateError> {
        let json = serde_json::to_vec(state).map_err(|e| StateError::Encode(e.to_string()))?;
        let token = self.seal(component, holder, issued, &B64.encode(&json));
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

    /// Checks the format and the signature (any key), nothing else.
    fn open<'t>(&'t self, component: &str, token: &'t str) -> Result<Opened<'t>, StateError> {
        if token.len() > MAX_BYTES {
            return Err(StateError::TooLarge(token.len()));
        }
        let mut parts = token.split('.');
        let (Some(VERSION), Some(issued), Some(binding), Some(payload), Some(mac), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(StateError::Malformed);
        };
        let mac: [u8; 32] = B64
            .decode(mac)
            .ok()
            .and_then(|m| m.try_into().ok())
            .ok_or(StateError::Malformed)?;
        let mac = blake3::Hash::from_bytes(mac);
        // blake3::Hash compares in constant time.
        let key = self
            .keys
            .iter()
            .find(|key| Self::mac(key, component, issued, binding, payload) == mac)
            .ok_or(StateError::BadSignature)?;
        // Signed by us, so well-formed; checked anyway rather than trusted to be.
        let issued = issued.parse().map_err(|_| StateError::Malformed)?;
        let binding = B64
            .decode(binding)
            .ok()
            .and_then(|b| <[u8; BINDING]>::try_from(b).ok())
            .map(Binding)
            .ok_or(StateError::Malformed)?;
        Ok(Opened {
            key,
            issued,
            binding,
            payload,
        })
    }

    /// Verifies `token` as a state of `component` held by `holder`, no older than `max_age`
    /// at `now`, and reads it.
    ///
    /// Refusals, in the order they are checked: [`TooLarge`](StateError::TooLarge),
    /// [`Malformed`](StateError::Malformed), [`BadSignature`](StateError::BadSignature); then
    /// whom it was issued to — [`NotYours`](StateError::NotYours) for another user's token or
    /// another browser's, [`SignedInOrOut`](StateError::SignedInOrOut) for this browser's
    /// token from before someone signed in or out on it; then
    /// [`Expired`](StateError::Expired); then [`Shape`](StateError::Shape).
    pub fn verify<T: DeserializeOwned>(
        &self,
        component: &str,
        token: &str,
        holder: &Holder,
        now: SystemTime,
        max_age: Duration,
    ) -> Result<T, StateError> {
        let opened = self.open(component, token)?;
        let mine = Binding::of(opened.key, holder);
        let theirs = &opened.binding;
        if theirs.subject() != mine.subject() {
            let same_browser = holder.browser.is_some() && theirs.browser() == mine.browser();
            // Another user's token is never a matter of signing in: it is refused outright.
            let other_user = theirs.kind() == KIND_USER && mine.kind() == KIND_USER;
            return Err(match same_browser && !other_user {
                true => StateError::SignedInOrOut,
                false => StateError::NotYours,
            });
        }
        let age = Duration::from_secs(unix_secs(now).saturating_sub(opened.issued));
        if age > max_age {
            return Err(StateError::Expired { age, max_age });
        }
        Self::read(opened.payload)
    }

    /// Checks `token`'s signature only — not whom it was issued to, nor its age — and reads
    /// it. For tokens the server kept itself (a render cache, a test harness), never for one a
    /// client sent.
    pub(crate) fn verify_signature<T: DeserializeOwned>(
        &self,
        component: &str,
        token: &str,
    ) -> Result<T, StateError> {
        Self::read(self.open(component, token)?.payload)
    }

    /// The same state as `token` (whose signature is checked, not its holder or age), issued
    /// anew to `holder` at `issued`: what a render-cache hit hands its requester.
    pub(crate) fn reissue(
        &self,
        component: &str,
        token: &str,
        holder: &Holder,
        issued: SystemTime,
    ) -> Result<String, StateError> {
        let payload = self.open(component, token)?.payload;
        Ok(self.seal(component, holder, issued, payload))
    }

    fn read<T: DeserializeOwned>(payload: &str) -> Result<T, StateError> {
        let json = B64.decode(payload).map_err(|_| StateError::Malformed)?;
        serde_json::from_slice(&json).map_err(|e| StateError::Shape(e.to_string()))
    }

    fn browser_mac(key: &StateKey, id: &str) -> blake3::Hash {
        blake3::keyed_hash(&key.browser, id.as_bytes())
    }

    /// A new browser id for an anonymous visitor: 128 bits from the operating system's
    /// random source, and the cookie value that carries it, MAC'd with the first key (so a
    /// client cannot pick its own id). Fails only when the operating system gives no random
    /// bytes.
    ///
    /// ```
    /// let keys = pjx::security::state::StateKeys::new([pjx::security::state::StateKey::from_secret("s")]);
    /// let issued = keys.issue_browser_id().unwrap();
    /// assert_eq!(keys.browser_id(&issued.cookie).as_deref(), Some(issued.id.as_str()));
    /// assert_eq!(keys.browser_id(&issued.id), None); // the id alone is not a cookie
    /// ```
    pub fn issue_browser_id(&self) -> Result<BrowserId, std::io::Error> {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes).map_err(|e| std::io::Error::other(e.to_string()))?;
        let id = B64.encode(bytes);
        let cookie = self.browser_cookie(&id);
        Ok(BrowserId { id, cookie })
    }

    /// The cookie value that carries the browser id `id`, MAC'd with the first key. When a
    /// cookie still verifies under an older key, the adapter sets it again with this value:
    /// the id outlives a key rotation.
    pub fn browser_cookie(&self, id: &str) -> String {
        let mac = Self::browser_mac(&self.keys[0], id);
        format!("{id}.{}", B64.encode(mac.as_bytes()))
    }

    /// The browser id in a cookie value [`issue_browser_id`](Self::issue_browser_id) made
    /// (with any of the keys), or `None` for anything else.
    pub fn browser_id(&self, cookie: &str) -> Option<String> {
        let (id, mac) = cookie.split_once('.')?;
        // 16 bytes are 22 base64url characters.
        if id.len() != 22 || B64.decode(id).ok()?.len() != 16 {
            return None;
        }
        let mac: [u8; 32] = B64.decode(mac).ok()?.try_into().ok()?;
        let mac = blake3::Hash::from_bytes(mac);
        self.keys
            .iter()
            .any(|key| Self::browser_mac(key, id) == mac)
            .then(|| id.to_owned())
    }
}

#[cfg(test)]
mod tests;
