//! What the client says it shows: the `X-PJX-Mounted`, `X-PJX-Assets` and `X-PJX-Trigger`
//! request headers, parsed defensively.
//!
//! These headers come from the browser, so from anyone. Parsing never panics and never fails
//! the request: a header that is not JSON, has the wrong shape, or is too large counts as
//! absent; an entry that is malformed, oversized or carries a hostile id is dropped; a bad
//! `type`, `hash` or `load` is treated as missing. Each header logs at most one warning.

use std::collections::HashSet;
use std::fmt;

use serde_json::Value;

/// Size limits for the client's headers.
///
/// ```
/// let limits = pjx::manifest::Limits { max_entries: 100, ..Default::default() };
/// assert_eq!(limits.max_header_bytes, 1 << 20);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest header value read at all (default 1 MiB: ~9,000 mounted regions).
    pub max_header_bytes: usize,
    /// Most entries kept from one manifest (default 10,000); the rest are dropped.
    pub max_entries: usize,
    /// Longest region id, type, hash or load key accepted (default 256 bytes).
    pub max_field_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_header_bytes: 1 << 20,
            max_entries: 10_000,
            max_field_bytes: 256,
        }
    }
}

/// One mounted region, as the client reported it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mounted {
    /// `data-pjx-id`. Always a safe region id (see [`is_safe_region_id`]).
    pub id: Box<str>,
    /// `data-pjx-type`, when reported and well-formed.
    pub type_name: Option<Box<str>>,
    /// `data-pjx-hash`, when reported and well-formed.
    pub hash: Option<Box<str>>,
    /// `data-pjx-load`, when reported (keyed regions).
    pub load: Option<Box<str>>,
}

/// The parsed `X-PJX-Mounted` header: mounted regions in document order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Manifest {
    entries: Vec<Mounted>,
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
    pub fn from_entries(entries: Vec<Mounted>) -> Self {
        Manifest { entries }
    }

    /// The mounted regions, in document order.
    pub fn entries(&self) -> &[Mounted] {
        &self.entries
    }

    /// Parses an `X-PJX-Mounted` value, logging one warning if anything was dropped. `None`
    /// when the value as a whole is unusable (then the client is treated as having reported
    /// nothing).
    ///
    /// ```
    /// use pjx::manifest::{Limits, Manifest};
    /// let header = r#"[{"id":"row-1","type":"item_row","hash":"ab12","load":"1"},
    ///                  {"id":"counter","type":"counter"}, 42, {"type":"no id"}]"#;
    /// let manifest = Manifest::parse(header, &Limits::default()).unwrap();
    /// assert_eq!(manifest.entries().len(), 2);
    /// assert_eq!(manifest.entries()[0].load.as_deref(), Some("1"));
    /// assert!(Manifest::parse("not json", &Limits::default()).is_none());
    /// ```
    pub fn parse(header: &str, limits: &Limits) -> Option<Manifest> {
        let (manifest, report) = Self::parse_with_report(header, limits);
        if !report.is_clean() {
            tracing::warn!(target: "pjx::manifest", "X-PJX-Mounted: {report}");
        }
        manifest
    }

    /// [`parse`](Self::parse) without logging, returning what was dropped.
    pub fn parse_with_report(header: &str, limits: &Limits) -> (Option<Manifest>, ParseReport) {
        let mut report = ParseReport::default();
        if header.len() > limits.max_header_bytes {
            report.note(format!(
                "the header is {} bytes, over the {}-byte limit",
                header.len(),
                limits.max_header_bytes
            ));
            return (None, report);
        }
        let items = match serde_json::from_str::<Value>(header) {
            Ok(Value::Array(items)) => items,
            Ok(_) => {
                report.note("the header is not a JSON list");
                return (None, report);
            }
            Err(e) => {
                report.note(format!("the header is not JSON ({e})"));
                return (None, report);
            }
        };
        let mut entries = Vec::with_capacity(items.len().min(limits.max_entries));
        for item in items {
            if entries.len() == limits.max_entries {
                report.dropped += 1;
                report.note(format!("more than {} entries", limits.max_entries));
                continue;
            }
            match parse_entry(item, limits, &mut report) {
                Some(entry) => entries.push(entry),
                None => report.dropped += 1,
            }
        }
        (Some(Manifest { entries }), report)
    }
}

