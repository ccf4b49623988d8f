//! [`Pjx`]: the middleware's configuration.

mod context;

use std::any::{TypeId, type_name};
use std::fmt;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use crate::runtime::HtmxLine;

use actix_web::HttpRequest;
use context::{DataSource, put_data};
use pjx::Limits;
use pjx::cache::InvalidationBackend;
use pjx::component::registry::ReactiveType;
use pjx::engine::PermissionHook;
use pjx::security::auth::Browser;
use pjx::security::state::{Clock, StateKey, StateKeys};
use pjx::{DevMode, Engine, Identity, LoadCx, Registry};

/// Builds each request's load context from the request.
pub type ContextFactory = Arc<dyn Fn(&HttpRequest) -> LoadCx + Send + Sync>;

/// Tells who is signed in, from the request.
pub type IdentitySource = Arc<dyn Fn(&HttpRequest) -> Option<Identity> + Send + Sync>;

/// Tells the client's address, from the request.
pub type AddrSource = Arc<dyn Fn(&HttpRequest) -> Option<String> + Send + Sync>;

/// Tells which browser an anonymous visitor is on, from the request (instead of pjx's cookie).
pub type BrowserSource = Arc<dyn Fn(&HttpRequest) -> Option<Browser> + Send + Sync>;

/// The default largest body the dispatch route reads: the largest state token plus room for
/// the payload.
pub const DEFAULT_EVENT_BODY_LIMIT: usize = 1024 * 1024;

/// pjx for an actix-web app: wrap the app in it.
///
/// Every request then runs in its own request scope (so `#[mutates]` code records what it
/// changed), every htmx response carries the out-of-band swaps of the regions that changed,
/// redirects answer htmx properly, full pages get the client runtime, and the runtime and
/// component assets are served from the binary under `/_pjx/`.
///
/// ```no_run
/// use std::sync::Arc;
/// use actix_web::{App, HttpServer, web};
/// use pjx::{DevMode, LoadCx};
/// use pjx_actix::Pjx;
///
/// struct Db;
///
/// # async fn run() -> std::io::Result<()> {
/// let db = web::Data::new(Db);
/// let pjx = Pjx::new()
///     .context(|req| {
///         let db = req.app_data::<web::Data<Db>>().expect("Db is registered").clone();
///         LoadCx::new().with(db)
///     })
///     .invalidation(Arc::new(pjx::cache::InProcess)) // share loads across requests
///     .dev_mode(DevMode::Warn);
/// HttpServer::new(move || App::new().app_data(db.clone()).wrap(pjx.clone()))
///     .bind(("127.0.0.1", 8000))?
///     .run()
///     .await
/// # }
/// ```
///
/// Configure it before cloning it into the server's app factory: clones share one engine
/// (one shared cache), built when the app is (the first `.wrap(pjx)`) or by
/// [`shared_engine`](Self::shared_engine).
///
/// # Panics
///
/// Every setting is checked where it is given, while the app is set up, before it serves
/// anything: a setting given twice panics (no silent winner), and so does a setting of the
/// engine (`dev_mode`, `limits`, `invalidation`, `permission`, `state_keys`, `state_max_age`,
/// `clock`) next to [`engine`](Self::engine), which would otherwise be ignored.
///
/// ```should_panic
/// use pjx::DevMode;
/// // pjx: `Pjx::dev_mode` is given twice
/// let pjx = pjx_actix::Pjx::new().dev_mode(DevMode::Warn).dev_mode(DevMode::Strict);
/// ```
#[derive(Clone)]
pub struct Pjx {
    pub(crate) config: Arc<Config>,
}

pub(crate) struct Config {
    engine: OnceLock<Arc<Engine>>,
    settings: Settings,
}

