//! The response body: the primary, then the out-of-band fragments in manifest order, then the
//! assets the page lacks.

use crate::html::stamp;
use crate::reactive::oob::push_asset;
use crate::reactive::walk::{self, WalkReport};
use crate::scope::Scope;

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
/// let reply = pjx::reply(&scope, String::new()).await;
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
