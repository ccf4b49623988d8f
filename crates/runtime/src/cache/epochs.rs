//! The race check the shared and render caches share: a result whose load began before an
//! invalidation that concerns it is not stored.

use std::collections::HashMap;

use crate::key::Key;

/// The result of [`SharedCache::begin`](super::SharedCache::begin) (and the render cache's): when a load started, for
/// the race check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ticket(pub(crate) u64);

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
pub(crate) const MAX_INSTANCES: usize = 4_096;

impl Epochs {
    /// How many keyed keys are remembered.
    #[cfg(test)]
    pub(crate) fn instance_count(&self) -> usize {
        self.instance_count
    }

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
