//! The caches: the load cache's two tiers and the render cache, and the one path that
//! invalidates them all.
//!
//! - **The request tier** of the load cache lives in the request scope and is always on: a
//!   region loaded twice in one request (say, as the primary and again by the walk) reaches the
//!   store once.
//! - **The shared tier** ([`SharedCache`]) lives in the engine, shared by every actix worker,
//!   and is switched on by configuring an [`InvalidationBackend`]: [`InProcess`] for one
//!   process, a pub/sub backend when several processes must hear each other's invalidations.
//! - **The render cache** ([`RenderCache`]) keeps rendered mounts of `cache = "…"` components.
//!
//! [`Caches`], owned by the engine, holds the last two: every invalidation — a request's
//! `#[mutates]`, [`Engine::invalidate`](crate::Engine::invalidate), or another process's,
//! delivered by the backend — goes through [`Caches::invalidate`] and reaches both. Nothing is
//! kept in process globals: two engines in one process never share a cache.
//!
//! Entries are immutable `Arc`s: a caller can read a cached component but never change the
//! cached value. Invalidation goes through a reverse index (key → entries) and a forward
//! index (entry → keys), so it costs the entries it touches, not the size of the cache.
//!
//! **Which entries a key concerns.** A whole key `todos` concerns every entry of a type reacting
//! to it. A keyed key `todos:7` concerns the keyed entries loaded with `7` *and* every unkeyed
//! entry reacting to `todos`: an aggregate (a count, a total) changes when any member does.
//! Keyed entries loaded with other keys are untouched.
//!
//! **Races.** A load runs without any lock held and may take a while; an invalidation of one
//! of its keys may land meanwhile. Every invalidation bumps an epoch, recorded per key name and
//! per keyed key; a load remembers the epoch it started at and its result is only stored if
//! nothing that concerns it was invalidated since. (An invalidation of `todos:7` refuses a
//! concurrent load of row 7 or of the count, not of row 8.)
//!
//! **Who asks.** Entries of a type that declares permissions may depend on the requester (its
//! `load` may read the identity), so the shared tier keeps them per signed-in user.

mod backend;
mod epochs;
mod render;
mod request;
mod shared;

use std::fmt;
use std::sync::{Arc, Weak};

pub use backend::{InProcess, InvalidationBackend, InvalidationSink};
pub use epochs::Ticket;
pub use render::{CachedRender, RenderCache};
pub(crate) use request::RequestCache;
pub use shared::{CacheStats, SharedCache};

use crate::key::{Key, ReactSet};

/// Identifies a cache entry: a component type, the canonical text of its load key (empty
/// for singletons) and, for types with permissions, whom it was loaded for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EntryKey {
    /// The registered type name.
    pub type_name: &'static str,
    /// The canonical load key.
    pub load: Box<str>,
    /// The requester it was loaded for (`user:<id>` or `anonymous`), for types whose loads
    /// may depend on who asks; `None` when shared by everyone.
    pub subject: Option<Box<str>>,
}

impl EntryKey {
    /// The entry of `type_name` loaded with `load`, shared by every requester.
    pub fn new(type_name: &'static str, load: impl Into<Box<str>>) -> Self {
        EntryKey {
            type_name,
            load: load.into(),
            subject: None,
        }
    }

    /// This entry, kept apart for `subject`.
    pub fn for_subject(mut self, subject: impl Into<Box<str>>) -> Self {
        self.subject = Some(subject.into());
        self
    }
}

impl fmt::Display for EntryKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.type_name)?;
        if !self.load.is_empty() {
            write!(f, "({})", self.load)?;
        }
        if let Some(subject) = &self.subject {
            write!(f, " for {subject}")?;
        }
        Ok(())
    }
}

/// Whether the dirtied `key` concerns an entry of a type reacting to `react`, loaded with
/// `load`: `todos` concerns every such entry; `todos:7` the keyed one loaded with `7` and
/// every unkeyed one.
///
/// ```
/// use pjx::{Key, ReactSet};
/// use pjx::cache::concerns;
/// let react = ReactSet::new([Key::new("todos")]);
/// let seven = Key::with_instance("todos", "7");
/// assert!(concerns(&seven, &react, "7", true));
/// assert!(!concerns(&seven, &react, "8", true));
/// assert!(concerns(&seven, &react, "", false)); // an aggregate of all todos
/// assert!(!concerns(&Key::new("users"), &react, "", false));
/// ```
pub fn concerns(key: &Key, react: &ReactSet, load: &str, keyed: bool) -> bool {
    if !react.contains(key.name()) {
        return false;
    }
    match key.instance() {
        None => true,
        Some(instance) => !keyed || instance == load,
    }
}

