//! Components with events: state that round-trips through the client as a signed token,
//! `mount` and `on_<event>` handlers, and the dispatch every framework adapter calls.
//!
//! ```
//! use pjx::prelude::*;
//! use serde::{Deserialize, Serialize};
//!
//! #[component(name = "counter", source = "<div><b data-pjx-bind=\"count\">{{ count }}</b><button {{ self.on(\"increment\") }}>+1</button></div>")]
//! #[derive(Serialize, Deserialize)]
//! pub struct Counter { count: i64 }
//!
//! #[component]
//! impl Counter {
//!     fn mount() -> Counter { Counter { count: 0 } }
//!     fn on_increment(&mut self) { self.count += 1; }
//!     fn optimistic(&self, event: &str, _: &Payload) -> Option<Patch> {
//!         (event == "increment").then(|| Patch::new().set("count", self.count + 1))
//!     }
//! }
//! ```

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime};

use serde::Serialize;
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor,
};
use serde_json::{Map, Value};

use crate::cache::{CachedRender, RenderCache};
use crate::component::{Component, RenderError, RenderErrorKind};
use crate::html::stamp;
use crate::load::{LoadCx, LoadError};
use crate::scope::Scope;
use crate::security::auth::{Access, Guarded};
use crate::security::ratelimit::RateLimit;
use crate::security::state::{Holder, StateError, StateKeys};

/// The path prefix of the dispatch route: `POST /components/{name}`.
pub const ROUTE_PREFIX: &str = "/components/";

pub use crate::patch::{OptimisticTrigger, Patch};

/// An event's payload: a JSON object of named arguments.
pub type Payload = Map<String, Value>;

/// Why a mount or an event failed; each maps to one HTTP status and one JSON shape:
///
/// ```json
/// {"error": {"status": 422, "code": "invalid_payload", "message": "…", "field": "product_id"}}
/// ```
///
/// `field` appears for payload errors, `retry_after` (seconds) for rate limits. Handlers return
/// their own errors with `?` (any `std::error::Error` becomes a 500 whose details are logged,
/// never sent), or refuse with [`EventError::invalid`], [`EventError::forbidden`] or
/// [`EventError::not_found`].
#[non_exhaustive]
pub enum EventError {
    /// No component has this name (404).
    UnknownComponent(String),
    /// The request body is not what the route takes (400).
    BadRequest(String),
    /// The request body is larger than the route accepts (413).
    TooLarge(usize),
    /// The request body is neither JSON nor a form (415).
    UnsupportedMediaType(String),
    /// A request that a page on another site could have sent, or did (403).
    CrossSite(CrossSite),
    /// The component has no handler for this event (400).
    UnknownEvent(String),
    /// The payload (or mount parameters) do not fit the handler's arguments (422).
    InvalidPayload {
        /// The argument at fault, when known.
        field: Option<String>,
        /// What is wrong with it.
        message: String,
    },
    /// The state token was refused: missing, malformed, tampered with, signed by an unknown
    /// key or too large (400, `invalid_state`); expired, or from before someone signed in or
    /// out in this browser (400, `state_expired`: the client mounts the component afresh);
    /// issued to another user or browser (403, `state_not_yours`).
    InvalidState(StateError),
    /// Nobody is signed in and someone must be (401).
    Unauthenticated,
    /// The requester may not do this (403).
    Forbidden,
    /// The instance does not exist (404).
    NotFound,
    /// Too many requests (429); retry after this long.
    RateLimited(Duration),
    /// Something failed on the server (500): details are logged, not sent.
    Internal(Box<dyn std::error::Error + Send + Sync>),
}

/// Why a request was refused as cross-site ([`EventError::CrossSite`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CrossSite {
    /// The browser marked it `Sec-Fetch-Site: cross-site` (whatever its body).
    BrowserSaysCrossSite,
    /// A form post without `HX-Request: true`: any page can make a browser send one.
    FormWithoutHtmx,
}

impl EventError {
    /// A 422 about `field`.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        EventError::InvalidPayload {
            field: Some(field.into()),
            message: message.into(),
        }
    }

    /// A 403.
    pub fn forbidden() -> Self {
        EventError::Forbidden
    }

    /// A 404.
    pub fn not_found() -> Self {
        EventError::NotFound
    }

    /// A 500 with a message for the log.
    pub fn internal(message: impl Into<String>) -> Self {
        EventError::Internal(message.into().into())
    }

    /// The refusal matching an access check (`None` when allowed).
    pub fn from_access(access: Access) -> Option<Self> {
        match access {
            Access::Allowed => None,
            Access::Unauthenticated => Some(EventError::Unauthenticated),
            Access::Forbidden => Some(EventError::Forbidden),
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        match self {
            EventError::UnknownComponent(_) | EventError::NotFound => 404,
            EventError::InvalidState(StateError::NotYours) => 403,
            EventError::BadRequest(_)
            | EventError::UnknownEvent(_)
            | EventError::InvalidState(_) => 400,
            EventError::TooLarge(_) => 413,
            EventError::UnsupportedMediaType(_) => 415,
            EventError::InvalidPayload { .. } => 422,
            EventError::Unauthenticated => 401,
            EventError::Forbidden | EventError::CrossSite(_) => 403,
            EventError::RateLimited(_) => 429,
            EventError::Internal(_) => 500,
        }
    }

    /// A stable, machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            EventError::UnknownComponent(_) => "unknown_component",
            EventError::BadRequest(_) => "bad_request",
            EventError::TooLarge(_) => "too_large",
            EventError::UnsupportedMediaType(_) => "unsupported_media_type",
            EventError::CrossSite(_) => "cross_site",
            EventError::UnknownEvent(_) => "unknown_event",
            EventError::InvalidPayload { .. } => "invalid_payload",
            EventError::InvalidState(e) if e.is_stale() => "state_expired",
            EventError::InvalidState(StateError::NotYours) => "state_not_yours",
            EventError::InvalidState(_) => "invalid_state",
            EventError::Unauthenticated => "unauthenticated",
            EventError::Forbidden => "forbidden",
            EventError::NotFound => "not_found",
            EventError::RateLimited(_) => "rate_limited",
            EventError::Internal(_) => "internal",
        }
    }

    /// Seconds to wait, for a rate limit (rounded up).
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            EventError::RateLimited(wait) => {
                Some(wait.as_secs() + u64::from(wait.subsec_nanos() > 0))
            }
            _ => None,
        }
    }

    /// The message sent to the client (internal errors say nothing about their cause).
    pub fn public_message(&self) -> String {
        match self {
            EventError::Internal(_) => "something went wrong on the server".to_owned(),
            other => other.to_string(),
        }
    }

    /// The JSON error body, the same shape for every error.
    pub fn to_json(&self) -> Value {
        let mut error = Map::new();
        error.insert("status".into(), self.status().into());
        error.insert("code".into(), self.code().into());
        error.insert("message".into(), self.public_message().into());
        if let EventError::InvalidPayload {
            field: Some(field), ..
        } = self
        {
            error.insert("field".into(), field.clone().into());
        }
        if let Some(seconds) = self.retry_after() {
            error.insert("retry_after".into(), seconds.into());
        }
        let mut body = Map::new();
        body.insert("error".into(), Value::Object(error));
        Value::Object(body)
    }
}

