//! The engine: configuration shared by every request (registry, shared cache, dev mode,
//! limits, permission hook). The adapter builds one at startup and hands it to each request
//! scope.

use std::fmt;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use crate::cache::{Caches, InvalidationBackend, RenderCache, SharedCache};
use crate::component::registry::{ReactiveType, Registry};
use crate::load::LoadCx;
use crate::security::ratelimit::RateLimiter;
use crate::security::state::{self, Clock, StateKeys};

/// Limits on what a client can make one request cost.
///
/// ```
/// let limits = pjx::Limits { walk_budget: 500, ..Default::default() };
/// assert_eq!(limits.max_header_bytes, 64 * 1024);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest `X-PJX-Mounted` (or other pjx header) value read at all (default 64 KiB).
    /// actix-web refuses a request whose head is over 128 KiB before any handler runs, so
    /// the client runtime keeps its header under half of this and reports a page too large
    /// for it partially (see `docs/reactivity.md`).
    pub max_header_bytes: usize,
    /// Largest manifest read from the body of a sync request (default 4 MiB).
    pub max_sync_bytes: usize,
    /// Most entries kept from one manifest (default 10,000); the rest are dropped.
    pub max_entries: usize,
    /// Longest region id, type, hash or load key accepted (default 256 bytes).
    pub max_field_bytes: usize,
    /// Most regions one walk loads or renders (default 2,000: an honest whole-list update
    /// of a 2,000-row page fits). Over it nothing is loaded, the server logs it, and the
    /// response tells the page to reload itself instead of leaving regions stale.
    pub walk_budget: usize,
    /// Streaming answers: the frames buffered for a slow reader (16), the heartbeat of an
    /// idle stream (15 s), the longest a stream runs (10 min).
    pub stream: StreamLimits,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_header_bytes: 64 * 1024,
            max_sync_bytes: 4 << 20,
            max_entries: 10_000,
            max_field_bytes: crate::html::region_id::MAX_BYTES,
            walk_budget: 2_000,
            stream: StreamLimits::default(),
        }
    }
}

/// How long a stream may run and how it keeps its connection alive ([`Limits`]'s stream
/// settings).
///
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamLimits {
    /// Frames buffered between the handler and a slow reader before the handler waits.
    pub buffer: usize,
    /// A heartbeat after this long without a frame.
    pub heartbeat: Duration,
    /// The longest a stream runs: past it the handler is dropped and the stream ends with
    /// an error frame (504).
    pub max_duration: Duration,
}

impl Default for StreamLimits {
    fn default() -> Self {
        StreamLimits {
            buffer: 16,
            heartbeat: Duration::from_secs(15),
            max_duration: Duration::from_secs(10 * 60),
        }
    }
}

/// How dev-mode checks report a problem.
///
/// The checks: mutations recorded in a request that rendered nothing reactive; mutations in
/// a request whose client sent no manifest (nothing can ride along); a `depends_on` that
/// names keys outside the static `react` set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DevMode {
    /// No checks (production).
    #[default]
    Off,
    /// Log a warning.
    Warn,
    /// Panic, so tests and local runs cannot miss it.
    Strict,
}

impl DevMode {
    /// Reports a problem according to the mode.
    ///
    /// `Warn` logs a `tracing` warning (target `pjx::dev`); when no `tracing` subscriber is
    /// installed (neither a global one nor one for this thread), it prints the warning to
    /// standard error instead, so a finding is never lost.
    ///
    /// ```
    /// use pjx::DevMode;
    /// DevMode::Off.report("ignored");
    /// DevMode::Warn.report("logged, or printed to stderr without a subscriber");
    /// let strict = std::panic::catch_unwind(|| DevMode::Strict.report("boom"));
    /// assert!(strict.is_err());
    /// ```
    pub fn report(self, message: impl fmt::Display) {
        match self {
            DevMode::Off => {}
            DevMode::Warn if has_subscriber() => {
                tracing::warn!(target: "pjx::dev", "{message}");
            }
            DevMode::Warn => eprintln!("pjx dev mode: warning: {message}"),
            DevMode::Strict => panic!("pjx dev mode: {message}"),
        }
    }
}

