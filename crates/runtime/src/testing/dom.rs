//! A page as the browser holds it: the manifest the client runtime reads from it, and replies
//! applied to it the way htmx applies them.

use std::fmt;

use serde_json::{Map, Value};

use crate::html::stamp::{Element, element_at, top_level_elements};
use crate::manifest::{Manifest, Mounted};
use crate::reactive::reply::Reply;

const ID_ATTR: &str = " data-pjx-id=\"";

/// The regions stamped in `html`, in document order, each with its depth among the regions.
pub(super) fn region_elements(html: &str) -> Vec<(Element, u32)> {
    let mut open: Vec<usize> = Vec::new(); // the ends of the regions holding the current one
    region_starts(html)
        .into_iter()
        .filter_map(|start| element_at(html, start).map(|e| (start, e)))
        .map(|(start, element)| {
            while open.last().is_some_and(|&end| end <= start) {
                open.pop();
            }
            let depth = open.len() as u32;
            open.push(element.end);
            (element, depth)
        })
        .collect()
}

/// The manifest of every region in `html`: each stamped region, in document order, with its
/// depth among the regions (what the client runtime reports when the page fits its header).
pub fn manifest_from_html(html: &str) -> Manifest {
    let elements = region_elements(html);
    Manifest::from_entries(elements.iter().filter_map(|(element, depth)| {
        Some(Mounted {
            id: element.attr("data-pjx-id")?,
            type_name: element.attr("data-pjx-type"),
            hash: element.attr("data-pjx-hash"),
            load: element.attr("data-pjx-load"),
            depth: *depth,
        })
    }))
}

/// The `X-PJX-Mounted` header value for a manifest, in the long (object) form.
pub fn mounted_header(manifest: &Manifest) -> String {
    let entries: Vec<Value> = manifest
        .entries()
        .map(|m| {
            let mut fields = Map::new();
            fields.insert("id".into(), Value::from(m.id));
            for (name, value) in [("type", m.type_name), ("hash", m.hash), ("load", m.load)] {
                if let Some(value) = value {
                    fields.insert(name.into(), Value::from(value));
                }
            }
            if m.depth > 0 {
                fields.insert("depth".into(), Value::from(m.depth));
            }
            Value::Object(fields)
        })
        .collect();
    Value::Array(entries).to_string()
}

/// Start indexes of the elements carrying `data-pjx-id`, in document order.
fn region_starts(html: &str) -> Vec<usize> {
    let mut starts = Vec::new();
    let mut from = 0;
    while let Some(found) = html[from..].find(ID_ATTR) {
        let at = from + found;
        if let Some(lt) = html[..at].rfind('<') {
            starts.push(lt);
        }
        from = at + ID_ATTR.len();
    }
    starts
}

/// Where the primary of a reply goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrimarySwap {
    /// Nowhere (`HX-Reswap: none`, or the test does not care).
    None,
    /// Replaces the region with this id (`hx-target` on it, `hx-swap="outerHTML"`).
    OuterHtml(String),
    /// Appends inside the region with this id, after its last child (`hx-swap="beforeend"`:
    /// a route adding a row to a list).
    BeforeEnd(String),
}

impl PrimarySwap {
    /// `hx-swap="outerHTML"` on the region `id`.
    pub fn outer_html(id: impl Into<String>) -> Self {
        PrimarySwap::OuterHtml(id.into())
    }

    /// `hx-swap="beforeend"` into the region `id`.
    pub fn before_end(id: impl Into<String>) -> Self {
        PrimarySwap::BeforeEnd(id.into())
    }
}

/// A reply could not be applied the way htmx would.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomError(String);

impl fmt::Display for DomError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DomError {}

/// A page as the browser holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dom {
    html: String,
}

impl Dom {
    /// A page showing `html`.
    pub fn new(html: impl Into<String>) -> Self {
        Dom { html: html.into() }
    }

    /// The current HTML.
    pub fn html(&self) -> &str {
        &self.html
    }

    /// The manifest the client would send now.
    pub fn manifest(&self) -> Manifest {
        manifest_from_html(&self.html)
    }

    /// The outer HTML of the first region with `id`.
    pub fn region(&self, id: &str) -> Option<&str> {
        self.find(id).first().map(|&(s, e)| &self.html[s..e])
    }