#[derive(Clone, Default)]
struct Settings {
    engine: Option<Arc<Engine>>,
    backend: Option<Arc<dyn InvalidationBackend>>,
    dev: Option<DevMode>,
    limits: Option<Limits>,
    permission: Option<PermissionHook>,
    context: Option<ContextFactory>,
    identity: Option<IdentitySource>,
    client_addr: Option<AddrSource>,
    browser: Option<BrowserSource>,
    state_keys: Option<StateKeys>,
    state_max_age: Option<Duration>,
    clock: Option<Clock>,
    event_body_limit: Option<usize>,
    no_runtime: bool,
    htmx: Option<HtmxLine>,
    data: Vec<DataSource>,
}

impl Settings {
    /// The settings that configure the engine, by the name of their method, when given.
    fn engine_settings(&self) -> Vec<&'static str> {
        let given = [
            ("invalidation", self.backend.is_some()),
            ("dev_mode", self.dev.is_some()),
            ("limits", self.limits.is_some()),
            ("permission", self.permission.is_some()),
            ("state_keys", self.state_keys.is_some()),
            ("state_max_age", self.state_max_age.is_some()),
            ("clock", self.clock.is_some()),
        ];
        given
            .into_iter()
            .filter(|(_, given)| *given)
            .map(|(name, _)| name)
            .collect()
    }
}

/// Panics with the rule a setting broke: given twice, or next to [`Pjx::engine`].
#[track_caller]
fn refuse_setting(settings: &Settings, method: &str, given: bool, engine_level: bool) {
    if given {
        panic!(
            "pjx: `Pjx::{method}` is given twice: give each setting once (the second would \
             silently win)"
        );
    }
    if engine_level && settings.engine.is_some() {
        panic!(
            "pjx: `Pjx::{method}` next to `Pjx::engine` would be ignored: give it to the \
             engine instead (`Engine::builder().{method}(…)`)"
        );
    }
}

impl Default for Pjx {
    fn default() -> Self {
        Pjx::from_settings(Settings::default())
    }
}

impl fmt::Debug for Pjx {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.config.settings;
        f.debug_struct("Pjx")
            .field("shared_cache", &(s.backend.is_some()))
            .field("dev", &s.dev)
            .field("limits", &s.limits)
            .field("context", &s.context.is_some())
            .field("data", &s.data.iter().map(|d| d.name).collect::<Vec<_>>())
            .field("identity", &s.identity.is_some())
            .field("browser_identity", &s.browser.is_some())
            .field("state_keys", &s.state_keys.is_some())
            .field("state_max_age", &s.state_max_age)
            .field("inject_runtime", &!s.no_runtime)
            .field("htmx", &self.config.htmx_line())
            .finish()
    }
}

impl Pjx {
    /// pjx with the defaults: every registered component, no shared cache, dev mode off,
    /// default header limits, an empty load context, the runtime injected into full pages.
    pub fn new() -> Self {
        Self::default()
    }

    fn from_settings(settings: Settings) -> Self {
        Pjx {
            config: Arc::new(Config {
                engine: OnceLock::new(),
                settings,
            }),
        }
    }

    fn with(self, change: impl FnOnce(&mut Settings)) -> Self {
        let mut settings = self.config.settings.clone();
        change(&mut settings);
        Pjx::from_settings(settings)
    }

    /// Builds each request's [`LoadCx`] from the request: a database handle from the app
    /// data, the current user from the session, …
    #[track_caller]
    pub fn context(self, factory: impl Fn(&HttpRequest) -> LoadCx + Send + Sync + 'static) -> Self {
        let s = &self.config.settings;
        refuse_setting(s, "context", s.context.is_some(), false);
        self.with(|s| s.context = Some(Arc::new(factory)))
    }

