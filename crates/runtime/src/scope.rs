//! The request scope: per-request state that `#[mutates]` code reaches without a request
//! argument.
//!
//! A scope is opened around each request by the adapter (and by tests). It lives in a tokio
//! task-local, so code deep inside a store records keys with no handle passed down. Scopes
//! nest (the inner one is current until it ends, then the outer one is again) and do not
//! follow spawned tasks on their own: carry one across with [`Scope::current`] and
//! [`Scope::run`].
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

use std::collections::BTreeSet;
use std::future::Future;
use std::sync::Arc;

use parking_lot::Mutex;

use crate::key::{IntoKey, Key};

tokio::task_local! {
    static CURRENT: Scope;
}

/// A handle on one request's scope; clones share it.
#[derive(Clone, Default)]
pub struct Scope {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    dirtied: Mutex<BTreeSet<Key>>,
}

impl Scope {
    /// A new, empty scope.
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs `future` with this scope current.
    ///
    /// This is also how a spawned task joins the request that spawned it:
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
    ///
    /// The returned future holds its own handle on the scope (it does not borrow `self`), so
    /// it can be spawned.
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

    /// Records keys as dirtied by this request.
    pub fn record<K: IntoKey>(&self, keys: impl IntoIterator<Item = K>) {
        let mut dirtied = self.inner.dirtied.lock();
        for key in keys {
            dirtied.insert(key.into_key());
        }
    }

    /// The keys dirtied so far, sorted by wire form.
    pub fn dirtied(&self) -> Vec<Key> {
        self.inner.dirtied.lock().iter().cloned().collect()
    }

    /// The wire forms of the dirtied keys (convenient in tests).
    pub fn dirtied_names(&self) -> Vec<String> {
        self.inner
            .dirtied
            .lock()
            .iter()
            .map(Key::to_string)
            .collect()
    }

    /// Whether any key was dirtied.
    pub fn is_dirty(&self) -> bool {
        !self.inner.dirtied.lock().is_empty()
    }

    /// Whether two handles refer to the same scope.
    pub fn same_as(&self, other: &Scope) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}

impl std::fmt::Debug for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scope")
            .field("dirtied", &self.dirtied_names())
            .finish()
    }
}

/// Records keys into the current scope; what `#[mutates]` calls after a successful return.
/// Outside any scope (a background job, a test without one) it does nothing and returns
/// `false`.
pub fn record_mutation<K: IntoKey>(keys: impl IntoIterator<Item = K>) -> bool {
    match Scope::current() {
        Some(scope) => {
            scope.record(keys);
            true
        }
        None => {
            tracing::trace!("#[mutates] outside a request scope: nothing recorded");
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
}
