//! Invalidation between processes: the backend trait and the single-process backend.

use std::sync::Arc;

use crate::key::Key;

/// Delivers invalidations between processes.
///
/// The process that mutated state evicts its own entries, then calls
/// [`publish`](Self::publish); every other process's caches hear of it through the callback
/// given to [`subscribe`](Self::subscribe).
///
/// ```
/// use std::sync::Arc;
/// let engine = pjx::Engine::builder().invalidation(Arc::new(pjx::cache::InProcess)).build();
/// assert!(engine.shared_cache().is_some());
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
