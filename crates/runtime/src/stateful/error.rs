//! Why a mount or an event failed: one error type, one HTTP status and one JSON shape each.

use super::*;

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
    /// A streaming answer ran past its maximum duration and was ended (504).
    StreamTooLong(Duration),
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
            EventError::StreamTooLong(_) => 504,
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
            EventError::StreamTooLong(_) => "stream_too_long",
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
            EventError::StreamTooLong(max) => write!(
                f,
                "the stream ran past its maximum duration ({}s) and was ended",
                max.as_secs()
            ),
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