    /// Tells who is signed in: the [`Identity`] goes into every request's [`LoadCx`], where
    /// permissions, rate limits and render caches look for it. With actix-identity:
    ///
    /// ```
    /// # use actix_web::HttpRequest;
    /// # fn session_user(_: &HttpRequest) -> Option<String> { None }
    /// use pjx::Identity;
    /// let pjx = pjx_actix::Pjx::new().identity(|req| session_user(req).map(Identity::user));
    /// # let _ = pjx;
    /// ```
    ///
    /// (`session_user` being e.g. `actix_identity::IdentityExt::get_identity(req).ok()?.id().ok()`.)
    /// The identity and session middlewares must wrap *outside* pjx (`.wrap(pjx)` first), so
    /// the session is loaded when pjx asks.
    #[track_caller]
    pub fn identity(
        self,
        source: impl Fn(&HttpRequest) -> Option<Identity> + Send + Sync + 'static,
    ) -> Self {
        let s = &self.config.settings;
        refuse_setting(s, "identity", s.identity.is_some(), false);
        self.with(|s| s.identity = Some(Arc::new(source)))
    }

    /// Tells the client's address, which anonymous requesters' rate limits are kept by. The
    /// default is the connection's peer address; behind a reverse proxy, read the header the
    /// proxy sets (and only trust it from the proxy).
    #[track_caller]
    pub fn client_addr(
        self,
        source: impl Fn(&HttpRequest) -> Option<String> + Send + Sync + 'static,
    ) -> Self {
        let s = &self.config.settings;
        refuse_setting(s, "client_addr", s.client_addr.is_some(), false);
        self.with(|s| s.client_addr = Some(Arc::new(source)))
    }

    /// Tells which browser an anonymous visitor is on, instead of pjx's own cookie (see
    /// below). State tokens issued to anonymous visitors are bound to it, and their rate
    /// limits are kept by it. With actix-session, keep an id in the session:
    ///
    /// ```
    /// # use actix_web::HttpRequest;
    /// # fn session_get(_: &HttpRequest) -> Option<String> { None }
    /// # fn session_insert(_: &HttpRequest, _: &str) -> Option<()> { Some(()) }
    /// # fn random_id() -> String { "x".into() }
    /// use pjx::security::auth::Browser;
    /// let pjx = pjx_actix::Pjx::new().browser_identity(|req| match session_get(req) {
    ///     Some(id) => Some(Browser::known(id)),
    ///     None => {
    ///         let id = random_id(); // 128 random bits
    ///         session_insert(req, &id)?;
    ///         Some(Browser::new_visitor(id))
    ///     }
    /// });
    /// # let _ = pjx;
    /// ```
    ///
    /// (`session_get` being `req.get_session().get::<String>("browser").ok().flatten()`, and
    /// `session_insert` `req.get_session().insert("browser", id).ok()`.) Say
    /// [`Browser::known`] only for an id the client sent back, [`Browser::new_visitor`] for
    /// one made now: rate limits trust only known ones. Returning `None` leaves anonymous
    /// state bound to nobody in particular (any requester without a browser may use it).
    ///
    /// By default pjx keeps the id in a cookie of its own, `pjx-browser` (`__Host-pjx-browser`
    /// over HTTPS): 128 random bits and a MAC under the state keys, `HttpOnly`,
    /// `SameSite=Lax`, `Secure` over HTTPS, set once per browser for a year.
    #[track_caller]
    pub fn browser_identity(
        self,
        source: impl Fn(&HttpRequest) -> Option<Browser> + Send + Sync + 'static,
    ) -> Self {
        let s = &self.config.settings;
        refuse_setting(s, "browser_identity", s.browser.is_some(), false);
        self.with(|s| s.browser = Some(Arc::new(source)))
    }

    /// How long a component's state token is accepted after it was issued (default 12
    /// hours, [`pjx::security::state::DEFAULT_MAX_AGE`]). An older one is answered with 400
    /// `state_expired`, and pjx.js mounts the component afresh.
    ///
    /// ```
    /// let pjx = pjx_actix::Pjx::new().state_max_age(std::time::Duration::from_secs(2 * 3600));
    /// # let _ = pjx;
    /// ```
    #[track_caller]
    pub fn state_max_age(self, max_age: Duration) -> Self {
        let s = &self.config.settings;
        refuse_setting(s, "state_max_age", s.state_max_age.is_some(), true);
        self.with(|s| s.state_max_age = Some(max_age))
    }

