//! The request tier of the load cache: a plain map, private to one request.

use std::collections::HashMap;
use std::sync::Arc;

use super::{EntryKey, concerns};
use crate::component::registry::AnyComponent;
use crate::key::{Key, ReactSet};

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
