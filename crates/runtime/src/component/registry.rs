//! The registry of components — reactive ones and ones with events, in one namespace — and
//! the dependency graph it describes.
//!
//! Every `#[reactive] impl` and every `#[component] impl` registers its component at compile
//! time (through `inventory`), and every `#[derive(MutationKey)]` its keys; [`Registry::global`]
//! collects them the first time it is used, failing fast, naming both definitions, when two
//! components share a name. The walk looks manifest entries up here by their `type`; the
//! dispatch route looks components with events up by the name in its path.

use std::any::Any;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};

use crate::component::{Load, RenderError, stamp_region};
use crate::hash::{CanonicalError, StateHash};
use crate::html::stamp::Stamp;
use crate::key::{Key, ReactSet};
use crate::load::{LoadCx, LoadError, LoadKey};
use crate::security::auth::{Access, Guarded};

/// A loaded component of some registered type.
pub type AnyComponent = dyn Any + Send + Sync;

/// What an erased `load` returns.
pub type LoadFuture<'a> = Pin<Box<dyn Future<Output = Result<Arc<AnyComponent>, LoadError>> + 'a>>;

/// A reactive component type with its operations erased, so the walk can load, hash and render
/// a region from nothing but its manifest entry.
#[derive(Clone, Copy)]
pub struct ReactiveType {
    name: &'static str,
    rust_name: fn() -> &'static str,
    keyed: bool,
    morph: bool,
    guarded: bool,
    react: fn() -> &'static ReactSet,
    canonical_key: fn(&str) -> Option<String>,
    load: for<'a> fn(&'a str, &'a LoadCx) -> LoadFuture<'a>,
    state_hash: fn(&AnyComponent) -> Result<StateHash, CanonicalError>,
    render_template: fn(&AnyComponent, &mut String) -> Result<(), RenderError>,
    load_wire: fn(&AnyComponent) -> Option<String>,
    depends_on: fn(&AnyComponent) -> Option<Vec<Key>>,
    access: fn(&LoadCx) -> Access,
    object_access: fn(&AnyComponent, &LoadCx) -> Access,
}

