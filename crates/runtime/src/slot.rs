//! Slots: named places in a component's template that whoever builds the component fills.
//!
//! A slot is a field marked `#[pjx(slot)]` whose type is [`Slot<T>`] (a required slot) or
//! `Option<Slot<T>>` (an optional one, with `#[pjx(slot(default = "…"))]` for default
//! content). The template places it like any field: `{{ header }}`. What fills a slot is any
//! renderable — a [`Markup`] (text, escaped; or HTML marked trusted) or a component of any
//! kind, which renders exactly as it would anywhere else (a reactive one stamped as a region, a
//! component with events with its own signed state). `Slot` (that is, `Slot<Markup>`) takes any
//! of them; `Slot<Counter>` takes a `Counter` and keeps its type (a *composite*: a component
//! made of named child components).
//!
//! ```
//! use pjx::prelude::*;
//!
//! #[component(source = "<section><h2>{{ title }}</h2>{{ body }}<footer>{{ footer }}</footer></section>")]
//! pub struct Panel {
//!     #[pjx(slot)]
//!     title: Slot,
//!     #[pjx(slot)]
//!     body: Slot,
//!     #[pjx(slot(default = "<small>no footer</small>"))]
//!     footer: Option<Slot>,
//! }
//!
//! let panel = Panel::builder()
//!     .title("Tom & Jerry")                        // text: escaped
//!     .body(Markup::trusted("<p>Hello</p>"))       // trusted HTML: as is
//!     .build();
//! assert_eq!(
//!     panel.to_html().unwrap(),
//!     "<section><h2>Tom &#38; Jerry</h2><p>Hello</p><footer><small>no footer</small></footer></section>",
//! );
//! ```
//!
//! `Panel::builder()` tracks the filled slots in its type: `.build()` exists only once every
//! required slot is filled, and a missing one fails the build with a message naming it.

use std::fmt;
use std::sync::Arc;

use crate::component::{Component, RenderError};

/// Anything a slot can hold: markup, or a component (which renders as it would anywhere).
///
/// Implemented for [`Markup`] and for every pjx component.
pub trait Render {
    /// Appends the rendered HTML to `out` (stamped, for a reactive component).
    fn render_into(&self, out: &mut String) -> Result<(), RenderError>;
}

impl<C: Component + ?Sized> Render for C {
    fn render_into(&self, out: &mut String) -> Result<(), RenderError> {
        Component::render_into(self, out)
    }
}

/// HTML for a slot: text (escaped when the markup is made) or trusted HTML (kept as is), or a
/// component rendered when the slot is.
///
/// A `&str` or `String` converts into escaped markup; only [`Markup::trusted`] keeps HTML.
///
/// ```
/// use pjx::Markup;
///
/// assert_eq!(Markup::text("<b>").to_string(), "&#60;b&#62;");
/// assert_eq!(Markup::from("a & b").to_string(), "a &#38; b");
/// assert_eq!(Markup::trusted("<b>bold</b>").to_string(), "<b>bold</b>");
/// ```
#[derive(Clone)]
pub struct Markup(Content);

#[derive(Clone)]
enum Content {
    Html(String),
    Static(&'static str),
    Component(Arc<dyn Render + Send + Sync>),
}

impl Markup {
    /// Text, HTML-escaped: `<`, `>`, `&`, `"` and `'` become character references.
    pub fn text(text: impl AsRef<str>) -> Markup {
        let text = text.as_ref();
        let mut out = String::with_capacity(text.len());
        escape_into(&mut out, text);
        Markup(Content::Html(out))
    }

    /// HTML kept as is. Only for HTML you wrote or sanitized yourself: anything from a user
    /// must go through [`Markup::text`] (or `From<&str>`), or it can inject script.
    pub fn trusted(html: impl Into<String>) -> Markup {
        Markup(Content::Html(html.into()))
    }

    /// A static piece of trusted HTML (what a slot's `default = "…"` is).
    pub const fn trusted_static(html: &'static str) -> Markup {
        Markup(Content::Static(html))
    }

    /// A component, rendered where the markup is placed (as it would be anywhere else:
    /// stamped when reactive, with its signed state when it has events).
    pub fn component<C: Component + Send + Sync + 'static>(component: C) -> Markup {
        Markup(Content::Component(Arc::new(component)))
    }

