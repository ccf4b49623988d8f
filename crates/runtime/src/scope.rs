//! The request scope: everything pjx knows about one request, reachable without a request
//! argument.
//!
//! A scope is opened around each request by the adapter (and by tests). It holds the keys
//! dirtied so far, what the client reported (manifest, loaded assets, trigger), the load
//! context, the request tier of the load cache, and what the response already contains. It
//! lives in a tokio task-local, so `#[mutates]` code deep inside a store records keys with no
//! handle passed down. Scopes nest (the inner one is current until it ends, then the outer
//! one is again) and do not follow spawned tasks on their own: carry one across with
//! [`Scope::current`] and [`Scope::run`].
//!
//! ```
//! use pjx::{MutationKey, Scope, mutates};
//!
//! #[derive(MutationKey)]
//! enum Keys { Todos }
//!
//! #[mutates(Keys::Todos)]
//! fn add_todo(text: &str) -> Result<usize, String> {
//!     if text.is_empty() { Err("empty".into()) } else { Ok(text.len()) }
//! }
//!
//! let scope = Scope::new();
//! scope.run_sync(|| {
//!     add_todo("").unwrap_err(); // failed: records nothing
//!     add_todo("milk").unwrap();
//! });
//! assert_eq!(scope.dirtied_names(), ["todos"]);
//!
//! add_todo("outside any scope").unwrap(); // harmless: nothing to record into
//! ```

use std::collections::{BTreeSet, HashSet};
use std::future::Future;
use std::sync::Arc;

use parking_lot::Mutex;

use crate::cache::{EntryKey, RequestCache};
use crate::component::registry::{AnyComponent, ReactiveType};
use crate::component::{Asset, Load};
use crate::engine::{DevMode, Engine};
use crate::key::{IntoKey, Key};
use crate::load::{LoadCx, LoadError, LoadKey};
use crate::manifest::{self, Manifest};

tokio::task_local! {
    static CURRENT: Scope;
}

/// A handle on one request's scope; clones share it.
#[derive(Clone)]
pub struct Scope {
    inner: Arc<Inner>,
}

struct Inner {
    engine: Arc<Engine>,
    manifest: Option<Arc<Manifest>>,
    assets: HashSet<String>,
    trigger: Option<String>,
    load_cx: LoadCx,
    htmx: bool,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    dirtied: BTreeSet<Key>,
    /// Each key's latest recording, numbered (a stream walks what was recorded since its
    /// last walk, a key recorded again included).
    recorded: Vec<Key>,
    cache: RequestCache,
    /// Region ids already written into the response.
    rendered: HashSet<Box<str>>,
    /// Assets of every component rendered in this request, in first-use order.
    used_assets: Vec<Asset>,
    /// Whether the out-of-band fan-out already ran (it runs once per request).
    fanned_out: bool,
}

impl Default for Scope {
    fn default() -> Self {
        Scope::builder().build()
    }
}

impl Scope {
    /// A new, empty scope with an engine of its own (every registered component, no shared
    /// cache) and no client manifest.
    pub fn new() -> Self {
        Self::default()
    }

    /// Starts building a scope.
    ///
    /// ```
    /// use pjx::{LoadCx, Scope};
    /// let scope = Scope::builder()
    ///     .mounted_header(r#"[{"id":"counter","type":"counter","hash":"00"}]"#)
    ///     .assets_header(r#"["/_pjx/assets/x.css"]"#)
    ///     .load_cx(LoadCx::new().with(42u32))
    ///     .build();
    /// assert_eq!(scope.manifest().unwrap().len(), 1);
    /// assert!(scope.has_asset("/_pjx/assets/x.css"));
    /// ```
    pub fn builder() -> ScopeBuilder {
        ScopeBuilder {
            engine: None,
            dirtied: Vec::new(),
            manifest: None,
            mounted_header: None,
            assets_header: None,
            trigger_header: None,
            load_cx: LoadCx::new(),
            htmx: false,
        }
    }