impl ReactiveType {
    /// The erased operations of `T`. What `#[reactive] impl` registers.
    pub const fn of<T: Load + Send + Sync + 'static>() -> Self {
        ReactiveType {
            name: <T as crate::Component>::TYPE_NAME,
            rust_name: std::any::type_name::<T>,
            keyed: T::KEYED,
            morph: T::MORPH,
            guarded: <T as Guarded>::GUARDED,
            react: T::react,
            canonical_key: canonical_key::<T>,
            load: load_erased::<T>,
            state_hash: state_hash_erased::<T>,
            render_template: render_template_erased::<T>,
            load_wire: load_wire_erased::<T>,
            depends_on: depends_on_erased::<T>,
            access: T::check_access,
            object_access: object_access_erased::<T>,
        }
    }

    /// The type's class-level permissions for this requester.
    pub fn access(&self, cx: &LoadCx) -> Access {
        (self.access)(cx)
    }

    /// The type's object-level permissions for this requester and loaded value.
    pub fn object_access(&self, value: &AnyComponent, cx: &LoadCx) -> Access {
        (self.object_access)(value, cx)
    }

    /// The registered name (`data-pjx-type`).
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The Rust type's path, for messages.
    pub fn rust_name(&self) -> &'static str {
        (self.rust_name)()
    }

    /// Whether instances are told apart by a load key.
    pub fn is_keyed(&self) -> bool {
        self.keyed
    }

    /// Whether the type declares permissions: its loads may depend on who asks, so the
    /// shared cache keeps them per requester.
    pub fn is_guarded(&self) -> bool {
        self.guarded
    }

    /// The static react set.
    pub fn react(&self) -> &'static ReactSet {
        (self.react)()
    }

    /// The canonical text of a reported load key, or `None` when it is not a valid key.
    /// Singletons accept anything (they have no key).
    pub fn canonical_key(&self, wire: &str) -> Option<String> {
        (self.canonical_key)(wire)
    }

    /// Loads the instance with the (canonical) key.
    pub fn load<'a>(&self, key: &'a str, cx: &'a LoadCx) -> LoadFuture<'a> {
        (self.load)(key, cx)
    }

    /// The state hash of a value of this type.
    pub fn state_hash(&self, value: &AnyComponent) -> Result<StateHash, CanonicalError> {
        (self.state_hash)(value)
    }

    /// Renders a value of this type's template, unstamped, appending to `out` (then stamp a
    /// copy per region showing it with [`stamp`](Self::stamp)).
    pub fn render_template(
        &self,
        value: &AnyComponent,
        out: &mut String,
    ) -> Result<(), RenderError> {
        (self.render_template)(value, out)
    }

    /// Stamps the root of `html`, a render of `value`, as the region mounted under `id`
    /// (a valid region id) with state `hash`; `oob` adds an `hx-swap-oob` attribute with
    /// that value.
    pub fn stamp(
        &self,
        value: &AnyComponent,
        html: &mut String,
        id: &str,
        hash: &StateHash,
        oob: Option<&str>,
    ) -> Result<(), RenderError> {
        let load = (self.load_wire)(value);
        let stamp = Stamp {
            id,
            type_name: self.name,
            hash: hash.as_str(),
            reacts: self.react().attr(),
            load: load.as_deref(),
            oob,
            morph: self.morph,
        };
        stamp_region(self.name, html, 0, &stamp)
    }

    /// The keys a loaded value narrows its dependencies to (`depends_on`), if it does.
    pub fn depends_on(&self, value: &AnyComponent) -> Option<Vec<Key>> {
        (self.depends_on)(value)
    }
}

impl fmt::Debug for ReactiveType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReactiveType")
            .field("name", &self.name)
            .field("rust_name", &self.rust_name())
            .field("keyed", &self.keyed)
            .field("react", &self.react().attr())
            .finish()
    }
}

/// Downcasts a value the registry handed out; the pairing of value and type is the
/// registry's own, so a mismatch is a bug in pjx, reported as such.
fn downcast<T: 'static>(value: &AnyComponent) -> &T {
    match value.downcast_ref::<T>() {
        Some(value) => value,
        None => panic!(
            "pjx bug: a {} was handed to the operations of another type",
            std::any::type_name::<T>()
        ),
    }
}

fn canonical_key<T: Load>(wire: &str) -> Option<String> {
    if T::KEYED {
        T::Key::from_wire(wire).map(|k| k.to_wire())
    } else {
        Some(String::new())
    }
}

fn load_erased<'a, T: Load + Send + Sync + 'static>(
    key: &'a str,
    cx: &'a LoadCx,
) -> LoadFuture<'a> {
    Box::pin(async move {
        let key = T::Key::from_wire(key)
            .ok_or_else(|| LoadError::msg(format!("`{key}` is not a valid load key")))?;
        let value = T::load(key, cx).await?;
        Ok(Arc::new(value) as Arc<AnyComponent>)
    })
}

fn state_hash_erased<T: Load + 'static>(value: &AnyComponent) -> Result<StateHash, CanonicalError> {
    downcast::<T>(value).state_hash()
}

fn render_template_erased<T: Load + 'static>(
    value: &AnyComponent,
    out: &mut String,
) -> Result<(), RenderError> {
    downcast::<T>(value).render_template(out)
}

fn load_wire_erased<T: Load + 'static>(value: &AnyComponent) -> Option<String> {
    downcast::<T>(value).load_key().map(LoadKey::to_wire)
}

fn depends_on_erased<T: Load + 'static>(value: &AnyComponent) -> Option<Vec<Key>> {
    downcast::<T>(value).depends_on()
}

