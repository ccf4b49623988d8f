//! The walk: after a handler ran, decide for every region the client reported whether it is
//! swapped, skipped or deleted.
//!
//! For each manifest entry, in order:
//! 1. skip unless its `type` is registered and its react keys meet the dirtied set (`todos:7`
//!    meets only the region loaded with key 7);
//! 2. skip regions already in the response (the primary and everything rendered into it) and
//!    repeats of a `(type, load)` pair;
//! 3. skip (never load, never render) regions the requester may not see;
//! 4. load through the cache; `NotFound` becomes a delete, any other error is logged and the
//!    region left alone;
//! 5. skip when the fresh state hash equals the reported one (a missing hash always swaps);
//! 6. after gating, drop regions nested inside another region that swaps, since its fresh HTML
//!    already holds them. Gating first means an unchanged parent never hides a changed child.
//!
//! Every entry gets a typed [`Outcome`], so tests and dev tooling can see why each region did
//! what it did.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::Arc;

use crate::key::Key;
use crate::load::LoadError;
use crate::manifest::{Manifest, Mounted};
use crate::oob;
use crate::registry::ReactiveType;
use crate::scope::Scope;
use crate::stamp;

/// What the walk did with one manifest entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Re-rendered and sent as an out-of-band swap with its fresh hash.
    Swap {
        /// The fresh state hash.
        hash: String,
    },
    /// Sent a delete: `load` said the instance no longer exists.
    Delete,
    /// Loaded, but its state hash matched the reported one: nothing sent.
    SkipUnchanged,
    /// Not concerned by this request.
    SkipUnrelated(Unrelated),
    /// Concerned, but another part of the response covers it.
    SkipExcluded(Excluded),
    /// The requester may not see regions of this type: not loaded, not rendered.
    Denied,
    /// `load` failed (other than not-found); logged, region left alone.
    LoadError(String),
    /// The fresh render failed; logged, region left alone.
    RenderError(String),
}

impl Outcome {
    /// Whether this outcome put a fragment in the response.
    pub fn is_sent(&self) -> bool {
        matches!(self, Outcome::Swap { .. } | Outcome::Delete)
    }
}

/// Why an entry did not concern the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unrelated {
    /// No `type` reported, or not a registered reactive type.
    UnknownType,
    /// None of its react keys was dirtied (or a keyed key named another instance).
    NotDirtied,
    /// A keyed type reported without a usable load key.
    BadLoadKey,
}

/// Why a concerned entry was left to another part of the response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Excluded {
    /// It is already in the response body (the primary, or inside it).
    InBody,
    /// An earlier entry has the same `(type, load)`.
    Duplicate {
        /// The id of that earlier entry.
        of: Box<str>,
    },
    /// It is nested in a region that swaps, whose fresh HTML holds it.
    Nested {
        /// The id of the outermost swapping region holding it.
        within: Box<str>,
    },
}

/// The result of a walk: one outcome per manifest entry (in manifest order) and the
/// out-of-band fragments, also in manifest order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WalkReport {
    manifest: Arc<Manifest>,
    outcomes: Vec<Outcome>,
    /// Out-of-band HTML, ready to append to the body.
    pub fragments: String,
    /// How many loads the walk started (cache hits included).
    pub loads: usize,
}

impl WalkReport {
    /// Every manifest entry with its outcome, in manifest order.
    pub fn regions(&self) -> impl ExactSizeIterator<Item = (Mounted<'_>, &Outcome)> + '_ {
        self.manifest.entries().zip(&self.outcomes)
    }

    /// The outcome for region `id` (its first entry).
    pub fn outcome(&self, id: &str) -> Option<&Outcome> {
        self.regions().find(|(m, _)| m.id == id).map(|(_, o)| o)
    }

    /// The ids that were sent (swapped or deleted), in order.
    pub fn sent(&self) -> Vec<&str> {
        self.regions()
            .filter(|(_, o)| o.is_sent())
            .map(|(m, _)| m.id)
            .collect()
    }

    fn ids_where(&self, keep: impl Fn(&Outcome) -> bool) -> Vec<&str> {
        self.regions()
            .filter(|(_, o)| keep(o))
            .map(|(m, _)| m.id)
            .collect()
    }

    /// The ids re-rendered and swapped, in order.
    pub fn swapped(&self) -> Vec<&str> {
        self.ids_where(|o| matches!(o, Outcome::Swap { .. }))
    }

    /// The ids loaded and skipped because their state hash had not changed, in order.
    pub fn unchanged(&self) -> Vec<&str> {
        self.ids_where(|o| *o == Outcome::SkipUnchanged)
    }

    /// The ids deleted, in order.
    pub fn deleted(&self) -> Vec<&str> {
        self.ids_where(|o| *o == Outcome::Delete)
    }

    /// The ids the requester may not see, in order.
    pub fn denied(&self) -> Vec<&str> {
        self.ids_where(|o| *o == Outcome::Denied)
    }
}

impl fmt::Display for WalkReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (region, outcome) in self.regions() {
            writeln!(f, "{:<24} {outcome:?}", region.id)?;
        }
        Ok(())
    }
}

