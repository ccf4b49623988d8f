//! Root stamping: the `data-pjx-*` attributes on a reactive region's single root element.
//!
//! A reactive template must render exactly one root element (comments and whitespace around it
//! are fine). After each render pjx finds that element's start tag and appends `data-pjx-id`,
//! `data-pjx-type`, `data-pjx-hash`, `data-pjx-reacts` and, for keyed regions,
//! `data-pjx-load`, with every value attribute-escaped. The scan is a single linear pass that
//! understands quoted attribute values, comments and raw-text elements (`script`, `style`, …),
//! so markup inside those never confuses it.

use std::fmt;

/// The attributes stamped on a region's root.
#[derive(Debug, Clone, Copy)]
pub struct Stamp<'a> {
    /// `data-pjx-id`: the region id.
    pub id: &'a str,
    /// `data-pjx-type`: the registered type name.
    pub type_name: &'a str,
    /// `data-pjx-hash`: the state hash.
    pub hash: &'a str,
    /// `data-pjx-reacts`: space-separated wire keys.
    pub reacts: &'a str,
    /// `data-pjx-load`: the load key of a keyed region.
    pub load: Option<&'a str>,
    /// `hx-swap-oob`: set when the region rides along a response out of band.
    pub oob: Option<&'a str>,
    /// `false` stamps `data-pjx-morph="false"`: the client replaces the region on update
    /// instead of morphing it.
    pub morph: bool,
}

/// The attribute names pjx owns on a region root; templates must not set them.
pub const STAMPED_ATTRIBUTES: [&str; 5] = [
    "data-pjx-id",
    "data-pjx-type",
    "data-pjx-hash",
    "data-pjx-reacts",
    "data-pjx-load",
];

/// Why a rendered template has no single root element to stamp.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RootError {
    /// Nothing but whitespace and comments was rendered.
    Empty,
    /// Text (or a stray end tag) appears outside the root element.
    TextOutsideRoot(String),
    /// A second element follows the root element.
    SecondRoot(String),
    /// The root start tag is not closed.
    Unterminated,
    /// The template sets an attribute pjx stamps.
    ReservedAttribute(String),
}

impl fmt::Display for RootError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RootError::Empty => f.write_str("the template rendered no root element"),
            RootError::TextOutsideRoot(near) => write!(
                f,
                "the template rendered text outside its root element, near `{near}`; wrap everything in one element"
            ),
            RootError::SecondRoot(near) => write!(
                f,
                "the template rendered more than one root element (the second starts `{near}`); wrap them in one element"
            ),
            RootError::Unterminated => f.write_str("the root element's start tag is not closed"),
            RootError::ReservedAttribute(name) if name == "hx-vals" => f.write_str(
                "the root element of a component with events carries its state in `hx-vals`, so it cannot be a trigger or set `hx-vals` itself: wrap the trigger in an element of its own",
            ),
            RootError::ReservedAttribute(name) => write!(
                f,
                "the template sets `{name}` on its root element; pjx stamps that attribute itself, remove it"
            ),
        }
    }
}

impl std::error::Error for RootError {}

/// Stamps the root element of the HTML in `html[start..]`.
///
/// ```
/// use pjx::html::stamp::{Stamp, stamp_root};
/// let mut html = String::from("<li class=\"todo\">Ship it</li>");
/// stamp_root(&mut html, 0, &Stamp {
///     id: "row-1", type_name: "item_row", hash: "00ff", reacts: "todos", load: Some("1"),
///     oob: None, morph: true,
/// }).unwrap();
/// assert_eq!(html, "<li class=\"todo\" data-pjx-id=\"row-1\" data-pjx-type=\"item_row\" \
///     data-pjx-hash=\"00ff\" data-pjx-reacts=\"todos\" data-pjx-load=\"1\">Ship it</li>");
/// ```
pub fn stamp_root(html: &mut String, start: usize, stamp: &Stamp<'_>) -> Result<(), RootError> {
    let mut attrs: Vec<(&str, &str)> = vec![
        ("data-pjx-id", stamp.id),
        ("data-pjx-type", stamp.type_name),
        ("data-pjx-hash", stamp.hash),
        ("data-pjx-reacts", stamp.reacts),
    ];
    if let Some(load) = stamp.load {
        attrs.push(("data-pjx-load", load));
    }
    if let Some(oob) = stamp.oob {
        attrs.push(("hx-swap-oob", oob));
    }
    if !stamp.morph {
        attrs.push(("data-pjx-morph", "false"));
    }
    stamp_root_attrs(html, start, &attrs)
}

