//! What the client says it shows: the `X-PJX-Mounted`, `X-PJX-Assets` and `X-PJX-Trigger`
//! request headers, parsed defensively.
//!
//! These headers come from the browser, so from anyone. Parsing never panics and never fails
//! the request: a header that is not JSON, has the wrong shape, or is too large counts as
//! absent; an entry that is malformed, oversized or carries a hostile id is dropped; a bad
//! `type`, `hash` or `load` is treated as missing. Each header logs at most one warning.

mod headers;
mod parse;
#[cfg(test)]
mod tests;

use std::fmt;

use serde::de::DeserializeSeed;

pub use headers::{parse_assets, parse_trigger};

use crate::engine::Limits;
use parse::ManifestSeed;

/// One mounted region, as the client reported it (a view into its [`Manifest`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mounted<'a> {
    /// `data-pjx-id`. Always a valid region id (see [`region_id::check`](crate::html::region_id::check)).
    pub id: &'a str,
    /// `data-pjx-type`, when reported and well-formed.
    pub type_name: Option<&'a str>,
    /// `data-pjx-hash`, when reported.
    pub hash: Option<&'a str>,
    /// `data-pjx-load`, when reported (keyed regions).
    pub load: Option<&'a str>,
    /// How many reported regions enclose this one in the page (0 at the top).
    pub depth: u32,
}

/// Where one field's text sits in the manifest's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    start: u32,
    len: u32,
}

#[derive(Debug, Clone, Copy)]
struct Slots {
    id: Span,
    type_name: Option<Span>,
    hash: Option<Span>,
    load: Option<Span>,
    depth: u32,
}

/// Deeper nesting than this is clamped (a real page never comes near it).
const MAX_DEPTH: u32 = 1_000;

/// The parsed `X-PJX-Mounted` header: mounted regions in document order.
///
/// All the entries' text lives in one buffer (a header with thousands of regions costs a
/// handful of allocations, not four per region); entries are read as [`Mounted`] views.
#[derive(Clone, Default)]
pub struct Manifest {
    text: String,
    slots: Vec<Slots>,
    /// The compact form's type table: every type on the page, listed or not.
    types: Vec<Span>,
    /// The client left regions out (a page too large to report whole in a header).
    partial: bool,
}

impl PartialEq for Manifest {
    fn eq(&self, other: &Self) -> bool {
        self.partial == other.partial && self.entries().eq(other.entries())
    }
}

impl Eq for Manifest {}

impl fmt::Debug for Manifest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.entries()).finish()
    }
}

/// What parsing dropped, for logs and tests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParseReport {
    /// Entries dropped.
    pub dropped: usize,
    /// Fields of kept entries ignored (treated as missing).
    pub ignored_fields: usize,
    /// Why, one line per distinct reason.
    pub reasons: Vec<String>,
}

impl ParseReport {
    fn note(&mut self, reason: impl Into<String>) {
        let reason = reason.into();
        if !self.reasons.contains(&reason) {
            self.reasons.push(reason);
        }
    }

    /// Whether anything was dropped or ignored.
    pub fn is_clean(&self) -> bool {
        self.dropped == 0 && self.ignored_fields == 0 && self.reasons.is_empty()
    }
}

impl fmt::Display for ParseReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} entries dropped, {} fields ignored: {}",
            self.dropped,
            self.ignored_fields,
            self.reasons.join("; ")
        )
    }
}