fn object_access_erased<T: Guarded + 'static>(value: &AnyComponent, cx: &LoadCx) -> Access {
    downcast::<T>(value).check_object_access(cx)
}

/// The keys one `MutationKey` enum declares. What `#[derive(MutationKey)]` registers.
#[derive(Clone, Copy, Debug)]
pub struct KeySet {
    /// The enum's Rust name.
    pub enum_name: &'static str,
    /// The wire names of its variants.
    pub names: &'static [&'static str],
}

/// A component with events, as the registry holds it: its name and its dispatch operations.
///
/// The operations are opaque here because dispatching an event needs the request scope,
/// which sits above the engine that holds this registry; `stateful::dispatch` builds them
/// (`EventsType::of::<T>()`, what `#[component] impl` registers) and reads them back.
#[derive(Clone, Copy)]
pub struct EventsType {
    name: &'static str,
    rust_name: fn() -> &'static str,
    ops: &'static (dyn Any + Send + Sync),
}

impl EventsType {
    /// A component with events named `name`, whose dispatch operations are `ops`.
    pub(crate) const fn new(
        name: &'static str,
        rust_name: fn() -> &'static str,
        ops: &'static (dyn Any + Send + Sync),
    ) -> Self {
        EventsType {
            name,
            rust_name,
            ops,
        }
    }

    /// The registered name (the dispatch route's `{name}`).
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The Rust type's path, for messages.
    pub fn rust_name(&self) -> &'static str {
        (self.rust_name)()
    }

    /// The dispatch operations, as the layer that built them knows them.
    pub(crate) fn ops<O: Any>(&self) -> Option<&'static O> {
        self.ops.downcast_ref()
    }
}

impl fmt::Debug for EventsType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EventsType({} = {})", self.name, self.rust_name())
    }
}

/// A registered component of either kind: what [`Registry::new`] takes.
#[derive(Debug, Clone, Copy)]
pub enum ComponentType {
    /// `#[reactive]`: loaded from its key, re-rendered when what it reacts to changes.
    Reactive(ReactiveType),
    /// `#[component]` with `#[component] impl`: state in a signed token, `on_<event>` handlers.
    Events(EventsType),
}

impl ComponentType {
    /// The registered name.
    pub fn name(&self) -> &'static str {
        match self {
            ComponentType::Reactive(ty) => ty.name(),
            ComponentType::Events(ty) => ty.name(),
        }
    }

    /// The Rust type's path, for messages.
    pub fn rust_name(&self) -> &'static str {
        match self {
            ComponentType::Reactive(ty) => ty.rust_name(),
            ComponentType::Events(ty) => ty.rust_name(),
        }
    }

    /// The attribute that names it, for messages.
    fn attribute(&self) -> &'static str {
        match self {
            ComponentType::Reactive(_) => "#[reactive(name = \"…\", …)]",
            ComponentType::Events(_) => "#[component(name = \"…\", …)]",
        }
    }
}

impl From<ReactiveType> for ComponentType {
    fn from(ty: ReactiveType) -> Self {
        ComponentType::Reactive(ty)
    }
}

impl From<EventsType> for ComponentType {
    fn from(ty: EventsType) -> Self {
        ComponentType::Events(ty)
    }
}

inventory::collect!(ReactiveType);
inventory::collect!(EventsType);
inventory::collect!(KeySet);

/// Why a registry could not be built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryError {
    message: String,
}

impl fmt::Display for RegistryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for RegistryError {}