/// Whether a `tracing` subscriber would see an event logged here: one set globally or for
/// the current thread. Warnings a user must see fall back to standard error without one.
///
/// ```
/// // No subscriber in this doc test: warnings would go to stderr.
/// assert!(!pjx::engine::has_subscriber());
/// ```
pub fn has_subscriber() -> bool {
    tracing::dispatcher::get_default(|dispatch| !dispatch.is::<tracing::subscriber::NoSubscriber>())
}

/// Decides whether the current requester may see regions of a type. Returning `false` makes
/// the walk skip such regions without loading or rendering them.
pub type PermissionHook = Arc<dyn Fn(&ReactiveType, &LoadCx) -> bool + Send + Sync>;

/// Configuration shared by all requests. Build with [`Engine::builder`].
///
/// ```
/// use std::sync::Arc;
/// use pjx::{DevMode, Engine, cache::InProcess};
///
/// let engine = Engine::builder()
///     .invalidation(Arc::new(InProcess))   // turns on the process-wide cache
///     .dev_mode(DevMode::Warn)
///     .build();
/// assert!(engine.shared_cache().is_some());
/// ```
pub struct Engine {
    registry: OnceLock<Arc<Registry>>,
    caches: Arc<Caches>,
    dev: DevMode,
    limits: Limits,
    permission: Option<PermissionHook>,
    state_keys: Option<Arc<StateKeys>>,
    state_max_age: Duration,
    clock: Clock,
    rate_limiter: RateLimiter,
}

impl Default for Engine {
    fn default() -> Self {
        Engine {
            registry: OnceLock::new(),
            caches: Caches::new(None),
            dev: DevMode::Off,
            limits: Limits::default(),
            permission: None,
            state_keys: None,
            state_max_age: state::DEFAULT_MAX_AGE,
            clock: Clock::system(),
            rate_limiter: RateLimiter::default(),
        }
    }
}

impl fmt::Debug for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Engine")
            .field("shared_cache", &self.caches.shared().is_some())
            .field("dev", &self.dev)
            .field("limits", &self.limits)
            .field("permission", &self.permission.is_some())
            .field("state_max_age", &self.state_max_age)
            .field("clock", &self.clock)
            .finish()
    }
}

impl Engine {
    /// Starts a configuration with the defaults: every registered component, no shared
    /// cache, dev mode off, default limits, everyone sees everything.
    pub fn builder() -> EngineBuilder {
        EngineBuilder {
            engine: Engine::default(),
            backend: None,
        }
    }

    /// The registry: the one configured, or every component registered in the program.
    pub fn registry(&self) -> &Arc<Registry> {
        self.registry.get_or_init(Registry::global)
    }

    /// The shared tier of the load cache, when an invalidation backend is configured.
    pub fn shared_cache(&self) -> Option<&SharedCache> {
        self.caches.shared()
    }

    /// The caches across requests (the load cache's shared tier and the render cache).
    pub fn caches(&self) -> &Arc<Caches> {
        &self.caches
    }

    /// Evicts what `keys` concern from this engine's caches, here and (through the
    /// invalidation backend) in every other process: for state changed outside any
    /// `#[mutates]` function, e.g. by a migration. Code outside a request that calls
    /// `#[mutates]` functions runs them in [`Engine::scope`] instead, which records and
    /// invalidates the same way.
    ///
    /// ```
    /// # use pjx::MutationKey;
    /// # #[derive(MutationKey)] enum Keys { Todos }
    /// let engine = pjx::Engine::builder().build();
    /// engine.invalidate([Keys::Todos]);
    /// ```
    pub fn invalidate<K: crate::IntoKey>(&self, keys: impl IntoIterator<Item = K>) {
        let keys: Vec<crate::Key> = keys.into_iter().map(crate::IntoKey::into_key).collect();
        self.caches.invalidate(&keys);
    }

    /// A request scope on this engine for code outside any request — a background job, a
    /// webhook, a test: `#[mutates]` functions run in it record their keys and invalidate this
    /// engine's caches. (Outside every scope they record nothing: there is no process-wide
    /// engine to tell.)
    ///
    /// ```
    /// use pjx::{MutationKey, mutates};
    /// # #[derive(MutationKey)] enum Keys { Todos }
    /// #[mutates(Keys::Todos)]
    /// fn recount() {}
    ///
    /// let engine = pjx::Engine::builder().build();
    /// let job = engine.scope();
    /// job.run_sync(recount);
    /// assert_eq!(job.dirtied_names(), ["todos"]);
    /// ```
    pub fn scope(self: &Arc<Self>) -> crate::Scope {
        crate::Scope::builder().engine(Arc::clone(self)).build()
    }