    /// Issues and checks state tokens by `clock` instead of the system's: for tests that
    /// make tokens expire ([`Clock::manual`]).
    #[track_caller]
    pub fn clock(self, clock: Clock) -> Self {
        let s = &self.config.settings;
        refuse_setting(s, "clock", s.clock.is_some(), true);
        self.with(|s| s.clock = Some(clock))
    }

    /// The keys components' state is signed with: the first signs, all verify (put a new key
    /// first to rotate, and drop the old one later). Without keys, a random key is made at
    /// startup (with a warning): state then does not survive a restart or span processes.
    ///
    /// ```
    /// use pjx::{StateKey, StateKeys};
    /// let secret = std::env::var("PJX_SECRET").unwrap_or_else(|_| "dev only".into());
    /// let pjx = pjx_actix::Pjx::new().state_keys(StateKeys::new([StateKey::from_secret(secret)]));
    /// # let _ = pjx;
    /// ```
    #[track_caller]
    pub fn state_keys(self, keys: StateKeys) -> Self {
        let s = &self.config.settings;
        refuse_setting(s, "state_keys", s.state_keys.is_some(), true);
        self.with(|s| s.state_keys = Some(keys))
    }

    /// The largest body the dispatch route reads (default 1 MiB); larger ones get a 413.
    #[track_caller]
    pub fn event_body_limit(self, bytes: usize) -> Self {
        let s = &self.config.settings;
        refuse_setting(s, "event_body_limit", s.event_body_limit.is_some(), false);
        self.with(|s| s.event_body_limit = Some(bytes))
    }

    /// Turns on the shared load cache, kept consistent across processes by `backend`
    /// ([`pjx::cache::InProcess`] for a single process). Work outside requests reaches it
    /// through the engine ([`shared_engine`](Self::shared_engine)).
    #[track_caller]
    pub fn invalidation(self, backend: Arc<dyn InvalidationBackend>) -> Self {
        let s = &self.config.settings;
        refuse_setting(s, "invalidation", s.backend.is_some(), true);
        self.with(|s| s.backend = Some(backend))
    }

    /// Sets the dev mode (see [`DevMode`]).
    #[track_caller]
    pub fn dev_mode(self, dev: DevMode) -> Self {
        let s = &self.config.settings;
        refuse_setting(s, "dev_mode", s.dev.is_some(), true);
        self.with(|s| s.dev = Some(dev))
    }

    /// Sets the size limits for the client's headers.
    #[track_caller]
    pub fn limits(self, limits: Limits) -> Self {
        let s = &self.config.settings;
        refuse_setting(s, "limits", s.limits.is_some(), true);
        self.with(|s| s.limits = Some(limits))
    }

    /// Decides, per component type and requester, whether regions may be rendered out of band.
    #[track_caller]
    pub fn permission(
        self,
        hook: impl Fn(&ReactiveType, &LoadCx) -> bool + Send + Sync + 'static,
    ) -> Self {
        let s = &self.config.settings;
        refuse_setting(s, "permission", s.permission.is_some(), true);
        self.with(|s| s.permission = Some(Arc::new(hook)))
    }