/// Every component the app has, both kinds in one namespace, by registered name.
///
/// ```standalone_crate
/// use pjx::prelude::*;
/// use pjx::component::registry::Registry;
///
/// #[derive(MutationKey)]
/// enum Keys { Todos }
///
/// #[reactive(react = [Keys::Todos], source = "<b>{{ n }}</b>")]
/// struct Counter { n: usize }
/// #[reactive]
/// impl Counter {
///     async fn load() -> Result<Self, LoadError> { Ok(Counter { n: 0 }) }
/// }
///
/// let registry = Registry::global();
/// assert!(registry.reactive("counter").is_some());
/// assert!(registry.events("counter").is_none());
/// assert_eq!(registry.dependency_graph().to_string(), "todos → counter\n");
/// ```
#[derive(Debug, Clone)]
pub struct Registry {
    reactive: HashMap<&'static str, ReactiveType>,
    events: HashMap<&'static str, EventsType>,
    /// Every declared key name (so keys nothing depends on show in the graph).
    key_names: BTreeSet<&'static str>,
}

impl Registry {
    /// Every component and key registered in this program. Panics, naming both types, when
    /// two components share a name: that is a startup error to fix, not to handle.
    pub fn global() -> Arc<Registry> {
        match Self::try_global() {
            Ok(registry) => registry,
            Err(e) => panic!("pjx: {e}"),
        }
    }

    /// [`global`](Self::global), reporting a name clash as an error.
    pub fn try_global() -> Result<Arc<Registry>, RegistryError> {
        static GLOBAL: OnceLock<Result<Arc<Registry>, RegistryError>> = OnceLock::new();
        GLOBAL
            .get_or_init(|| {
                let reactive = inventory::iter::<ReactiveType>.into_iter().copied();
                let events = inventory::iter::<EventsType>.into_iter().copied();
                let mut registry = Registry::new(
                    reactive
                        .map(ComponentType::from)
                        .chain(events.map(ComponentType::from)),
                )?;
                for set in inventory::iter::<KeySet> {
                    registry.key_names.extend(set.names.iter().copied());
                }
                Ok(Arc::new(registry))
            })
            .clone()
    }

    /// A registry of exactly these components (tests use this to isolate themselves). Two
    /// components of either kind under one name are refused, naming both; the same type
    /// registered twice is kept once.
    pub fn new(types: impl IntoIterator<Item = ComponentType>) -> Result<Self, RegistryError> {
        let mut seen: HashMap<&'static str, ComponentType> = HashMap::new();
        let mut registry = Registry {
            reactive: HashMap::new(),
            events: HashMap::new(),
            key_names: BTreeSet::new(),
        };
        for ty in types {
            if let Some(other) = seen.get(ty.name()) {
                if other.rust_name() == ty.rust_name() && other.attribute() == ty.attribute() {
                    continue;
                }
                return Err(RegistryError {
                    message: format!(
                        "two components are registered as `{}`: `{}` and `{}`; give one another name with `{}`",
                        ty.name(),
                        other.rust_name(),
                        ty.rust_name(),
                        ty.attribute(),
                    ),
                });
            }
            seen.insert(ty.name(), ty);
            match ty {
                ComponentType::Reactive(ty) => {
                    registry.reactive.insert(ty.name, ty);
                }
                ComponentType::Events(ty) => {
                    registry.events.insert(ty.name, ty);
                }
            }
        }
        Ok(registry)
    }

