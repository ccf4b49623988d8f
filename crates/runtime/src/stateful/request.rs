//! What the dispatch route reads: a mount or an event, from JSON or a form, strictly (a key
//! named twice or a malformed escape is refused).

use super::*;

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
