//! What the client says it shows: the `X-PJX-Mounted`, `X-PJX-Assets` and `X-PJX-Trigger`
//! request headers, parsed defensively.
//!
//! These headers come from the browser, so from anyone. Parsing never panics and never fails
//! the request: a header that is not JSON, has the wrong shape, or is too large counts as
//! absent; an entry that is malformed, oversized or carries a hostile id is dropped; a bad
//! `type`, `hash` or `load` is treated as missing. Each header logs at most one warning.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use crate::engine::Limits;
use crate::html::region_id;

/// One mounted region, as the client reported it (a view into its [`Manifest`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mounted<'a> {
    /// `data-pjx-id`. Always a valid region id (see [`region_id::check`]).
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

// The header is read in one streaming pass into the manifest's text: no `serde_json::Value`
// tree, no allocation per field. Anything of the wrong shape is consumed and counted, never an
// error (only malformed JSON is).

struct ManifestSeed<'a> {
    limits: &'a Limits,
    report: &'a mut ParseReport,
    manifest: Manifest,
}

impl<'de> DeserializeSeed<'de> for &mut ManifestSeed<'_> {
    /// Whether the value was a list.
    type Value = bool;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for &mut ManifestSeed<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of mounted regions")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<bool, A::Error> {
        loop {
            let mark = self.manifest.text.len();
            let seed = EntrySeed {
                limits: self.limits,
                report: &mut *self.report,
                text: &mut self.manifest.text,
            };
            let Some(entry) = seq.next_element_seed(seed)? else {
                break;
            };
            match entry {
                Some(slots) if self.manifest.slots.len() < self.limits.max_entries => {
                    self.manifest.slots.push(slots);
                }
                kept => {
                    if kept.is_some() {
                        self.report
                            .note(format!("more than {} entries", self.limits.max_entries));
                    }
                    self.report.dropped += 1;
                    self.manifest.text.truncate(mark);
                }
            }
        }
        Ok(true)
    }

    /// The compact form the client runtime sends: `{"t": [type names], "m": [[id, type
    /// index, hash, load?], …]}`; each type name is stored once.
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        let mut types: Option<Vec<Option<Span>>> = None;
        let mut entries: Option<Vec<(Slots, Option<u64>)>> = None;
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match &*key {
                "t" if types.is_none() => {
                    types = Some(map.next_value_seed(TypesSeed {
                        text: &mut self.manifest.text,
                    })?);
                }
                "m" if entries.is_none() => {
                    entries = Some(map.next_value_seed(CompactEntriesSeed { seed: &mut *self })?);
                }
                "p" => {
                    // Any value but null marks the manifest partial: when in doubt, the
                    // client is told what was dirtied.
                    let mark = self.manifest.text.len();
                    let flag = map.next_value_seed(FieldSeed {
                        text: &mut self.manifest.text,
                    })?;
                    self.manifest.text.truncate(mark);
                    self.manifest.partial |= !matches!(flag, Field::Null);
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let Some(entries) = entries else {
            return Ok(false);
        };
        let types = types.unwrap_or_default();
        self.manifest.types = types.iter().flatten().copied().collect();
        for (mut slots, type_index) in entries {
            slots.type_name = type_index.and_then(|i| {
                let span = usize::try_from(i)
                    .ok()
                    .and_then(|i| types.get(i).copied().flatten());
                if span.is_none() {
                    self.report.ignored_fields += 1;
                    self.report.note("an entry's type index names no type");
                }
                span
            });
            self.manifest.slots.push(slots);
        }
        Ok(true)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_unit<E: de::Error>(self) -> Result<bool, E> {
        Ok(false)
    }
}

/// The compact form's type names: each stored once, `None` where not a valid name.
struct TypesSeed<'a> {
    text: &'a mut String,
}

impl<'de> DeserializeSeed<'de> for TypesSeed<'_> {
    type Value = Vec<Option<Span>>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for TypesSeed<'_> {
    type Value = Vec<Option<Span>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of type names")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut types = Vec::new();
        while let Some(field) = seq.next_element_seed(FieldSeed {
            text: &mut *self.text,
        })? {
            types.push(match field {
                Field::Text(name) => {
                    let text = &self.text[name.start as usize..(name.start + name.len) as usize];
                    (name.len <= 256 && is_type_name(text)).then_some(name)
                }
                _ => None,
            });
        }
        Ok(types)
    }
}