    /// Runs `future` with this scope current.
    ///
    /// The returned future holds its own handle on the scope (it does not borrow `self`), so
    /// it can be spawned; this is also how a spawned task joins the request that spawned it:
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// use pjx::Scope;
    /// let scope = Scope::new();
    /// scope.run(async {
    ///     let current = Scope::current().expect("inside the scope");
    ///     let job = tokio::spawn(current.run(async { Scope::current().is_some() }));
    ///     assert!(job.await.unwrap());
    /// }).await;
    /// # }
    /// ```
    pub fn run<F: Future>(&self, future: F) -> impl Future<Output = F::Output> + use<F> {
        CURRENT.scope(self.clone(), future)
    }

    /// Runs `f` with this scope current (for synchronous code and tests).
    pub fn run_sync<R>(&self, f: impl FnOnce() -> R) -> R {
        CURRENT.sync_scope(self.clone(), f)
    }

    /// The scope of the running request, if any.
    pub fn current() -> Option<Scope> {
        CURRENT.try_with(Scope::clone).ok()
    }

    /// The engine this request runs with.
    pub fn engine(&self) -> &Arc<Engine> {
        &self.inner.engine
    }

    /// The client's manifest, if it sent a usable one.
    pub fn manifest(&self) -> Option<&Manifest> {
        self.inner.manifest.as_deref()
    }

    /// The manifest, shared (the walk report keeps it).
    pub(crate) fn shared_manifest(&self) -> Option<Arc<Manifest>> {
        self.inner.manifest.clone()
    }

    /// Whether the client reported `url` as already loaded.
    pub fn has_asset(&self, url: &str) -> bool {
        self.inner.assets.contains(url)
    }

    /// The id of the region that started the request, if the client reported one.
    pub fn trigger(&self) -> Option<&str> {
        self.inner.trigger.as_deref()
    }

    /// The load context.
    pub fn load_cx(&self) -> &LoadCx {
        &self.inner.load_cx
    }

    /// Whether the request came from htmx (`HX-Request`), i.e. expects fragments rather than
    /// a page. The dev-mode checks about fan-out only apply to such requests.
    pub fn is_htmx_request(&self) -> bool {
        self.inner.htmx
    }

    /// Records keys as dirtied by this request, evicting what they concern from both cache
    /// tiers. What `#[mutates]` calls.
    pub fn record<K: IntoKey>(&self, keys: impl IntoIterator<Item = K>) {
        let keys: Vec<Key> = keys.into_iter().map(IntoKey::into_key).collect();
        if keys.is_empty() {
            return;
        }
        {
            let mut state = self.inner.state.lock();
            state.dirtied.extend(keys.iter().cloned());
            state.recorded.extend(keys.iter().cloned());
            state.cache.invalidate(&keys);
        }
        self.inner.engine.caches().invalidate(&keys);
    }

    /// The keys dirtied so far, sorted by wire form.
    pub fn dirtied(&self) -> Vec<Key> {
        self.inner.state.lock().dirtied.iter().cloned().collect()
    }

    /// The keys recorded since the `since`-th recording (each key once, sorted), and the count
    /// of recordings so far: `since` for the next call.
    pub(crate) fn recorded_since(&self, since: usize) -> (Vec<Key>, usize) {
        let state = self.inner.state.lock();
        let keys: BTreeSet<Key> = state.recorded.iter().skip(since).cloned().collect();
        (keys.into_iter().collect(), state.recorded.len())
    }

    /// The wire forms of the dirtied keys (convenient in tests).
    pub fn dirtied_names(&self) -> Vec<String> {
        self.inner
            .state
            .lock()
            .dirtied
            .iter()
            .map(Key::to_string)
            .collect()
    }

    /// Whether any key was dirtied.
    pub fn is_dirty(&self) -> bool {
        !self.inner.state.lock().dirtied.is_empty()
    }