impl fmt::Display for EventError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EventError::UnknownComponent(name) => write!(f, "no component is named `{name}`"),
            EventError::BadRequest(why) => write!(f, "bad request: {why}"),
            EventError::TooLarge(limit) => write!(f, "the request body is over the {limit}-byte limit"),
            EventError::UnsupportedMediaType(ct) => write!(
                f,
                "send the event as JSON (application/json) or as a form (application/x-www-form-urlencoded), not `{ct}`"
            ),
            EventError::CrossSite(CrossSite::FormWithoutHtmx) => f.write_str(
                "a form post needs the `HX-Request: true` header (htmx sends it); other clients send JSON",
            ),
            EventError::CrossSite(CrossSite::BrowserSaysCrossSite) => f.write_str(
                "the browser says a page on another site sent this request (`Sec-Fetch-Site: cross-site`); components answer only their own site's pages",
            ),
            EventError::UnknownEvent(event) => write!(f, "this component has no event `{event}`"),
            EventError::InvalidPayload { field: Some(field), message } => write!(f, "`{field}`: {message}"),
            EventError::InvalidPayload { field: None, message } => f.write_str(message),
            EventError::InvalidState(e) => write!(f, "{e}"),
            EventError::Unauthenticated => f.write_str("sign in first"),
            EventError::Forbidden => f.write_str("you may not do this"),
            EventError::NotFound => f.write_str("not found"),
            EventError::RateLimited(_) => f.write_str("too many requests; try again later"),
            EventError::Internal(e) => write!(f, "internal error: {e}"),
        }
    }
}

impl fmt::Debug for EventError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EventError({}: {self})", self.code())
    }
}

impl<E: std::error::Error + Send + Sync + 'static> From<E> for EventError {
    fn from(e: E) -> Self {
        EventError::Internal(Box::new(e))
    }
}

impl From<LoadError> for EventError {
    fn from(e: LoadError) -> Self {
        match e {
            LoadError::NotFound => EventError::NotFound,
            LoadError::Failed(e) => EventError::Internal(e),
        }
    }
}

/// What a successful mount or event answers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventResponse {
    /// The component, rendered and stamped.
    pub html: String,
    /// Its signed state.
    pub state: String,
    /// Its region id.
    pub component_id: String,
    /// The optimistic patches of the triggers it rendered.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub optimistic: Vec<OptimisticTrigger>,
}

/// A request to mount a component (no `event`) or to run one of its events.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventRequest {
    /// The event; `None` mounts.
    pub event: Option<String>,
    /// The event's arguments.
    pub payload: Payload,
    /// The signed state (events only).
    pub state: Option<String>,
    /// The mount parameters.
    pub params: Value,
}

/// The body fields that are not event arguments.
const RESERVED: [&str; 4] = ["event", "payload", "state", "params"];

impl EventRequest {
    /// An event request.
    pub fn event(event: impl Into<String>, payload: Payload, state: impl Into<String>) -> Self {
        EventRequest {
            event: Some(event.into()),
            payload,
            state: Some(state.into()),
            params: Value::Null,
        }
    }

    /// A mount request.
    pub fn mount(params: Value) -> Self {
        EventRequest {
            params,
            ..EventRequest::default()
        }
    }