/// The dirtied set, indexed once per walk: whole keys by name, keyed keys by (name,
/// instance). A keyed key is matched against the load key exactly as the client reported it,
/// which is the text pjx stamped.
struct Dirtied<'a> {
    names: HashSet<&'static str>,
    whole: HashSet<&'static str>,
    keyed: HashSet<(&'static str, &'a str)>,
}

impl<'a> Dirtied<'a> {
    fn new(keys: &'a [Key]) -> Self {
        let mut dirtied = Dirtied {
            names: HashSet::new(),
            whole: HashSet::new(),
            keyed: HashSet::new(),
        };
        for key in keys {
            dirtied.names.insert(key.name());
            match key.instance() {
                None => dirtied.whole.insert(key.name()),
                Some(instance) => dirtied.keyed.insert((key.name(), instance)),
            };
        }
        dirtied
    }

    /// Whether any key names one of `ty`'s react keys (before looking at load keys).
    fn names_any(&self, ty: &ReactiveType) -> bool {
        ty.react()
            .keys()
            .iter()
            .any(|k| self.names.contains(k.name()))
    }

    /// Whether the region of `ty` reported with load key `load` is concerned.
    fn concerns(&self, ty: &ReactiveType, load: Option<&str>) -> bool {
        ty.react().keys().iter().any(|k| {
            self.whole.contains(k.name())
                || (ty.is_keyed()
                    && load.is_some_and(|load| self.keyed.contains(&(k.name(), load))))
        })
    }
}

/// A region to load in step 4, and what became of it.
struct Candidate {
    index: usize,
    ty: ReactiveType,
    key: String,
    result: Option<Result<(String, String), Outcome>>,
}

