//! The declaration rules only the type checker can enforce, as the code `#[reactive]`,
//! `#[component]` and `#[mutates]` generate uses them: each is a trait with a message in pjx's
//! own words (or a function bounded by one), used once per check, so a mistake gives one error
//! at your tokens. You never name these yourself; they are public so that compiler messages
//! name them plainly (`HasEvents`, `KeyedBy`) rather than by a hidden path.

use core::marker::PhantomData;

use crate::component::{Asset, Component, Load, Reactive, RenderError};
use crate::key::{IntoKey, Key, MutationKey};
use crate::load::{LoadCx, LoadError, LoadKey};
use crate::patch::Patch;
use crate::security::auth::Permission;
use crate::stateful::{EventError, Payload, Stateful, argument, parameters};
use serde_json::Value as JsonValue;

/// The default id of a keyed region: `<prefix><wire key>`. Generic, so a key type that is not
/// a `LoadKey` is reported once, where the component names its key type.
pub fn keyed_region_id<T: Reactive>(component: &T, prefix: &str) -> String {
    let mut id = String::from(prefix);
    if let Some(key) = component.load_key() {
        id.push_str(&key.to_wire());
    }
    id
}

/// A field named `id` (other than the load key) is the region id, so it is text.
#[diagnostic::on_unimplemented(
    message = "a field named `id` is the region id, so it must be text, not `{Self}`",
    label = "the region id (`data-pjx-id`) is read from this field",
    note = "use a `String` (or `&'static str`, `Box<str>`, `Arc<str>`), rename the field, or mark it `#[pjx_key]` if it is the load key"
)]
pub trait RegionIdField {
    /// The id.
    fn region_id(&self) -> &str;
}

impl<T: AsRef<str> + ?Sized> RegionIdField for T {
    fn region_id(&self) -> &str {
        self.as_ref()
    }
}

/// The wire name of one element of `react = [...]`, at compile time: `discriminant` is the
/// element `as isize`, looked up in the names the derive recorded. Fails (with
/// `MutationKey`'s message) when the element is not a `MutationKey` variant.
pub const fn react_key_name<K: MutationKey>(_: &K, discriminant: isize) -> &'static str {
    let names = K::WIRE_NAMES;
    let mut i = 0;
    while i < names.len() {
        if names[i].0 == discriminant {
            return names[i].1;
        }
        i += 1;
    }
    panic!("a `react` key that `#[derive(MutationKey)]` did not name")
}

/// Whether two wire names are the same, at compile time (two `react` elements that are one
/// key under different spellings, or one key of two enums).
pub const fn same_key(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Erases one key of `#[mutates(...)]`; fails (with `IntoKey`'s message) when it is not a key.
pub fn mutation_key<K: IntoKey>(key: K) -> Key {
    key.into_key()
}

/// The check that a reactive struct has a `#[reactive] impl` with `load`.
pub fn assert_load<T: Load>() {}

/// A parameter of a function the macros adapt (`load`, `mount`, an event handler), told apart
/// by its type rather than its spelling, so `LoadCx` imported under another name or behind an
/// alias is still the context. Autoref picks: `(&&Param::<T>::NEW).load_arg(…)` resolves to
/// [`ContextParam`] when `T` is `&LoadCx`, to [`ValueParam`] otherwise.
pub struct Param<T>(PhantomData<T>);

impl<T> Param<T> {
    /// The probe.
    pub const NEW: Self = Param(PhantomData);
}

/// A parameter of type `&LoadCx`: it receives the request context.
pub trait ContextParam {
    /// `load`'s context; a load that takes only the context belongs to a singleton.
    fn load_arg<'c, C: Singleton<<C as Reactive>::Key>>(
        &self,
        component: PhantomData<C>,
        key: <C as Reactive>::Key,
        cx: &'c LoadCx,
    ) -> &'c LoadCx;
    /// `mount`'s context.
    fn mount_arg<'c>(&self, params: JsonValue, cx: &'c LoadCx) -> Result<&'c LoadCx, EventError>;
    /// An event handler's context.
    fn event_arg<'c>(
        &self,
        payload: &mut Payload,
        name: &str,
        cx: &'c LoadCx,
    ) -> Result<&'c LoadCx, EventError>;
}

