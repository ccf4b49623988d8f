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

/// A bind target in a template: `{{ self.bind_count() }}` renders `data-pjx-bind="count"`,
/// which marks the element an optimistic patch of `count` changes.
///
/// Generated for each name a component declares in `binds = [...]` (a method
/// `bind_<name>()`), together with the component's typed patch builder (`self.patch()`), so a
/// patch and the elements it changes cannot drift apart: a name that is not declared does not
/// compile.
///
/// ```
/// let bind = pjx::Bind::new("count");
/// assert_eq!(bind.to_string(), r#"data-pjx-bind="count""#);
/// assert_eq!(
///     bind.attr("aria-label").to_string(),
///     r#"data-pjx-bind="count" data-pjx-bind-attr="aria-label""#
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bind {
    name: &'static str,
    attr: Option<&'static str>,
}

impl Bind {
    /// The bind target `name` (generated code calls this with a declared name).
    pub const fn new(name: &'static str) -> Self {
        Bind { name, attr: None }
    }

    /// Patches the attribute `attr` instead of the element's text (`true` sets it empty,
    /// `false` or `null` removes it): `{{ self.bind_empty().attr("hidden") }}`.
    pub const fn attr(self, attr: &'static str) -> Self {
        Bind {
            attr: Some(attr),
            ..self
        }
    }

    /// The bind target's name, as patches carry it.
    pub const fn name(&self) -> &'static str {
        self.name
    }
}

impl std::fmt::Display for Bind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut out = String::from("data-pjx-bind=\"");
        crate::html::stamp::escape_attr_into(&mut out, self.name);
        out.push('"');
        if let Some(attr) = self.attr {
            out.push_str(" data-pjx-bind-attr=\"");
            crate::html::stamp::escape_attr_into(&mut out, attr);
            out.push('"');
        }
        f.write_str(&out)
    }
}

impl askama::filters::HtmlSafe for Bind {}