    /// Reads a JSON body: `{"event": "add_item", "payload": {"product_id": 3}, "state": "v1.…"}`
    /// (no `event` mounts, with `params`). `payload` may also be JSON text, and other
    /// members are arguments too (htmx's `json-enc` extension sends form inputs that way). An
    /// empty body mounts with no parameters. An object that names a key twice, at any depth,
    /// is refused (400): one value would be checked and the other used.
    ///
    /// ```
    /// use pjx::stateful::EventRequest;
    /// let req = EventRequest::from_json(br#"{"event":"add","payload":"{\"id\":3}","size":"M","state":"v1.x.y"}"#).unwrap();
    /// assert_eq!(req.event.as_deref(), Some("add"));
    /// assert_eq!(req.payload["id"], 3);
    /// assert_eq!(req.payload["size"], "M");
    /// assert!(EventRequest::from_json(b"[1]").is_err());
    /// let twice = EventRequest::from_json(br#"{"event":"add","payload":{"id":3,"id":4}}"#);
    /// assert_eq!(twice.unwrap_err().to_string(), "bad request: `payload.id` is sent twice");
    /// ```
    pub fn from_json(body: &[u8]) -> Result<Self, EventError> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(EventRequest::default());
        }
        let value = unique_json(body, At::Body(None))
            .map_err(|e| e.into_event_error("the body is not valid JSON"))?;
        let Value::Object(mut fields) = value else {
            return Err(EventError::BadRequest(
                "the body must be a JSON object".into(),
            ));
        };
        let text = |fields: &mut Map<String, Value>, name: &str| match fields.remove(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(EventError::BadRequest(format!("`{name}` must be a string"))),
        };
        let event = text(&mut fields, "event")?;
        let state = text(&mut fields, "state")?;
        let payload = match fields.remove("payload") {
            None | Some(Value::Null) => Payload::new(),
            Some(Value::Object(map)) => map,
            Some(Value::String(json)) => payload_from_text(&json)?,
            Some(_) => {
                return Err(EventError::BadRequest(
                    "`payload` must be a JSON object".into(),
                ));
            }
        };
        let params = match fields.remove("params") {
            None => Value::Null,
            // JSON text of an object or list (as hx-vals sends nested values), else a plain
            // string parameter: `"123"` stays a string.
            Some(Value::String(text)) => {
                match unique_json(text.as_bytes(), At::Body(Some("params"))) {
                    Ok(parsed @ (Value::Object(_) | Value::Array(_))) => parsed,
                    Err(JsonError::Duplicate(e)) => return Err(EventError::BadRequest(e)),
                    _ => Value::String(text),
                }
            }
            Some(value) => value,
        };
        Ok(EventRequest::assemble(
            event, state, params, payload, fields,
        ))
    }

    /// Reads a form body (`application/x-www-form-urlencoded`, as htmx posts), then its
    /// fields as [`from_fields`](Self::from_fields) does. Decoding is strict: a `%` not
    /// followed by two hex digits, or a name or value that is not UTF-8 once decoded, is
    /// refused (400) rather than guessed at.
    ///
    /// ```
    /// use pjx::stateful::EventRequest;
    /// let req = EventRequest::from_form(b"event=add&payload=%7B%22id%22%3A3%7D&size=M+L").unwrap();
    /// assert_eq!(req.payload["id"], 3);
    /// assert_eq!(req.payload["size"], "M L");
    /// assert!(EventRequest::from_form(b"%zz=%%%").is_err());
    /// ```
    pub fn from_form(body: &[u8]) -> Result<Self, EventError> {
        EventRequest::from_fields(form_fields(body)?)
    }

    /// Reads form fields (`application/x-www-form-urlencoded`, as htmx posts): `event`,
    /// `state`, `payload` (JSON text of an object) and `params` (JSON text); every other field
    /// is an argument too (inputs of the enclosing form), a repeated one a list. A reserved
    /// field sent twice, or JSON text naming a key twice, is refused (400).
    ///
    /// ```
    /// use pjx::stateful::EventRequest;
    /// let fields = [("event", "add"), ("payload", r#"{"id":3}"#), ("size", "M"), ("tag", "a"), ("tag", "b")];
    /// let req = EventRequest::from_fields(fields.map(|(k, v)| (k.to_owned(), v.to_owned()))).unwrap();
    /// assert_eq!(req.payload["id"], 3);
    /// assert_eq!(req.payload["size"], "M");
    /// assert_eq!(req.payload["tag"], serde_json::json!(["a", "b"]));
    /// ```
    pub fn from_fields(
        fields: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, EventError> {
        let mut reserved: [Option<String>; 4] = Default::default();
        let mut extra = Payload::new();
        for (name, value) in fields {
            if let Some(i) = RESERVED.iter().position(|r| *r == name) {
                if reserved[i].replace(value).is_some() {
                    return Err(EventError::BadRequest(format!("`{name}` is sent twice")));
                }
                continue;
            }
            match extra.get_mut(&name) {
                None => {
                    extra.insert(name, Value::String(value));
                }
                Some(Value::Array(list)) => list.push(Value::String(value)),
                Some(first) => {
                    let first = first.take();
                    extra.insert(name, Value::Array(vec![first, Value::String(value)]));
                }
            }
        }
        let [event, payload, state, params] = reserved;
        let payload = match payload {
            None => Payload::new(),
            Some(text) => payload_from_text(&text)?,
        };
        let params = match params {
            None => Value::Null,
            Some(text) => unique_json(text.as_bytes(), At::Body(Some("params")))
                .map_err(|e| e.into_event_error("`params` must be JSON text"))?,
        };
        Ok(EventRequest::assemble(event, state, params, payload, extra))
    }

    /// A request whose arguments are `payload`, then the `extra` fields it does not name.
    fn assemble(
        event: Option<String>,
        state: Option<String>,
        params: Value,
        mut payload: Payload,
        extra: Map<String, Value>,
    ) -> Self {
        for (name, value) in extra {
            payload.entry(name).or_insert(value);
        }
        EventRequest {
            event,
            payload,
            state,
            params,
        }
    }
}

fn payload_from_text(text: &str) -> Result<Payload, EventError> {
    if text.trim().is_empty() {
        return Ok(Payload::new());
    }
    match unique_json(text.as_bytes(), At::Body(Some("payload"))) {
        Ok(Value::Object(map)) => Ok(map),
        Err(JsonError::Duplicate(e)) => Err(EventError::BadRequest(e)),
        _ => Err(EventError::BadRequest(
            "`payload` must be a JSON object".into(),
        )),
    }
}

