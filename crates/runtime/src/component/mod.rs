//! Components: what `#[component]` and `#[reactive]` generate, and how they render.

mod page;
pub mod registry;

pub use page::{LoadPage, PageField, load_singleton};

use std::borrow::Cow;
use std::error::Error as StdError;
use std::fmt;
use std::future::Future;

use crate::hash::{CanonicalError, HashState, StateHash};
use crate::html::region_id;
use crate::html::stamp::{RootError, Stamp, stamp_root};
use crate::key::{Key, ReactSet};
use crate::load::{LoadCx, LoadError, LoadKey};

/// A renderable piece of UI with one template. Implemented by `#[component]` and `#[reactive]`.
///
/// Components also implement `Display` (their rendered HTML) and are HTML-safe in askama
/// templates, so `{{ child }}` nests one component in another's template unescaped, and a
/// nested reactive component is stamped like any other.
///
/// ```
/// use pjx::prelude::*;
///
/// #[component(source = "<span class=\"badge\">{{ label }}</span>")]
/// pub struct Badge { label: String }
///
/// let badge = Badge { label: "<new>".into() };
/// assert_eq!(badge.to_html().unwrap(), "<span class=\"badge\">&#60;new&#62;</span>");
/// assert_eq!(Badge::TYPE_NAME, "badge");
/// assert_eq!(badge.region_id(), "badge");
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a pjx component",
    label = "expected a type declared with `#[component(...)]` or `#[reactive(...)]`",
    note = "`extends = Other` reuses another component's template and assets, so `Other` must be a pjx component"
)]
pub trait Component {
    /// The registered type name: snake_case of the type name unless set with `name = "…"`.
    const TYPE_NAME: &'static str;

    /// The CSS and JS this component needs (its own, then its base's).
    fn assets() -> &'static [Asset];

    /// The region id: the `id` field when there is one, else the kebab-case type name for
    /// singletons and `<kebab-name>-<key>` for keyed regions.
    fn region_id(&self) -> Cow<'_, str>;

    /// Renders the template alone, without stamping, appending to `out`.
    fn render_template(&self, out: &mut String) -> Result<(), RenderError>;

    /// Renders the component (stamped when reactive), appending to `out`.
    fn render_into(&self, out: &mut String) -> Result<(), RenderError> {
        self.render_template(out)
    }

    /// Renders the component to a new string.
    fn to_html(&self) -> Result<String, RenderError> {
        let mut out = String::new();
        self.render_into(&mut out)?;
        Ok(out)
    }
}

/// A component that depends on state keys and re-renders out of band when they change.
/// Implemented by `#[reactive(react = [...], ...)]`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a reactive component",
    label = "expected a struct declared with `#[reactive(react = [...], ...)]`",
    note = "`#[reactive] impl {Self}` holds the `load` of a struct declared with `#[reactive(react = [...], template = \"…\")]`"
)]
pub trait Reactive: Component + HashState + crate::security::auth::Guarded + Sized {
    /// The `#[pjx_key]` field's type, or [`NoKey`](crate::NoKey) for singletons.
    type Key: LoadKey;

    /// Whether instances are told apart by a `#[pjx_key]` field.
    const KEYED: bool;

    /// Whether updates morph the region in place (keeping focus, caret, scroll and what is
    /// typed) rather than replace it; `#[reactive(morph = false)]` turns it off.
    const MORPH: bool = true;

    /// The static set of keys this component reacts to.
    fn react() -> &'static ReactSet;

    /// The load key of this instance (`None` for singletons).
    fn load_key(&self) -> Option<&Self::Key>;
}

/// How a reactive component is rebuilt from the current state. Implemented by
/// `#[reactive] impl T { async fn load(…) }`, which adapts the user's `load`.
#[diagnostic::on_unimplemented(
    message = "reactive component `{Self}` has no `load`",
    label = "`{Self}` needs a `load` function",
    note = "add `#[reactive] impl {Self} {{ async fn load(cx: &LoadCx) -> Result<Self, LoadError> {{ … }} }}` (a keyed component's `load` takes its `#[pjx_key]` first)"
)]
pub trait Load: Reactive {
    /// Loads the instance with `key` (ignored by singletons).
    fn load(key: Self::Key, cx: &LoadCx) -> impl Future<Output = Result<Self, LoadError>>;

