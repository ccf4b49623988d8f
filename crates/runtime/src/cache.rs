//! The load cache: results of `load`, keyed by (component type, load key).
//!
//! - **Tier 1** lives in the request scope and is always on: a region loaded twice in one
//!   request (say, as the primary and again by the walk) reaches the store once.
//! - **Tier 2** ([`SharedCache`]) lives per process, shared by every actix worker, and is
//!   switched on by configuring an [`InvalidationBackend`]: [`InProcess`] for one process, a
//!   pub/sub backend when several processes must hear each other's invalidations.
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

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::{Arc, Weak};

use parking_lot::{Mutex, RwLock};

use crate::key::{Key, ReactSet};
use crate::registry::AnyComponent;

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

/// The request tier: a plain map, private to one request.
#[derive(Default)]
pub(crate) struct RequestCache {
    entries: HashMap<EntryKey, (Arc<AnyComponent>, &'static ReactSet, bool)>,
    /// Bumped by every mutation recorded in the request.
    epoch: u64,
}

impl RequestCache {
    pub(crate) fn get(&self, key: &EntryKey) -> Option<Arc<AnyComponent>> {
        self.entries.get(key).map(|(v, _, _)| Arc::clone(v))
    }

    pub(crate) fn epoch(&self) -> u64 {
        self.epoch
    }

    /// Stores a result unless the request mutated state since the load began.
    pub(crate) fn insert(
        &mut self,
        started: u64,
        key: EntryKey,
        value: Arc<AnyComponent>,
        react: &'static ReactSet,
        keyed: bool,
    ) {
        if started == self.epoch {
            self.entries.insert(key, (value, react, keyed));
        }
    }

    /// Drops the entries the keys concern.
    pub(crate) fn invalidate(&mut self, keys: &[Key]) {
        self.epoch += 1;
        self.entries.retain(|entry, (_, react, keyed)| {
            !keys.iter().any(|k| concerns(k, react, &entry.load, *keyed))
        });
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }
}

/// Delivers invalidations between processes.
///
/// The process that mutated state evicts its own entries, then calls
/// [`publish`](Self::publish); every other process's cache hears of it through the callback
/// given to [`subscribe`](Self::subscribe).
///
/// ```
/// use std::sync::Arc;
/// use pjx::cache::{InProcess, SharedCache};
/// let cache = SharedCache::new(Arc::new(InProcess));
/// assert_eq!(cache.len(), 0);
/// ```
pub trait InvalidationBackend: Send + Sync + 'static {
    /// Tells the other processes that `keys` changed.
    fn publish(&self, keys: &[Key]);

    /// Delivers other processes' invalidations to `sink` from now on.
    fn subscribe(&self, sink: InvalidationSink);
}

/// Where a backend delivers invalidations it received.
pub type InvalidationSink = Arc<dyn Fn(&[Key]) + Send + Sync>;

/// The backend for a single process: there is nobody else to tell.
#[derive(Debug, Clone, Copy, Default)]
pub struct InProcess;

impl InvalidationBackend for InProcess {
    fn publish(&self, _keys: &[Key]) {}
    fn subscribe(&self, _sink: InvalidationSink) {}
}

/// The result of [`SharedCache::begin`] (and the render cache's): when a load started, for
/// the race check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ticket(u64);

/// The race check of the shared and render caches: every invalidation bumps an epoch and
/// records it per key name (whole keys), per name for any instance (keyed keys, which concern
/// unkeyed entries), and per keyed key. A result whose ticket predates an invalidation that
/// concerns it may show the state from before, and is not stored.
///
/// Names are `&'static str`s from declared key enums, so the per-name maps stay as small as
/// the set of key names; the per-instance map is bounded: past [`MAX_INSTANCES`] it is
/// cleared and every older ticket counts as stale for keyed entries (a reload, never a stale
/// entry).
#[derive(Default)]
pub(crate) struct Epochs {
    epoch: u64,
    /// The last whole-key invalidation of each name.
    whole: HashMap<&'static str, u64>,
    /// The last invalidation of any instance of each name.
    any_instance: HashMap<&'static str, u64>,
    /// The last invalidation of each keyed key, by name and instance.
    instances: HashMap<&'static str, HashMap<Box<str>, u64>>,
    /// How many keyed keys `instances` holds.
    instance_count: usize,
    /// When `instances` was last cleared.
    instances_since: u64,
}