    /// The declared key name spelled `wire` (a whole key's wire form), if any: a declared
    /// key, or one a registered type reacts to.
    ///
    /// ```
    /// # use pjx::prelude::*;
    /// # use pjx::component::registry::{ReactiveType, Registry};
    /// # #[derive(MutationKey)] enum Keys { TodoList }
    /// # #[reactive(react = [Keys::TodoList], source = "<b></b>")] struct L {}
    /// # #[reactive] impl L { fn load() -> Result<Self, LoadError> { Ok(L {}) } }
    /// let registry = Registry::of(&[ReactiveType::of::<L>()]).unwrap();
    /// assert_eq!(registry.key_name("todo-list"), Some("todo-list"));
    /// assert_eq!(registry.key_name("nope"), None);
    /// ```
    pub fn key_name(&self, wire: &str) -> Option<&'static str> {
        if let Some(name) = self.key_names.get(wire) {
            return Some(name);
        }
        self.reactive
            .values()
            .flat_map(|ty| ty.react().keys())
            .map(Key::name)
            .find(|name| *name == wire)
    }

    /// Adds every key of `K` to the dependency graph (keys no component depends on included).
    pub fn with_keys<K: crate::MutationKey>(mut self) -> Self {
        self.key_names.extend(K::ALL.iter().map(|k| k.wire_name()));
        self
    }

    /// A registry of the given components of one kind, e.g.
    /// `Registry::of(&[ReactiveType::of::<Row>()])`; [`new`](Self::new) takes both kinds.
    pub fn of<T: Copy + Into<ComponentType>>(types: &[T]) -> Result<Self, RegistryError> {
        Self::new(types.iter().map(|&ty| ty.into()))
    }

    /// The reactive component registered as `name`.
    pub fn reactive(&self, name: &str) -> Option<&ReactiveType> {
        self.reactive.get(name)
    }

    /// The component with events registered as `name`.
    pub fn events(&self, name: &str) -> Option<&EventsType> {
        self.events.get(name)
    }

    /// Whether any component has events (an app without any needs no browser cookie).
    pub fn has_events(&self) -> bool {
        !self.events.is_empty()
    }

    /// Every reactive component, sorted by name.
    pub fn reactive_types(&self) -> Vec<&ReactiveType> {
        let mut types: Vec<_> = self.reactive.values().collect();
        types.sort_by_key(|t| t.name);
        types
    }

    /// Which components depend on which keys.
    pub fn dependency_graph(&self) -> DependencyGraph {
        let mut edges: BTreeMap<&'static str, BTreeSet<&'static str>> = self
            .key_names
            .iter()
            .map(|name| (*name, BTreeSet::new()))
            .collect();
        for ty in self.reactive.values() {
            for key in ty.react().keys() {
                edges.entry(key.name()).or_default().insert(ty.name);
            }
        }
        DependencyGraph { edges }
    }
}

/// Keys and the components that depend on them. `Display` gives one line a key
/// (`todos → counter, item_row`); [`mermaid`](Self::mermaid) gives a flowchart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DependencyGraph {
    edges: BTreeMap<&'static str, BTreeSet<&'static str>>,
}

impl DependencyGraph {
    /// The components depending on `key`, sorted.
    pub fn dependents(&self, key: &str) -> Vec<&'static str> {
        self.edges
            .get(key)
            .map(|c| c.iter().copied().collect())
            .unwrap_or_default()
    }

    /// A mermaid flowchart: keys on the left, components on the right.
    pub fn mermaid(&self) -> String {
        let mut out = String::from("flowchart LR\n");
        let components: BTreeSet<&str> = self.edges.values().flatten().copied().collect();
        let component_index: HashMap<&str, usize> = components
            .iter()
            .enumerate()
            .map(|(i, c)| (*c, i))
            .collect();
        for (i, key) in self.edges.keys().enumerate() {
            out.push_str(&format!("  k{i}[\"{}\"]\n", mermaid_text(key)));
        }
        for (i, component) in components.iter().enumerate() {
            out.push_str(&format!("  c{i}([\"{}\"])\n", mermaid_text(component)));
        }
        for (i, (_, dependents)) in self.edges.iter().enumerate() {
            for component in dependents {
                out.push_str(&format!("  k{i} --> c{}\n", component_index[component]));
            }
        }
        out
    }
}

fn mermaid_text(s: &str) -> String {
    s.replace('"', "#quot;")
}

impl fmt::Display for DependencyGraph {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (key, dependents) in &self.edges {
            if dependents.is_empty() {
                writeln!(f, "{key} → (nothing)")?;
            } else {
                let list: Vec<&str> = dependents.iter().copied().collect();
                writeln!(f, "{key} → {}", list.join(", "))?;
            }
        }
        Ok(())
    }
}