    /// The dev mode.
    pub fn dev_mode(&self) -> DevMode {
        self.dev
    }

    /// The limits for client headers.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Whether the requester (as `cx` describes them) may see regions of `ty`: the type's own
    /// `permissions = [...]`, then the engine's hook.
    pub fn permits(&self, ty: &ReactiveType, cx: &LoadCx) -> bool {
        ty.access(cx).is_allowed() && self.permission.as_ref().is_none_or(|hook| hook(ty, cx))
    }

    /// The keys stateful components' state is signed with.
    pub fn state_keys(&self) -> Option<&Arc<StateKeys>> {
        self.state_keys.as_ref()
    }

    /// How long a state token is accepted after it was issued.
    pub fn state_max_age(&self) -> Duration {
        self.state_max_age
    }

    /// The clock state tokens are issued and checked by.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// The rate limiter of `rate_limit = "…"` components.
    pub fn rate_limiter(&self) -> &RateLimiter {
        &self.rate_limiter
    }

    /// The render cache of `cache = "…"` components.
    pub fn render_cache(&self) -> &RenderCache {
        self.caches.render()
    }
}

/// Builds an [`Engine`].
pub struct EngineBuilder {
    engine: Engine,
    backend: Option<Arc<dyn InvalidationBackend>>,
}

impl EngineBuilder {
    /// Uses exactly this registry instead of every registered component.
    pub fn registry(self, registry: Registry) -> Self {
        let _ = self.engine.registry.set(Arc::new(registry));
        self
    }

    /// Turns on the process-wide cache, kept consistent across processes by `backend`.
    pub fn invalidation(mut self, backend: Arc<dyn InvalidationBackend>) -> Self {
        self.backend = Some(backend);
        self
    }

    /// Sets the dev mode.
    pub fn dev_mode(mut self, dev: DevMode) -> Self {
        self.engine.dev = dev;
        self
    }

    /// Sets the limits for client headers.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.engine.limits = limits;
        self
    }

    /// Decides, per component type and requester, whether regions may be rendered.
    pub fn permission(
        mut self,
        hook: impl Fn(&ReactiveType, &LoadCx) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.engine.permission = Some(Arc::new(hook));
        self
    }

    /// Signs and verifies stateful components' state with these keys (the first signs).
    pub fn state_keys(mut self, keys: StateKeys) -> Self {
        self.engine.state_keys = Some(Arc::new(keys));
        self
    }

    /// Sizes the rate limiter of `rate_limit = "…"` components: at most `max_subjects`
    /// (component, requester) pairs inside their windows (default
    /// [`DEFAULT_CAPACITY`](crate::security::ratelimit::DEFAULT_CAPACITY)); while that many are, new
    /// requesters are refused with 429.
    ///
    /// ```
    /// let engine = pjx::Engine::builder().rate_limit_capacity(500).build();
    /// assert_eq!(engine.rate_limiter().capacity(), 500);
    /// ```
    pub fn rate_limit_capacity(mut self, max_subjects: usize) -> Self {
        self.engine.rate_limiter = RateLimiter::with_capacity(max_subjects);
        self
    }

    /// How long a state token is accepted after it was issued (default
    /// [`DEFAULT_MAX_AGE`](state::DEFAULT_MAX_AGE), 12 hours). An older token is answered with
    /// 400 `state_expired`, and the client mounts the component afresh: shorter bounds how
    /// long a copied token can be replayed, longer spares open tabs a re-mount.
    ///
    /// ```
    /// use std::time::Duration;
    /// let engine = pjx::Engine::builder().state_max_age(Duration::from_secs(3600)).build();
    /// assert_eq!(engine.state_max_age(), Duration::from_secs(3600));
    /// ```
    pub fn state_max_age(mut self, max_age: Duration) -> Self {
        self.engine.state_max_age = max_age;
        self
    }

    /// Issues and checks state tokens by `clock` (the system's by default; a manual clock
    /// lets tests make tokens expire).
    pub fn clock(mut self, clock: Clock) -> Self {
        self.engine.clock = clock;
        self
    }

    /// The engine.
    pub fn build(mut self) -> Arc<Engine> {
        self.engine.caches = Caches::new(self.backend);
        Arc::new(self.engine)
    }
}