/// How many keyed keys [`Epochs`] remembers before starting afresh.
const MAX_INSTANCES: usize = 4_096;

impl Epochs {
    /// The ticket of a load starting now.
    pub(crate) fn ticket(&self) -> Ticket {
        Ticket(self.epoch)
    }

    /// Records an invalidation of `keys`.
    pub(crate) fn invalidate<'k>(&mut self, keys: impl IntoIterator<Item = &'k Key>) {
        self.epoch += 1;
        let epoch = self.epoch;
        for key in keys {
            match key.instance() {
                None => {
                    self.whole.insert(key.name(), epoch);
                }
                Some(instance) => {
                    self.any_instance.insert(key.name(), epoch);
                    if self.instance_count >= MAX_INSTANCES {
                        self.instances.clear();
                        self.instance_count = 0;
                        self.instances_since = epoch;
                    }
                    let known = self.instances.entry(key.name()).or_default();
                    if known.insert(instance.into(), epoch).is_none() {
                        self.instance_count += 1;
                    }
                }
            }
        }
    }

    /// Whether something concerning an entry reacting to `names` — keyed and loaded with
    /// `load`, or unkeyed when `load` is `None` — was invalidated after `ticket` was taken.
    pub(crate) fn stale(
        &self,
        ticket: Ticket,
        names: impl Iterator<Item = &'static str>,
        load: Option<&str>,
    ) -> bool {
        let after = |at: Option<&u64>| at.is_some_and(|&at| at > ticket.0);
        let mut names = names.peekable();
        if load.is_some() && names.peek().is_some() && self.instances_since > ticket.0 {
            return true; // the record of instances invalidated since is gone
        }
        names.any(|name| {
            after(self.whole.get(name))
                || match load {
                    None => after(self.any_instance.get(name)),
                    Some(load) => after(self.instances.get(name).and_then(|m| m.get(load))),
                }
        })
    }
}

/// Counters describing what a cache did (for tests, benches and dev tooling).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Lookups answered from the cache.
    pub hits: u64,
    /// Lookups that missed.
    pub misses: u64,
    /// Results stored.
    pub stored: u64,
    /// Results not stored because a key was invalidated during their load.
    pub refused_stale: u64,
    /// Entries evicted by invalidations.
    pub evicted: u64,
}

struct Stored {
    value: Arc<AnyComponent>,
    /// Forward index: the index keys this entry is filed under.
    keys: Vec<Key>,
    /// Whether it is unkeyed, and so also filed in `aggregates` under its keys' names.
    aggregate: bool,
}

#[derive(Default)]
struct SharedState {
    entries: HashMap<EntryKey, Stored>,
    /// Reverse index: which entries each key concerns (whole keys: every entry reacting to
    /// them; keyed keys: the keyed entry loaded with that instance).
    index: HashMap<Key, HashSet<EntryKey>>,
    /// The unkeyed entries reacting to each name, which every keyed key of that name
    /// concerns too.
    aggregates: HashMap<&'static str, HashSet<EntryKey>>,
    epochs: Epochs,
    stats: CacheStats,
}

/// The process tier of the load cache. See the [module docs](self).
pub struct SharedCache {
    state: Mutex<SharedState>,
    backend: Arc<dyn InvalidationBackend>,
    max_entries: usize,
    /// Told about every invalidation, local or remote (render caches).
    listeners: RwLock<Vec<InvalidationSink>>,
}

impl fmt::Debug for SharedCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedCache")
            .field("entries", &self.len())
            .field("max_entries", &self.max_entries)
            .finish()
    }
}

impl SharedCache {
    /// A cache that tells others through `backend` and hears from them through it.
    pub fn new(backend: Arc<dyn InvalidationBackend>) -> Arc<Self> {
        Self::with_capacity(backend, 100_000)
    }

    /// [`new`](Self::new), holding at most `max_entries` (further results are simply not
    /// stored until invalidations make room).
    pub fn with_capacity(backend: Arc<dyn InvalidationBackend>, max_entries: usize) -> Arc<Self> {
        let cache = Arc::new(SharedCache {
            state: Mutex::new(SharedState::default()),
            backend: Arc::clone(&backend),
            max_entries,
            listeners: RwLock::new(Vec::new()),
        });
        let weak: Weak<SharedCache> = Arc::downgrade(&cache);
        backend.subscribe(Arc::new(move |keys: &[Key]| {
            if let Some(cache) = weak.upgrade() {
                cache.invalidate_local(keys);
            }
        }));
        cache
    }