impl ContextParam for &Param<&LoadCx> {
    fn load_arg<'c, C: Singleton<<C as Reactive>::Key>>(
        &self,
        _: PhantomData<C>,
        _: <C as Reactive>::Key,
        cx: &'c LoadCx,
    ) -> &'c LoadCx {
        cx
    }
    fn mount_arg<'c>(&self, _: JsonValue, cx: &'c LoadCx) -> Result<&'c LoadCx, EventError> {
        Ok(cx)
    }
    fn event_arg<'c>(
        &self,
        _: &mut Payload,
        _: &str,
        cx: &'c LoadCx,
    ) -> Result<&'c LoadCx, EventError> {
        Ok(cx)
    }
}

/// Any other parameter: `load`'s key, `mount`'s parameters, an event argument.
pub trait ValueParam<T> {
    /// `load`'s key, of the `#[pjx_key]` field's type.
    fn load_arg<C: KeyedBy<T>>(
        &self,
        component: PhantomData<C>,
        key: <C as Reactive>::Key,
        cx: &LoadCx,
    ) -> T;
    /// `mount`'s parameters, read from JSON.
    fn mount_arg(&self, params: JsonValue, cx: &LoadCx) -> Result<T, EventError>
    where
        T: MountParams;
    /// An event argument, read from the payload by name.
    fn event_arg(&self, payload: &mut Payload, name: &str, cx: &LoadCx) -> Result<T, EventError>
    where
        T: EventArgument;
}

impl<T> ValueParam<T> for Param<T> {
    fn load_arg<C: KeyedBy<T>>(
        &self,
        _: PhantomData<C>,
        key: <C as Reactive>::Key,
        _: &LoadCx,
    ) -> T {
        <C as KeyedBy<T>>::load_key(key)
    }
    fn mount_arg(&self, params: JsonValue, _: &LoadCx) -> Result<T, EventError>
    where
        T: MountParams,
    {
        parameters(params)
    }
    fn event_arg(&self, payload: &mut Payload, name: &str, _: &LoadCx) -> Result<T, EventError>
    where
        T: EventArgument,
    {
        argument(payload, name)
    }
}

/// The last of two parameters of `load` or `mount` is the request context.
#[diagnostic::on_unimplemented(
    message = "the last parameter here is the request context, so it is `&LoadCx`, not `{Self}`",
    label = "expected `&LoadCx`",
    note = "`load` takes its key, then `cx: &LoadCx`; `mount` takes its parameters (one `Deserialize` struct), then `cx: &LoadCx`"
)]
pub trait LastParamIsContext<'c> {
    /// The context.
    fn context(cx: &'c LoadCx) -> Self;
}

// Not suggested in errors: the message already says what to write.
#[diagnostic::do_not_recommend]
impl<'c> LastParamIsContext<'c> for &'c LoadCx {
    fn context(cx: &'c LoadCx) -> Self {
        cx
    }
}

/// `restore` takes nothing but the request context.
#[diagnostic::on_unimplemented(
    message = "`restore` takes only the request context, never values from the client, so its parameter is `&LoadCx`, not `{Self}`",
    label = "expected `cx: &LoadCx`",
    note = "write `fn restore(&mut self, cx: &LoadCx)` and read what it needs through `cx`"
)]
pub trait RestoreParamIsContext<'c> {
    /// The context.
    fn context(cx: &'c LoadCx) -> Self;
}

// Not suggested in errors: the message already says what to write.
#[diagnostic::do_not_recommend]
impl<'c> RestoreParamIsContext<'c> for &'c LoadCx {
    fn context(cx: &'c LoadCx) -> Self {
        cx
    }
}

/// An event argument without a name (a pattern) can only be the request context: the others
/// are read from the payload by name.
#[diagnostic::on_unimplemented(
    message = "event arguments are read from the payload by name, so this `{Self}` needs one",
    label = "write `name: Type`",
    note = "only the request context (`&LoadCx`) may be taken without a name, e.g. `_: &LoadCx`"
)]
pub trait UnnamedParamIsContext<'c> {
    /// The context.
    fn context(cx: &'c LoadCx) -> Self;
}

// Not suggested in errors: the message already says what to write.
#[diagnostic::do_not_recommend]
impl<'c> UnnamedParamIsContext<'c> for &'c LoadCx {
    fn context(cx: &'c LoadCx) -> Self {
        cx
    }
}