/// Appends `attrs` (values attribute-escaped) to the single root element of `html[start..]`.
/// The template may set none of them itself, nor any of [`STAMPED_ATTRIBUTES`].
pub fn stamp_root_attrs(
    html: &mut String,
    start: usize,
    attrs: &[(&str, &str)],
) -> Result<(), RootError> {
    let at = find_root(&html[start..], attrs)? + start;
    let mut stamped = String::with_capacity(attrs.iter().map(|(n, v)| n.len() + v.len() + 4).sum());
    for (name, value) in attrs {
        push_attr(&mut stamped, name, value);
    }
    html.insert_str(at, &stamped);
    Ok(())
}

fn push_attr(out: &mut String, name: &str, value: &str) {
    out.push(' ');
    out.push_str(name);
    out.push_str("=\"");
    escape_attr_into(out, value);
    out.push('"');
}

/// Escapes `value` for use inside a double-quoted HTML attribute (the only kind pjx writes):
/// `&`, `"`, `<` and `>` become entities; `'` needs no escaping there and stays readable, as in
/// `hx-swap-oob="outerHTML:[data-pjx-id='row-1']"`.
///
/// ```
/// assert_eq!(pjx::html::stamp::escape_attr(r#"a"b'<&>"#), "a&quot;b'&lt;&amp;&gt;");
/// ```
pub fn escape_attr(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    escape_attr_into(&mut out, value);
    out
}

/// [`escape_attr`] appending to `out`.
pub fn escape_attr_into(out: &mut String, value: &str) {
    // Most values (type names, wire keys, hashes, typical ids) need no escaping at all.
    if !value
        .bytes()
        .any(|b| matches!(b, b'&' | b'"' | b'<' | b'>'))
    {
        out.push_str(value);
        return;
    }
    let mut last = 0;
    for (i, b) in value.bytes().enumerate() {
        let rep = match b {
            b'&' => "&amp;",
            b'"' => "&quot;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            _ => continue,
        };
        out.push_str(&value[last..i]);
        out.push_str(rep);
        last = i + 1;
    }
    out.push_str(&value[last..]);
}

/// The region ids stamped in `html`, in document order, unescaped: the root's first, then
/// those of regions rendered inside it.
///
/// ```
/// let html = r#"<ul data-pjx-id="list"><li data-pjx-id="row-&quot;1&quot;"></li></ul>"#;
/// let ids: Vec<String> = pjx::html::stamp::stamped_ids(html).collect();
/// assert_eq!(ids, ["list", "row-\"1\""]);
/// ```
pub fn stamped_ids(html: &str) -> impl Iterator<Item = String> + '_ {
    const NEEDLE: &str = " data-pjx-id=\"";
    let mut rest = html;
    std::iter::from_fn(move || {
        let start = rest.find(NEEDLE)? + NEEDLE.len();
        let len = rest[start..].find('"')?;
        let value = unescape_attr(&rest[start..start + len]);
        rest = &rest[start + len..];
        Some(value)
    })
}

