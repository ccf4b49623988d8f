//! The render cache: `cache = "60s"` on a component keeps its rendered mount per component,
//! mount parameters and (when the component declares permissions) signed-in user. Mounts read
//! it; events bypass it; only successful renders are stored; and when the component also
//! declares `react = [...]`, a mutation of one of those keys drops its entries.
//!
//! Memory is bounded in entries and in bytes, whatever clients send: keys are fixed-size
//! hashes of the parameters, and a full cache evicts the entries closest to expiry (expired
//! ones first) to make room.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

use super::epochs::{Epochs, Ticket};
use crate::key::Key;

/// A cached render: everything a mount response needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedRender {
    /// The stamped HTML.
    pub html: String,
    /// The signed state token.
    pub state: String,
    /// The component's region id.
    pub component_id: String,
    /// The optimistic patches of its triggers.
    pub optimistic: Vec<crate::patch::OptimisticTrigger>,
}

impl CachedRender {
    /// Roughly what the entry costs in memory.
    fn weight(&self) -> usize {
        let patches: usize = self
            .optimistic
            .iter()
            .map(|t| t.event.len() + 64 * (t.payload.len() + t.patch.len()))
            .sum();
        self.html.len() + self.state.len() + self.component_id.len() + patches + 128
    }
}

struct Entry {
    /// Its place in [`State::order`].
    order: (Instant, u64),
    render: CachedRender,
    keys: &'static [&'static str],
    weight: usize,
}

/// Rendered mounts, by cache key, with an expiry each.
pub struct RenderCache {
    state: Mutex<State>,
    max_entries: usize,
    max_bytes: usize,
}

#[derive(Default)]
struct State {
    entries: HashMap<String, Entry>,
    /// Every entry by (expiry, insertion): eviction takes from the front.
    order: BTreeMap<(Instant, u64), String>,
    /// Reverse index: key name → cache keys.
    by_key: HashMap<&'static str, HashSet<String>>,
    bytes: usize,
    /// Counts insertions: the tie-breaker of `order`.
    inserted: u64,
    epochs: Epochs,
}

impl Default for RenderCache {
    fn default() -> Self {
        Self::with_limits(10_000, 64 * 1024 * 1024)
    }
}

impl fmt::Debug for RenderCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state.lock();
        f.debug_struct("RenderCache")
            .field("entries", &state.entries.len())
            .field("bytes", &state.bytes)
            .finish()
    }
}

impl RenderCache {
    /// A cache holding at most `max_entries` renders weighing at most `max_bytes` in all.
    pub fn with_limits(max_entries: usize, max_bytes: usize) -> Self {
        RenderCache {
            state: Mutex::new(State::default()),
            max_entries: max_entries.max(1),
            max_bytes,
        }
    }

    /// The cache key of a mount: the component, a hash of its canonical parameters, and the
    /// signed-in user's id when the component is guarded. Fixed-size whatever the client sent.
    ///
    /// ```
    /// use pjx::cache::RenderCache;
    /// let a = RenderCache::key("catalog", r#"{"page":1}"#, None);
    /// assert_ne!(a, RenderCache::key("catalog", r#"{"page":2}"#, None));
    /// assert_ne!(a, RenderCache::key("catalog", r#"{"page":1}"#, Some("ann")));
    /// assert_eq!(a.len(), RenderCache::key("catalog", &"x".repeat(100_000), None).len());
    /// ```
    pub fn key(component: &str, params_json: &str, identity: Option<&str>) -> String {
        let mut hasher = blake3::Hasher::new();
        hasher.update(&(params_json.len() as u64).to_le_bytes());
        hasher.update(params_json.as_bytes());
        match identity {
            Some(id) => {
                hasher.update(b"\x01");
                hasher.update(id.as_bytes());
            }
            None => {
                hasher.update(b"\x00");
            }
        }
        format!("{component}:{}", &hasher.finalize().to_hex()[..32])
    }

    /// The cached render under `key`, if fresh.
    pub fn get(&self, key: &str) -> Option<CachedRender> {
        let mut state = self.state.lock();
        let entry = state.entries.get(key)?;
        if entry.order.0 > Instant::now() {
            return Some(entry.render.clone());
        }
        state.remove(key);
        None
    }

    /// Call before mounting what may be stored: a render that started before an
    /// invalidation of one of its keys is not stored (it may show the state from before).
    pub fn begin(&self) -> Ticket {
        self.state.lock().epochs.ticket()
    }