    /// The keys this loaded value really depends on, when narrower than the static `react`
    /// set (a `depends_on` method in the `#[reactive] impl`). The process-wide load cache
    /// indexes the entry under these keys only; the walk always uses the static set.
    fn depends_on(&self) -> Option<Vec<Key>> {
        None
    }
}

/// A CSS or JS file a component needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Asset {
    /// A stylesheet, embedded in the binary.
    Css {
        /// The file name, relative to the crate's `templates/` directory.
        path: &'static str,
        /// The file's content.
        content: &'static str,
    },
    /// A script, embedded in the binary.
    Js {
        /// The file name, relative to the crate's `templates/` directory.
        path: &'static str,
        /// The file's content.
        content: &'static str,
    },
    /// A stylesheet at an external or absolute URL.
    CssUrl(&'static str),
    /// A script at an external or absolute URL.
    JsUrl(&'static str),
}

/// Where embedded assets are served: `<prefix><content hash>/<path>`.
pub const ASSET_PREFIX: &str = "/_pjx/assets/";

impl Asset {
    /// Whether this is a stylesheet.
    pub fn is_css(&self) -> bool {
        matches!(self, Asset::Css { .. } | Asset::CssUrl(_))
    }

    /// The URL the page loads this asset from; also its token in `X-PJX-Assets`. An embedded
    /// file's URL carries a hash of its content, so it can be cached forever.
    ///
    /// ```
    /// use pjx::Asset;
    /// assert_eq!(Asset::CssUrl("/app.css").url(), "/app.css");
    /// let url = Asset::Css { path: "badge.css", content: ".b{}" }.url();
    /// assert!(url.starts_with("/_pjx/assets/") && url.ends_with("/badge.css"));
    /// ```
    pub fn url(&self) -> String {
        match self {
            Asset::CssUrl(url) | Asset::JsUrl(url) => (*url).to_owned(),
            Asset::Css { path, content } | Asset::Js { path, content } => {
                let hash = blake3::hash(content.as_bytes()).to_hex();
                format!("{ASSET_PREFIX}{}/{path}", &hash.as_str()[..16])
            }
        }
    }
}

/// The assets of one component type: what `#[component]` and `#[reactive]` register for the
/// adapter to serve (non-generic components with assets).
#[derive(Clone, Copy)]
pub struct AssetSet {
    /// The component's `assets()`.
    pub assets: fn() -> &'static [Asset],
}

inventory::collect!(AssetSet);

/// Every asset a registered component declares (embedded files and URLs alike).
pub fn registered_assets() -> impl Iterator<Item = &'static Asset> {
    inventory::iter::<AssetSet>
        .into_iter()
        .flat_map(|set| (set.assets)().iter())
}

thread_local! {
    /// Set while an `extends` component renders its base's template: the base's own assets
    /// are not noted (the extending component's resolved assets were), so an asset it
    /// replaced is not shipped anyway. Consumed by the base's own render, so components
    /// nested in the base's template (slots) still note theirs.
    static SKIP_NEXT_NOTE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Tells the current request scope which assets a rendered component needs.
fn note_assets(assets: &[Asset]) {
    if SKIP_NEXT_NOTE.with(|skip| skip.replace(false)) {
        return;
    }
    if !assets.is_empty()
        && let Some(scope) = crate::Scope::current()
    {
        scope.note_assets(assets);
    }
}

/// A component failed to render.
#[derive(Debug)]
pub struct RenderError {
    component: &'static str,
    kind: RenderErrorKind,
}

/// What went wrong in a [`RenderError`].
#[derive(Debug)]
#[non_exhaustive]
pub enum RenderErrorKind {
    /// The template itself failed (a filter, a `?` in the template, a nested component).
    Template(askama::Error),
    /// The rendered HTML has no single root element to stamp.
    Root(RootError),
    /// The state has no canonical JSON form (e.g. a map with non-string keys).
    State(CanonicalError),
}

impl RenderError {
    /// A render error of `component`.
    pub fn new(component: &'static str, kind: RenderErrorKind) -> Self {
        RenderError { component, kind }
    }

    /// The type name of the component that failed.
    pub fn component(&self) -> &'static str {
        self.component
    }

    /// What went wrong.
    pub fn kind(&self) -> &RenderErrorKind {
        &self.kind
    }
}

