//! The engine: configuration shared by every request (registry, shared cache, dev mode,
//! limits, permission hook). The adapter builds one at startup and hands it to each request
//! scope.

use std::fmt;
use std::sync::{Arc, OnceLock};

use crate::cache::{InvalidationBackend, SharedCache};
use crate::load::LoadCx;
use crate::manifest::Limits;
use crate::registry::{ReactiveType, Registry};

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
}

impl Default for Engine {
    fn default() -> Self {
        Engine {
            registry: OnceLock::new(),
            cache: None,
            dev: DevMode::Off,
            limits: Limits::default(),
            permission: None,
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

    /// Whether the requester (as `cx` describes them) may see regions of `ty`.
    pub fn permits(&self, ty: &ReactiveType, cx: &LoadCx) -> bool {
        self.permission.as_ref().is_none_or(|hook| hook(ty, cx))
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

    /// The engine.
    pub fn build(self) -> Arc<Engine> {
        Arc::new(self.engine)
    }
}