    /// Stores a successful render for `ttl`, filed under the component's react key names,
    /// unless one of them was invalidated since `ticket` was taken. Makes room by evicting the
    /// entries closest to expiry; a render larger than the whole budget is not stored.
    pub fn insert(
        &self,
        key: String,
        render: CachedRender,
        ttl: Duration,
        keys: &'static [&'static str],
        ticket: Ticket,
    ) {
        let weight = render.weight();
        if weight > self.max_bytes {
            return;
        }
        let mut state = self.state.lock();
        if state.epochs.stale(ticket, keys.iter().copied(), None) {
            return; // it may show what the invalidation replaced
        }
        state.remove(&key);
        while state.entries.len() >= self.max_entries || state.bytes + weight > self.max_bytes {
            let Some((_, oldest)) = state.order.pop_first() else {
                break;
            };
            state.remove(&oldest);
        }
        state.inserted += 1;
        let order = (Instant::now() + ttl, state.inserted);
        for name in keys {
            state.by_key.entry(name).or_default().insert(key.clone());
        }
        state.order.insert(order, key.clone());
        state.bytes += weight;
        state.entries.insert(
            key,
            Entry {
                order,
                render,
                keys,
                weight,
            },
        );
    }

    /// Drops the entries of components reacting to any of `keys` (a keyed key `todos:7`
    /// drops those reacting to `todos`: a cached render is not keyed).
    pub fn invalidate(&self, keys: &[Key]) {
        let mut state = self.state.lock();
        state.epochs.invalidate(keys);
        for key in keys {
            if let Some(cached) = state.by_key.remove(key.name()) {
                for k in cached {
                    state.remove(&k);
                }
            }
        }
    }

    /// Number of entries (expired ones included until touched).
    pub fn len(&self) -> usize {
        self.state.lock().entries.len()
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// What the entries weigh, roughly, in bytes.
    pub fn bytes(&self) -> usize {
        self.state.lock().bytes
    }
}

impl State {
    fn remove(&mut self, key: &str) {
        let Some(entry) = self.entries.remove(key) else {
            return;
        };
        self.order.remove(&entry.order);
        self.bytes -= entry.weight;
        for name in entry.keys {
            if let Some(set) = self.by_key.get_mut(name) {
                set.remove(key);
                if set.is_empty() {
                    self.by_key.remove(name);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(html: &str) -> CachedRender {
        CachedRender {
            html: html.into(),
            state: "s".into(),
            component_id: "c".into(),
            optimistic: Vec::new(),
        }
    }

    fn put(cache: &RenderCache, key: &str, ttl: u64, keys: &'static [&'static str]) {
        let ticket = cache.begin();
        cache.insert(
            key.into(),
            render(key),
            Duration::from_secs(ttl),
            keys,
            ticket,
        );
    }

    #[test]
    fn entries_expire_and_are_invalidated_by_their_keys() {
        let cache = RenderCache::default();
        put(&cache, "a", 60, &["cart"]);
        put(&cache, "b", 60, &["stock"]);
        put(&cache, "c", 0, &[]);
        assert_eq!(cache.get("a").unwrap().html, "a");
        assert!(cache.get("c").is_none(), "expired");
        cache.invalidate(&[Key::new("cart")]);
        assert!(cache.get("a").is_none());
        assert!(cache.get("b").is_some());
        cache.invalidate(&[Key::with_instance("stock", "3")]);
        assert!(cache.get("b").is_none());
        assert!(cache.is_empty());
        assert_eq!(cache.bytes(), 0);
    }

    #[test]
    fn a_full_cache_evicts_the_entries_closest_to_expiry() {
        let cache = RenderCache::with_limits(2, usize::MAX);
        put(&cache, "short", 10, &[]);
        put(&cache, "long", 60, &[]);
        put(&cache, "new", 30, &[]);
        assert_eq!(cache.len(), 2);
        assert!(cache.get("short").is_none());
        assert!(cache.get("long").is_some() && cache.get("new").is_some());
    }

    #[test]
    fn bytes_are_bounded_too() {
        let one = render("x").weight();
        let cache = RenderCache::with_limits(1_000, 3 * one);
        for k in ["a", "b", "c", "d"] {
            put(&cache, k, 60, &[]);
        }
        assert_eq!(cache.len(), 3);
        assert!(cache.bytes() <= 3 * one);
        // Larger than the whole budget: not stored, nothing evicted for it.
        let ticket = cache.begin();
        cache.insert(
            "big".into(),
            render(&"y".repeat(4 * one)),
            Duration::from_secs(60),
            &[],
            ticket,
        );
        assert!(cache.get("big").is_none());
        assert_eq!(cache.len(), 3);
    }

    #[test]
    fn a_render_that_raced_an_invalidation_is_not_stored() {
        let cache = RenderCache::default();
        let ticket = cache.begin();
        // The mount read the old state; meanwhile a request changed it.
        cache.invalidate(&[Key::new("orders")]);
        cache.insert(
            "best".into(),
            render("stale"),
            Duration::from_secs(60),
            &["orders"],
            ticket,
        );
        assert!(cache.get("best").is_none());
        // A mount that started after the invalidation is stored.
        put(&cache, "best", 60, &["orders"]);
        assert!(cache.get("best").is_some());
    }
}
