//! The manifest read in one streaming pass into the manifest's text: no `serde_json::Value`
//! tree, no allocation per field. Anything of the wrong shape is consumed and counted, never an
//! error (only malformed JSON is).

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::{MAX_DEPTH, Manifest, ParseReport, Slots, Span, span};
use crate::engine::Limits;
use crate::html::region_id;

pub(super) struct ManifestSeed<'a> {
    pub(super) limits: &'a Limits,
    pub(super) report: &'a mut ParseReport,
    pub(super) manifest: Manifest,
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
