//! Optimistic patches: new values for a component's state fields, applied by the client the
//! moment the user acts, and a trigger's patch as rendered.

use serde::Serialize;
use serde_json::{Map, Value};

/// An optimistic patch: new values for state fields, applied in the browser to the elements
/// bound to them (`data-pjx-bind="field"`) the moment the user acts.
///
/// ```
/// let patch = pjx::Patch::new().set("count", 3).set("label", "three");
/// assert_eq!(patch.to_json(), r#"{"count":3,"label":"three"}"#);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Patch(Map<String, Value>);

impl Patch {
    /// An empty patch.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `field` to `value` (values that cannot be serialized are left out).
    pub fn set(mut self, field: &str, value: impl Serialize) -> Self {
        if let Ok(value) = serde_json::to_value(value) {
            self.0.insert(field.to_owned(), value);
        }
        self
    }

    /// The fields and values.
    pub fn fields(&self) -> &Map<String, Value> {
        &self.0
    }

    /// The fields and values, owned.
    pub fn into_fields(self) -> Map<String, Value> {
        self.0
    }

    /// The patch as a JSON object.
    pub fn to_json(&self) -> String {
        Value::Object(self.0.clone()).to_string()
    }
}

/// One trigger's optimistic patch, as rendered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OptimisticTrigger {
    /// The event it sends.
    pub event: String,
    /// Its payload.
    pub payload: Map<String, Value>,
    /// The patch applied when it fires.
    pub patch: Map<String, Value>,
}