/// Runs the walk over the scope's manifest with its dirtied keys. Regions whose ids the scope
/// has noted as rendered count as already in the body.
pub async fn walk(scope: &Scope) -> WalkReport {
    let Some(manifest) = scope.shared_manifest() else {
        return WalkReport::default();
    };
    let dirtied = scope.dirtied();
    let engine = scope.engine();
    let registry = engine.registry();
    let entries: Vec<Mounted<'_>> = manifest.entries().collect();

    // Steps 1–3: decide without loading anything.
    let dirtied = Dirtied::new(&dirtied);
    let rendered = scope.rendered_ids();
    let mut outcomes: Vec<Option<Outcome>> = vec![None; entries.len()];
    let mut candidates: Vec<Candidate> = Vec::new();
    let mut seen: HashMap<(&'static str, String), usize> = HashMap::new();
    if !dirtied.names.is_empty() {
        for (index, entry) in entries.iter().enumerate() {
            let Some(ty) = entry.type_name.and_then(|t| registry.get(t)) else {
                outcomes[index] = Some(Outcome::SkipUnrelated(Unrelated::UnknownType));
                continue;
            };
            if !dirtied.names_any(ty) {
                outcomes[index] = Some(Outcome::SkipUnrelated(Unrelated::NotDirtied));
                continue;
            }
            if ty.is_keyed() && entry.load.is_none() {
                outcomes[index] = Some(Outcome::SkipUnrelated(Unrelated::BadLoadKey));
                continue;
            }
            if !dirtied.concerns(ty, entry.load) {
                outcomes[index] = Some(Outcome::SkipUnrelated(Unrelated::NotDirtied));
                continue;
            }
            // Only regions the request concerns pay for parsing their key.
            let key = match entry.load {
                Some(load) if ty.is_keyed() => match ty.canonical_key(load) {
                    Some(key) => key,
                    None => {
                        outcomes[index] = Some(Outcome::SkipUnrelated(Unrelated::BadLoadKey));
                        continue;
                    }
                },
                _ => String::new(),
            };
            if rendered.contains(entry.id) {
                outcomes[index] = Some(Outcome::SkipExcluded(Excluded::InBody));
                continue;
            }
            match seen.entry((ty.name(), key)) {
                Entry::Occupied(first) => {
                    outcomes[index] = Some(Outcome::SkipExcluded(Excluded::Duplicate {
                        of: entries[*first.get()].id.into(),
                    }));
                    continue;
                }
                Entry::Vacant(slot) => {
                    let key = slot.key().1.clone();
                    slot.insert(index);
                    if !engine.permits(ty, scope.load_cx()) {
                        outcomes[index] = Some(Outcome::Denied);
                        continue;
                    }
                    candidates.push(Candidate {
                        index,
                        ty: *ty,
                        key,
                        result: None,
                    });
                }
            }
        }
    }

    // Steps 4–5: load (through the cache), gate on the hash, render what changed.
    let loads = candidates.len();
    for candidate in &mut candidates {
        let entry = entries[candidate.index];
        candidate.result = Some(load_and_render(scope, candidate, entry).await);
    }

    // Step 6: among the regions that swap, drop those nested in another that swaps.
    let mut within: HashMap<String, Box<str>> = HashMap::new();
    for candidate in &candidates {
        if let Some(Ok((_, html))) = &candidate.result {
            let own = entries[candidate.index].id;
            for nested in stamp::stamped_ids(html).skip(1) {
                within.entry(nested).or_insert_with(|| own.into());
            }
        }
    }
    for candidate in &mut candidates {
        let entry = entries[candidate.index];
        if let Some(Ok(_)) = &candidate.result
            && let Some(parent) = outermost(&within, entry.id)
        {
            candidate.result = Some(Err(Outcome::SkipExcluded(Excluded::Nested {
                within: parent,
            })));
        }
    }

    // What the fragments put in the page: the swapped regions and the regions inside them.
    let mut sent: Vec<&str> = within.keys().map(String::as_str).collect();
    for candidate in &candidates {
        if let Some(Ok(_)) = &candidate.result {
            sent.push(entries[candidate.index].id);
        }
    }
    scope.note_rendered(sent);

    // Emission, in manifest order.
    let mut fragments = String::new();
    for candidate in candidates {
        let entry = entries[candidate.index];
        outcomes[candidate.index] = Some(match candidate.result {
            Some(Ok((hash, html))) => {
                fragments.push_str(&html);
                Outcome::Swap { hash }
            }
            Some(Err(Outcome::Delete)) => {
                oob::push_delete(&mut fragments, entry.id);
                Outcome::Delete
            }
            Some(Err(outcome)) => outcome,
            None => Outcome::LoadError("not loaded".into()),
        });
    }
    let outcomes = outcomes
        .into_iter()
        .map(|o| o.unwrap_or(Outcome::SkipUnrelated(Unrelated::NotDirtied)))
        .collect();
    drop(entries);
    WalkReport {
        manifest,
        outcomes,
        fragments,
        loads,
    }
}

/// Follows `within` up to the outermost swapping region holding `id`.
fn outermost(within: &HashMap<String, Box<str>>, id: &str) -> Option<Box<str>> {
    let mut parent = within.get(id)?.clone();
    let mut hops = 0;
    while let Some(up) = within.get(&*parent) {
        if hops > within.len() {
            break; // a cycle cannot come from real HTML; stop rather than loop
        }
        parent = up.clone();
        hops += 1;
    }
    Some(parent)
}

/// Step 4 and 5 for one region: `Ok((hash, html))` when it swaps, else the outcome.
async fn load_and_render(
    scope: &Scope,
    candidate: &Candidate,
    entry: Mounted<'_>,
) -> Result<(String, String), Outcome> {
    let ty = &candidate.ty;
    let value = match scope.load_erased(ty, &candidate.key).await {
        Ok(value) => value,
        Err(LoadError::NotFound) => return Err(Outcome::Delete),
        Err(e) => {
            tracing::warn!(
                target: "pjx::walk",
                "region `{}` ({}) not updated: load failed: {e}",
                entry.id,
                ty.name()
            );
            return Err(Outcome::LoadError(e.to_string()));
        }
    };
    // Object-level permissions, with the instance at hand: never rendered when refused.
    if !ty.object_access(&*value, scope.load_cx()).is_allowed() {
        return Err(Outcome::Denied);
    }
    let hash = match ty.state_hash(&*value) {
        Ok(hash) => hash,
        Err(e) => {
            tracing::warn!(target: "pjx::walk", "region `{}` not updated: {e}", entry.id);
            return Err(Outcome::RenderError(e.to_string()));
        }
    };
    if entry
        .hash
        .is_some_and(|reported| hash.is_reported_as(reported))
    {
        return Err(Outcome::SkipUnchanged);
    }
    let selector = oob::update_selector(entry.id);
    let mut html = String::new();
    if let Err(e) = ty.render(&*value, &hash, Some(&selector), &mut html) {
        tracing::warn!(target: "pjx::walk", "region `{}` not updated: {e}", entry.id);
        return Err(Outcome::RenderError(e.to_string()));
    }
    Ok((hash.as_str().to_owned(), html))
}