/// Decodes one name or value of a form body.
/// Decodes an `application/x-www-form-urlencoded` body strictly, in order: a `%` that does
/// not start an escape, or a field that is not UTF-8 once decoded, is a 400 rather than text
/// nobody sent.
///
/// ```
/// let fields = pjx::stateful::form_fields(b"a=1&b=x+y%21&a=2").unwrap();
/// assert_eq!(fields, [("a".into(), "1".into()), ("b".into(), "x y!".into()), ("a".into(), "2".into())]);
/// assert!(pjx::stateful::form_fields(b"%zz=%%%").is_err());
/// ```
pub fn form_fields(body: &[u8]) -> Result<Vec<(String, String)>, EventError> {
    let mut fields = Vec::new();
    for pair in body.split(|&b| b == b'&').filter(|pair| !pair.is_empty()) {
        let (name, value) = match pair.iter().position(|&b| b == b'=') {
            Some(at) => (&pair[..at], &pair[at + 1..]),
            None => (pair, &[][..]),
        };
        fields.push((form_text(name)?, form_text(value)?));
    }
    Ok(fields)
}

fn form_text(raw: &[u8]) -> Result<String, EventError> {
    let malformed =
        |why: String| EventError::BadRequest(format!("the form body is malformed: {why}"));
    // Browsers escape every `%` they send: a bare one means the body was not form-encoded, and
    // the lenient reading (keep it as is) would make up a field nobody sent.
    for (at, _) in raw.iter().enumerate().filter(|(_, b)| **b == b'%') {
        let escape = raw.get(at + 1..at + 3);
        if !escape.is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit)) {
            let shown = String::from_utf8_lossy(&raw[at..raw.len().min(at + 3)]);
            return Err(malformed(format!(
                "`{shown}` is not a percent-escape (a `%` is sent as `%25`)"
            )));
        }
    }
    let spaces: Vec<u8> = raw
        .iter()
        .map(|&b| if b == b'+' { b' ' } else { b })
        .collect();
    percent_encoding::percent_decode(&spaces)
        .decode_utf8()
        .map(|text| text.into_owned())
        .map_err(|_| malformed("a field is not UTF-8 once decoded".into()))
}

/// Where a JSON value sits in a request, for messages: `payload.items[2].id`.
#[derive(Clone, Copy)]
enum At<'a> {
    /// The body, or the JSON text of one field (`payload`, `params`).
    Body(Option<&'a str>),
    Key(&'a At<'a>, &'a str),
    Index(&'a At<'a>, usize),
}

impl fmt::Display for At<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            At::Body(field) => f.write_str(field.unwrap_or_default()),
            At::Key(At::Body(None), key) => f.write_str(key),
            At::Key(parent, key) => write!(f, "{parent}.{key}"),
            At::Index(parent, i) => write!(f, "{parent}[{i}]"),
        }
    }
}

/// Why JSON text was refused.
enum JsonError {
    /// Not JSON.
    Syntax(serde_json::Error),
    /// An object names a key twice: the message says which.
    Duplicate(String),
}

impl JsonError {
    fn into_event_error(self, what: &str) -> EventError {
        match self {
            JsonError::Syntax(e) => EventError::BadRequest(format!("{what}: {e}")),
            JsonError::Duplicate(message) => EventError::BadRequest(message),
        }
    }
}

/// Parses JSON as `serde_json::from_slice` does, except that an object naming a key twice is
/// refused instead of keeping the last value: two values for one name let one layer (a proxy,
/// a check, a log) see one while the handler acts on the other.
fn unique_json(text: &[u8], at: At<'_>) -> Result<Value, JsonError> {
    let duplicate = std::cell::RefCell::new(None);
    let mut de = serde_json::Deserializer::from_slice(text);
    let parsed = Unique {
        at,
        duplicate: &duplicate,
    }
    .deserialize(&mut de)
    .and_then(|value| de.end().map(|()| value));
    match (parsed, duplicate.into_inner()) {
        (Ok(value), _) => Ok(value),
        (Err(_), Some(path)) => Err(JsonError::Duplicate(format!("`{path}` is sent twice"))),
        (Err(e), None) => Err(JsonError::Syntax(e)),
    }
}

/// Reads one JSON value into a [`Value`], noting the path of the first key seen twice.
struct Unique<'a> {
    at: At<'a>,
    duplicate: &'a std::cell::RefCell<Option<String>>,
}

impl<'de> DeserializeSeed<'de> for Unique<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Unique<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut list = Vec::new();
        while let Some(value) = seq.next_element_seed(Unique {
            at: At::Index(&self.at, list.len()),
            duplicate: self.duplicate,
        })? {
            list.push(value);
        }
        Ok(Value::Array(list))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let at = At::Key(&self.at, &key);
            if object.contains_key(&key) {
                let path = at.to_string();
                let error = de::Error::custom(format_args!("`{path}` is sent twice"));
                *self.duplicate.borrow_mut() = Some(path);
                return Err(error);
            }
            let value = map.next_value_seed(Unique {
                at,
                duplicate: self.duplicate,
            })?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

/// A component's rate limit and render cache, from its attribute (`rate_limit = "…"`,
/// `cache = "…"`, `react = [...]`). Generated for every component.
pub trait Policy {
    /// `rate_limit = "10/min"`.
    const RATE_LIMIT: Option<RateLimit>;
    /// `cache = "60s"`.
    const CACHE_TTL: Option<Duration>;
    /// The key names whose mutation drops cached renders (`react = [...]`).
    fn cache_keys() -> &'static [&'static str];
}