/// The compact form's entries, each with its (unresolved) type index.
struct CompactEntriesSeed<'s, 'a> {
    seed: &'s mut ManifestSeed<'a>,
}

impl<'de> DeserializeSeed<'de> for CompactEntriesSeed<'_, '_> {
    type Value = Vec<(Slots, Option<u64>)>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for CompactEntriesSeed<'_, '_> {
    type Value = Vec<(Slots, Option<u64>)>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of [id, type, hash, load] entries")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let ManifestSeed {
            limits,
            report,
            manifest,
        } = self.seed;
        let mut entries = Vec::new();
        loop {
            let mark = manifest.text.len();
            let seed = CompactEntrySeed {
                limits,
                report,
                text: &mut manifest.text,
            };
            let Some(entry) = seq.next_element_seed(seed)? else {
                break;
            };
            match entry {
                Some(entry) if entries.len() < limits.max_entries => entries.push(entry),
                kept => {
                    if kept.is_some() {
                        report.note(format!("more than {} entries", limits.max_entries));
                    }
                    report.dropped += 1;
                    manifest.text.truncate(mark);
                }
            }
        }
        Ok(entries)
    }
}

/// One compact entry: `[id, type index or null, hash or null, load or null, depth?]`.
struct CompactEntrySeed<'a> {
    limits: &'a Limits,
    report: &'a mut ParseReport,
    text: &'a mut String,
}

impl<'de> DeserializeSeed<'de> for CompactEntrySeed<'_> {
    type Value = Option<(Slots, Option<u64>)>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for CompactEntrySeed<'_> {
    type Value = Option<(Slots, Option<u64>)>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a compact mounted region")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut fields: [Option<Field>; 5] = [None, None, None, None, None];
        for slot in &mut fields {
            match seq.next_element_seed(FieldSeed {
                text: &mut *self.text,
            })? {
                Some(field) => *slot = Some(field),
                None => break,
            }
        }
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        let [id, type_index, hash, load, depth] = fields;
        let type_index = match type_index {
            Some(Field::Number(span)) => {
                let digits = &self.text[span.start as usize..(span.start + span.len) as usize];
                digits.parse::<u64>().ok()
            }
            _ => None,
        };
        let entry = EntrySeed {
            limits: self.limits,
            report: self.report,
            text: self.text,
        };
        Ok(entry
            .checked(id, [None, hash, load, depth])
            .map(|slots| (slots, type_index)))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        self.report.note("a compact entry is not a list");
        Ok(None)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        self.report.note("a compact entry is not a list");
        Ok(None)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        self.report.note("a compact entry is not a list");
        Ok(None)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        self.report.note("a compact entry is not a list");
        Ok(None)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        self.report.note("a compact entry is not a list");
        Ok(None)
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        self.report.note("a compact entry is not a list");
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        self.report.note("a compact entry is not a list");
        Ok(None)
    }
}

struct EntrySeed<'a> {
    limits: &'a Limits,
    report: &'a mut ParseReport,
    text: &'a mut String,
}

impl<'de> DeserializeSeed<'de> for EntrySeed<'_> {
    /// `None` when the element is not a usable entry (already noted).
    type Value = Option<Slots>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl EntrySeed<'_> {
    fn not_an_object<E>(self) -> Result<Option<Slots>, E> {
        self.report.note("an entry is not an object");
        Ok(None)
    }

    /// Validates an entry's fields (`[type, hash, load, depth]`); `None` drops the entry.
    fn checked(self, id: Option<Field>, fields: [Option<Field>; 4]) -> Option<Slots> {
        let text: &str = self.text;
        let limits = self.limits;
        let report = self.report;
        let view = |s: Span| &text[s.start as usize..(s.start + s.len) as usize];
        let id = match id {
            Some(Field::Text(id)) => id,
            Some(_) => {
                report.note("an entry's id is not a string");
                return None;
            }
            None => {
                report.note("an entry has no id");
                return None;
            }
        };
        if id.len as usize > limits.max_field_bytes || region_id::check(view(id)).is_err() {
            report.note("an entry's id is empty, too long or contains control characters");
            return None;
        }
        let [type_name, hash, load, depth] = fields;
        let depth = match depth {
            None | Some(Field::Null) => 0,
            Some(Field::Number(span)) if !view(span).starts_with('-') => view(span)
                .parse::<u64>()
                .map_or(MAX_DEPTH, |d| d.min(u64::from(MAX_DEPTH)) as u32),
            Some(_) => {
                report.ignored_fields += 1;
                report.note("an entry's depth is not a non-negative number");
                0
            }
        };
        let mut keep = |name: &str, field: Option<Field>, valid: fn(&str) -> bool| {
            let span = match field? {
                Field::Text(span) => span,
                // Load keys are strings on the wire, but a number is unambiguous.
                Field::Number(span) if name == "load" => span,
                Field::Null => return None,
                Field::Number(_) | Field::Other => {
                    report.ignored_fields += 1;
                    report.note(format!("an entry's {name} is not a string"));
                    return None;
                }
            };
            if span.len as usize > limits.max_field_bytes || !valid(view(span)) {
                report.ignored_fields += 1;
                report.note(format!("an entry's {name} is malformed or too long"));
                return None;
            }
            Some(span)
        };
        Some(Slots {
            id,
            type_name: keep("type", type_name, is_type_name),
            hash: keep("hash", hash, is_hash),
            load: keep("load", load, |s| !s.chars().any(char::is_control)),
            depth,
        })
    }
}