/// Implemented by singleton reactive components (no `#[pjx_key]` field), for [`NoKey`](crate::NoKey); checked
/// with the component's key type, which a keyed component's message then names.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is a keyed reactive component, so its `load` must take the key",
    label = "`load` takes no key here",
    note = "`{Self}` has a `#[pjx_key]` field of type `{K}`; write `async fn load(key: {K}, cx: &LoadCx) -> Result<Self, LoadError>`"
)]
pub trait Singleton<K>: Reactive {}

/// The check that a singleton's `load` takes no key.
pub fn assert_singleton<T: Singleton<<T as Reactive>::Key>>() {}

/// Implemented by keyed components for their `#[pjx_key]` field's type, and by singletons for
/// no type at all (through [`NoKeyFor`], whose message then explains).
#[diagnostic::on_unimplemented(
    message = "`load` of `{Self}` takes a key of type `{K}`, which is not the type of its `#[pjx_key]` field",
    label = "this must be the `#[pjx_key]` field's type",
    note = "a keyed component's `load` takes exactly one key, of the same type as its `#[pjx_key]` field"
)]
pub trait KeyedBy<K>: Reactive {
    /// Converts the component's key into `load`'s key (they are the same type).
    fn load_key(key: <Self as Reactive>::Key) -> K;
}

/// Never implemented: how a singleton says its `load` must not take a key.
#[diagnostic::on_unimplemented(
    message = "`{T}` is a singleton reactive component, so its `load` takes no key",
    label = "remove this key parameter",
    note = "`{T}` has no `#[pjx_key]` field, so there is one `{T}` per page: write `async fn load(cx: &LoadCx) -> Result<Self, LoadError>`, or mark the field that tells instances apart with `#[pjx_key]`"
)]
pub trait NoKeyFor<T> {
    /// Unreachable: no type implements this trait.
    fn unreachable() -> Self;
}

/// What `load` must return.
#[diagnostic::on_unimplemented(
    message = "`load` must return `Result<{T}, LoadError>`, not `{Self}`",
    label = "expected `Result<{T}, LoadError>`",
    note = "use `?` to convert other errors into `LoadError`, and `Err(LoadError::NotFound)` when the instance does not exist"
)]
pub trait LoadResult<T> {
    /// The result, as the walk consumes it.
    fn into_load_result(self) -> Result<T, LoadError>;
}

impl<T> LoadResult<T> for Result<T, LoadError> {
    fn into_load_result(self) -> Result<T, LoadError> {
        self
    }
}

/// The base of an `extends = Base` component: the field holding `Base`'s data.
pub trait Extends {
    /// The component whose template and assets are reused.
    type Base: Component;
    /// The field holding the base's data.
    fn base(&self) -> &Self::Base;
}

/// Renders an `extends` component's template: the base's, with the base's data.
pub fn render_base<T: Extends + Component>(
    component: &T,
    out: &mut String,
) -> Result<(), RenderError> {
    if let Some(scope) = crate::Scope::current() {
        scope.note_assets(T::assets());
    }
    crate::component::render_base_template(component.base(), out)
}

/// The base's assets of an `extends` component.
pub fn base_assets<T: Extends>() -> &'static [Asset] {
    <T::Base as Component>::assets()
}

/// The assets of an `extends` component, resolved per kind: its own, then the base's of each
/// kind (stylesheets, scripts) it ships none of. An asset it ships replaces the base's of
/// that kind; the base's of the other kind still apply.
pub fn resolve_assets<T: Extends>(own: &[Asset]) -> Vec<Asset> {
    let mut assets = own.to_vec();
    let own_css = own.iter().any(Asset::is_css);
    let own_js = own.iter().any(|a| !a.is_css());
    for asset in base_assets::<T>() {
        let replaced = if asset.is_css() { own_css } else { own_js };
        if !replaced && !assets.contains(asset) {
            assets.push(*asset);
        }
    }
    assets
}

/// Runs one class-level permission of a `permissions = [...]` list. A type that is not a
/// permission fails here, once, with `Permission`'s message.
pub fn permission_allows<P: Permission<C>, C: ?Sized>(cx: &crate::LoadCx) -> bool {
    P::has_permission(cx)
}

/// Runs one object-level permission of a `permissions = [...]` list.
pub fn object_permission_allows<P: Permission<C>, C: ?Sized>(
    cx: &crate::LoadCx,
    component: &C,
) -> bool {
    P::has_object_permission(cx, component)
}