/// A component with events. Implemented by `#[component] impl T { … }`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no events",
    label = "expected a component with a `#[component] impl` block",
    note = "a component with events declares them in `#[component] impl {Self} {{ fn on_<event>(&mut self, …) }}`"
)]
pub trait Stateful:
    Component + Guarded + Policy + Serialize + DeserializeOwned + Sized + 'static
{
    /// The event names (`on_add_item` → `add_item`).
    const EVENTS: &'static [&'static str];
    /// Whether it has a `mount`.
    const CAN_MOUNT: bool;

    /// Builds the initial state from mount parameters.
    fn mount(params: Value, cx: &LoadCx) -> impl Future<Output = Result<Self, EventError>>;

    /// Re-derives what the token does not carry (locked fields), after it is read.
    fn restore(&mut self, cx: &LoadCx) -> impl Future<Output = Result<(), EventError>>;

    /// Runs an event.
    fn handle<'a>(
        &'a mut self,
        event: &'a str,
        payload: Payload,
        cx: &'a LoadCx,
    ) -> impl Future<Output = Result<(), EventError>> + 'a;

    /// The instant state delta for an event, if the component predicts one.
    fn optimistic(&self, event: &str, payload: &Payload) -> Option<Patch>;
}

/// `self.on("event")` in a template: the attributes that make an element send an event.
pub trait Triggers: Stateful {
    /// A trigger for `event`; add arguments with [`Trigger::with`].
    fn on(&self, event: &'static str) -> Trigger<'_, Self> {
        Trigger {
            component: self,
            event,
            payload: Payload::new(),
        }
    }
}

impl<T: Stateful> Triggers for T {}

/// The attributes of an element that sends an event: `{{ self.on("add_item").with("id", 3) }}`.
///
/// They post to the dispatch route (state and event travel as form values), swap the
/// component's root with the answer, drop clicks while an event of the same component is in
/// flight (it would carry the same state and undo the first one's change), and carry the
/// event's optimistic patch when the component predicts one.
pub struct Trigger<'a, C> {
    component: &'a C,
    event: &'static str,
    payload: Payload,
}

impl<C> Trigger<'_, C> {
    /// Adds an argument.
    pub fn with(mut self, name: &str, value: impl Serialize) -> Self {
        if let Ok(value) = serde_json::to_value(value) {
            self.payload.insert(name.to_owned(), value);
        }
        self
    }
}

thread_local! {
    /// The triggers of the component a dispatch renders (for the JSON answer): its name and
    /// what was collected. Rendering is synchronous, so no `.await` separates start and end.
    static RENDERED_TRIGGERS: std::cell::RefCell<Option<(&'static str, Vec<OptimisticTrigger>)>> =
        const { std::cell::RefCell::new(None) };
}

impl<C: Stateful> fmt::Display for Trigger<'_, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !C::EVENTS.contains(&self.event)
            && let Some(scope) = Scope::current()
        {
            scope.engine().dev_mode().report(format_args!(
                "`{}`'s template has a trigger for `{}`, which is not one of its events ({}): it will answer 400",
                C::TYPE_NAME,
                self.event,
                C::EVENTS.join(", ")
            ));
        }
        let mut vals = Map::new();
        vals.insert("event".into(), self.event.into());
        if !self.payload.is_empty() {
            // A string, so it survives form encoding intact.
            vals.insert(
                "payload".into(),
                Value::Object(self.payload.clone()).to_string().into(),
            );
        }
        let mut out = String::new();
        let push = |out: &mut String, name: &str, value: &str| {
            out.push(' ');
            out.push_str(name);
            out.push_str("=\"");
            stamp::escape_attr_into(out, value);
            out.push('"');
        };
        push(
            &mut out,
            "hx-post",
            &format!("{ROUTE_PREFIX}{}", C::TYPE_NAME),
        );
        push(&mut out, "hx-vals", &Value::Object(vals).to_string());
        push(&mut out, "hx-target", "closest [data-pjx-component]");
        push(&mut out, "hx-swap", "outerHTML");
        // One event per component at a time: a second one sent before the first's answer
        // would carry the same state and lose the first's change.
        push(&mut out, "hx-sync", "closest [data-pjx-component]:drop");
        if let Some(patch) = self.component.optimistic(self.event, &self.payload) {
            push(&mut out, "data-pjx-optimistic", &patch.to_json());
            RENDERED_TRIGGERS.with(|cell| {
                // Only the dispatched component's own triggers, not a nested one's.
                if let Some((component, list)) = cell.borrow_mut().as_mut()
                    && *component == C::TYPE_NAME
                {
                    list.push(OptimisticTrigger {
                        event: self.event.to_owned(),
                        payload: self.payload.clone(),
                        patch: patch.into_fields(),
                    });
                }
            });
        }
        f.write_str(out.trim_start())
    }
}

impl<C: Stateful> askama::filters::HtmlSafe for Trigger<'_, C> {}

/// What the current request signs state with: its engine's keys, its requester, the time.
fn current_signer() -> Result<(Arc<StateKeys>, Holder, SystemTime), &'static str> {
    let scope = Scope::current().ok_or(NO_KEYS)?;
    let keys = scope.engine().state_keys().cloned().ok_or(NO_KEYS)?;
    Ok((
        keys,
        Holder::of(scope.load_cx()),
        scope.engine().clock().now(),
    ))
}

const NO_KEYS: &str = "rendering a component with events needs state keys: render it inside a request (pjx_actix::Pjx) or a pjx::testing harness";

/// Renders a component with events: its template, then its root stamped with
/// `data-pjx-component` and `hx-vals` carrying the state, signed for the current requester
/// (inherited by its triggers). Returns the state token too.
pub fn render_stateful<T: Stateful>(
    component: &T,
    out: &mut String,
) -> Result<String, RenderError> {
    render_stateful_with(component, &Value::Null, out)
}