    /// Whether two handles refer to the same scope.
    pub fn same_as(&self, other: &Scope) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    /// Loads a component through the cache (request tier, then the shared tier).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// use pjx::prelude::*;
    /// # #[derive(MutationKey)] enum Keys { Todos }
    /// #[reactive(react = [Keys::Todos], source = "<i>{{ n }}</i>")]
    /// struct Count { n: u32 }
    /// #[reactive]
    /// impl Count {
    ///     async fn load(cx: &LoadCx) -> Result<Self, LoadError> {
    ///         Ok(Count { n: *cx.require::<u32>()? })
    ///     }
    /// }
    ///
    /// let scope = pjx::Scope::builder().load_cx(LoadCx::new().with(7u32)).build();
    /// let count = scope.load::<Count>(pjx::NoKey).await.unwrap();
    /// assert_eq!(count.n, 7);
    /// # }
    /// ```
    pub async fn load<T: Load + Send + Sync + 'static>(
        &self,
        key: T::Key,
    ) -> Result<Arc<T>, LoadError> {
        let ty = const { &ReactiveType::of::<T>() };
        let value = self.load_erased(ty, &key.to_wire()).await?;
        value
            .downcast::<T>()
            .map_err(|_| LoadError::msg("pjx bug: the cache returned another type"))
    }

    /// Loads a component of a registered type by its canonical key, through the cache.
    pub async fn load_erased(
        &self,
        ty: &ReactiveType,
        key: &str,
    ) -> Result<Arc<AnyComponent>, LoadError> {
        let entry = EntryKey::new(ty.name(), key);
        let started = {
            let state = self.inner.state.lock();
            if let Some(value) = state.cache.get(&entry) {
                return Ok(value);
            }
            state.cache.epoch()
        };
        let remember = |value: &Arc<AnyComponent>| {
            self.inner.state.lock().cache.insert(
                started,
                entry.clone(),
                Arc::clone(value),
                ty.react(),
                ty.is_keyed(),
            );
        };
        let shared = self.inner.engine.shared_cache();
        // A guarded type's load may read the identity: its shared entries are per user.
        let shared_entry = if ty.is_guarded() {
            let subject = match self.inner.load_cx.identity() {
                Some(identity) => format!("user:{}", identity.id),
                None => "anonymous".to_owned(),
            };
            entry.clone().for_subject(subject)
        } else {
            entry.clone()
        };
        if let Some(value) = shared.and_then(|s| s.get(&shared_entry)) {
            remember(&value);
            return Ok(value);
        }
        let ticket = shared.map(|s| s.begin());
        // No lock is held across the load.
        let value = ty.load(key, &self.inner.load_cx).await?;
        let dev = self.inner.engine.dev_mode();
        // `depends_on` matters to the shared cache's index and to the dev-mode check only.
        if shared.is_some() || dev != DevMode::Off {
            let depends_on = ty.depends_on(&*value);
            if let Some(outside) = depends_on
                .iter()
                .flatten()
                .find(|k| !ty.react().contains(k.name()))
            {
                dev.report(format!(
                    "`{}`'s depends_on() returned `{outside}`, which is not in its react set [{}]; depends_on may only narrow react",
                    ty.name(),
                    ty.react().attr()
                ));
            }
            if let (Some(shared), Some(ticket)) = (shared, ticket) {
                shared.insert(
                    ticket,
                    shared_entry,
                    Arc::clone(&value),
                    ty.react(),
                    depends_on.as_deref(),
                    ty.is_keyed(),
                );
            }
        }
        remember(&value);
        Ok(value)
    }

    /// Number of entries in the request tier of the cache.
    pub fn request_cache_len(&self) -> usize {
        self.inner.state.lock().cache.len()
    }

    /// Notes region ids written into the response, so the fan-out never emits them again.
    pub fn note_rendered<'a>(&self, ids: impl IntoIterator<Item = &'a str>) {
        let mut state = self.inner.state.lock();
        state.rendered.extend(ids.into_iter().map(Box::from));
    }

    /// Whether region `id` is already in the response.
    pub fn is_rendered(&self, id: &str) -> bool {
        self.inner.state.lock().rendered.contains(id)
    }

    /// Forgets the ids noted as in the response: each frame of a stream is a response of its
    /// own, applied before the next.
    pub(crate) fn forget_rendered(&self) {
        self.inner.state.lock().rendered.clear();
    }

    /// The ids already in the response (a copy, so no lock is held while using it).
    pub(crate) fn rendered_ids(&self) -> HashSet<Box<str>> {
        self.inner.state.lock().rendered.clone()
    }

    /// Notes assets of a component rendered in this request.
    pub fn note_assets(&self, assets: &[Asset]) {
        let mut state = self.inner.state.lock();
        for asset in assets {
            if !state.used_assets.contains(asset) {
                state.used_assets.push(*asset);
            }
        }
    }

    /// Assets rendered in this request that the client did not report, in first-use order.
    pub fn missing_assets(&self) -> Vec<Asset> {
        self.inner
            .state
            .lock()
            .used_assets
            .iter()
            .filter(|a| !self.inner.assets.contains(&a.url()))
            .copied()
            .collect()
    }

    /// Marks the fan-out as done; `false` if it already was.
    pub(crate) fn begin_fan_out(&self) -> bool {
        let mut state = self.inner.state.lock();
        !std::mem::replace(&mut state.fanned_out, true)
    }

    /// Whether the fan-out ran.
    pub fn fanned_out(&self) -> bool {
        self.inner.state.lock().fanned_out
    }

    /// Ends the request: runs the dev-mode check that mutations were answered by a
    /// reactive render. The adapter calls it after the response is built.
    pub fn finish(&self) {
        let dev = self.inner.engine.dev_mode();
        let state = self.inner.state.lock();
        if self.inner.htmx && !state.dirtied.is_empty() && !state.fanned_out {
            let keys: Vec<String> = state.dirtied.iter().map(Key::to_string).collect();
            drop(state);
            dev.report(format!(
                "this request recorded mutations [{}] but rendered no reactive response, so no region was updated; return a pjx response (a component, `pjx::Reply`, or an empty reply) from the handler",
                keys.join(", ")
            ));
        }
    }
}