pub use crate::stateful::SerializableState;

/// The check that a component with events has serializable state, named in a field type so it
/// is made when items are checked (before bodies): it is then reported first, in pjx's words,
/// before rustc's own errors for `Stateful`'s supertrait (which no longer name serde's
/// internals).
pub struct StateCheck<T: SerializableState>(core::marker::PhantomData<T>);

/// The type of an event argument: read from the JSON payload.
#[diagnostic::on_unimplemented(
    message = "event arguments are read from the JSON payload, so `{Self}` must implement `Deserialize`",
    label = "read from the payload",
    note = "derive `serde::Deserialize` on `{Self}`, or take a type that implements it (numbers, `String`, `bool`, `Option<T>`, `Vec<T>`, ...)"
)]
pub trait EventArgument: serde::de::DeserializeOwned {}

#[diagnostic::do_not_recommend]
impl<T: serde::de::DeserializeOwned> EventArgument for T {}

/// Reads one event argument (see [`argument`]); a type that cannot be read fails here, once,
/// with `EventArgument`'s message.
pub fn event_argument<T: EventArgument>(
    payload: &mut Payload,
    name: &str,
) -> Result<T, EventError> {
    argument(payload, name)
}

/// The type of `mount`'s parameters: read from the JSON mount parameters.
#[diagnostic::on_unimplemented(
    message = "`mount` parameters are read from JSON, so `{Self}` must implement `Deserialize`",
    label = "read from the mount parameters",
    note = "derive `serde::Deserialize` on `{Self}` (a struct with one field per parameter), or take a type that implements it"
)]
pub trait MountParams: serde::de::DeserializeOwned {}

#[diagnostic::do_not_recommend]
impl<T: serde::de::DeserializeOwned> MountParams for T {}

/// Reads `mount`'s parameters (see [`parameters`]); a type that cannot be read fails here,
/// once, with `MountParams`'s message.
pub fn mount_parameters<T: MountParams>(params: JsonValue) -> Result<T, EventError> {
    parameters(params)
}

/// Autoref specialization for `#[mutates]`: `Result` succeeds when `Ok`, anything else when
/// the function returns.
pub struct Outcome<'a, T>(pub &'a T);

/// The `Result` case of [`Outcome`].
pub trait ResultOutcome {
    /// Whether the function succeeded.
    fn pjx_succeeded(&self) -> bool;
}

impl<T, E> ResultOutcome for Outcome<'_, Result<T, E>> {
    fn pjx_succeeded(&self) -> bool {
        self.0.is_ok()
    }
}

/// The fallback case of [`Outcome`]: returning is success.
pub trait AnyOutcome {
    /// Whether the function succeeded.
    fn pjx_succeeded(&self) -> bool;
}

impl<T> AnyOutcome for &Outcome<'_, T> {
    fn pjx_succeeded(&self) -> bool {
        true
    }
}

/// A component whose `rate_limit` or `cache` can apply.
#[diagnostic::on_unimplemented(
    message = "`rate_limit` and `cache` apply to components with events, and `{Self}` has none",
    label = "needs a `#[component] impl` block",
    note = "add `#[component] impl {Self} {{ fn mount(…) -> {Self} {{ … }} }}` (and its `on_<event>` handlers), or remove the option"
)]
pub trait HasEvents: Stateful {}

#[diagnostic::do_not_recommend]
impl<T: Stateful> HasEvents for T {}

/// The check behind [`HasEvents`].
pub fn assert_has_events<T: HasEvents>() {}

/// A render-time argument of a typed trigger builder (`self.add_item_event(p.id)`): a value of
/// the handler's argument type `T`, or a reference to one (up to three deep),
/// sent in the trigger's payload, so `T` is `Serialize`.
#[diagnostic::on_unimplemented(
    message = "this event argument is a `{T}`, so pass a `{T}` or a `&{T}`, not a `{Self}`",
    label = "expected `{T}` or `&{T}`",
    note = "a typed trigger sends its arguments in the payload, so `{T}` must also implement `Serialize`; an argument the browser sends (a form input) is marked `#[form]` on the handler and is not passed here"
)]
pub trait RenderArg<T: ?Sized> {
    /// The argument, as the handler's type.
    fn arg(&self) -> &T;
    /// The argument as JSON (`None` when it cannot be serialized: left out of the payload).
    fn to_json(&self) -> Option<JsonValue>;
}

