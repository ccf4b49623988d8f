//! Out-of-band fragments:
//!
//! - an update is the region's root with `hx-swap-oob="outerHTML:[data-pjx-id='ID']"` and its
//!   fresh hash;
//! - a delete is `<div hx-swap-oob="delete:[data-pjx-id='ID']"></div>`;
//! - an asset is a `<link>` or `<script>` marked `data-pjx-asset`.
//!
//! The id inside the selector is escaped so that it can leave neither the CSS string nor the
//! selector as htmx reads it (see [`region_id`]), and the whole value for the
//! double-quoted HTML attribute (`&`, `"`, `<`, `>`).

use crate::component::Asset;
use crate::html::region_id;
use crate::html::stamp::escape_attr_into;

/// The `hx-swap-oob` value replacing region `id` (before attribute escaping).
///
/// ```
/// assert_eq!(pjx::reactive::oob::update_selector("a,b"), r"outerHTML:[data-pjx-id='a\2c b']");
/// ```
pub fn update_selector(id: &str) -> String {
    let mut out = String::from("outerHTML:");
    region_id::push_selector(&mut out, id);
    out
}

/// Appends a fragment deleting region `id`.
///
/// ```
/// let mut out = String::new();
/// pjx::reactive::oob::push_delete(&mut out, "row-3");
/// assert_eq!(out, r#"<div hx-swap-oob="delete:[data-pjx-id='row-3']"></div>"#);
/// ```
pub fn push_delete(out: &mut String, id: &str) {
    out.push_str("<div hx-swap-oob=\"");
    let mut value = String::from("delete:");
    region_id::push_selector(&mut value, id);
    escape_attr_into(out, &value);
    out.push_str("\"></div>");
}

/// Appends the tag loading `asset`, marked `data-pjx-asset` so the client runtime moves it
/// to the document head.
pub fn push_asset(out: &mut String, asset: &Asset) {
    let url = asset.url();
    if asset.is_css() {
        out.push_str("<link rel=\"stylesheet\" href=\"");
        escape_attr_into(out, &url);
        out.push_str("\" data-pjx-asset=\"");
        escape_attr_into(out, &url);
        out.push_str("\">");
    } else {
        out.push_str("<script src=\"");
        escape_attr_into(out, &url);
        out.push_str("\" data-pjx-asset=\"");
        escape_attr_into(out, &url);
        out.push_str("\"></script>");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delete_fragments_cannot_be_escaped_from() {
        for id in ["x'] , body [y='", "x\\'", "x\"><script>", "a, body", "]['"] {
            let mut fragment = String::new();
            push_delete(&mut fragment, id);
            assert_eq!(fragment.matches('"').count(), 2, "{fragment}");
            assert_eq!(fragment.matches('<').count(), 2, "{fragment}");
            assert!(!fragment.contains(','), "{fragment}");
        }
    }

    #[test]
    fn asset_tags() {
        let mut out = String::new();
        push_asset(&mut out, &Asset::CssUrl("/a.css?x=\"1\""));
        push_asset(&mut out, &Asset::JsUrl("https://cdn/x.js"));
        assert_eq!(
            out,
            "<link rel=\"stylesheet\" href=\"/a.css?x=&quot;1&quot;\" data-pjx-asset=\"/a.css?x=&quot;1&quot;\"><script src=\"https://cdn/x.js\" data-pjx-asset=\"https://cdn/x.js\"></script>"
        );
    }
}