/// [`render_stateful`], with the parameters it was mounted with (not `null`) riding along in
/// `hx-vals`: every event carries them back, and a client that mounts the component afresh
/// (its state expired) sends them again.
fn render_stateful_with<T: Stateful>(
    component: &T,
    params: &Value,
    out: &mut String,
) -> Result<String, RenderError> {
    let fail = |kind| RenderError::new(T::TYPE_NAME, kind);
    let (keys, holder, now) = current_signer()
        .map_err(|why| fail(RenderErrorKind::State(serde::ser::Error::custom(why))))?;
    let token = keys
        .sign(T::TYPE_NAME, &holder, now, component)
        .map_err(|e| fail(RenderErrorKind::State(serde::ser::Error::custom(e))))?;
    let start = out.len();
    if let Err(e) = component.render_template(out) {
        out.truncate(start);
        return Err(e);
    }
    // By hand, so `state` comes first whatever serde_json's key order.
    let mut vals = format!("{{\"state\":{}", Value::from(token.as_str()));
    if !params.is_null() {
        // As JSON text, so it survives form encoding intact.
        vals.push_str(",\"params\":");
        vals.push_str(&Value::from(params.to_string()).to_string());
    }
    vals.push('}');
    let id = component.region_id();
    let attrs = [
        ("data-pjx-component", T::TYPE_NAME),
        ("data-pjx-component-id", &id),
        ("hx-vals", vals.as_str()),
    ];
    if let Err(e) = stamp::stamp_root_attrs(out, start, &attrs) {
        out.truncate(start);
        return Err(fail(RenderErrorKind::Root(e)));
    }
    Ok(token)
}

#[doc(hidden)]
/// Autoref specialization for generated `render_into`: components with events render through
/// [`render_stateful`], the others through their template alone.
pub struct RenderProbe<'a, T>(pub &'a T);

#[doc(hidden)]
/// The component-with-events case of [`RenderProbe`].
pub trait RenderStateful {
    /// Renders the component.
    fn pjx_render_into(&self, out: &mut String) -> Result<(), RenderError>;
}

impl<T: Stateful> RenderStateful for RenderProbe<'_, T> {
    fn pjx_render_into(&self, out: &mut String) -> Result<(), RenderError> {
        render_stateful(self.0, out).map(drop)
    }
}

#[doc(hidden)]
/// The plain case of [`RenderProbe`].
pub trait RenderPlain {
    /// Renders the component.
    fn pjx_render_into(&self, out: &mut String) -> Result<(), RenderError>;
}

impl<T: Component> RenderPlain for &RenderProbe<'_, T> {
    fn pjx_render_into(&self, out: &mut String) -> Result<(), RenderError> {
        self.0.render_template(out)
    }
}

/// The future of one erased dispatch (not `Send`: it runs on the request's task).
pub type DispatchFuture<'a> = Pin<Box<dyn Future<Output = Result<EventResponse, EventError>> + 'a>>;

/// A component with events, erased for the registry.
#[derive(Clone, Copy)]
pub struct StatefulType {
    name: &'static str,
    rust_name: fn() -> &'static str,
    dispatch: for<'a> fn(&'a Scope, EventRequest) -> DispatchFuture<'a>,
}

impl StatefulType {
    /// The erased operations of `T`. What `#[component] impl` registers.
    pub const fn of<T: Stateful>() -> Self {
        StatefulType {
            name: T::TYPE_NAME,
            rust_name: std::any::type_name::<T>,
            dispatch: dispatch_erased::<T>,
        }
    }

    /// The registered name (the route's `{name}`).
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The Rust type's path, for messages.
    pub fn rust_name(&self) -> &'static str {
        (self.rust_name)()
    }
}

impl fmt::Debug for StatefulType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StatefulType({} = {})", self.name, self.rust_name())
    }
}

inventory::collect!(StatefulType);

/// Every registered component with events, by name. Panics, naming both types, when two share
/// a name: a startup error to fix.
pub fn registry() -> &'static HashMap<&'static str, StatefulType> {
    static REGISTRY: OnceLock<Result<HashMap<&'static str, StatefulType>, String>> =
        OnceLock::new();
    match REGISTRY
        .get_or_init(|| build_registry(inventory::iter::<StatefulType>.into_iter().copied()))
    {
        Ok(map) => map,
        Err(e) => panic!("pjx: {e}"),
    }
}

/// Builds a registry, refusing two types under one name (naming both).
pub fn build_registry(
    types: impl IntoIterator<Item = StatefulType>,
) -> Result<HashMap<&'static str, StatefulType>, String> {
    let mut map: HashMap<&'static str, StatefulType> = HashMap::new();
    for ty in types {
        if let Some(other) = map.get(ty.name)
            && other.rust_name() != ty.rust_name()
        {
            return Err(format!(
                "two components with events are registered as `{}`: `{}` and `{}`; give one another name with `#[component(name = \"…\")]`",
                ty.name,
                other.rust_name(),
                ty.rust_name()
            ));
        }
        map.insert(ty.name, ty);
    }
    Ok(map)
}

/// Mounts a component or runs one of its events, by name. What the dispatch route calls; the
/// scope's load context carries the requester.
pub async fn dispatch(
    scope: &Scope,
    name: &str,
    request: EventRequest,
) -> Result<EventResponse, EventError> {
    let ty = registry()
        .get(name)
        .copied()
        .ok_or_else(|| EventError::UnknownComponent(name.to_owned()))?;
    (ty.dispatch)(scope, request).await
}