fn parse_entry(item: Value, limits: &Limits, report: &mut ParseReport) -> Option<Mounted> {
    let Value::Object(mut fields) = item else {
        report.note("an entry is not an object");
        return None;
    };
    let id = match fields.remove("id") {
        Some(Value::String(id)) => id,
        Some(_) => {
            report.note("an entry's id is not a string");
            return None;
        }
        None => {
            report.note("an entry has no id");
            return None;
        }
    };
    if id.len() > limits.max_field_bytes || !is_safe_region_id(&id) {
        report.note("an entry's id is empty, too long or contains control characters");
        return None;
    }
    let mut field = |name: &str, valid: fn(&str) -> bool| -> Option<Box<str>> {
        let text = match fields.remove(name)? {
            Value::String(s) => s,
            // Load keys are strings on the wire, but a number is unambiguous.
            Value::Number(n) if name == "load" => n.to_string(),
            Value::Null => return None,
            _ => {
                report.ignored_fields += 1;
                report.note(format!("an entry's {name} is not a string"));
                return None;
            }
        };
        if text.len() > limits.max_field_bytes || !valid(&text) {
            report.ignored_fields += 1;
            report.note(format!("an entry's {name} is malformed or too long"));
            return None;
        }
        Some(text.into_boxed_str())
    };
    let type_name = field("type", is_type_name);
    let hash = field("hash", is_hash);
    let load = field("load", |s| !s.chars().any(char::is_control));
    Some(Mounted {
        id: id.into_boxed_str(),
        type_name,
        hash,
        load,
    })
}

/// Whether `id` can be used as a region id in an out-of-band selector: non-empty and free of
/// control characters (quotes and backslashes are escaped where the id is used).
pub fn is_safe_region_id(id: &str) -> bool {
    !id.is_empty() && !id.chars().any(char::is_control)
}

fn is_type_name(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

fn is_hash(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit())
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
                if id.len() <= limits.max_field_bytes && is_safe_region_id(&id) =>
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
        let ids: Vec<_> = m.entries().iter().map(|e| &*e.id).collect();
        assert_eq!(ids, ["list", "row-1", "x"]);
        assert_eq!(m.entries()[1].load.as_deref(), Some("1"));
        assert_eq!(m.entries()[2].type_name, None);
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
                {"id":"ok","type":"has space","hash":"not-hex","load":{"n":1}},
                {"id":"num","type":"item_row","load":7,"hash":null}]"#,
        );
        let m = m.unwrap();
        assert_eq!(m.entries().len(), 2);
        assert_eq!(report.dropped, 8);
        assert_eq!(report.ignored_fields, 3);
        let ok = &m.entries()[0];
        assert_eq!(
            (
                ok.type_name.as_deref(),
                ok.hash.as_deref(),
                ok.load.as_deref()
            ),
            (None, None, None)
        );
        assert_eq!(m.entries()[1].load.as_deref(), Some("7"));
    }

    #[test]
    fn hostile_ids_never_survive() {
        let (m, _) = parse(r#"[{"id":"a'] , body, [x='"},{"id":"\u0000"},{"id":"\u001b[31m"}]"#);
        let m = m.unwrap();
        // Quotes are allowed (they are escaped where used); control characters are not.
        assert_eq!(m.entries().len(), 1);
        assert_eq!(&*m.entries()[0].id, "a'] , body, [x='");
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
        assert_eq!(m.entries().len(), 2);
        assert_eq!(m.entries()[1].load, None);
        assert_eq!(report.dropped, 2);
    }

    #[test]
    fn deeply_nested_json_is_rejected_not_a_stack_overflow() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let (m, _) = parse(&deep);
        assert!(m.is_none());
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