impl fmt::Display for RenderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = self.component;
        match &self.kind {
            RenderErrorKind::Template(askama::Error::Custom(inner)) => {
                write!(f, "component `{c}` failed to render: {inner}")
            }
            RenderErrorKind::Template(e) => write!(f, "component `{c}` failed to render: {e}"),
            RenderErrorKind::Root(e) => write!(f, "component `{c}`: {e}"),
            RenderErrorKind::State(e) => {
                write!(f, "component `{c}`: its state cannot be hashed: {e}")
            }
        }
    }
}

impl StdError for RenderError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match &self.kind {
            RenderErrorKind::Template(e) => Some(e),
            RenderErrorKind::Root(e) => Some(e),
            RenderErrorKind::State(e) => Some(e),
        }
    }
}

/// Renders a reactive component and stamps its root. What `#[reactive]` components'
/// [`Component::render_into`] calls.
pub fn render_reactive<T: Reactive>(component: &T, out: &mut String) -> Result<(), RenderError> {
    let hash = component
        .state_hash()
        .map_err(|e| RenderError::new(T::TYPE_NAME, RenderErrorKind::State(e)))?;
    render_region(component, &hash, None, out)
}

/// Renders a reactive component whose state hash is already known, stamping its root with
/// its own id; with `oob`, the root also carries `hx-swap-oob="<oob>"`. On error nothing is
/// appended.
///
/// A component whose own id cannot be a region id (see [`region_id::check`]) renders without
/// its stamps — shown, but never updated — and the refusal is logged: one region's data never
/// fails the page around it.
pub fn render_region<T: Reactive>(
    component: &T,
    hash: &StateHash,
    oob: Option<&str>,
    out: &mut String,
) -> Result<(), RenderError> {
    let start = out.len();
    let result = component.render_template(out).and_then(|()| {
        let id = component.region_id();
        if let Err(e) = region_id::check(&id) {
            tracing::error!(
                target: "pjx::render",
                "component `{}` rendered without its pjx stamps, so it will not update: {e}",
                T::TYPE_NAME
            );
            return Ok(());
        }
        let load = component.load_key().map(LoadKey::to_wire);
        let stamp = Stamp {
            id: &id,
            type_name: T::TYPE_NAME,
            hash: hash.as_str(),
            reacts: T::react().attr(),
            load: load.as_deref(),
            oob,
            morph: T::MORPH,
        };
        stamp_region(T::TYPE_NAME, out, start, &stamp)
    });
    if result.is_err() {
        out.truncate(start);
    }
    result
}

/// Stamps the root of the region rendered in `html[start..]`; the id must be a valid region
/// id (the caller checked it).
pub(crate) fn stamp_region(
    type_name: &'static str,
    html: &mut String,
    start: usize,
    stamp: &Stamp<'_>,
) -> Result<(), RenderError> {
    debug_assert!(region_id::check(stamp.id).is_ok(), "{}", stamp.id);
    stamp_root(html, start, stamp)
        .map_err(|e| RenderError::new(type_name, RenderErrorKind::Root(e)))
}

/// Renders any component's template through askama. What generated
/// [`Component::render_template`] impls call.
pub fn render_askama<T: askama::Template + ?Sized>(
    component: &'static str,
    assets: &'static [Asset],
    template: &T,
    out: &mut String,
) -> Result<(), RenderError> {
    note_assets(assets);
    let start = out.len();
    out.reserve(T::SIZE_HINT);
    template.render_into(out).map_err(|e| {
        out.truncate(start);
        RenderError::new(component, RenderErrorKind::Template(e))
    })
}

/// Writes a component nested in a template (`{{ child }}`): rendered and stamped in a
/// scratch buffer, then written; a failure surfaces in the parent's render error.
pub fn write_nested<T: Component + ?Sized>(
    component: &T,
    dest: &mut dyn fmt::Write,
) -> askama::Result<()> {
    let mut buf = String::new();
    component
        .render_into(&mut buf)
        .map_err(askama::Error::custom)?;
    dest.write_str(&buf).map_err(|_| askama::Error::Fmt)
}

/// Renders the template of `base` (the base of an `extends` component) without noting the
/// base's own assets: the extending component noted its resolved assets already.
pub fn render_base_template<B: Component + ?Sized>(
    base: &B,
    out: &mut String,
) -> Result<(), RenderError> {
    SKIP_NEXT_NOTE.with(|skip| skip.set(true));
    let result = base.render_template(out);
    SKIP_NEXT_NOTE.with(|skip| skip.set(false));
    result
}