    /// No markup at all.
    pub const fn empty() -> Markup {
        Markup(Content::Static(""))
    }
}

impl Default for Markup {
    fn default() -> Self {
        Markup::empty()
    }
}

impl fmt::Debug for Markup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Content::Html(html) => f.debug_tuple("Markup").field(html).finish(),
            Content::Static(html) => f.debug_tuple("Markup").field(html).finish(),
            Content::Component(_) => f.write_str("Markup(<component>)"),
        }
    }
}

impl Render for Markup {
    fn render_into(&self, out: &mut String) -> Result<(), RenderError> {
        match &self.0 {
            Content::Html(html) => out.push_str(html),
            Content::Static(html) => out.push_str(html),
            Content::Component(component) => component.render_into(out)?,
        }
        Ok(())
    }
}

impl From<&str> for Markup {
    /// Text, escaped.
    fn from(text: &str) -> Self {
        Markup::text(text)
    }
}

impl From<String> for Markup {
    /// Text, escaped.
    fn from(text: String) -> Self {
        Markup::text(text)
    }
}

impl<C: Component + Send + Sync + 'static> From<C> for Markup {
    fn from(component: C) -> Self {
        Markup::component(component)
    }
}

/// The content of a slot: a `T` (by default any [`Markup`]), rendered where the template
/// places the slot. See [the module](self).
///
/// `Slot<Markup>` is filled from text (escaped), [`Markup::trusted`] HTML, or any component;
/// `Slot<Child>` holds a `Child` and derefs to it.
///
/// In a reactive component, a slot is part of the state hash as the HTML it renders.
#[derive(Clone, Default)]
pub struct Slot<T = Markup>(T);

impl<T> Slot<T> {
    /// A slot holding `content`.
    pub const fn new(content: T) -> Self {
        Slot(content)
    }

    /// What the slot holds.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Slot<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> std::ops::DerefMut for Slot<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

impl<T: fmt::Debug> fmt::Debug for Slot<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Slot").field(&self.0).finish()
    }
}

impl<T: Render> Render for Slot<T> {
    fn render_into(&self, out: &mut String) -> Result<(), RenderError> {
        self.0.render_into(out)
    }
}

impl<T: Render> From<T> for Slot<T> {
    fn from(content: T) -> Self {
        Slot(content)
    }
}

impl From<&str> for Slot {
    /// Text, escaped.
    fn from(text: &str) -> Self {
        Slot(Markup::text(text))
    }
}

impl From<String> for Slot {
    /// Text, escaped.
    fn from(text: String) -> Self {
        Slot(Markup::text(text))
    }
}

impl<C: Component + Send + Sync + 'static> From<C> for Slot {
    fn from(component: C) -> Self {
        Slot(Markup::component(component))
    }
}

/// Writes `content` into an askama template (what `{{ slot }}` does): a render error fails the
/// template with it.
fn write_rendered(content: &dyn Render, dest: &mut dyn fmt::Write) -> askama::Result<()> {
    let mut buf = String::new();
    content
        .render_into(&mut buf)
        .map_err(askama::Error::custom)?;
    dest.write_str(&buf).map_err(|_| askama::Error::Fmt)
}

impl<T: Render> fmt::Display for Slot<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_rendered(&self.0, f).map_err(|_| fmt::Error)
    }
}

impl<T: Render> askama::FastWritable for Slot<T> {
    fn write_into(&self, dest: &mut dyn fmt::Write, _: &dyn askama::Values) -> askama::Result<()> {
        write_rendered(&self.0, dest)
    }
}

impl<T: Render> askama::filters::HtmlSafe for Slot<T> {}

impl fmt::Display for Markup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_rendered(self, f).map_err(|_| fmt::Error)
    }
}

impl askama::FastWritable for Markup {
    fn write_into(&self, dest: &mut dyn fmt::Write, _: &dyn askama::Values) -> askama::Result<()> {
        write_rendered(self, dest)
    }
}

impl askama::filters::HtmlSafe for Markup {}