    /// The cached value of `key`, if any.
    pub fn get(&self, key: &EntryKey) -> Option<Arc<AnyComponent>> {
        let mut state = self.state.lock();
        match state.entries.get(key).map(|s| Arc::clone(&s.value)) {
            Some(value) => {
                state.stats.hits += 1;
                Some(value)
            }
            None => {
                state.stats.misses += 1;
                None
            }
        }
    }

    /// Marks the start of a load; pass the ticket to [`insert`](Self::insert).
    pub fn begin(&self) -> Ticket {
        self.state.lock().epochs.ticket()
    }

    /// Stores a loaded value under the keys it depends on: `react` (the type's static set)
    /// or the narrower `depends_on`, plus `name:load` for keyed entries. Refuses (returns
    /// `false`) when one of the type's keys was invalidated after `ticket` was taken.
    pub fn insert(
        &self,
        ticket: Ticket,
        key: EntryKey,
        value: Arc<AnyComponent>,
        react: &ReactSet,
        depends_on: Option<&[Key]>,
        keyed: bool,
    ) -> bool {
        let mut state = self.state.lock();
        let load = keyed.then_some(&*key.load);
        if state
            .epochs
            .stale(ticket, react.keys().iter().map(Key::name), load)
        {
            state.stats.refused_stale += 1;
            return false;
        }
        if !state.entries.contains_key(&key) && state.entries.len() >= self.max_entries {
            return false;
        }
        let names = depends_on.unwrap_or(react.keys());
        let mut index_keys: Vec<Key> = Vec::with_capacity(names.len() * 2);
        for name in names {
            index_keys.push(name.base());
            if keyed {
                index_keys.push(Key::with_instance(name.name(), &*key.load));
            }
        }
        // Replacing an entry: unfile the old one first.
        if let Some(old) = state.entries.remove(&key) {
            state.unfile(&key, &old);
        }
        for k in &index_keys {
            state
                .index
                .entry(k.clone())
                .or_default()
                .insert(key.clone());
            if !keyed {
                state
                    .aggregates
                    .entry(k.name())
                    .or_default()
                    .insert(key.clone());
            }
        }
        state.entries.insert(
            key,
            Stored {
                value,
                keys: index_keys,
                aggregate: !keyed,
            },
        );
        state.stats.stored += 1;
        true
    }

    /// Evicts every entry the keys concern, here and (through the backend) in every other
    /// process. What `#[mutates]` calls; call it yourself after changing state outside a
    /// `#[mutates]` function (a background job, a migration).
    pub fn invalidate(&self, keys: &[Key]) {
        if keys.is_empty() {
            return;
        }
        self.invalidate_local(keys);
        self.backend.publish(keys);
    }

    /// Calls `listener` with the keys of every invalidation from now on, whether it happened
    /// here or came from another process through the backend.
    pub fn on_invalidate(&self, listener: InvalidationSink) {
        self.listeners.write().push(listener);
    }

    /// Evicts locally only (what a backend's subscription delivers), then tells the
    /// listeners.
    pub fn invalidate_local(&self, keys: &[Key]) {
        self.evict(keys);
        let listeners = self.listeners.read().clone();
        for listener in listeners {
            listener(keys);
        }
    }

    fn evict(&self, keys: &[Key]) {
        let mut state = self.state.lock();
        state.epochs.invalidate(keys);
        for key in keys {
            let mut concerned: Vec<EntryKey> = state
                .index
                .get(key)
                .map(|set| set.iter().cloned().collect())
                .unwrap_or_default();
            if key.instance().is_some()
                && let Some(aggregates) = state.aggregates.get(key.name())
            {
                concerned.extend(aggregates.iter().cloned());
            }
            for entry in concerned {
                if let Some(stored) = state.entries.remove(&entry) {
                    state.unfile(&entry, &stored);
                    state.stats.evicted += 1;
                }
            }
        }
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.state.lock().entries.len()
    }

    /// Whether the cache is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether `key` has an entry.
    pub fn contains(&self, key: &EntryKey) -> bool {
        self.state.lock().entries.contains_key(key)
    }

    /// Counters so far.
    pub fn stats(&self) -> CacheStats {
        self.state.lock().stats
    }