impl Manifest {
    /// A manifest of these entries (tests and tools; the adapter parses the header).
    ///
    /// ```
    /// use pjx::manifest::{Manifest, Mounted};
    /// let m = Manifest::from_entries([Mounted { id: "counter", type_name: Some("counter"), hash: None, load: None, depth: 0 }]);
    /// assert_eq!(m.get(0).unwrap().id, "counter");
    /// ```
    pub fn from_entries<'a>(entries: impl IntoIterator<Item = Mounted<'a>>) -> Self {
        let mut manifest = Manifest::default();
        for entry in entries {
            let id = manifest.push_text(entry.id);
            let type_name = entry.type_name.map(|t| manifest.push_text(t));
            let hash = entry.hash.map(|h| manifest.push_text(h));
            let load = entry.load.map(|l| manifest.push_text(l));
            manifest.slots.push(Slots {
                id,
                type_name,
                hash,
                load,
                depth: entry.depth.min(MAX_DEPTH),
            });
        }
        manifest
    }

    /// Marks the manifest as partial: the page holds regions it does not list.
    pub fn into_partial(mut self) -> Self {
        self.partial = true;
        self
    }

    /// Whether the client left regions out of this manifest (see `docs/reactivity.md`):
    /// then the response tells it which keys were dirtied, so it can have the regions it
    /// left out updated too.
    pub fn is_partial(&self) -> bool {
        self.partial
    }

    /// The type names the client says are on the page: the compact form's type table, else
    /// the types of the entries. Each once.
    pub fn type_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.types.iter().map(|&s| self.view(s)).collect();
        for entry in self.entries() {
            if let Some(name) = entry.type_name
                && !names.contains(&name)
            {
                names.push(name);
            }
        }
        names
    }

    /// For each entry, the index of the nearest entry enclosing it (from the reported
    /// depths: the last earlier entry that is shallower).
    pub fn parents(&self) -> Vec<Option<usize>> {
        let mut open: Vec<(u32, usize)> = Vec::new();
        self.slots
            .iter()
            .enumerate()
            .map(|(index, slots)| {
                while open.last().is_some_and(|&(depth, _)| depth >= slots.depth) {
                    open.pop();
                }
                let parent = open.last().map(|&(_, i)| i);
                open.push((slots.depth, index));
                parent
            })
            .collect()
    }

    fn push_text(&mut self, text: &str) -> Span {
        let start = self.text.len();
        self.text.push_str(text);
        span(start, text.len())
    }

    fn view(&self, span: Span) -> &str {
        &self.text[span.start as usize..(span.start + span.len) as usize]
    }

    fn mounted(&self, slots: &Slots) -> Mounted<'_> {
        Mounted {
            id: self.view(slots.id),
            type_name: slots.type_name.map(|s| self.view(s)),
            hash: slots.hash.map(|s| self.view(s)),
            load: slots.load.map(|s| self.view(s)),
            depth: slots.depth,
        }
    }

    /// The mounted regions, in document order.
    pub fn entries(&self) -> impl ExactSizeIterator<Item = Mounted<'_>> + '_ {
        self.slots.iter().map(|slots| self.mounted(slots))
    }

    /// The entry at `index`.
    pub fn get(&self, index: usize) -> Option<Mounted<'_>> {
        self.slots.get(index).map(|slots| self.mounted(slots))
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Parses an `X-PJX-Mounted` value, logging one warning if anything was dropped. `None`
    /// when the value as a whole is unusable (then the client is treated as having reported
    /// nothing).
    ///
    /// ```
    /// use pjx::{Limits, manifest::Manifest};
    /// let header = r#"[{"id":"row-1","type":"item_row","hash":"ab12","load":"1"},
    ///                  {"id":"counter","type":"counter"}, 42, {"type":"no id"}]"#;
    /// let manifest = Manifest::parse(header, &Limits::default()).unwrap();
    /// assert_eq!(manifest.len(), 2);
    /// assert_eq!(manifest.get(0).unwrap().load, Some("1"));
    /// assert!(Manifest::parse("not json", &Limits::default()).is_none());
    /// ```
    pub fn parse(header: &str, limits: &Limits) -> Option<Manifest> {
        Self::parse_logged(header, limits, limits.max_header_bytes, "X-PJX-Mounted")
    }

    /// Parses a manifest of at most `max_bytes` (e.g. a sync request's body), logging one
    /// warning naming `source` if anything was dropped.
    pub fn parse_logged(
        text: &str,
        limits: &Limits,
        max_bytes: usize,
        source: &str,
    ) -> Option<Manifest> {
        let (manifest, report) = Self::parse_sized(text, limits, max_bytes);
        if !report.is_clean() {
            tracing::warn!(target: "pjx::manifest", "{source}: {report}");
        }
        manifest
    }

    /// [`parse`](Self::parse) without logging, returning what was dropped.
    pub fn parse_with_report(header: &str, limits: &Limits) -> (Option<Manifest>, ParseReport) {
        Self::parse_sized(header, limits, limits.max_header_bytes)
    }

    fn parse_sized(
        header: &str,
        limits: &Limits,
        max_bytes: usize,
    ) -> (Option<Manifest>, ParseReport) {
        let mut report = ParseReport::default();
        if header.len() > max_bytes || header.len() > u32::MAX as usize {
            report.note(format!(
                "the manifest is {} bytes, over the {max_bytes}-byte limit",
                header.len(),
            ));
            return (None, report);
        }
        let mut seed = ManifestSeed {
            limits,
            report: &mut report,
            manifest: Manifest {
                text: String::with_capacity(header.len() / 2),
                ..Manifest::default()
            },
        };
        let mut de = serde_json::Deserializer::from_str(header);
        let parsed = DeserializeSeed::deserialize(&mut seed, &mut de)
            .and_then(|list| de.end().map(|()| list));
        let manifest = seed.manifest;
        match parsed {
            Ok(true) => (Some(manifest), report),
            Ok(false) => {
                report.note("the header is not a JSON list");
                (None, report)
            }
            Err(e) => {
                report.note(format!("the header is not JSON ({e})"));
                (None, report)
            }
        }
    }
}

fn span(start: usize, len: usize) -> Span {
    // The header is at most `u32::MAX` bytes (checked above), and so is everything in it.
    Span {
        start: start as u32,
        len: len as u32,
    }
}