fn dispatch_erased<T: Stateful>(scope: &Scope, request: EventRequest) -> DispatchFuture<'_> {
    Box::pin(async move {
        dispatch_to::<T>(scope, request)
            .await
            .map(|(response, _)| response)
    })
}

/// Mounts `T` or runs one of its events: what [`dispatch`] does once it has found the type by
/// name. Also returns the component as it was rendered, locked fields included (`None` when
/// the render cache answered).
pub async fn dispatch_to<T: Stateful>(
    scope: &Scope,
    request: EventRequest,
) -> Result<(EventResponse, Option<T>), EventError> {
    scope.run(dispatch_typed::<T>(scope.clone(), request)).await
}

fn check(access: Access) -> Result<(), EventError> {
    EventError::from_access(access).map_or(Ok(()), Err)
}

async fn dispatch_typed<T: Stateful>(
    scope: Scope,
    request: EventRequest,
) -> Result<(EventResponse, Option<T>), EventError> {
    let cx = scope.load_cx();
    let engine = scope.engine();
    // Permissions come before anything is read, cached or counted.
    check(T::check_access(cx))?;
    if let Some(limit) = T::RATE_LIMIT {
        let limiter = engine.rate_limiter();
        // The requester's own window first: a requester over it is refused without using up
        // their network's shared window.
        limiter
            .check(T::TYPE_NAME, &cx.subject(), limit)
            .map_err(EventError::RateLimited)?;
        if let Some(network) = cx.network_subject() {
            let shared = RateLimit {
                count: limit
                    .count
                    .saturating_mul(crate::security::auth::NETWORK_LIMIT_FACTOR),
                ..limit
            };
            limiter
                .check(T::TYPE_NAME, &network, shared)
                .map_err(EventError::RateLimited)?;
        }
    }
    let params = request.params;
    let component = match request.event.as_deref() {
        None => {
            if !T::CAN_MOUNT {
                return Err(EventError::UnknownEvent("mount".into()));
            }
            let cache_key = cache_key::<T>(&params, cx);
            if let Some(key) = &cache_key
                && let Some(hit) = engine.render_cache().get(key)
                && let Some(response) = serve_cached::<T>(hit, &scope).await?
            {
                return Ok((response, None));
            }
            let ticket = engine.render_cache().begin();
            let component = T::mount(params.clone(), cx).await?;
            check(component.check_object_access(cx))?;
            let response = respond_with(&component, &params)?;
            if let (Some(key), Some(ttl)) = (cache_key, T::CACHE_TTL)
                && holds_one_token(&response.html)
            {
                engine.render_cache().insert(
                    key,
                    CachedRender {
                        html: response.html.clone(),
                        state: response.state.clone(),
                        component_id: response.component_id.clone(),
                        optimistic: response.optimistic.clone(),
                    },
                    ttl,
                    T::cache_keys(),
                    ticket,
                );
            }
            return Ok((response, Some(component)));
        }
        Some(event) => {
            if !T::EVENTS.contains(&event) {
                return Err(EventError::UnknownEvent(event.to_owned()));
            }
            let keys = engine
                .state_keys()
                .ok_or_else(|| EventError::internal("no state keys are configured"))?;
            let token = request
                .state
                .as_deref()
                .ok_or(EventError::InvalidState(StateError::Malformed))?;
            let mut component: T = keys
                .verify(
                    T::TYPE_NAME,
                    token,
                    &Holder::of(cx),
                    engine.clock().now(),
                    engine.state_max_age(),
                )
                .map_err(EventError::InvalidState)?;
            component.restore(cx).await?;
            check(component.check_object_access(cx))?;
            component.handle(event, request.payload, cx).await?;
            component
        }
    };
    let response = respond_with(&component, &params)?;
    Ok((response, Some(component)))
}

/// The render-cache key of a mount of `T`, if `T` caches and this requester may share in it:
/// a component with permissions is cached per signed-in user, and not at all for anonymous
/// requesters (who cannot be told apart).
fn cache_key<T: Stateful>(params: &Value, cx: &LoadCx) -> Option<String> {
    T::CACHE_TTL?;
    let params = crate::hash::canonical_json(params).ok()?;
    let identity = match T::GUARDED {
        true => Some(cx.identity()?.id.as_str()),
        false => None,
    };
    Some(RenderCache::key(T::TYPE_NAME, &params, identity))
}

/// Whether `html` carries one state token (its root's) and no nested component's: only the
/// root's is issued anew on a cache hit, so a render holding others is not cached (they would
/// reach other requesters bound to this one).
fn holds_one_token(html: &str) -> bool {
    // How a root's `hx-vals` (escaped as an attribute) starts.
    html.matches("{&quot;state&quot;:&quot;").count() == 1
}

/// A cached render of `T`, made this requester's: its state token, issued to whoever mounted
/// it first, is issued anew to this requester, now (in the HTML too). For a guarded `T` the
/// permissions' object checks run again, on the cached state restored for this request (they
/// may depend on more than the user the entry is kept for). A refusal is an error; `None` when
/// the entry is unusable.
async fn serve_cached<T: Stateful>(
    hit: CachedRender,
    scope: &Scope,
) -> Result<Option<EventResponse>, EventError> {
    let engine = scope.engine();
    let Some(keys) = engine.state_keys() else {
        return Ok(None);
    };
    let cx = scope.load_cx();
    // The token is in the HTML verbatim (its characters need no escaping in an attribute).
    let Ok(state) = keys.reissue(
        T::TYPE_NAME,
        &hit.state,
        &Holder::of(cx),
        engine.clock().now(),
    ) else {
        return Ok(None); // signed by a key since retired: render afresh
    };
    if !hit.html.contains(&hit.state) {
        return Ok(None);
    }
    if T::GUARDED {
        let Ok(mut component) = keys.verify_signature::<T>(T::TYPE_NAME, &state) else {
            return Ok(None);
        };
        component.restore(cx).await?;
        check(component.check_object_access(cx))?;
    }
    Ok(Some(EventResponse {
        html: hit.html.replace(&hit.state, &state),
        state,
        component_id: hit.component_id,
        optimistic: hit.optimistic,
    }))
}