    /// Checks the forward and reverse indexes agree (tests).
    #[doc(hidden)]
    pub fn check_indexes(&self) -> Result<(), String> {
        let state = self.state.lock();
        for (entry, stored) in &state.entries {
            for k in &stored.keys {
                if !state.index.get(k).is_some_and(|s| s.contains(entry)) {
                    return Err(format!("{entry} is not filed under {k}"));
                }
            }
        }
        for (k, entries) in &state.index {
            if entries.is_empty() {
                return Err(format!("empty index set for {k}"));
            }
            for entry in entries {
                match state.entries.get(entry) {
                    Some(stored) if stored.keys.contains(k) => {}
                    _ => return Err(format!("index {k} names {entry}, which is not filed there")),
                }
            }
        }
        for (name, entries) in &state.aggregates {
            if entries.is_empty() {
                return Err(format!("empty aggregate set for {name}"));
            }
            for entry in entries {
                match state.entries.get(entry) {
                    Some(stored)
                        if stored.aggregate && stored.keys.iter().any(|k| k.name() == *name) => {}
                    _ => return Err(format!("aggregates of {name} name {entry} wrongly")),
                }
            }
        }
        Ok(())
    }
}

impl SharedState {
    /// Removes `entry` (just taken out of `entries`) from the reverse indexes.
    fn unfile(&mut self, entry: &EntryKey, stored: &Stored) {
        for k in &stored.keys {
            if let Some(set) = self.index.get_mut(k) {
                set.remove(entry);
                if set.is_empty() {
                    self.index.remove(k);
                }
            }
            if stored.aggregate
                && let Some(set) = self.aggregates.get_mut(k.name())
            {
                set.remove(entry);
                if set.is_empty() {
                    self.aggregates.remove(k.name());
                }
            }
        }
    }
}

static GLOBAL: RwLock<Option<Arc<SharedCache>>> = RwLock::new(None);

/// Makes `cache` the process's shared cache: the one `#[mutates]` invalidates when it runs
/// outside any request, and the one [`invalidate`] reaches. The actix adapter installs its
/// configured cache here.
pub fn install_global(cache: Arc<SharedCache>) {
    *GLOBAL.write() = Some(cache);
}

/// The process's shared cache, if one is installed.
pub fn global() -> Option<Arc<SharedCache>> {
    GLOBAL.read().clone()
}

