//! # pjx
//!
//! Server-driven reactive web UIs for Rust: components are plain structs rendered with askama
//! templates; reactive components declare the state keys they depend on, and a request that
//! mutates state re-renders exactly the mounted regions that changed, as out-of-band htmx
//! swaps.
//!
//! ```
//! use pjx::prelude::*;
//!
//! #[derive(MutationKey)]
//! pub enum Keys { Todos }
//!
//! #[reactive(react = [Keys::Todos], source = "<span>{{ remaining }} left</span>")]
//! pub struct Counter { remaining: usize }
//!
//! #[reactive]
//! impl Counter {
//!     async fn load(_cx: &LoadCx) -> Result<Self, LoadError> {
//!         Ok(Counter { remaining: 2 })
//!     }
//! }
//!
//! let html = Counter { remaining: 2 }.to_html().unwrap();
//! assert!(html.starts_with(r#"<span data-pjx-id="counter" data-pjx-type="counter""#));
//! ```
//!
//! See `docs/declaring.md` in the repository for the full guide.

extern crate self as pjx;

#[cfg(feature = "actix")]
pub mod actix;
pub mod builtins;
pub mod cache;
pub mod component;
pub mod engine;
pub mod hash;
#[doc(hidden)]
pub mod html;
pub mod key;
pub mod load;
#[doc(hidden)]
pub mod manifest;
pub mod patch;
#[doc(hidden)]
pub mod reactive;
pub mod rules;
pub mod scope;
pub mod security;
pub mod slot;
pub mod stateful;
#[cfg(feature = "testing")]
pub mod testing;

pub use component::registry::Registry;
pub use component::{Asset, Component, Load, LoadPage, Reactive, RenderError, RenderErrorKind};
pub use engine::{DevMode, Engine, Limits};
pub use hash::{HashState, StateHash};
pub use key::{Instance, IntoKey, Key, Keyed, MutationKey, ReactSet};
pub use load::{LoadCx, LoadError, LoadKey, NoKey};
pub use patch::{Bind, Patch};
pub use reactive::reply::{Reply, reply};
pub use scope::{Scope, record_mutation};
pub use security::auth::{Access, AllowAny, Identity, IsAuthenticated, IsStaff, Permission};
pub use security::state::{StateKey, StateKeys};
pub use slot::{Markup, Slot};
pub use stateful::{EventError, Payload};

/// Derives [`MutationKey`](trait@MutationKey) for a fieldless enum; see the trait for details.
///
/// Variants get kebab-case wire names; `#[pjx(rename = "…")]` on a variant sets one. The
/// derive also implements `Clone`, `Copy`, `PartialEq`, `Eq`, `Hash`, `Debug` and `Display`.
pub use pjx_macros::MutationKey;

/// Derives [`LoadPage`](trait@LoadPage): a page whose fields are all reactive regions without a
/// key, loaded in one call (`Page::load_page(cx)`, or the actix adapter's `Loaded<Page>`
/// extractor). Each field must be such a region: anything else is a compile error at the
/// field's type.
pub use pjx_macros::LoadPage;

/// Declares a reactive component (on a struct) or its `load` (on the struct's `impl` block).
///
/// ```
/// use pjx::prelude::*;
///
/// #[derive(MutationKey)]
/// pub enum Keys { Todos }
///
/// #[reactive(react = [Keys::Todos], source = "<li>{{ title }}</li>")]
/// pub struct ItemRow {
///     #[pjx_key]
///     todo_id: i64,
///     title: String,
/// }
///
/// #[reactive]
/// impl ItemRow {
///     async fn load(todo_id: i64, _cx: &LoadCx) -> Result<Self, LoadError> {
///         if todo_id == 1 { Ok(ItemRow { todo_id, title: "Ship".into() }) }
///         else { Err(LoadError::NotFound) }
///     }
/// }
///
/// let row = ItemRow { todo_id: 1, title: "Ship".into() };
/// assert_eq!(row.region_id(), "item-row-1");
/// assert!(row.to_html().unwrap().contains(r#"data-pjx-load="1""#));
/// ```
///
/// Options: `react = [Keys::A, …]` (required), exactly one of `template = "file.html"`,
/// `source = "…"` or `extends = Other`, and optionally `css = "…"`, `js = "…"`,
/// `name = "…"`. Fields: at most one `#[pjx_key]`; `#[pjx(ephemeral)]` leaves a field out of
/// the state hash, as is a field named `id` (which, when present, is the region id).
pub use pjx_macros::reactive;

/// Declares a plain (non-reactive) component: one template, an id, optional assets.
///
/// ```
/// use pjx::prelude::*;
///
/// #[component(source = "<footer>{{ text }}</footer>")]
/// pub struct Footer { text: &'static str }
///
/// assert_eq!(Footer { text: "hi" }.to_html().unwrap(), "<footer>hi</footer>");
/// ```
///
/// Options: exactly one of `template = "file.html"`, `source = "…"` or `extends = Other`, and
/// optionally `css = "…"`, `js = "…"` (files under the crate's `templates/`, or URLs starting
/// with `/` or `http`), `name = "…"`, and `permissions = [IsAuthenticated, …]`.
///
/// On the component's `impl` block, `#[component]` declares its events — `mount`, `restore`,
/// `on_<event>` handlers and `optimistic` — making it a component with events, whose state
/// travels through the browser as a signed token. Such a component derives serde's
/// `Serialize` and `Deserialize`, may mark fields `#[pjx(locked)]` (never sent; re-derived by
/// `restore`), and takes the options `rate_limit = "10/min"` and `cache = "60s"` (with
/// `react = [Keys::…]` to drop cached renders when those keys change):
///
/// ```
/// use pjx::prelude::*;
/// use serde::{Deserialize, Serialize};
///
/// #[component(name = "likes", rate_limit = "30/min", binds = [n], source = "<p><b {{ self.bind_n() }}>{{ n }}</b> <button {{ self.like_event() }}>♥</button></p>")]
/// #[derive(Serialize, Deserialize)]
/// pub struct Likes { n: u32 }
///
/// #[component]
/// impl Likes {
///     fn mount() -> Likes { Likes { n: 0 } }
///     fn on_like(&mut self) { self.n += 1; }
///     fn optimistic(&self, event: LikesEvent<'_>) -> Option<LikesPatch> {
///         match event {
///             LikesEvent::Like => Some(self.patch().n(self.n + 1)),
///         }
///     }
/// }
/// ```
///
/// See `docs/components.md`.
pub use pjx_macros::component;

/// Marks a function or method that changes state: when it returns normally (for a `Result`,
/// only when it returns `Ok`), the keys are recorded as dirtied in the current request scope.
///
/// ```
/// use pjx::{MutationKey, mutates};
///
/// #[derive(MutationKey)]
/// enum Keys { Todos }
///
/// struct Store;
/// impl Store {
///     #[mutates(Keys::Todos, Keys::Todos.at(id))]
///     fn toggle(&self, id: i64) -> Result<bool, String> { Ok(id > 0) }
/// }
/// ```
pub use pjx_macros::mutates;

/// The names most users need: `use pjx::prelude::*;`.
pub mod prelude {
    pub use crate::stateful::Frames;
    pub use crate::{
        AllowAny, Component, EventError, HashState, Identity, IsAuthenticated, IsStaff, LoadCx,
        LoadError, LoadPage, Markup, MutationKey, Patch, Payload, Permission, Reactive, Slot,
        component, mutates, reactive,
    };
}

/// Support for generated code. Not public API: anything here may change in any release.
#[doc(hidden)]
pub mod __private;