impl std::fmt::Debug for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scope")
            .field("dirtied", &self.dirtied_names())
            .field(
                "manifest",
                &self.inner.manifest.as_ref().map(|m| m.entries().len()),
            )
            .field("trigger", &self.inner.trigger)
            .finish()
    }
}

/// Builds a [`Scope`].
pub struct ScopeBuilder {
    engine: Option<Arc<Engine>>,
    dirtied: Vec<Key>,
    manifest: Option<Manifest>,
    mounted_header: Option<String>,
    assets_header: Option<String>,
    trigger_header: Option<String>,
    load_cx: LoadCx,
    htmx: bool,
}

impl ScopeBuilder {
    /// Marks the request as an htmx request (`HX-Request: true`).
    pub fn htmx_request(mut self, htmx: bool) -> Self {
        self.htmx = htmx;
        self
    }

    /// The engine (default: every registered component, no shared cache, dev mode off).
    pub fn engine(mut self, engine: Arc<Engine>) -> Self {
        self.engine = Some(engine);
        self
    }

    /// The client's manifest, already parsed.
    pub fn manifest(mut self, manifest: Manifest) -> Self {
        self.manifest = Some(manifest);
        self
    }

    /// The raw `X-PJX-Mounted` header, parsed with the engine's limits.
    pub fn mounted_header(mut self, value: impl Into<String>) -> Self {
        self.mounted_header = Some(value.into());
        self
    }

    /// The raw `X-PJX-Assets` header.
    pub fn assets_header(mut self, value: impl Into<String>) -> Self {
        self.assets_header = Some(value.into());
        self
    }

    /// The raw `X-PJX-Trigger` header.
    pub fn trigger_header(mut self, value: impl Into<String>) -> Self {
        self.trigger_header = Some(value.into());
        self
    }