    /// Applies a reply as htmx does: every out-of-band fragment first, in order, then the
    /// rest of the body (the primary) according to `primary`. Returns how many out-of-band
    /// fragments it applied.
    pub fn apply(&mut self, reply: &Reply, primary: PrimarySwap) -> Result<usize, DomError> {
        let body = &reply.body;
        let mut primary_html = String::new();
        let mut oob = Vec::new();
        let mut last = 0;
        for start in top_level_elements(body) {
            let element = element_at(body, start)
                .ok_or_else(|| DomError(format!("unparseable element at {start}")))?;
            if let Some(value) = element.attr("hx-swap-oob") {
                primary_html.push_str(&body[last..start]);
                oob.push((value.to_owned(), strip_oob(&body[start..element.end])));
                last = element.end;
            } else if element.attr("data-pjx-asset").is_some() {
                // The client runtime moves assets to the head; they are not page content.
                primary_html.push_str(&body[last..start]);
                last = element.end;
            }
        }
        primary_html.push_str(&body[last..]);
        let applied = oob.len();
        for (value, fragment) in oob {
            let (style, selector) = value
                .split_once(':')
                .ok_or_else(|| DomError(format!("hx-swap-oob without a selector: {value}")))?;
            let id = parse_region_selector(selector)
                .ok_or_else(|| DomError(format!("not a region selector: {selector}")))?;
            // htmx finds no target (`htmx:oobErrorNoTarget`) and drops the fragment: the
            // walk must never send one.
            if self.find(&id).is_empty() {
                return Err(DomError(format!(
                    "out-of-band {style} of `{id}` has no target in the page"
                )));
            }
            match style {
                "outerHTML" => {
                    let root = top_level_elements(&fragment)
                        .first()
                        .and_then(|&at| element_at(&fragment, at));
                    let stamped = root.as_ref().and_then(|e| e.attr("data-pjx-id"));
                    if stamped != Some(id.as_str()) {
                        return Err(DomError(format!(
                            "the update of `{id}` carries data-pjx-id {stamped:?}: the region would lose its identity"
                        )));
                    }
                    self.replace(&id, &fragment)
                }
                "delete" => self.replace(&id, ""),
                other => return Err(DomError(format!("unsupported swap style {other}"))),
            }
        }
        if reply.empty_primary {
            return Ok(applied);
        }
        match primary {
            PrimarySwap::None => {}
            PrimarySwap::OuterHtml(target) => {
                self.target(&target)?;
                self.replace(&target, primary_html.trim());
            }
            // htmx's `hx-target` is the first match (`querySelector`).
            PrimarySwap::BeforeEnd(target) => {
                let (start, end) = self.target(&target)?;
                // The element's own end tag starts at its last `</`.
                let close = self.html[start..end]
                    .rfind("</")
                    .map(|at| start + at)
                    .ok_or_else(|| DomError(format!("primary target `{target}` has no end tag")))?;
                self.html.insert_str(close, primary_html.trim());
            }
        }
        Ok(applied)
    }

    /// The element a primary swaps into: the first with region id `id`, as htmx's
    /// `hx-target` finds it.
    fn target(&self, id: &str) -> Result<(usize, usize), DomError> {
        self.find(id)
            .first()
            .copied()
            .ok_or_else(|| DomError(format!("primary target `{id}` is not in the page")))
    }

    /// Extents of the elements with region id `id`, outermost only, in document order.
    fn find(&self, id: &str) -> Vec<(usize, usize)> {
        let mut found: Vec<(usize, usize)> = Vec::new();
        for start in region_starts(&self.html) {
            if found.last().is_some_and(|&(_, end)| start < end) {
                continue;
            }
            if let Some(element) = element_at(&self.html, start)
                && element.attr("data-pjx-id") == Some(id)
            {
                found.push((start, element.end));
            }
        }
        found
    }

    /// Replaces every region with `id` (querySelectorAll semantics) by `html`.
    fn replace(&mut self, id: &str, html: &str) {
        for (start, end) in self.find(id).into_iter().rev() {
            self.html.replace_range(start..end, html);
        }
    }
}

/// Removes the `hx-swap-oob` attribute from a fragment's root, as htmx does when it swaps it.
fn strip_oob(fragment: &str) -> String {
    const ATTR: &str = " hx-swap-oob=\"";
    let Some(at) = fragment.find(ATTR) else {
        return fragment.to_owned();
    };
    let value_end = fragment[at + ATTR.len()..]
        .find('"')
        .map_or(fragment.len(), |e| at + ATTR.len() + e + 1);
    let mut out = String::with_capacity(fragment.len());
    out.push_str(&fragment[..at]);
    out.push_str(&fragment[value_end..]);
    out
}

/// The id in `[data-pjx-id='…']`, with CSS string escapes undone.
fn parse_region_selector(selector: &str) -> Option<String> {
    let inner = selector
        .strip_prefix("[data-pjx-id='")?
        .strip_suffix("']")?;
    let mut out = String::new();
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let mut hex = String::new();
        while let Some(h) = chars
            .peek()
            .filter(|h| h.is_ascii_hexdigit() && hex.len() < 6)
        {
            hex.push(*h);
            chars.next();
        }
        if hex.is_empty() {
            out.push(chars.next()?);
        } else {
            if chars.peek() == Some(&' ') {
                chars.next();
            }
            out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::html::region_id::selector as region_selector;
    use crate::reactive::oob::push_delete;

    #[test]
    fn selectors_round_trip() {
        for id in ["row-1", "a'b", "c\\d", "e\nf", "ü", "a, body", "<x/>"] {
            assert_eq!(
                parse_region_selector(&region_selector(id)).as_deref(),
                Some(id)
            );
        }
    }

    #[test]
    fn applies_updates_deletes_and_the_primary() {
        let mut dom = Dom::new(
            r#"<ul data-pjx-id="list"><li data-pjx-id="r1">a</li><li data-pjx-id="r2">b</li></ul><p data-pjx-id="c">2</p>"#,
        );
        let mut body = String::from(r#"<li data-pjx-id="r1">A</li>"#);
        body.push_str(r#"<p data-pjx-id="c" hx-swap-oob="outerHTML:[data-pjx-id='c']">1</p>"#);
        push_delete(&mut body, "r2");
        let reply = Reply {
            body,
            ..Reply::default()
        };
        assert_eq!(
            dom.apply(&reply, PrimarySwap::OuterHtml("r1".into())),
            Ok(2)
        );
        assert_eq!(
            dom.html(),
            r#"<ul data-pjx-id="list"><li data-pjx-id="r1">A</li></ul><p data-pjx-id="c">1</p>"#
        );
        let ids: Vec<_> = dom.manifest().entries().map(|m| m.id.to_owned()).collect();
        assert_eq!(ids, ["list", "r1", "c"]);
    }

    #[test]
    fn mounted_header_round_trips() {
        let html =
            r#"<div data-pjx-id="x" data-pjx-type="t" data-pjx-hash="ab" data-pjx-load="1"></div>"#;
        let manifest = manifest_from_html(html);
        let header = mounted_header(&manifest);
        assert_eq!(
            Manifest::parse(&header, &Default::default()),
            Some(manifest)
        );
    }
}
