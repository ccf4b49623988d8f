//! The walk: after a handler ran, decide for every region the client reported whether it is
//! swapped, skipped or deleted.
//!
//! For each manifest entry, in order:
//! 1. skip unless its `type` is registered and its react keys meet the dirtied set: a whole key
//!    `todos` meets every region reacting to it; a keyed key `todos:7` meets the keyed regions
//!    loaded with key 7 and every unkeyed region reacting to `todos` (an aggregate changes when
//!    any member does);
//! 2. skip regions already in the response (the primary and everything rendered into it) and
//!    a repeated id (one fragment updates every element with that id); regions showing the same
//!    `(type, load)` under different ids share one load and one render, each stamped with its
//!    own id (a region keeps the identity it is mounted under);
//! 3. skip (never load, never render) regions the requester may not see;
//! 4. load through the cache; `NotFound` becomes a delete, any other error is logged and the
//!    region left alone;
//! 5. skip when the fresh state hash equals the reported one (a missing hash always swaps);
//! 6. after gating, drop updates and deletes of regions inside another region that swaps, is
//!    deleted or is in the body — by the nesting the client reported, and by the fresh HTML of
//!    the swapping regions — since htmx would find no target for them. Gating first means an
//!    unchanged parent never hides a changed child.
//!
//! A walk loads or renders at most [`Limits::walk_budget`](crate::Limits::walk_budget)
//! regions: a forged manifest cannot make one request do unbounded work (thousands of rows, or
//! thousands of ids for one row). Over the budget nothing is loaded and the report says so
//! ([`WalkReport::over_budget`]); the adapter then tells the page to reload itself rather than
//! leave regions stale.
//!
//! Every entry gets a typed [`Outcome`], so tests and dev tooling can see why each region did
//! what it did.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::Arc;

use crate::component::registry::ReactiveType;
use crate::html::stamp;
use crate::key::Key;
use crate::load::LoadError;
use crate::manifest::{Manifest, Mounted};
use crate::reactive::oob;
use crate::scope::Scope;

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
    /// The walk had more regions to load than its budget allows: nothing was loaded, and the
    /// page is told to reload itself.
    OverBudget,
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
    /// An earlier entry has the same id: the fragment for it updates both.
    Duplicate {
        /// The id of that earlier entry.
        of: Box<str>,
    },
    /// It is nested in a region that swaps (or is deleted, or is in the body), whose swap
    /// covers it.
    Nested {
        /// The id of the outermost such region holding it.
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
    /// The walk had more to load than its budget: nothing was loaded, and the page should
    /// reload itself (the actix adapter answers `HX-Refresh: true`).
    pub over_budget: bool,
    /// For a partial manifest (a page that left regions out): the dirtied keys that concern
    /// types on the page the requester may see. The client checks the regions it left out
    /// against them (`X-PJX-Dirtied`).
    pub dirtied_for_client: Vec<Key>,
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
/// which is the text pjx stamped (`LoadKey::to_wire`, as `Keys::X.at(…)` writes it).
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

    /// Whether the region of `ty` reported with load key `load` is concerned: every region
    /// of a type reacting to a whole key; a keyed region only through its own instance; an
    /// unkeyed region through any instance of its keys.
    fn concerns(&self, ty: &ReactiveType, load: Option<&str>) -> bool {
        if !ty.is_keyed() {
            return self.names_any(ty);
        }
        ty.react().keys().iter().any(|k| {
            self.whole.contains(k.name())
                || load.is_some_and(|load| self.keyed.contains(&(k.name(), load)))
        })
    }
}

/// Regions of one `(type, load)`: loaded and rendered once, stamped once per member.
struct Group {
    ty: ReactiveType,
    key: String,
    /// Manifest indexes of the regions showing it.
    members: Vec<usize>,
    denied: bool,
}

/// What a region sends, before nesting dedup.
enum Sent {
    Swap { hash: String, html: String },
    Delete,
}

/// Runs the walk over the scope's manifest with its dirtied keys. Regions whose ids the scope
/// has noted as rendered count as already in the body.
pub async fn walk(scope: &Scope) -> WalkReport {
    walk_keys(scope, &scope.dirtied()).await
}