/// Reverses [`escape_attr`].
fn unescape_attr(value: &str) -> String {
    if !value.contains('&') {
        return value.to_owned();
    }
    value
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Elements that never have content or an end tag.
const VOID: [&str; 14] = [
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr",
];

/// Elements whose content is raw text: markup inside them is not markup.
const RAW_TEXT: [&str; 6] = ["script", "style", "textarea", "title", "xmp", "noscript"];

/// Finds where the root start tag ends (the index of its `>`, or of `/` in `/>`), checking
/// there is exactly one root element.
fn find_root(html: &str, stamping: &[(&str, &str)]) -> Result<usize, RootError> {
    let bytes = html.as_bytes();
    let mut i = skip_trivia(bytes, 0)?;
    if i == bytes.len() {
        return Err(RootError::Empty);
    }
    if !starts_element(bytes, i) {
        return Err(RootError::TextOutsideRoot(near(html, i)));
    }
    let root = parse_start_tag(html, i, stamping)?;
    if let Some(name) = root.reserved {
        return Err(RootError::ReservedAttribute(name));
    }
    let insert_at = root.insert_at;
    i = root.end;
    let name = &html[root.name.clone()];
    if !(root.self_closing || is_one_of(name, &VOID)) {
        i = skip_element_body(html, i, name)?;
    }
    let rest = skip_trivia(bytes, i)?;
    if rest < bytes.len() {
        return Err(if starts_element(bytes, rest) {
            RootError::SecondRoot(near(html, rest))
        } else {
            RootError::TextOutsideRoot(near(html, rest))
        });
    }
    Ok(insert_at)
}

fn near(html: &str, at: usize) -> String {
    html[at..].chars().take(24).collect()
}

fn starts_element(bytes: &[u8], i: usize) -> bool {
    bytes[i] == b'<' && bytes.get(i + 1).is_some_and(u8::is_ascii_alphabetic)
}

/// Skips whitespace and comments; fails on an unterminated comment.
fn skip_trivia(bytes: &[u8], mut i: usize) -> Result<usize, RootError> {
    loop {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if bytes[i..].starts_with(b"<!--") {
            i = find(bytes, i + 4, b"-->").ok_or(RootError::Unterminated)? + 3;
        } else {
            return Ok(i);
        }
    }
}

fn find(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    match needle {
        [b] => memchr::memchr(*b, &bytes[from..]),
        _ => memchr::memmem::find(&bytes[from..], needle),
    }
    .map(|p| p + from)
}

struct StartTag {
    /// The tag name's range in the HTML (compared case-insensitively, never copied).
    name: std::ops::Range<usize>,
    /// Index just past the tag's `>`.
    end: usize,
    /// Where stamped attributes go.
    insert_at: usize,
    self_closing: bool,
    reserved: Option<String>,
}

/// Parses the start tag at `i` (which is `<` followed by a letter), noting any attribute pjx
/// stamps itself.
fn parse_start_tag(html: &str, i: usize, stamping: &[(&str, &str)]) -> Result<StartTag, RootError> {
    let mut reserved = None;
    let mut tag = scan_start_tag(html, i, |name, _| {
        if reserved.is_none()
            && let Some(own) = STAMPED_ATTRIBUTES
                .iter()
                .chain(stamping.iter().map(|(n, _)| n))
                .find(|a| a.eq_ignore_ascii_case(name))
        {
            reserved = Some((*own).to_owned());
        }
    })?;
    tag.reserved = reserved;
    Ok(tag)
}

/// Scans the start tag at `i`, calling `on_attr(name, raw value)` for each attribute (the value
/// without its quotes and still escaped; `None` for a bare attribute).
fn scan_start_tag(
    html: &str,
    i: usize,
    mut on_attr: impl FnMut(&str, Option<&str>),
) -> Result<StartTag, RootError> {
    let bytes = html.as_bytes();
    let mut j = i + 1;
    while j < bytes.len() && !is_tag_delim(bytes[j]) {
        j += 1;
    }
    let name = i + 1..j;
    loop {
        while j < bytes.len() && bytes[j].is_ascii_whitespace() {
            j += 1;
        }
        match bytes.get(j) {
            None => return Err(RootError::Unterminated),
            Some(b'>') => {
                return Ok(StartTag {
                    name,
                    end: j + 1,
                    insert_at: j,
                    self_closing: false,
                    reserved: None,
                });
            }
            Some(b'/') if bytes.get(j + 1) == Some(&b'>') => {
                return Ok(StartTag {
                    name,
                    end: j + 2,
                    insert_at: j,
                    self_closing: true,
                    reserved: None,
                });
            }
            Some(b'/') => j += 1,
            Some(_) => {
                let attr_start = j;
                while j < bytes.len() && !is_attr_name_delim(bytes[j]) {
                    j += 1;
                }
                let attr = &html[attr_start..j];
                while j < bytes.len() && bytes[j].is_ascii_whitespace() {
                    j += 1;
                }
                if bytes.get(j) != Some(&b'=') {
                    on_attr(attr, None);
                    continue;
                }
                j += 1;
                while j < bytes.len() && bytes[j].is_ascii_whitespace() {
                    j += 1;
                }
                let value = match bytes.get(j) {
                    Some(&q @ (b'"' | b'\'')) => {
                        let close = find(bytes, j + 1, &[q]).ok_or(RootError::Unterminated)?;
                        let value = &html[j + 1..close];
                        j = close + 1;
                        value
                    }
                    _ => {
                        let value_start = j;
                        while j < bytes.len() && !bytes[j].is_ascii_whitespace() && bytes[j] != b'>'
                        {
                            j += 1;
                        }
                        &html[value_start..j]
                    }
                };
                on_attr(attr, Some(value));
            }
        }
    }
}

#[cfg(feature = "testing")] // what the page model in `pjx::testing` reads
/// An element found by [`element_at`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Element {
    /// Index just past the element's end tag (or its start tag, for void elements).
    pub end: usize,
    /// Attributes, names lowercased, values unescaped.
    pub attrs: Vec<(String, String)>,
}

