//! The engine: configuration shared by every request (registry, shared cache, dev mode,
//! limits, permission hook). The adapter builds one at startup and hands it to each request
//! scope.

use std::fmt;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use crate::cache::{InvalidationBackend, SharedCache};
use crate::load::LoadCx;
use crate::manifest::Limits;
use crate::ratelimit::RateLimiter;
use crate::registry::{ReactiveType, Registry};
use crate::render_cache::RenderCache;
use crate::state::{self, Clock, StateKeys};

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
    pub fn report(self, message: impl fmt::Display) {
        match self {
            DevMode::Off => {}
            DevMode::Warn => tracing::warn!(target: "pjx::dev", "{message}"),
            DevMode::Strict => panic!("pjx dev mode: {message}"),
        }
    }
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
    cache: Option<Arc<SharedCache>>,
    dev: DevMode,
    limits: Limits,
    permission: Option<PermissionHook>,
    state_keys: Option<Arc<StateKeys>>,
    state_max_age: Duration,
    clock: Clock,
    rate_limiter: RateLimiter,
    render_cache: Arc<RenderCache>,
}

impl Default for Engine {
    fn default() -> Self {
        Engine {
            registry: OnceLock::new(),
            cache: None,
            dev: DevMode::Off,
            limits: Limits::default(),
            permission: None,
            state_keys: None,
            state_max_age: state::DEFAULT_MAX_AGE,
            clock: Clock::system(),
            rate_limiter: RateLimiter::default(),
            render_cache: Arc::default(),
        }
    }
}

impl fmt::Debug for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Engine")
            .field("shared_cache", &self.cache.is_some())
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
        }
    }

    /// The registry: the one configured, or every component registered in the program.
    pub fn registry(&self) -> &Arc<Registry> {
        self.registry.get_or_init(Registry::global)
    }

    /// The process-wide cache, when an invalidation backend is configured.
    pub fn shared_cache(&self) -> Option<&Arc<SharedCache>> {
        self.cache.as_ref()
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
    pub fn render_cache(&self) -> &Arc<RenderCache> {
        &self.render_cache
    }
}

/// Builds an [`Engine`].
pub struct EngineBuilder {
    engine: Engine,
}

impl EngineBuilder {
    /// Uses exactly this registry instead of every registered component.
    pub fn registry(self, registry: Registry) -> Self {
        let _ = self.engine.registry.set(Arc::new(registry));
        self
    }

    /// Turns on the process-wide cache, kept consistent across processes by `backend`.
    pub fn invalidation(mut self, backend: Arc<dyn InvalidationBackend>) -> Self {
        self.engine.cache = Some(SharedCache::new(backend));
        self
    }

    /// Uses an existing process-wide cache.
    pub fn shared_cache(mut self, cache: Arc<SharedCache>) -> Self {
        self.engine.cache = Some(cache);
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
    /// [`DEFAULT_CAPACITY`](crate::ratelimit::DEFAULT_CAPACITY)); while that many are, new
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
    pub fn build(self) -> Arc<Engine> {
        // Every invalidation the shared cache hears of (other processes' included) also
        // drops render-cache entries.
        if let Some(cache) = &self.engine.cache {
            let render_cache = Arc::downgrade(&self.engine.render_cache);
            cache.on_invalidate(Arc::new(move |keys| {
                if let Some(render_cache) = render_cache.upgrade() {
                    render_cache.invalidate(keys);
                }
            }));
        }
        Arc::new(self.engine)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use parking_lot::Mutex;

    use super::*;
    use crate::cache::InvalidationSink;
    use crate::key::Key;
    use crate::render_cache::CachedRender;

    /// A backend whose "other processes" the test plays.
    #[derive(Default)]
    struct Remote(Mutex<Vec<InvalidationSink>>);

    impl InvalidationBackend for Remote {
        fn publish(&self, _keys: &[Key]) {}
        fn subscribe(&self, sink: InvalidationSink) {
            self.0.lock().push(sink);
        }
    }

    fn cached(engine: &Engine) -> bool {
        engine.render_cache().get("best\u{0}{}").is_some()
    }

    #[test]
    fn invalidations_from_anywhere_reach_the_render_cache() {
        let remote = Arc::new(Remote::default());
        let engine = Engine::builder().invalidation(remote.clone()).build();
        let fill = || {
            let ticket = engine.render_cache().begin();
            engine.render_cache().insert(
                "best\u{0}{}".into(),
                CachedRender {
                    html: "<p></p>".into(),
                    state: "v2.0.x.e30.x".into(),
                    component_id: "best".into(),
                    optimistic: Vec::new(),
                },
                Duration::from_secs(60),
                &["orders"],
                ticket,
            );
        };
        fill();
        assert!(cached(&engine));
        // Another process changed an unrelated key, then this one.
        let deliver = |name| {
            for sink in remote.0.lock().iter() {
                sink(&[Key::new(name)]);
            }
        };
        deliver("carts");
        assert!(cached(&engine));
        deliver("orders");
        assert!(!cached(&engine));
        // This process, through its shared cache (what `pjx::invalidate` does).
        fill();
        engine
            .shared_cache()
            .unwrap()
            .invalidate(&[Key::with_instance("orders", "7")]);
        assert!(
            !cached(&engine),
            "a keyed key drops entries of its whole key"
        );
    }
}