/// The engine's caches across requests: the shared tier of the load cache (when an
/// invalidation backend is configured) and the render cache, invalidated together.
pub struct Caches {
    shared: Option<SharedCache>,
    render: RenderCache,
    backend: Option<Arc<dyn InvalidationBackend>>,
}

impl fmt::Debug for Caches {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Caches")
            .field("shared", &self.shared)
            .field("render", &self.render)
            .finish()
    }
}

impl Caches {
    /// The caches, with a shared load-cache tier kept consistent across processes by
    /// `backend`, or without one.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use pjx::cache::{Caches, InProcess};
    /// # use pjx::MutationKey;
    /// # #[derive(MutationKey)] enum Keys { Todos }
    /// let caches = Caches::new(Some(Arc::new(InProcess)));
    /// assert!(caches.shared().is_some());
    /// caches.invalidate(&[Keys::Todos.into()]);
    /// ```
    pub fn new(backend: Option<Arc<dyn InvalidationBackend>>) -> Arc<Caches> {
        let caches = Arc::new(Caches {
            shared: backend.is_some().then(SharedCache::new),
            render: RenderCache::default(),
            backend: backend.clone(),
        });
        if let Some(backend) = backend {
            let weak: Weak<Caches> = Arc::downgrade(&caches);
            backend.subscribe(Arc::new(move |keys: &[Key]| {
                if let Some(caches) = weak.upgrade() {
                    caches.invalidate_local(keys);
                }
            }));
        }
        caches
    }

    /// The shared tier of the load cache, when a backend is configured.
    pub fn shared(&self) -> Option<&SharedCache> {
        self.shared.as_ref()
    }

    /// The render cache.
    pub fn render(&self) -> &RenderCache {
        &self.render
    }

    /// Evicts what `keys` concern from every cache here, then tells the other processes.
    pub fn invalidate(&self, keys: &[Key]) {
        if keys.is_empty() {
            return;
        }
        self.invalidate_local(keys);
        if let Some(backend) = &self.backend {
            backend.publish(keys);
        }
    }

    /// Evicts what `keys` concern from every cache here (what another process's
    /// invalidation, delivered by the backend, does).
    pub fn invalidate_local(&self, keys: &[Key]) {
        if let Some(shared) = &self.shared {
            shared.evict(keys);
        }
        self.render.invalidate(keys);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use parking_lot::Mutex;

    use super::*;

    /// Processes on one bus: each backend delivers what the others publish.
    #[derive(Default)]
    struct Bus(Mutex<Vec<InvalidationSink>>);
    struct Peer(Arc<Bus>);

    impl InvalidationBackend for Peer {
        fn publish(&self, keys: &[Key]) {
            for sink in self.0.0.lock().iter() {
                sink(keys);
            }
        }
        fn subscribe(&self, sink: InvalidationSink) {
            self.0.0.lock().push(sink);
        }
    }

    fn fill(caches: &Caches) -> EntryKey {
        let row = EntryKey::new("row", "1");
        let shared = caches.shared().unwrap();
        let react = ReactSet::new([Key::new("todos")]);
        shared.insert(
            shared.begin(),
            row.clone(),
            Arc::new(1u8),
            &react,
            None,
            true,
        );
        let ticket = caches.render().begin();
        caches.render().insert(
            "best".into(),
            CachedRender {
                html: "<p></p>".into(),
                state: "s".into(),
                component_id: "best".into(),
                optimistic: Vec::new(),
            },
            Duration::from_secs(60),
            &["todos"],
            ticket,
        );
        row
    }

    #[test]
    fn one_invalidation_reaches_every_cache_in_every_process() {
        let bus = Arc::new(Bus::default());
        let here = Caches::new(Some(Arc::new(Peer(Arc::clone(&bus)))));
        let there = Caches::new(Some(Arc::new(Peer(bus))));
        let other = Caches::new(Some(Arc::new(InProcess)));
        for caches in [&here, &there, &other] {
            fill(caches);
        }
        here.invalidate(&[Key::with_instance("todos", "1")]);
        for caches in [&here, &there] {
            assert!(caches.shared().unwrap().is_empty());
            assert!(caches.render().get("best").is_none());
        }
        // Another engine in the same process shares nothing with them.
        assert_eq!(other.shared().unwrap().len(), 1);
        assert!(other.render().get("best").is_some());
    }
}