    /// Uses a ready-made engine (its own registry, cache, limits, dev mode, permission hook,
    /// state keys and clock) instead of building one from these settings.
    ///
    /// The settings of the engine itself go to [`Engine::builder`]; giving one to `Pjx` as
    /// well panics, whichever comes first, rather than being ignored. What `Pjx` does per
    /// request (`data`, `context`, `identity`, `client_addr`, `browser_identity`,
    /// `event_body_limit`, `without_runtime_injection`) combines with it.
    ///
    /// ```
    /// use pjx::{DevMode, Engine};
    /// let engine = Engine::builder().dev_mode(DevMode::Warn).build();
    /// let pjx = pjx_actix::Pjx::new().engine(engine);
    /// # let _ = pjx;
    /// ```
    ///
    /// ```should_panic
    /// use pjx::{DevMode, Engine};
    /// // pjx: `Pjx::dev_mode` next to `Pjx::engine` would be ignored
    /// let pjx = pjx_actix::Pjx::new().engine(Engine::builder().build()).dev_mode(DevMode::Warn);
    /// ```
    #[track_caller]
    pub fn engine(self, engine: Arc<Engine>) -> Self {
        let s = &self.config.settings;
        if s.engine.is_some() {
            panic!("pjx: `Pjx::engine` is given twice: give each setting once");
        }
        let ignored = s.engine_settings();
        if !ignored.is_empty() {
            panic!(
                "pjx: `Pjx::{}` next to `Pjx::engine` would be ignored: give {} to the engine \
                 instead (`Engine::builder()`)",
                ignored.join("`, `Pjx::"),
                if ignored.len() == 1 { "it" } else { "them" },
            );
        }
        self.with(|s| s.engine = Some(engine))
    }

    /// Puts the app's `web::Data<T>` into every request's [`LoadCx`], as an `Arc<T>`: `load`
    /// functions and event handlers read it with `cx.require::<T>()?` (or
    /// `cx.require::<Arc<T>>()?` to keep a handle). No context factory needed.
    ///
    /// ```
    /// use actix_web::{App, web};
    /// use pjx::{LoadCx, LoadError};
    /// use pjx_actix::Pjx;
    ///
    /// struct Store { name: &'static str }
    ///
    /// fn title(cx: &LoadCx) -> Result<&'static str, LoadError> {
    ///     Ok(cx.require::<Store>()?.name)
    /// }
    ///
    /// let pjx = Pjx::new().data::<Store>();
    /// let store = web::Data::new(Store { name: "todo" });
    /// let app = App::new().app_data(store).wrap(pjx);
    /// # let _ = (app, title);
    /// ```
    ///
    /// The data must be registered on the `App` (`App::app_data`, or `ServiceConfig::app_data`
    /// from `App::configure`): the middleware runs before routing, where data registered on a
    /// scope or resource is not visible yet. A request to an app without it is answered 500,
    /// with an error naming the type and the fix logged (on standard error when no `tracing`
    /// subscriber is installed). The middleware cannot see the app's data before a request
    /// (actix builds them apart), so this is checked at each request, starting with the first.
    ///
    /// # Panics
    ///
    /// When `T` is given twice.
    #[track_caller]
    pub fn data<T: Send + Sync + 'static>(self) -> Self {
        let type_id = TypeId::of::<T>();
        let name = type_name::<T>();
        if self
            .config
            .settings
            .data
            .iter()
            .any(|d| d.type_id == type_id)
        {
            panic!("pjx: `Pjx::data::<{name}>()` is given twice: give each setting once");
        }
        self.with(|s| {
            s.data.push(DataSource {
                type_id,
                name,
                put: put_data::<T>,
            });
        })
    }

    /// Leaves full pages alone: no `<script>` tags are injected (put
    /// [`client_script()`](crate::client_script) in your layout instead).
    #[track_caller]
    pub fn without_runtime_injection(self) -> Self {
        let s = &self.config.settings;
        refuse_setting(s, "without_runtime_injection", s.no_runtime, false);
        self.with(|s| s.no_runtime = true)
    }

    /// Which htmx the app runs on: [`HtmxLine::V2`] (the default) or [`HtmxLine::V4`]. The
    /// middleware injects that line's htmx into full pages; a layout written by hand uses
    /// [`HtmxLine::client_script`]. pjx.js runs on either (see `docs/client.md`).
    ///
    /// ```
    /// use pjx_actix::{HtmxLine, Pjx};
    /// let pjx = Pjx::new().htmx(HtmxLine::V4);
    /// ```
    #[track_caller]
    pub fn htmx(self, line: HtmxLine) -> Self {
        let s = &self.config.settings;
        refuse_setting(s, "htmx", s.htmx.is_some(), false);
        self.with(|s| s.htmx = Some(line))
    }

    /// The engine requests run with, built on first use: the handle for work outside
    /// requests, which runs its `#[mutates]` code in [`Engine::scope`] (or calls
    /// [`Engine::invalidate`]) so this app's caches hear of it.
    ///
    /// ```
    /// # use pjx::MutationKey;
    /// # #[derive(MutationKey)] enum Keys { Todos }
    /// let pjx = pjx_actix::Pjx::new();
    /// let engine = pjx.shared_engine();
    /// std::thread::spawn(move || engine.invalidate([Keys::Todos])).join().unwrap();
    /// ```
    pub fn shared_engine(&self) -> Arc<Engine> {
        self.config.engine().clone()
    }
}