/// [`walk`] with some of the dirtied keys: a stream's updates walk the keys dirtied since its
/// last ones.
pub async fn walk_keys(scope: &Scope, dirtied_keys: &[Key]) -> WalkReport {
    let Some(manifest) = scope.shared_manifest() else {
        return WalkReport::default();
    };
    let engine = scope.engine();
    let registry = engine.registry();
    let entries: Vec<Mounted<'_>> = manifest.entries().collect();

    // Steps 1–3: decide without loading anything.
    let dirtied = Dirtied::new(dirtied_keys);
    let rendered = scope.rendered_ids();
    let mut outcomes: Vec<Option<Outcome>> = vec![None; entries.len()];
    let mut groups: Vec<Group> = Vec::new();
    let mut group_of: HashMap<(&'static str, String), usize> = HashMap::new();
    let mut first_with_id: HashMap<&str, usize> = HashMap::new();
    if !dirtied.names.is_empty() {
        for (index, entry) in entries.iter().enumerate() {
            let Some(ty) = entry.type_name.and_then(|t| registry.reactive(t)) else {
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
            if let Some(&first) = first_with_id.get(entry.id) {
                outcomes[index] = Some(Outcome::SkipExcluded(Excluded::Duplicate {
                    of: entries[first].id.into(),
                }));
                continue;
            }
            first_with_id.insert(entry.id, index);
            match group_of.entry((ty.name(), key)) {
                Entry::Occupied(group) => groups[*group.get()].members.push(index),
                Entry::Vacant(slot) => {
                    groups.push(Group {
                        ty: *ty,
                        key: slot.key().1.clone(),
                        members: vec![index],
                        denied: !engine.permits(ty, scope.load_cx()),
                    });
                    slot.insert(groups.len() - 1);
                }
            }
        }
    }
    let mut report = WalkReport {
        dirtied_for_client: dirtied_for_client(scope, &manifest, dirtied_keys),
        ..WalkReport::default()
    };

    // The budget, before anything is loaded: every region costs a load or a render.
    let regions: usize = groups
        .iter()
        .filter(|g| !g.denied)
        .map(|g| g.members.len())
        .sum();
    let budget = engine.limits().walk_budget;
    if regions > budget {
        tracing::warn!(
            target: "pjx::walk",
            "this request concerns {regions} regions, over the walk's budget of {budget}; the page is told to reload instead"
        );
        report.over_budget = true;
    } else {
        report.loads = groups.iter().filter(|g| !g.denied).count();
    }

    // Steps 4–5: load (through the cache), gate on the hash, render what changed.
    let mut sent: Vec<Option<Sent>> = (0..entries.len()).map(|_| None).collect();
    // Regions nested in the fresh render of a swapping region, with the first such region.
    let mut within: HashMap<String, Box<str>> = HashMap::new();
    for group in &groups {
        if group.denied || report.over_budget {
            let outcome = if group.denied {
                Outcome::Denied
            } else {
                Outcome::OverBudget
            };
            for &member in &group.members {
                outcomes[member] = Some(outcome.clone());
            }
            continue;
        }
        load_group(
            scope,
            group,
            &entries,
            &mut outcomes,
            &mut sent,
            &mut within,
        )
        .await;
    }

    // Step 6: drop what another region's swap (or delete, or the body) covers.
    let parents = if sent.iter().any(Option::is_some) {
        manifest.parents()
    } else {
        Vec::new()
    };
    let mut covered: Vec<(usize, Box<str>)> = Vec::new();
    for index in 0..entries.len() {
        if sent[index].is_none() {
            continue;
        }
        // The outermost covering region: by the page's nesting, then by fresh HTML.
        let mut outer = None;
        let mut up = parents[index];
        while let Some(parent) = up {
            if sent[parent].is_some() || rendered.contains(entries[parent].id) {
                outer = Some(parent);
            }
            up = parents[parent];
        }
        let within_id = match outer {
            Some(parent) => Some(Box::from(entries[parent].id)),
            None => outermost(&within, entries[index].id),
        };
        if let Some(within_id) = within_id {
            covered.push((index, within_id));
        }
    }
    for (index, within_id) in covered {
        sent[index] = None;
        outcomes[index] = Some(Outcome::SkipExcluded(Excluded::Nested {
            within: within_id,
        }));
    }

    // What the fragments put in the page: the swapped regions and the regions inside them.
    let mut in_page: Vec<&str> = within.keys().map(String::as_str).collect();
    for (index, s) in sent.iter().enumerate() {
        if let Some(Sent::Swap { .. }) = s {
            in_page.push(entries[index].id);
        }
    }
    scope.note_rendered(in_page);

    // Emission, in manifest order.
    for (index, s) in sent.into_iter().enumerate() {
        match s {
            Some(Sent::Swap { hash, html }) => {
                report.fragments.push_str(&html);
                outcomes[index] = Some(Outcome::Swap { hash });
            }
            Some(Sent::Delete) => {
                oob::push_delete(&mut report.fragments, entries[index].id);
                outcomes[index] = Some(Outcome::Delete);
            }
            None => {}
        }
    }
    report.outcomes = outcomes
        .into_iter()
        .map(|o| o.unwrap_or(Outcome::SkipUnrelated(Unrelated::NotDirtied)))
        .collect();
    drop(entries);
    report.manifest = manifest;
    report
}

/// For a partial manifest: the dirtied keys concerning a type on the page that the requester
/// may see (no key names reach a client that shows nothing of theirs).
fn dirtied_for_client(scope: &Scope, manifest: &Manifest, dirtied: &[Key]) -> Vec<Key> {
    if !manifest.is_partial() || dirtied.is_empty() {
        return Vec::new();
    }
    let engine = scope.engine();
    let registry = engine.registry();
    let visible: Vec<&ReactiveType> = manifest
        .type_names()
        .into_iter()
        .filter_map(|name| registry.reactive(name))
        .filter(|ty| engine.permits(ty, scope.load_cx()))
        .collect();
    dirtied
        .iter()
        .filter(|key| visible.iter().any(|ty| ty.react().contains(key.name())))
        .cloned()
        .collect()
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

/// Steps 4 and 5 for one `(type, load)`: one load, one hash, one render if any member
/// changed, then each changed member stamped with its own id.
async fn load_group(
    scope: &Scope,
    group: &Group,
    entries: &[Mounted<'_>],
    outcomes: &mut [Option<Outcome>],
    sent: &mut [Option<Sent>],
    within: &mut HashMap<String, Box<str>>,
) {
    let ty = &group.ty;
    let first = entries[group.members[0]];
    let mut all = |outcome: Outcome| {
        for &member in &group.members {
            outcomes[member] = Some(outcome.clone());
        }
    };
    let value = match scope.load_erased(ty, &group.key).await {
        Ok(value) => value,
        Err(LoadError::NotFound) => {
            for &member in &group.members {
                sent[member] = Some(Sent::Delete);
            }
            return;
        }
        Err(e) => {
            tracing::warn!(
                target: "pjx::walk",
                "region `{}` ({}) not updated: load failed: {e}",
                first.id,
                ty.name()
            );
            return all(Outcome::LoadError(e.to_string()));
        }
    };
    // Object-level permissions, with the instance at hand: never rendered when refused.
    if !ty.object_access(&*value, scope.load_cx()).is_allowed() {
        return all(Outcome::Denied);
    }
    let hash = match ty.state_hash(&*value) {
        Ok(hash) => hash,
        Err(e) => {
            tracing::warn!(target: "pjx::walk", "region `{}` not updated: {e}", first.id);
            return all(Outcome::RenderError(e.to_string()));
        }
    };
    let mut changed = Vec::with_capacity(group.members.len());
    for &member in &group.members {
        if entries[member]
            .hash
            .is_some_and(|reported| hash.is_reported_as(reported))
        {
            outcomes[member] = Some(Outcome::SkipUnchanged);
        } else {
            changed.push(member);
        }
    }
    let Some(&first_changed) = changed.first() else {
        return;
    };
    let mut template = String::new();
    if let Err(e) = ty.render_template(&*value, &mut template) {
        tracing::warn!(target: "pjx::walk", "region `{}` not updated: {e}", first.id);
        for member in changed {
            outcomes[member] = Some(Outcome::RenderError(e.to_string()));
        }
        return;
    }
    // The template's render is unstamped at its root: every id stamped in it is nested.
    for nested in stamp::stamped_ids(&template) {
        within
            .entry(nested)
            .or_insert_with(|| entries[first_changed].id.into());
    }
    let last = changed.len() - 1;
    for (n, member) in changed.into_iter().enumerate() {
        let id = entries[member].id;
        // The usual single region takes the render itself; copies only for further ids.
        let mut html = if n == last {
            std::mem::take(&mut template)
        } else {
            template.clone()
        };
        let selector = oob::update_selector(id);
        match ty.stamp(&*value, &mut html, id, &hash, Some(&selector)) {
            Ok(()) => {
                sent[member] = Some(Sent::Swap {
                    hash: hash.as_str().to_owned(),
                    html,
                });
            }
            Err(e) => {
                tracing::warn!(target: "pjx::walk", "region `{id}` not updated: {e}");
                outcomes[member] = Some(Outcome::RenderError(e.to_string()));
            }
        }
    }
}