// The value, or a reference to it up to three deep: askama borrows arguments that are not
// `Copy` (`line.size` arrives as `&String`, `&line.size` as `&&String`).
macro_rules! render_arg {
    ($($ty:ty),*) => {$(
        #[diagnostic::do_not_recommend]
        impl<T: serde::Serialize + ?Sized> RenderArg<T> for $ty {
            fn arg(&self) -> &T {
                self
            }
            fn to_json(&self) -> Option<JsonValue> {
                serde_json::to_value(RenderArg::<T>::arg(self)).ok()
            }
        }
    )*};
}

render_arg!(&T, &&T, &&&T);

#[diagnostic::do_not_recommend]
impl<T: serde::Serialize> RenderArg<T> for T {
    fn arg(&self) -> &T {
        self
    }
    fn to_json(&self) -> Option<JsonValue> {
        serde_json::to_value(self).ok()
    }
}

// A `String` argument is seen as `str`: a literal, a `String` or a `&String` all do.
macro_rules! render_str {
    ($($ty:ty),*) => {$(
        #[diagnostic::do_not_recommend]
        impl RenderArg<str> for $ty {
            fn arg(&self) -> &str {
                self
            }
            fn to_json(&self) -> Option<JsonValue> {
                Some(JsonValue::String(String::from(RenderArg::<str>::arg(self))))
            }
        }
    )*};
}

render_str!(String, &String, &&String, &&&String);

/// What `optimistic` may return: `Option<Patch>`, or `Option` of the component's typed patch
/// builder (`CartPatch`, from `binds = [...]`).
#[diagnostic::on_unimplemented(
    message = "`optimistic` returns `Option<Patch>` (or `Option` of the component's typed patch, e.g. `self.patch().count(1)`), not `{Self}`",
    label = "change the return type",
    note = "return `None` when the effect cannot be predicted"
)]
pub trait OptimisticOutcome {
    /// The patch, if any.
    fn into_patch(self) -> Option<Patch>;
}

#[diagnostic::do_not_recommend]
impl<P: IntoPatch> OptimisticOutcome for Option<P> {
    fn into_patch(self) -> Option<Patch> {
        self.map(IntoPatch::into_patch)
    }
}

/// A patch `optimistic` may return: [`Patch`], or a component's typed patch (`CartPatch`,
/// generated from `binds = [...]`).
#[diagnostic::on_unimplemented(
    message = "`optimistic` returns `Option<Patch>` (or `Option` of the component's typed patch, e.g. `self.patch().count(1)`), not `Option<{Self}>`",
    label = "change the return type",
    note = "declare the targets with `#[component(binds = [count, …])]` and build the patch with `self.patch().count(…)`"
)]
pub trait IntoPatch {
    /// The patch.
    fn into_patch(self) -> Patch;
}

impl IntoPatch for Patch {
    fn into_patch(self) -> Patch {
        self
    }
}

/// Reads a render-time argument back from a payload for a typed `optimistic` when a trigger
/// was written by name (`self.on("add_item").with(…)`). Autoref picks: `(&&Decode::<T>::NEW)
/// .optimistic_arg(…)` reads `T` when it is `Deserialize` ([`DecodeArg`]), and gives up
/// otherwise ([`SkipArg`]; the handler reports the type already).
pub struct Decode<T>(PhantomData<T>);

impl<T> Decode<T> {
    /// The probe.
    pub const NEW: Self = Decode(PhantomData);
}

/// [`Decode`] for a `Deserialize` argument.
pub trait DecodeArg<T> {
    /// The argument, if the payload has one that fits.
    fn optimistic_arg(&self, payload: &mut Payload, name: &str) -> Option<T>;
}

impl<T: serde::de::DeserializeOwned> DecodeArg<T> for &Decode<T> {
    fn optimistic_arg(&self, payload: &mut Payload, name: &str) -> Option<T> {
        argument(payload, name).ok()
    }
}

/// [`Decode`] for any other argument: no prediction.
pub trait SkipArg<T> {
    /// Always `None`.
    fn optimistic_arg(&self, payload: &mut Payload, name: &str) -> Option<T>;
}

impl<T> SkipArg<T> for Decode<T> {
    fn optimistic_arg(&self, _: &mut Payload, _: &str) -> Option<T> {
        None
    }
}
