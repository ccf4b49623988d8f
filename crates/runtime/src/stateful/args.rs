//! Handler arguments and results: reading a payload into typed arguments, and what a
//! handler may return.

use super::*;

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