/// Invalidates `keys` in the process's shared cache (and, through its backend, everywhere)
/// and in its render cache: for state changed outside a request, e.g. by a background job.
///
/// ```
/// # use pjx::MutationKey;
/// # #[derive(MutationKey)] enum Keys { Todos }
/// pjx::cache::invalidate([Keys::Todos]);  // a no-op until a shared cache is installed
/// ```
pub fn invalidate<K: crate::IntoKey>(keys: impl IntoIterator<Item = K>) {
    let keys: Vec<Key> = keys.into_iter().map(crate::IntoKey::into_key).collect();
    if let Some(cache) = global() {
        cache.invalidate(&keys);
    }
    crate::render_cache::invalidate_global(&keys);
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::Ordering;
    use std::sync::{Barrier, LazyLock};
    use std::thread;

    use super::*;

    static TODOS: LazyLock<ReactSet> = LazyLock::new(|| ReactSet::new([Key::new("todos")]));
    static BOTH: LazyLock<ReactSet> =
        LazyLock::new(|| ReactSet::new([Key::new("todos"), Key::new("stats")]));

    fn row(id: u64) -> EntryKey {
        EntryKey::new("row", id.to_string())
    }

    fn value(v: u64) -> Arc<AnyComponent> {
        Arc::new(v)
    }

    fn read(cache: &SharedCache, key: &EntryKey) -> Option<u64> {
        cache.get(key).map(|v| *v.downcast_ref::<u64>().unwrap())
    }

    #[test]
    fn a_load_that_began_before_an_invalidation_is_not_stored() {
        let cache = SharedCache::new(Arc::new(InProcess));
        let count = EntryKey::new("count", "");
        let ticket = cache.begin();
        cache.invalidate(&[Key::with_instance("todos", "9")]);
        // `todos:9` concerns row 9 and every unkeyed entry reacting to `todos`…
        assert!(!cache.insert(ticket, row(9), value(9), &TODOS, None, true));
        assert!(!cache.insert(ticket, count.clone(), value(0), &TODOS, None, false));
        assert_eq!(cache.stats().refused_stale, 2);
        // …but not a concurrent load of another row.
        assert!(cache.insert(ticket, row(1), value(1), &TODOS, None, true));
        // A load that began after it is stored.
        let ticket = cache.begin();
        assert!(cache.insert(ticket, row(9), value(2), &TODOS, None, true));
        assert_eq!(read(&cache, &row(9)), Some(2));
        // Invalidating an unrelated name does not block a load in flight.
        let ticket = cache.begin();
        cache.invalidate(&[Key::new("other")]);
        assert!(cache.insert(ticket, row(2), value(3), &TODOS, None, true));
        // A whole key refuses every load of its name in flight.
        let ticket = cache.begin();
        cache.invalidate(&[Key::new("todos")]);
        assert!(!cache.insert(ticket, row(3), value(3), &TODOS, None, true));
    }

    #[test]
    fn the_race_check_stays_bounded_and_safe() {
        let cache = SharedCache::new(Arc::new(InProcess));
        let ticket = cache.begin();
        for id in 0..(MAX_INSTANCES as u64 + 10) {
            cache.invalidate(&[Key::with_instance("todos", id.to_string())]);
        }
        assert!(cache.state.lock().epochs.instance_count <= MAX_INSTANCES);
        // The record of row 1's invalidation may be gone: the older load is refused anyway.
        assert!(!cache.insert(ticket, row(1), value(1), &TODOS, None, true));
        let ticket = cache.begin();
        assert!(cache.insert(ticket, row(1), value(1), &TODOS, None, true));
    }

    #[test]
    fn entries_of_guarded_types_are_kept_per_subject() {
        let cache = SharedCache::new(Arc::new(InProcess));
        let ann = EntryKey::new("inbox", "").for_subject("user:ann");
        let bob = EntryKey::new("inbox", "").for_subject("user:bob");
        let ticket = cache.begin();
        cache.insert(ticket, ann.clone(), value(1), &TODOS, None, false);
        assert_eq!(read(&cache, &ann), Some(1));
        assert_eq!(read(&cache, &bob), None);
        cache.invalidate(&[Key::with_instance("todos", "4")]);
        assert!(cache.is_empty());
        cache.check_indexes().unwrap();
    }

    #[test]
    fn invalidation_touches_only_what_the_keys_concern() {
        let cache = SharedCache::new(Arc::new(InProcess));
        for id in 1..=3 {
            let ticket = cache.begin();
            cache.insert(ticket, row(id), value(id), &TODOS, None, true);
        }
        let ticket = cache.begin();
        let count = EntryKey::new("count", "");
        cache.insert(ticket, count.clone(), value(0), &TODOS, None, false);
        let ticket = cache.begin();
        let stats = EntryKey::new("stats", "");
        cache.insert(
            ticket,
            stats.clone(),
            value(0),
            &BOTH,
            Some(&[Key::new("stats")]),
            false,
        );

        cache.invalidate(&[Key::with_instance("todos", "2")]);
        assert!(cache.contains(&row(1)) && !cache.contains(&row(2)) && cache.contains(&row(3)));
        // The count is an aggregate of every todo: `todos:2` concerns it.
        assert!(!cache.contains(&count));
        cache.check_indexes().unwrap();

        // `stats` narrowed its dependencies to `stats`: `todos` (or `todos:1`) does not
        // evict it.
        cache.invalidate(&[Key::with_instance("todos", "1")]);
        assert!(cache.contains(&stats));
        cache.invalidate(&[Key::new("todos")]);
        assert_eq!(cache.len(), 1);
        assert!(cache.contains(&stats));
        cache.invalidate(&[Key::new("stats")]);
        assert!(cache.is_empty());
        cache.check_indexes().unwrap();
        assert_eq!(cache.stats().evicted, 5);
    }

    #[test]
    fn callers_cannot_change_cached_values() {
        let cache = SharedCache::new(Arc::new(InProcess));
        let ticket = cache.begin();
        cache.insert(ticket, row(1), Arc::new(vec![1u8, 2]), &TODOS, None, true);
        // A caller gets a shared, immutable handle; to change it, it must make its own copy.
        let shared = cache.get(&row(1)).unwrap();
        let mut mine = shared.downcast_ref::<Vec<u8>>().unwrap().clone();
        mine.push(3);
        let again = cache.get(&row(1)).unwrap();
        assert_eq!(again.downcast_ref::<Vec<u8>>().unwrap(), &[1, 2]);
    }

    #[test]
    fn capacity_bounds_the_cache() {
        let cache = SharedCache::with_capacity(Arc::new(InProcess), 2);
        for id in 1..=3 {
            let ticket = cache.begin();
            cache.insert(ticket, row(id), value(id), &TODOS, None, true);
        }
        assert_eq!(cache.len(), 2);
        assert!(!cache.contains(&row(3)));
    }

    #[test]
    fn remote_invalidations_arrive_through_the_backend() {
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
        let bus = Arc::new(Bus::default());
        let here = SharedCache::new(Arc::new(Peer(Arc::clone(&bus))));
        let there = SharedCache::new(Arc::new(Peer(bus)));
        for cache in [&here, &there] {
            let ticket = cache.begin();
            cache.insert(ticket, row(1), value(1), &TODOS, None, true);
        }
        here.invalidate(&[Key::new("todos")]);
        assert!(here.is_empty() && there.is_empty());
    }

    /// Loaders and writers race on a few rows. A writer changes the "database", then
    /// invalidates, then publishes the version whose invalidation is done, as `#[mutates]`
    /// does. At every moment, a cached value must be at least the published version: an older
    /// one could only come from a load that began before that invalidation.
    #[test]
    fn no_stale_entry_survives_concurrent_loads_and_invalidations() {
        use std::sync::atomic::AtomicU64;
        const ROWS: u64 = 4;
        const LOADERS: usize = 4;
        const WRITERS: usize = 2;
        const ROUNDS: usize = 4_000;
        let cache = SharedCache::new(Arc::new(InProcess));
        let db: Arc<Vec<Mutex<u64>>> = Arc::new((0..ROWS).map(|_| Mutex::new(0)).collect());
        let published: Arc<Vec<AtomicU64>> =
            Arc::new((0..ROWS).map(|_| AtomicU64::new(0)).collect());
        let start = Arc::new(Barrier::new(LOADERS + WRITERS));
        let writers_left = Arc::new(std::sync::atomic::AtomicUsize::new(WRITERS));
        let mut threads = Vec::new();
        for t in 0..LOADERS {
            let (cache, db, published, start, writers_left) = (
                cache.clone(),
                db.clone(),
                published.clone(),
                start.clone(),
                writers_left.clone(),
            );
            threads.push(thread::spawn(move || {
                start.wait();
                let mut i = t as u64 + 1;
                let mut checks = 0u64;
                while writers_left.load(Ordering::SeqCst) > 0 {
                    i = i
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    let id = (i >> 33) % ROWS;
                    let floor = published[id as usize].load(Ordering::SeqCst);
                    if let Some(cached) = read(&cache, &row(id)) {
                        assert!(
                            cached >= floor,
                            "row {id}: cached {cached}, but version {floor} was already invalidated"
                        );
                        checks += 1;
                        continue;
                    }
                    let ticket = cache.begin();
                    let read = *db[id as usize].lock();
                    if (i >> 40).is_multiple_of(4) {
                        thread::yield_now(); // widen the window between read and store
                    }
                    cache.insert(ticket, row(id), value(read), &TODOS, None, true);
                }
                checks
            }));
        }
        for t in 0..WRITERS {
            let (cache, db, published, start, writers_left) = (
                cache.clone(),
                db.clone(),
                published.clone(),
                start.clone(),
                writers_left.clone(),
            );
            threads.push(thread::spawn(move || {
                start.wait();
                for round in 0..ROUNDS {
                    let id = ((round * 7 + t * 3) as u64) % ROWS;
                    let version = {
                        let mut v = db[id as usize].lock();
                        *v += 1;
                        *v
                    };
                    let key = if round.is_multiple_of(4) {
                        Key::new("todos")
                    } else {
                        Key::with_instance("todos", id.to_string())
                    };
                    cache.invalidate(&[key]);
                    published[id as usize].fetch_max(version, Ordering::SeqCst);
                    if round.is_multiple_of(3) {
                        thread::yield_now();
                    }
                }
                writers_left.fetch_sub(1, Ordering::SeqCst);
                0
            }));
        }
        let checks: u64 = threads.into_iter().map(|t| t.join().unwrap()).sum();
        for id in 0..ROWS {
            if let Some(cached) = read(&cache, &row(id)) {
                assert_eq!(
                    cached,
                    *db[id as usize].lock(),
                    "row {id} is stale at the end"
                );
            }
        }
        cache.check_indexes().unwrap();
        let stats = cache.stats();
        assert!(
            stats.stored > 0 && checks > 0,
            "the race never happened: {stats:?}"
        );
    }
}
