//! Region ids: which ids pjx can stamp and target, and the selector that finds one.
//!
//! An id reaches the page twice: as the value of `data-pjx-id`, and inside the out-of-band
//! selector `[data-pjx-id='…']` that htmx resolves. htmx 2 does not hand that selector straight
//! to `querySelectorAll`: it first splits it on every comma — inside quotes too, unless between
//! `<` and `/>` — and parts that read `body`, `document`, `closest …`, `find …`, `next`, … name
//! other targets. An id like `a, body, b` would retarget the swap at `<body>`. So the selector
//! CSS-escapes every character htmx's selector code looks at (`,`, `<`, `>`), the string's own
//! delimiters (`'` and `\`) and control characters: it stays one attribute selector, matching
//! exactly the elements whose id is this one, however htmx reads it. htmx 4 splits the same
//! way (outside brackets, parentheses and quotes) and reads an out-of-band value
//! `style:selector` up to the last `:` before a space, so colons are escaped too.
//!
//! Ids that no escape can carry are refused where they are used: an empty id, one over
//! [`MAX_BYTES`] (clients' manifests drop longer fields), or one with control characters (the
//! HTML parser rewrites NUL and CR inside attributes, so the page would hold another id).

use std::fmt;

/// The longest region id pjx stamps or accepts from a client.
pub const MAX_BYTES: usize = 256;

/// Why an id cannot be a region id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegionIdError {
    /// The id is empty.
    Empty,
    /// The id is longer than [`MAX_BYTES`].
    TooLong(usize),
    /// The id contains a control character.
    ControlCharacter,
}

impl fmt::Display for RegionIdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegionIdError::Empty => f.write_str("the region id is empty"),
            RegionIdError::TooLong(n) => write!(
                f,
                "the region id is {n} bytes, over the {MAX_BYTES}-byte limit"
            ),
            RegionIdError::ControlCharacter => {
                f.write_str("the region id contains a control character")
            }
        }
    }
}

impl std::error::Error for RegionIdError {}

/// Checks that `id` can be stamped and targeted.
///
/// ```
/// use pjx::html::region_id::{RegionIdError, check};
/// assert!(check("row-1").is_ok());
/// assert!(check("a, body, b").is_ok()); // escaped where used
/// assert_eq!(check(""), Err(RegionIdError::Empty));
/// assert_eq!(check("a\rb"), Err(RegionIdError::ControlCharacter));
/// assert_eq!(check(&"x".repeat(300)), Err(RegionIdError::TooLong(300)));
/// ```
pub fn check(id: &str) -> Result<(), RegionIdError> {
    if id.is_empty() {
        Err(RegionIdError::Empty)
    } else if id.len() > MAX_BYTES {
        Err(RegionIdError::TooLong(id.len()))
    } else if id.chars().any(char::is_control) {
        Err(RegionIdError::ControlCharacter)
    } else {
        Ok(())
    }
}

/// The CSS attribute selector matching region `id`, safe under htmx's selector splitting.
///
/// ```
/// use pjx::html::region_id::selector;
/// assert_eq!(selector("row-1"), "[data-pjx-id='row-1']");
/// assert_eq!(selector(r"a'b\c"), r"[data-pjx-id='a\'b\\c']");
/// assert_eq!(selector("a, body"), r"[data-pjx-id='a\2c  body']");
/// ```
pub fn selector(id: &str) -> String {
    let mut out = String::with_capacity(id.len() + 16);
    push_selector(&mut out, id);
    out
}

/// [`selector`], appending to `out`.
pub fn push_selector(out: &mut String, id: &str) {
    out.push_str("[data-pjx-id='");
    for c in id.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            // A hex escape ends at the first space after it, which CSS consumes. htmx 4 reads
            // `style:selector` up to the last `:` before a space: no bare `:` in the id.
            ',' | '<' | '>' | ':' => push_hex_escape(out, c),
            c if c.is_control() => push_hex_escape(out, c),
            c => out.push(c),
        }
    }
    out.push_str("']");
}

fn push_hex_escape(out: &mut String, c: char) {
    use fmt::Write as _;
    let _ = write!(out, "\\{:x} ", u32::from(c));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The parts htmx 2's `querySelectorAllExt` would split `selector` into.
    fn htmx_parts(selector: &str) -> Vec<String> {
        let mut parts = Vec::new();
        let (mut chevrons, mut offset) = (0i32, 0);
        let chars: Vec<char> = selector.chars().collect();
        for (i, &c) in chars.iter().enumerate() {
            if c == ',' && chevrons == 0 {
                parts.push(chars[offset..i].iter().collect::<String>());
                offset = i + 1;
                continue;
            }
            if c == '<' {
                chevrons += 1;
            } else if c == '/' && chars.get(i + 1) == Some(&'>') {
                chevrons -= 1;
            }
        }
        if offset < chars.len() {
            parts.push(chars[offset..].iter().collect());
        }
        parts
    }

    #[test]
    fn hostile_ids_stay_one_selector() {
        for id in [
            "a, body, b",
            "a, find main",
            "x'] , body [y='",
            "<x/>, body",
            "a/>,b",
            "closest x",
            "a\\,b",
            "é, ü",
            "todos:7",
            "a:b c:d",
        ] {
            let selector = selector(id);
            let parts = htmx_parts(&selector);
            assert_eq!(parts.len(), 1, "{id:?} splits into {parts:?}");
            assert_eq!(parts[0], selector);
            assert!(selector.starts_with("[data-pjx-id='") && selector.ends_with("']"));
            // Inside the quotes, every `'` is escaped by a backslash that is not itself escaped.
            let inner = &selector["[data-pjx-id='".len()..selector.len() - 2];
            let mut chars = inner.chars();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => {
                        chars.next();
                    }
                    '\'' | ',' | '<' | '>' | ':' => panic!("unescaped {c:?} in {selector}"),
                    c => assert!(!c.is_control(), "control character in {selector:?}"),
                }
            }
        }
    }
}