#[cfg(feature = "testing")] // what the page model in `pjx::testing` reads
impl Element {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

#[cfg(feature = "testing")] // what the page model in `pjx::testing` reads
/// The element whose start tag begins at `i`.
pub(crate) fn element_at(html: &str, i: usize) -> Option<Element> {
    if !starts_element(html.as_bytes(), i) {
        return None;
    }
    let mut attrs = Vec::new();
    let tag = scan_start_tag(html, i, |name, value| {
        attrs.push((
            name.to_ascii_lowercase(),
            value.map(unescape_attr).unwrap_or_default(),
        ));
    })
    .ok()?;
    let name = &html[tag.name.clone()];
    let end = if tag.self_closing || is_one_of(name, &VOID) {
        tag.end
    } else {
        skip_element_body(html, tag.end, name).ok()?
    };
    Some(Element { end, attrs })
}

#[cfg(feature = "testing")] // what the page model in `pjx::testing` reads
/// Start indexes of the top-level elements of `html`, skipping text and comments between them.
pub(crate) fn top_level_elements(html: &str) -> Vec<usize> {
    let bytes = html.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i..].starts_with(b"<!--") {
            i = find(bytes, i + 4, b"-->").map_or(bytes.len(), |e| e + 3);
        } else if starts_element(bytes, i) {
            match element_at(html, i) {
                Some(element) => {
                    out.push(i);
                    i = element.end;
                }
                None => break,
            }
        } else {
            i += 1;
        }
    }
    out
}

fn is_one_of(name: &str, names: &[&str]) -> bool {
    names.iter().any(|n| n.eq_ignore_ascii_case(name))
}

fn is_tag_delim(b: u8) -> bool {
    b.is_ascii_whitespace() || b == b'>' || b == b'/'
}

fn is_attr_name_delim(b: u8) -> bool {
    b.is_ascii_whitespace() || b == b'>' || b == b'/' || b == b'='
}

/// Skips to just past the end tag closing the root element named `name`, counting nested
/// elements of the same name. A root whose end tag is omitted extends to the end.
fn skip_element_body(html: &str, mut i: usize, name: &str) -> Result<usize, RootError> {
    let bytes = html.as_bytes();
    if is_one_of(name, &RAW_TEXT) {
        return Ok(skip_raw_text(bytes, i, name));
    }
    let mut depth = 1usize;
    while let Some(lt) = find(bytes, i, b"<") {
        if bytes[lt..].starts_with(b"<!--") {
            i = find(bytes, lt + 4, b"-->").ok_or(RootError::Unterminated)? + 3;
        } else if bytes.get(lt + 1) == Some(&b'/') {
            let name_end = tag_name_end(bytes, lt + 2);
            let closing = &html[lt + 2..name_end];
            i = bytes[name_end..]
                .iter()
                .position(|&b| b == b'>')
                .map_or(bytes.len(), |p| p + name_end + 1);
            if closing.eq_ignore_ascii_case(name) {
                depth -= 1;
                if depth == 0 {
                    return Ok(i);
                }
            }
        } else if starts_element(bytes, lt) {
            let tag = scan_start_tag(html, lt, |_, _| {})?;
            i = tag.end;
            if tag.self_closing {
                continue;
            }
            let tag_name = &html[tag.name];
            if tag_name.eq_ignore_ascii_case(name) {
                depth += 1;
            } else if is_one_of(tag_name, &RAW_TEXT) {
                i = skip_raw_text(bytes, i, tag_name);
            }
        } else {
            i = lt + 1;
        }
    }
    Ok(bytes.len())
}

fn tag_name_end(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() && !is_tag_delim(bytes[i]) {
        i += 1;
    }
    i
}

