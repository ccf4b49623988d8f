//! The shared tier of the load cache: one per process, a reverse index per key.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::Arc;

use parking_lot::Mutex;

use super::EntryKey;
use super::epochs::{Epochs, Ticket};
use crate::component::registry::AnyComponent;
use crate::key::{Key, ReactSet};

impl Default for SharedCache {
    fn default() -> Self {
        Self::new()
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

/// The process tier of the load cache, shared by every worker. See the [module docs](super).
pub struct SharedCache {
    state: Mutex<SharedState>,
    max_entries: usize,
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
    /// An empty cache holding at most 100,000 entries.
    pub fn new() -> Self {
        Self::with_capacity(100_000)
    }

    /// An empty cache holding at most `max_entries` (further results are simply not stored
    /// until invalidations make room).
    pub fn with_capacity(max_entries: usize) -> Self {
        SharedCache {
            state: Mutex::new(SharedState::default()),
            max_entries,
        }
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

    /// Evicts every entry the keys concern, in this process (the engine's caches tell the
    /// others).
    pub fn evict(&self, keys: &[Key]) {
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

#[cfg(test)]
mod tests {
    use std::sync::atomic::Ordering;
    use std::sync::{Barrier, LazyLock};
    use std::thread;

    use super::*;
    use crate::cache::epochs::MAX_INSTANCES;

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
        let cache = SharedCache::new();
        let count = EntryKey::new("count", "");
        let ticket = cache.begin();
        cache.evict(&[Key::with_instance("todos", "9")]);
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
        cache.evict(&[Key::new("other")]);
        assert!(cache.insert(ticket, row(2), value(3), &TODOS, None, true));
        // A whole key refuses every load of its name in flight.
        let ticket = cache.begin();
        cache.evict(&[Key::new("todos")]);
        assert!(!cache.insert(ticket, row(3), value(3), &TODOS, None, true));
    }

    #[test]
    fn the_race_check_stays_bounded_and_safe() {
        let cache = SharedCache::new();
        let ticket = cache.begin();
        for id in 0..(MAX_INSTANCES as u64 + 10) {
            cache.evict(&[Key::with_instance("todos", id.to_string())]);
        }
        assert!(cache.state.lock().epochs.instance_count() <= MAX_INSTANCES);
        // The record of row 1's invalidation may be gone: the older load is refused anyway.
        assert!(!cache.insert(ticket, row(1), value(1), &TODOS, None, true));
        let ticket = cache.begin();
        assert!(cache.insert(ticket, row(1), value(1), &TODOS, None, true));
    }

    #[test]
    fn entries_of_guarded_types_are_kept_per_subject() {
        let cache = SharedCache::new();
        let ann = EntryKey::new("inbox", "").for_subject("user:ann");
        let bob = EntryKey::new("inbox", "").for_subject("user:bob");
        let ticket = cache.begin();
        cache.insert(ticket, ann.clone(), value(1), &TODOS, None, false);
        assert_eq!(read(&cache, &ann), Some(1));
        assert_eq!(read(&cache, &bob), None);
        cache.evict(&[Key::with_instance("todos", "4")]);
        assert!(cache.is_empty());
        cache.check_indexes().unwrap();
    }

    #[test]
    fn invalidation_touches_only_what_the_keys_concern() {
        let cache = SharedCache::new();
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

        cache.evict(&[Key::with_instance("todos", "2")]);
        assert!(cache.contains(&row(1)) && !cache.contains(&row(2)) && cache.contains(&row(3)));
        // The count is an aggregate of every todo: `todos:2` concerns it.
        assert!(!cache.contains(&count));
        cache.check_indexes().unwrap();

        // `stats` narrowed its dependencies to `stats`: `todos` (or `todos:1`) does not
        // evict it.
        cache.evict(&[Key::with_instance("todos", "1")]);
        assert!(cache.contains(&stats));
        cache.evict(&[Key::new("todos")]);
        assert_eq!(cache.len(), 1);
        assert!(cache.contains(&stats));
        cache.evict(&[Key::new("stats")]);
        assert!(cache.is_empty());
        cache.check_indexes().unwrap();
        assert_eq!(cache.stats().evicted, 5);
    }

    #[test]
    fn callers_cannot_change_cached_values() {
        let cache = SharedCache::new();
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
        let cache = SharedCache::with_capacity(2);
        for id in 1..=3 {
            let ticket = cache.begin();
            cache.insert(ticket, row(id), value(id), &TODOS, None, true);
        }
        assert_eq!(cache.len(), 2);
        assert!(!cache.contains(&row(3)));
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
        let cache = Arc::new(SharedCache::new());
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
                    cache.evict(&[key]);
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