    /// The load context.
    pub fn load_cx(mut self, cx: LoadCx) -> Self {
        self.load_cx = cx;
        self
    }

    /// Keys dirtied by an earlier request (what the sync route walks with): recorded as
    /// dirtied without evicting anything from the caches, which the request that changed
    /// the state already did.
    pub fn dirtied(mut self, keys: impl IntoIterator<Item = Key>) -> Self {
        self.dirtied.extend(keys);
        self
    }

    /// The scope.
    pub fn build(self) -> Scope {
        let engine = self.engine.unwrap_or_else(|| Engine::builder().build());
        let limits = *engine.limits();
        let manifest = self.manifest.or_else(|| {
            self.mounted_header
                .as_deref()
                .and_then(|h| Manifest::parse(h, &limits))
        });
        let assets = self
            .assets_header
            .as_deref()
            .map(|h| manifest::parse_assets(h, &limits))
            .unwrap_or_default();
        let trigger = self
            .trigger_header
            .as_deref()
            .and_then(|h| manifest::parse_trigger(h, &limits));
        Scope {
            inner: Arc::new(Inner {
                engine,
                manifest: manifest.map(Arc::new),
                assets,
                trigger,
                load_cx: self.load_cx,
                htmx: self.htmx,
                state: Mutex::new(State {
                    dirtied: self.dirtied.into_iter().collect(),
                    ..State::default()
                }),
            }),
        }
    }
}

/// Records keys into the current scope; what `#[mutates]` calls after a successful return.
/// Outside any scope it records nothing and returns `false`: there is no process-wide engine
/// to tell, so code outside a request runs its mutations in [`Engine::scope`].
pub fn record_mutation<K: IntoKey>(keys: impl IntoIterator<Item = K>) -> bool {
    match Scope::current() {
        Some(scope) => {
            scope.record(keys);
            true
        }
        None => {
            tracing::warn!(
                target: "pjx::scope",
                "#[mutates] ran outside any request scope: no cache was invalidated; run background work in `engine.scope()`"
            );
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MutationKey;

    #[derive(MutationKey)]
    enum Keys {
        Todos,
        Stats,
    }

    #[test]
    fn nested_scopes_restore_the_outer_one() {
        let outer = Scope::new();
        let inner = Scope::new();
        outer.run_sync(|| {
            record_mutation([Keys::Todos]);
            inner.run_sync(|| {
                assert!(Scope::current().unwrap().same_as(&inner));
                record_mutation([Keys::Stats]);
            });
            assert!(Scope::current().unwrap().same_as(&outer));
            record_mutation([Keys::Todos.at(3)]);
        });
        assert_eq!(outer.dirtied_names(), ["todos", "todos:3"]);
        assert_eq!(inner.dirtied_names(), ["stats"]);
        assert!(Scope::current().is_none());
    }

    #[test]
    fn recording_outside_a_scope_is_a_no_op() {
        assert!(!record_mutation([Keys::Todos]));
    }

    #[tokio::test]
    async fn async_scopes_follow_the_task() {
        let scope = Scope::new();
        scope
            .run(async {
                tokio::task::yield_now().await;
                record_mutation([Keys::Stats]);
            })
            .await;
        assert!(scope.is_dirty());
        assert_eq!(scope.dirtied(), vec![Keys::Stats.key()]);
    }

    #[test]
    fn headers_are_parsed_with_the_engines_limits() {
        let engine = Engine::builder()
            .limits(crate::Limits {
                max_entries: 1,
                ..Default::default()
            })
            .build();
        let scope = Scope::builder()
            .engine(engine)
            .mounted_header(r#"[{"id":"a"},{"id":"b"}]"#)
            .trigger_header(r#"{"id":"a"}"#)
            .build();
        assert_eq!(scope.manifest().unwrap().len(), 1);
        assert_eq!(scope.trigger(), Some("a"));
        assert!(
            Scope::builder()
                .mounted_header("junk")
                .build()
                .manifest()
                .is_none()
        );
    }
}