/// Skips raw text up to and past `</name…>`.
fn skip_raw_text(bytes: &[u8], mut i: usize, name: &str) -> usize {
    while let Some(lt) = find(bytes, i, b"</") {
        let end = tag_name_end(bytes, lt + 2);
        if bytes[lt + 2..end].eq_ignore_ascii_case(name.as_bytes()) {
            return bytes[end..]
                .iter()
                .position(|&b| b == b'>')
                .map_or(bytes.len(), |p| p + end + 1);
        }
        i = lt + 2;
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    const STAMP: Stamp<'static> = Stamp {
        id: "r",
        type_name: "t",
        hash: "h",
        reacts: "k",
        load: None,
        oob: None,
        morph: true,
    };
    const ATTRS: &str =
        r#" data-pjx-id="r" data-pjx-type="t" data-pjx-hash="h" data-pjx-reacts="k""#;

    fn stamped(html: &str) -> Result<String, RootError> {
        let mut s = html.to_owned();
        stamp_root(&mut s, 0, &STAMP).map(|()| s)
    }

    #[test]
    fn stamps_the_single_root() {
        let cases = [
            ("<div>x</div>", "<div{A}>x</div>"),
            (
                "\n  <div class=\"a\">x</div>\n",
                "\n  <div class=\"a\"{A}>x</div>\n",
            ),
            (
                "<!-- c --><p>x</p><!-- d -->",
                "<!-- c --><p{A}>x</p><!-- d -->",
            ),
            ("<input value='a>b'>", "<input value='a>b'{A}>"),
            ("<x-widget/>", "<x-widget{A}/>"),
            ("<br>", "<br{A}>"),
            ("<a href=/x/>y</a>", "<a href=/x/{A}>y</a>"),
            (
                "<div><div></div><div>a</div></div>",
                "<div{A}><div></div><div>a</div></div>",
            ),
            (
                "<div><script>if (a</div>) {}</script></div>",
                "<div{A}><script>if (a</div>) {}</script></div>",
            ),
            (
                "<div title=\"</div><p>\">x</div>",
                "<div title=\"</div><p>\"{A}>x</div>",
            ),
            ("<ul><li>a<li>b</ul>", "<ul{A}><li>a<li>b</ul>"),
            ("<DIV>x</DIV>", "<DIV{A}>x</DIV>"),
            (
                "<div><!-- </div> --></div>",
                "<div{A}><!-- </div> --></div>",
            ),
            ("<style>p > a {}</style>", "<style{A}>p > a {}</style>"),
        ];
        for (input, expected) in cases {
            assert_eq!(
                stamped(input).as_deref(),
                Ok(expected.replace("{A}", ATTRS).as_str()),
                "input: {input}"
            );
        }
    }

    #[test]
    fn rejects_anything_but_one_root() {
        type Check = fn(&RootError) -> bool;
        let cases: [(&str, Check); 9] = [
            ("", |e| *e == RootError::Empty),
            ("  <!-- x -->  ", |e| *e == RootError::Empty),
            ("hello", |e| matches!(e, RootError::TextOutsideRoot(_))),
            ("<p>a</p>tail", |e| {
                matches!(e, RootError::TextOutsideRoot(_))
            }),
            ("<p>a</p><p>b</p>", |e| {
                matches!(e, RootError::SecondRoot(_))
            }),
            ("<br><br>", |e| matches!(e, RootError::SecondRoot(_))),
            ("<div class=\"x", |e| *e == RootError::Unterminated),
            ("<!-- x", |e| *e == RootError::Unterminated),
            ("<p data-pjx-id=\"mine\">a</p>", |e| {
                *e == RootError::ReservedAttribute("data-pjx-id".into())
            }),
        ];
        for (input, check) in cases {
            let err = stamped(input).expect_err(input);
            assert!(check(&err), "input {input:?} gave {err:?}");
        }
    }

    #[test]
    fn escapes_every_stamped_value() {
        let mut html = String::from("<p>x</p>");
        stamp_root(
            &mut html,
            0,
            &Stamp {
                id: "a\"><script>",
                type_name: "t",
                hash: "h",
                reacts: "k",
                load: Some("x'y&z"),
                oob: Some("outerHTML:[data-pjx-id='a\\'b']"),
                morph: false,
            },
        )
        .unwrap();
        assert!(html.contains(r#"data-pjx-id="a&quot;&gt;&lt;script&gt;""#));
        assert!(html.contains(r#"data-pjx-load="x'y&amp;z""#));
        assert!(html.contains(r#"hx-swap-oob="outerHTML:[data-pjx-id='a\'b']""#));
        assert!(html.contains(r#"data-pjx-morph="false""#));
        assert_eq!(html.matches('<').count(), 2);
    }

    #[test]
    fn stamped_ids_round_trip_through_escaping() {
        for id in ["plain", "a\"b", "x'y", "<&>", "&amp;"] {
            let mut html = String::from("<p><b></b></p>");
            stamp_root(&mut html, 0, &Stamp { id, ..STAMP }).unwrap();
            assert_eq!(stamped_ids(&html).collect::<Vec<_>>(), [id]);
        }
    }

    #[test]
    fn stamps_only_after_start_offset() {
        let mut html = String::from("<main>");
        let start = html.len();
        html.push_str("<p>x</p>");
        stamp_root(&mut html, start, &STAMP).unwrap();
        assert_eq!(html, format!("<main><p{ATTRS}>x</p>"));
    }
}
