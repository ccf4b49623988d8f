//! Out-of-band fragments and the response body.
//!
//! - an update is the region's root with `hx-swap-oob="outerHTML:[data-pjx-id='ID']"` and its
//!   fresh hash;
//! - a delete is `<div hx-swap-oob="delete:[data-pjx-id='ID']"></div>`;
//! - the body is the primary, then the fragments in manifest order, then the assets the page
//!   lacks.
//!
//! The id inside the selector is escaped so that it can leave neither the CSS string nor the
//! selector as htmx reads it (see [`region_id`]), and the whole value for the
//! double-quoted HTML attribute (`&`, `"`, `<`, `>`).

use crate::component::Asset;
use crate::region_id;
use crate::scope::Scope;
use crate::stamp::{self, escape_attr_into};
use crate::walk::{self, WalkReport};

/// The `hx-swap-oob` value replacing region `id` (before attribute escaping).
///
/// ```
/// assert_eq!(pjx::oob::update_selector("a,b"), r"outerHTML:[data-pjx-id='a\2c b']");
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
/// pjx::oob::push_delete(&mut out, "row-3");
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

/// A response body with its fan-out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reply {
    /// The primary, then the out-of-band fragments, then missing assets.
    pub body: String,
    /// The primary was empty: the adapter sends `HX-Reswap: none` so htmx swaps nothing into
    /// the target, while the out-of-band fragments still apply.
    pub empty_primary: bool,
    /// What the walk did with every reported region.
    pub walk: WalkReport,
}

/// Builds the response body around `primary` (any HTML, possibly empty): regions already in
/// it are noted, the walk runs (once per request: a second call sends no fragments; the walk
/// notes what its fragments put in the page), and the assets the page lacks are appended.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let scope = pjx::Scope::new();
/// let reply = pjx::oob::reply(&scope, String::new()).await;
/// assert!(reply.empty_primary && reply.body.is_empty());
/// # }
/// ```
pub async fn reply(scope: &Scope, primary: String) -> Reply {
    scope.note_rendered(
        stamp::stamped_ids(&primary)
            .collect::<Vec<_>>()
            .iter()
            .map(String::as_str),
    );
    let walk = if scope.begin_fan_out() {
        if scope.is_dirty() && scope.manifest().is_none() && scope.is_htmx_request() {
            scope.engine().dev_mode().report(
                "this htmx request recorded mutations but its client sent no X-PJX-Mounted manifest, so no region could be updated out of band; is the pjx client runtime loaded on the page?",
            );
        }
        // Rendering notes assets in the current scope: make sure it is this one.
        scope.run(walk::walk(scope)).await
    } else {
        WalkReport::default()
    };
    let empty_primary = primary.trim().is_empty();
    let mut body = primary;
    body.push_str(&walk.fragments);
    for asset in scope.missing_assets() {
        push_asset(&mut body, &asset);
    }
    Reply {
        body,
        empty_primary,
        walk,
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