impl Config {
    pub(crate) fn engine(&self) -> &Arc<Engine> {
        self.engine.get_or_init(|| {
            let s = &self.settings;
            let engine = match &s.engine {
                // The settings of the engine were refused next to it when given.
                Some(engine) => {
                    if engine.state_keys().is_none() && engine.registry().has_events() {
                        report_error(
                            "the engine given to Pjx::engine has no state keys (EngineBuilder::state_keys): components with events cannot render",
                        );
                    }
                    Arc::clone(engine)
                }
                // The registry is collected now, so two components under one name stop the
                // app at startup (naming both), not at its first request.
                None => self.build_engine(Registry::global().has_events()),
            };
            engine.registry();
            engine
        })
    }

    fn build_engine(&self, has_stateful: bool) -> Arc<Engine> {
        let s = &self.settings;
        let mut builder = Engine::builder().dev_mode(s.dev.unwrap_or_default());
        if let Some(limits) = s.limits {
            builder = builder.limits(limits);
        }
        if let Some(backend) = &s.backend {
            builder = builder.invalidation(Arc::clone(backend));
        }
        if let Some(hook) = &s.permission {
            let hook = Arc::clone(hook);
            builder = builder.permission(move |ty, cx| hook(ty, cx));
        }
        let keys = s.state_keys.clone().unwrap_or_else(|| {
            if has_stateful {
                report_warning(
                    "no state keys configured (Pjx::state_keys): signing component state with a random key; state will not survive a restart",
                );
            }
            StateKeys::new([StateKey::random()])
        });
        if let Some(max_age) = s.state_max_age {
            builder = builder.state_max_age(max_age);
        }
        if let Some(clock) = &s.clock {
            builder = builder.clock(clock.clone());
        }
        builder.state_keys(keys).build()
    }

    pub(crate) fn event_body_limit(&self) -> usize {
        self.settings
            .event_body_limit
            .unwrap_or(DEFAULT_EVENT_BODY_LIMIT)
    }

    pub(crate) fn inject_runtime(&self) -> bool {
        !self.settings.no_runtime
    }

    pub(crate) fn htmx_line(&self) -> HtmxLine {
        self.settings.htmx.unwrap_or_default()
    }
}

/// Logs a warning the user must see: through `tracing` when a subscriber is installed, else
/// on standard error.
pub(crate) fn report_warning(message: &str) {
    if pjx::engine::has_subscriber() {
        tracing::warn!(target: "pjx::actix", "{message}");
    } else {
        eprintln!("pjx: warning: {message}");
    }
}

/// Logs an error the user must see: through `tracing` when a subscriber is installed, else
/// on standard error.
pub(crate) fn report_error(message: &str) {
    if pjx::engine::has_subscriber() {
        tracing::error!(target: "pjx::actix", "{message}");
    } else {
        eprintln!("pjx: error: {message}");
    }
}
