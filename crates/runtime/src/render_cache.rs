//! The render cache: `cache = "60s"` on a component keeps its rendered output per component,
//! mount parameters and (when the component declares permissions) identity. Mounts read it;
//! events bypass it; only successful renders are stored; and when the component also declares
//! `react = [...]`, a mutation of one of those keys drops its entries.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::time::{Duration, Instant};

use std::sync::Arc;

use parking_lot::{Mutex, RwLock};

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
    pub optimistic: Vec<crate::stateful::OptimisticTrigger>,
}

struct Entry {
    expires: Instant,
    render: CachedRender,
    keys: &'static [&'static str],
}

/// Rendered mounts, by cache key, with an expiry each.
pub struct RenderCache {
    entries: Mutex<State>,
    max_entries: usize,
}

#[derive(Default)]
struct State {
    entries: HashMap<String, Entry>,
    /// Reverse index: key name → cache keys.
    by_key: HashMap<&'static str, HashSet<String>>,
}

impl Default for RenderCache {
    fn default() -> Self {
        Self::with_capacity(10_000)
    }
}

impl fmt::Debug for RenderCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RenderCache")
            .field("entries", &self.len())
            .finish()
    }
}

impl RenderCache {
    /// A cache holding at most `max_entries` renders.
    pub fn with_capacity(max_entries: usize) -> Self {
        RenderCache {
            entries: Mutex::new(State::default()),
            max_entries,
        }
    }

    /// The cache key of a mount: the component, its canonical parameters, and the requester's
    /// identity when the component is guarded.
    pub fn key(component: &str, params_json: &str, identity: Option<&str>) -> String {
        match identity {
            Some(id) => format!("{component}\u{0}{params_json}\u{0}user:{id}"),
            None => format!("{component}\u{0}{params_json}"),
        }
    }

    /// The cached render under `key`, if fresh.
    pub fn get(&self, key: &str) -> Option<CachedRender> {
        let mut state = self.entries.lock();
        let entry = state.entries.get(key)?;
        if entry.expires > Instant::now() {
            return Some(entry.render.clone());
        }
        remove(&mut state, key);
        None
    }

    /// Stores a successful render for `ttl`, filed under the component's react key names.
    pub fn insert(
        &self,
        key: String,
        render: CachedRender,
        ttl: Duration,
        keys: &'static [&'static str],
    ) {
        let mut state = self.entries.lock();
        let now = Instant::now();
        if state.entries.len() >= self.max_entries {
            let expired: Vec<String> = state
                .entries
                .iter()
                .filter(|(_, e)| e.expires <= now)
                .map(|(k, _)| k.clone())
                .collect();
            for k in expired {
                remove(&mut state, &k);
            }
            if state.entries.len() >= self.max_entries {
                return; // full of live entries: this render is simply not cached
            }
        }
        for name in keys {
            state.by_key.entry(name).or_default().insert(key.clone());
        }
        state.entries.insert(
            key,
            Entry {
                expires: now + ttl,
                render,
                keys,
            },
        );
    }

    /// Drops the entries of components reacting to any of `keys`.
    pub fn invalidate(&self, keys: &[Key]) {
        let mut state = self.entries.lock();
        for key in keys {
            if let Some(cached) = state.by_key.remove(key.name()) {
                for k in cached {
                    remove(&mut state, &k);
                }
            }
        }
    }

    /// Number of entries (expired ones included until touched).
    pub fn len(&self) -> usize {
        self.entries.lock().entries.len()
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

static GLOBAL: RwLock<Option<Arc<RenderCache>>> = RwLock::new(None);

/// Makes `cache` the process's render cache: the one [`pjx::invalidate`](crate::invalidate)
/// and `#[mutates]` outside requests reach. The actix adapter installs its engine's.
pub fn install_global(cache: Arc<RenderCache>) {
    *GLOBAL.write() = Some(cache);
}

/// Drops the process's render-cache entries that depend on `keys`.
pub fn invalidate_global(keys: &[Key]) {
    let cache = GLOBAL.read().clone();
    if let Some(cache) = cache {
        cache.invalidate(keys);
    }
}

fn remove(state: &mut State, key: &str) {
    if let Some(entry) = state.entries.remove(key) {
        for name in entry.keys {
            if let Some(set) = state.by_key.get_mut(name) {
                set.remove(key);
                if set.is_empty() {
                    state.by_key.remove(name);
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

    #[test]
    fn keys_separate_params_and_identities() {
        assert_ne!(
            RenderCache::key("c", "{}", None),
            RenderCache::key("c", "{\"a\":1}", None)
        );
        assert_ne!(
            RenderCache::key("c", "{}", Some("ann")),
            RenderCache::key("c", "{}", Some("bob"))
        );
        assert_ne!(
            RenderCache::key("c", "{}", None),
            RenderCache::key("d", "{}", None)
        );
    }

    #[test]
    fn entries_expire_and_are_invalidated_by_their_keys() {
        let cache = RenderCache::default();
        cache.insert(
            "a".into(),
            render("<p>a</p>"),
            Duration::from_secs(60),
            &["cart"],
        );
        cache.insert(
            "b".into(),
            render("<p>b</p>"),
            Duration::from_secs(60),
            &["stock"],
        );
        cache.insert("c".into(), render("<p>c</p>"), Duration::ZERO, &[]);
        assert_eq!(cache.get("a").unwrap().html, "<p>a</p>");
        assert!(cache.get("c").is_none(), "expired");
        cache.invalidate(&[Key::new("cart")]);
        assert!(cache.get("a").is_none());
        assert!(cache.get("b").is_some());
        cache.invalidate(&[Key::with_instance("stock", "3")]);
        assert!(cache.get("b").is_none());
        assert!(cache.is_empty());
    }

    #[test]
    fn capacity_bounds_it() {
        let cache = RenderCache::with_capacity(2);
        for k in ["a", "b", "c"] {
            cache.insert(k.into(), render(k), Duration::from_secs(60), &[]);
        }
        assert_eq!(cache.len(), 2);
        assert!(cache.get("c").is_none());
    }
}