/// Collects the triggers of component `T` rendered while it lives, and stops collecting
/// when dropped (also when a template panics).
struct TriggerCollector;

impl TriggerCollector {
    fn start(component: &'static str) -> Self {
        RENDERED_TRIGGERS.with(|cell| *cell.borrow_mut() = Some((component, Vec::new())));
        TriggerCollector
    }

    fn finish(self) -> Vec<OptimisticTrigger> {
        RENDERED_TRIGGERS
            .with(|cell| cell.borrow_mut().take())
            .map(|(_, list)| list)
            .unwrap_or_default()
    }
}

impl Drop for TriggerCollector {
    fn drop(&mut self) {
        RENDERED_TRIGGERS.with(|cell| cell.borrow_mut().take());
    }
}

pub(crate) fn respond<T: Stateful>(component: &T) -> Result<EventResponse, EventError> {
    respond_with(component, &Value::Null)
}

/// Renders the answer to a mount or an event, `params` riding along (see
/// [`render_stateful_with`]).
fn respond_with<T: Stateful>(component: &T, params: &Value) -> Result<EventResponse, EventError> {
    let collector = TriggerCollector::start(T::TYPE_NAME);
    let mut html = String::new();
    let rendered = render_stateful_with(component, params, &mut html);
    let optimistic = collector.finish();
    let state = rendered.map_err(|e| EventError::Internal(Box::new(e)))?;
    Ok(EventResponse {
        html,
        state,
        component_id: component.region_id().into_owned(),
        optimistic,
    })
}

/// Reads one event argument from the payload: missing counts as `null` (so `Option`
/// arguments may be left out), and a string is also read as JSON (so form fields like `"3"`
/// fill numeric arguments). What generated handlers call.
pub fn argument<T: DeserializeOwned>(payload: &mut Payload, name: &str) -> Result<T, EventError> {
    let value = payload.remove(name).unwrap_or(Value::Null);
    if value.is_null() {
        return serde_json::from_value(Value::Null)
            .map_err(|_| EventError::invalid(name, "missing"));
    }
    let text = value.as_str().map(str::to_owned);
    match read::<T>(value) {
        Ok(v) => Ok(v),
        Err((path, message)) => {
            if let Some(text) = text
                && let Ok(v) = serde_json::from_str::<T>(&text)
            {
                return Ok(v);
            }
            let field = match path {
                Some(path) => format!("{name}.{path}"),
                None => name.to_owned(),
            };
            Err(EventError::invalid(field, message))
        }
    }
}

/// Reads mount parameters (`null` when none were sent); a 422 names the parameter at fault.
pub fn parameters<T: DeserializeOwned>(params: Value) -> Result<T, EventError> {
    let params = if params.is_null() {
        Value::Object(Map::new())
    } else {
        params
    };
    read(params).map_err(|(field, message)| EventError::InvalidPayload { field, message })
}

/// Deserializes `value`; on failure, the path to the part at fault (`None` for the value
/// itself) and what is wrong with it.
fn read<T: DeserializeOwned>(value: Value) -> Result<T, (Option<String>, String)> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let message = inner.to_string();
        // A missing field is reported at its parent: name the field itself. (An unknown one
        // is reported at the field already.)
        let missing = message
            .strip_prefix("missing field `")
            .and_then(|rest| rest.split('`').next());
        let path = match (path.as_str(), missing) {
            (".", None) => None,
            (".", Some(field)) => Some(field.to_owned()),
            (path, Some(field)) => Some(format!("{path}.{field}")),
            (path, None) => Some(path.to_owned()),
        };
        (path, message)
    })
}

/// What an event handler may return: `()` or `Result<(), E>` with `E: Into<EventError>`.
#[diagnostic::on_unimplemented(
    message = "event handlers and `restore` return `()` or `Result<(), E>`, not `{Self}`",
    label = "change the return type",
    note = "errors convert with `?`: any std error becomes a 500, `EventError::invalid(field, msg)` a 422"
)]
pub trait EventOutcome {
    /// The outcome as a result.
    fn into_event_result(self) -> Result<(), EventError>;
}

impl EventOutcome for () {
    fn into_event_result(self) -> Result<(), EventError> {
        Ok(())
    }
}

impl<E: Into<EventError>> EventOutcome for Result<(), E> {
    fn into_event_result(self) -> Result<(), EventError> {
        self.map_err(Into::into)
    }
}

/// What `mount` may return: `Self` or `Result<Self, E>` with `E: Into<EventError>`.
#[diagnostic::on_unimplemented(
    message = "`mount` returns `{T}` or `Result<{T}, E>`, not `{Self}`",
    label = "change the return type",
    note = "`mount` builds the component's first state: return it, or `Err(…)` with any std error (a 500) or `EventError::invalid(field, msg)` (a 422)"
)]
pub trait MountOutcome<T> {
    /// The outcome as a result.
    fn into_mount_result(self) -> Result<T, EventError>;
}

impl<T> MountOutcome<T> for T {
    fn into_mount_result(self) -> Result<T, EventError> {
        Ok(self)
    }
}

impl<T, E: Into<EventError>> MountOutcome<T> for Result<T, E> {
    fn into_mount_result(self) -> Result<T, EventError> {
        self.map_err(Into::into)
    }
}