impl<'de> Visitor<'de> for EntrySeed<'_> {
    type Value = Option<Slots>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a mounted region")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut id: Option<Field> = None;
        let mut fields: [Option<Field>; 4] = [None, None, None, None];
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            let slot = match &*key {
                "id" => &mut id,
                "type" => &mut fields[0],
                "hash" => &mut fields[1],
                "load" => &mut fields[2],
                "depth" => &mut fields[3],
                _ => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            *slot = Some(map.next_value_seed(FieldSeed {
                text: &mut *self.text,
            })?);
        }
        Ok(self.checked(id, fields))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        self.not_an_object()
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        self.not_an_object()
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        self.not_an_object()
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        self.not_an_object()
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        self.not_an_object()
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        self.not_an_object()
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        self.not_an_object()
    }
}

/// A field value, of whatever JSON type the client sent; text is appended to the manifest's.
enum Field {
    Text(Span),
    Number(Span),
    Null,
    Other,
}

struct FieldSeed<'a> {
    text: &'a mut String,
}

impl FieldSeed<'_> {
    fn push(self, text: &str) -> Span {
        let start = self.text.len();
        self.text.push_str(text);
        span(start, text.len())
    }
}

impl<'de> DeserializeSeed<'de> for FieldSeed<'_> {
    type Value = Field;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Field, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for FieldSeed<'_> {
    type Value = Field;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Field, E> {
        Ok(Field::Text(self.push(v)))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Field, E> {
        Ok(Field::Number(self.push(&v.to_string())))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Field, E> {
        Ok(Field::Number(self.push(&v.to_string())))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Field, E> {
        Ok(Field::Other)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Field, E> {
        Ok(Field::Other)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Field, E> {
        Ok(Field::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Field, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Field::Other)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Field, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Field::Other)
    }
}

fn is_type_name(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// A reported hash is only ever compared with a fresh one, never written anywhere, so any
/// short text will do: one that is not a real hash simply never matches (and the region
/// swaps).
fn is_hash(s: &str) -> bool {
    !s.is_empty()
}

/// Parses `X-PJX-Assets`: the asset URLs the page has loaded. Unusable values count as none.
///
/// ```
/// let assets = pjx::manifest::parse_assets(r#"["/a.css", 3, "/b.js"]"#, &Default::default());
/// assert!(assets.contains("/a.css") && assets.contains("/b.js") && assets.len() == 2);
/// ```
pub fn parse_assets(header: &str, limits: &Limits) -> HashSet<String> {
    let mut out = HashSet::new();
    if header.len() > limits.max_header_bytes {
        tracing::warn!(target: "pjx::manifest", "X-PJX-Assets is over the size limit; ignored");
        return out;
    }
    match serde_json::from_str::<Value>(header) {
        Ok(Value::Array(items)) => {
            let total = items.len();
            for item in items {
                if let Value::String(s) = item
                    && s.len() <= 2048
                    && out.len() < limits.max_entries
                {
                    out.insert(s);
                }
            }
            if out.len() != total {
                tracing::warn!(
                    target: "pjx::manifest",
                    "X-PJX-Assets: {} of {total} entries ignored",
                    total - out.len()
                );
            }
        }
        _ => tracing::warn!(target: "pjx::manifest", "X-PJX-Assets is not a JSON list; ignored"),
    }
    out
}

/// Parses `X-PJX-Trigger` (`{"id": "…"}`): the region that started the request, if any.
pub fn parse_trigger(header: &str, limits: &Limits) -> Option<String> {
    if header.len() > limits.max_field_bytes * 4 {
        return None;
    }
    match serde_json::from_str::<Value>(header) {
        Ok(Value::Object(mut fields)) => match fields.remove("id") {
            Some(Value::String(id))
                if id.len() <= limits.max_field_bytes && region_id::check(&id).is_ok() =>
            {
                Some(id)
            }
            _ => None,
        },
        _ => {
            tracing::warn!(target: "pjx::manifest", "X-PJX-Trigger is not a JSON object; ignored");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(header: &str) -> (Option<Manifest>, ParseReport) {
        Manifest::parse_with_report(header, &Limits::default())
    }

    #[test]
    fn well_formed_manifests_parse_in_order() {
        let (m, report) = parse(
            r#"[{"id":"list","type":"list","hash":"00ff"},{"id":"row-1","type":"item_row","load":"1"},{"id":"x"}]"#,
        );
        assert!(report.is_clean(), "{report}");
        let m = m.unwrap();
        let ids: Vec<_> = m.entries().map(|e| e.id).collect();
        assert_eq!(ids, ["list", "row-1", "x"]);
        assert_eq!(m.get(1).unwrap().load, Some("1"));
        assert_eq!(m.get(2).unwrap().type_name, None);
    }

    #[test]
    fn unusable_headers_count_as_absent() {
        for header in ["", "nope", "{\"id\":\"x\"}", "\"[]\"", "[", "null", "[{]"] {
            let (m, report) = parse(header);
            assert!(m.is_none(), "{header:?}");
            assert!(!report.is_clean());
        }
        let huge = format!("[{}]", vec!["{\"id\":\"a\"}"; 200_000].join(","));
        let (m, report) = parse(&huge);
        assert!(m.is_none());
        assert!(report.reasons[0].contains("limit"), "{report}");
    }

    #[test]
    fn bad_entries_are_dropped_and_bad_fields_ignored() {
        let (m, report) = parse(
            r#"[1, "s", null, [], {"type":"x"}, {"id":7}, {"id":""}, {"id":"a\nb"},
                {"id":"ok","type":"has space","hash":"","load":{"n":1}},
                {"id":"num","type":"item_row","load":7,"hash":null}]"#,
        );
        let m = m.unwrap();
        assert_eq!(m.len(), 2);
        assert_eq!(report.dropped, 8);
        assert_eq!(report.ignored_fields, 3);
        let ok = m.get(0).unwrap();
        assert_eq!(
            (ok.id, ok.type_name, ok.hash, ok.load),
            ("ok", None, None, None)
        );
        let num = m.get(1).unwrap();
        assert_eq!((num.type_name, num.load), (Some("item_row"), Some("7")));
        // Dropped entries leave nothing behind in the manifest's text.
        assert!(!m.text.contains('x') && m.text.len() < 32, "{:?}", m.text);
    }

    #[test]
    fn hostile_ids_never_survive() {
        let (m, _) = parse(r#"[{"id":"a'] , body, [x='"},{"id":"\u0000"},{"id":"\u001b[31m"}]"#);
        let m = m.unwrap();
        // Quotes are allowed (they are escaped where used); control characters are not.
        assert_eq!(m.len(), 1);
        assert_eq!(m.get(0).unwrap().id, "a'] , body, [x='");
    }

    #[test]
    fn limits_cap_entries_and_fields() {
        let limits = Limits {
            max_entries: 2,
            max_field_bytes: 8,
            ..Limits::default()
        };
        let (m, report) = Manifest::parse_with_report(
            r#"[{"id":"a"},{"id":"b","load":"123456789"},{"id":"c"},{"id":"123456789"}]"#,
            &limits,
        );
        let m = m.unwrap();
        assert_eq!(m.len(), 2);
        assert_eq!(m.get(1).unwrap().load, None);
        assert_eq!(report.dropped, 2);
    }

    #[test]
    fn deeply_nested_json_is_rejected_not_a_stack_overflow() {
        // Skipped without recursion: one entry dropped, nothing else.
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let limits = Limits {
            max_header_bytes: 1 << 20,
            ..Limits::default()
        };
        let (m, report) = Manifest::parse_with_report(&deep, &limits);
        assert!(m.is_none_or(|m| m.is_empty()));
        assert_eq!(report.dropped, 1);
        // Deep nesting inside a field of an entry is skipped the same way.
        let field = format!(
            r#"[{{"id":"a","load":{}{}}}]"#,
            "[".repeat(50_000),
            "]".repeat(50_000)
        );
        let (m, _) = Manifest::parse_with_report(&field, &limits);
        assert_eq!(m.unwrap().get(0).unwrap().load, None);
    }

    #[test]
    fn depths_give_each_entry_its_enclosing_entry() {
        // list > (row-1 > badge), row-2; then a top-level counter; hostile jumps in depth.
        let (m, report) = parse(
            r#"{"t":["list","row","badge","count"],"p":1,"m":[["list",0,"a"],["row-1",1,"b","1",1],["badge",2,"c",null,2],["row-2",1,"d","2",1],["count",3,"e"],["odd",3,null,null,7],["neg",3,null,null,-1]]}"#,
        );
        let m = m.unwrap();
        assert_eq!(report.ignored_fields, 1, "{report}"); // -1 is not a depth
        let depths: Vec<u32> = m.entries().map(|e| e.depth).collect();
        assert_eq!(depths, [0, 1, 2, 1, 0, 7, 0]);
        assert_eq!(
            m.parents(),
            [None, Some(0), Some(1), Some(0), None, Some(4), None]
        );
        assert!(m.is_partial());
        assert_eq!(m.type_names(), ["list", "row", "badge", "count"]);
        // The object form carries depths too; it is never partial.
        let (m, _) = parse(r#"[{"id":"a","type":"t"},{"id":"b","depth":1}]"#);
        let m = m.unwrap();
        assert_eq!(m.parents(), [None, Some(0)]);
        assert!(!m.is_partial());
        assert_eq!(m.type_names(), ["t"]);
    }

    #[test]
    fn the_compact_form_parses_to_the_same_manifest() {
        let (compact, report) = parse(
            r#"{"t":["list","item_row"],"m":[["list",0,"00ff"],["row-1",1,"ab12","1"],["row-2",1,null,2],["x",null]]}"#,
        );
        assert!(report.is_clean(), "{report}");
        let (objects, _) = parse(
            r#"[{"id":"list","type":"list","hash":"00ff"},{"id":"row-1","type":"item_row","hash":"ab12","load":"1"},{"id":"row-2","type":"item_row","load":"2"},{"id":"x"}]"#,
        );
        assert_eq!(compact, objects);
        // Each type name is stored once however many entries use it.
        assert_eq!(compact.unwrap().text.matches("item_row").count(), 1);
    }

    #[test]
    fn the_compact_form_is_parsed_defensively() {
        // Entries before types; a type index out of range; an entry that is not a list; a bad
        // type name; a depth that is not a number; junk after the fields.
        let (m, report) = parse(
            r#"{"m":[["a",1,"ff"],["b",9],{"id":"c"},["d",0,"ee","1",{"x":1},[2]],[7]],"t":["ok","has space"],"x":1}"#,
        );
        let m = m.unwrap();
        let entries: Vec<_> = m
            .entries()
            .map(|e| (e.id, e.type_name, e.hash, e.load))
            .collect();
        assert_eq!(
            entries,
            [
                ("a", None, Some("ff"), None),
                ("b", None, None, None),
                ("d", Some("ok"), Some("ee"), Some("1"))
            ]
        );
        assert_eq!(report.dropped, 2);
        assert_eq!(report.ignored_fields, 3);
        // No "m": not a manifest.
        assert!(parse(r#"{"t":["a"]}"#).0.is_none());
        // Limits apply to the compact form too.
        let limits = Limits {
            max_entries: 1,
            ..Limits::default()
        };
        let (m, _) = Manifest::parse_with_report(r#"{"t":[],"m":[["a"],["b"]]}"#, &limits);
        assert_eq!(m.unwrap().len(), 1);
    }

    #[test]
    fn assets_and_trigger() {
        let limits = Limits::default();
        assert!(parse_assets("{}", &limits).is_empty());
        assert_eq!(
            parse_trigger(r#"{"id":"row-2"}"#, &limits).as_deref(),
            Some("row-2")
        );
        assert_eq!(parse_trigger(r#"{"id":5}"#, &limits), None);
        assert_eq!(parse_trigger("garbage", &limits), None);
    }
}