/// A slot is part of a reactive component's state hash as the HTML it renders: new content is
/// a new hash, so the walk's hash gate never skips a changed slot.
impl<T: Render> serde::Serialize for Slot<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut html = String::new();
        self.0
            .render_into(&mut html)
            .map_err(serde::ser::Error::custom)?;
        serializer.serialize_str(&html)
    }
}

/// What the template sees for an optional slot (`Option<Slot<T>>`): its content when filled,
/// else the slot's default content (`#[pjx(slot(default = "…"))]`, or nothing).
///
/// `{{ footer }}` renders it; `{% if footer.is_filled() %}` tells the two apart.
pub struct OptionalSlot<'a, T> {
    slot: Option<&'a Slot<T>>,
    default: &'static str,
}

impl<'a, T> OptionalSlot<'a, T> {
    /// The slot as the template sees it. What generated code calls.
    #[doc(hidden)]
    pub const fn new(slot: Option<&'a Slot<T>>, default: &'static str) -> Self {
        OptionalSlot { slot, default }
    }

    /// Whether the slot was filled (else the default shows).
    pub fn is_filled(&self) -> bool {
        self.slot.is_some()
    }

    /// Whether anything shows: the slot is filled or has default content.
    pub fn is_shown(&self) -> bool {
        self.slot.is_some() || !self.default.is_empty()
    }

    /// The content, when filled.
    pub fn get(&self) -> Option<&'a T> {
        self.slot.map(|s| &s.0)
    }
}

impl<T: Render> Render for OptionalSlot<'_, T> {
    fn render_into(&self, out: &mut String) -> Result<(), RenderError> {
        match self.slot {
            Some(slot) => slot.render_into(out),
            None => {
                out.push_str(self.default);
                Ok(())
            }
        }
    }
}

impl<T: Render> fmt::Display for OptionalSlot<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_rendered(self, f).map_err(|_| fmt::Error)
    }
}

impl<T: Render> askama::FastWritable for OptionalSlot<'_, T> {
    fn write_into(&self, dest: &mut dyn fmt::Write, _: &dyn askama::Values) -> askama::Result<()> {
        write_rendered(self, dest)
    }
}

impl<T: Render> askama::filters::HtmlSafe for OptionalSlot<'_, T> {}

/// HTML-escapes `text` into `out` as askama does.
pub(crate) fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '<' => out.push_str("&#60;"),
            '>' => out.push_str("&#62;"),
            '&' => out.push_str("&#38;"),
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// `Slot<T>`'s content type, as generated code names it.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "a slot field's type is `pjx::Slot<T>` (or `Option<pjx::Slot<T>>`), not `{Self}`",
    label = "not `pjx::Slot`",
    note = "write `Slot` (markup or any component) or `Slot<Child>` (a child component), imported from `pjx::prelude`"
)]
pub trait SlotType {
    /// What the slot holds.
    type Content;
}

impl<T> SlotType for Slot<T> {
    type Content = T;
}

/// The type-state of a generated builder: a required field not given yet.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, Default)]
pub struct Missing;

/// The type-state of a generated builder: a required field given.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, Default)]
pub struct Filled;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_trusted_is_not() {
        assert_eq!(
            Markup::text(r#"<a href="x">'&'</a>"#).to_string(),
            "&#60;a href=&#34;x&#34;&#62;&#39;&#38;&#39;&#60;/a&#62;"
        );
        assert_eq!(Markup::trusted("<i>x</i>").to_string(), "<i>x</i>");
        assert_eq!(Slot::from("<x>").to_string(), "&#60;x&#62;");
        assert_eq!(Markup::empty().to_string(), "");
    }

    #[test]
    fn an_optional_slot_shows_its_default_until_filled() {
        let filled = Slot::from("a");
        let shown = OptionalSlot::new(Some(&filled), "<i>d</i>");
        assert!(shown.is_filled());
        assert_eq!(shown.to_string(), "a");
        let default = OptionalSlot::<Markup>::new(None, "<i>d</i>");
        assert!(!default.is_filled() && default.is_shown());
        assert_eq!(default.to_string(), "<i>d</i>");
    }

    #[test]
    fn a_slot_hashes_as_its_html() {
        let json = serde_json::to_string(&Slot::from("<b>")).unwrap();
        assert_eq!(json, r#""&#60;b&#62;""#);
    }
}
