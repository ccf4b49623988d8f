//! Components with events: state that round-trips through the client as a signed token,
//! `mount` and `on_<event>` handlers, and the dispatch every framework adapter calls.
//!
//! ```
//! use pjx::prelude::*;
//! use serde::{Deserialize, Serialize};
//!
//! #[component(name = "counter", binds = [count], source = "<div><b {{ self.bind_count() }}>{{ count }}</b><button {{ self.increment_event() }}>+1</button></div>")]
//! #[derive(Serialize, Deserialize)]
//! pub struct Counter { count: i64 }
//!
//! #[component]
//! impl Counter {
//!     fn mount() -> Counter { Counter { count: 0 } }
//!     fn on_increment(&mut self) { self.count += 1; }
//!     fn optimistic(&self, event: CounterEvent<'_>) -> Option<CounterPatch> {
//!         match event {
//!             CounterEvent::Increment => Some(self.patch().count(self.count + 1)),
//!         }
//!     }
//! }
//! ```

mod args;
mod dispatch;
mod error;
mod render;
mod request;
mod stream;
mod trigger;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde::Serialize;
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor,
};
use serde_json::{Map, Value};

use crate::cache::{CachedRender, RenderCache};
use crate::component::registry::EventsType;
use crate::component::{Component, RenderError, RenderErrorKind};
use crate::html::stamp;
use crate::load::{LoadCx, LoadError};
use crate::scope::Scope;
use crate::security::auth::{Access, Guarded};
use crate::security::ratelimit::RateLimit;
use crate::security::state::{Holder, StateError, StateKeys};

pub use args::*;
pub use dispatch::*;
pub use error::*;
pub use render::*;
pub use request::*;
pub use stream::*;
pub use trigger::*;

/// The path prefix of the dispatch route: `POST /components/{name}`.
pub const ROUTE_PREFIX: &str = "/components/";

pub use crate::patch::{OptimisticTrigger, Patch};

/// An event's payload: a JSON object of named arguments.
pub type Payload = Map<String, Value>;

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

/// The state of a component with events: it travels in a signed token, so it is serde.
/// A supertrait of [`Stateful`], so state that is not serde is reported once, in these words,
/// rather than once per serde trait.
#[diagnostic::on_unimplemented(
    message = "a component with events keeps its state in a signed token, so `{Self}` must implement `Serialize` and `Deserialize`",
    label = "its state",
    note = "add `#[derive(serde::Serialize, serde::Deserialize)]` after `#[component(...)]`; mark fields that must never leave the server `#[pjx(locked)]`"
)]
pub trait SerializableState: Serialize + DeserializeOwned {}

// Not recommended, so a failure is reported as this trait rather than as serde's.
#[diagnostic::do_not_recommend]
impl<T: Serialize + DeserializeOwned> SerializableState for T {}

/// A component with events. Implemented by `#[component] impl T { … }`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no events",
    label = "expected a component with a `#[component] impl` block",
    note = "a component with events declares them in `#[component] impl {Self} {{ fn on_<event>(&mut self, …) }}`"
)]
pub trait Stateful: Component + Guarded + Policy + SerializableState + Sized + 'static {
    /// The event names (`on_add_item` → `add_item`).
    const EVENTS: &'static [&'static str];
    /// Whether it has a `mount`.
    const CAN_MOUNT: bool;
    /// The events whose handlers take `frames: &Frames`: they answer with a stream of frames
    /// when the client asks for one.
    const STREAMS: &'static [&'static str];

    /// Builds the initial state from mount parameters.
    fn mount(params: Value, cx: &LoadCx) -> impl Future<Output = Result<Self, EventError>>;

    /// Re-derives what the token does not carry (locked fields), after it is read.
    fn restore(&mut self, cx: &LoadCx) -> impl Future<Output = Result<(), EventError>>;

    /// Runs an event; a streaming handler sends its frames through `frames`.
    fn handle<'a>(
        &'a mut self,
        event: &'a str,
        payload: Payload,
        cx: &'a LoadCx,
        frames: &'a Frames,
    ) -> impl Future<Output = Result<(), EventError>> + 'a;

    /// The instant state delta for an event, if the component predicts one.
    fn optimistic(&self, event: &str, payload: &Payload) -> Option<Patch>;
}
