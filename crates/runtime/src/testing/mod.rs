//! Testing reactive pages with no HTTP and no browser.
//!
//! [`manifest_from_html`] reads a rendered page the way the client runtime does, and [`Dom`]
//! holds a page and applies replies to it the way htmx does (out-of-band fragments first,
//! then the primary), so a test can drive a sequence of requests and compare the page it ends
//! up with against a fresh full render.
//!
//! ```
//! use pjx::testing::{Dom, PrimarySwap};
//!
//! let mut dom = Dom::new(r#"<main><b data-pjx-id="n" data-pjx-type="counter" data-pjx-hash="00">1</b></main>"#);
//! assert_eq!(dom.manifest().len(), 1);
//! let reply = pjx::Reply {
//!     body: r#"<b data-pjx-id="n" data-pjx-hash="11" hx-swap-oob="outerHTML:[data-pjx-id='n']">2</b>"#.into(),
//!     ..Default::default()
//! };
//! dom.apply(&reply, PrimarySwap::None).unwrap();
//! assert_eq!(dom.html(), r#"<main><b data-pjx-id="n" data-pjx-hash="11">2</b></main>"#);
//! ```

use crate::load::LoadCx;
use crate::security::auth::{Browser, Identity};
use crate::security::state::{StateKey, StateKeys};

mod client;
mod component;
mod dom;
mod page;

pub use client::{
    CLIENT_HEADER_BUDGET, ClientManifest, SyncRequest, client_manifest, compact_mounted_header,
};
pub use component::ComponentTest;
pub use dom::{Dom, DomError, PrimarySwap, manifest_from_html, mounted_header};
pub use page::{PageRun, PageTest};

/// The signing key of every harness: tests need not configure one.
pub(crate) fn test_keys() -> StateKeys {
    StateKeys::new([StateKey::from_secret("pjx::testing")])
}

/// A browser of its own for each harness, as two clients would have.
pub(crate) fn new_browser() -> Browser {
    let id = test_keys()
        .issue_browser_id()
        .unwrap_or_else(|e| panic!("pjx::testing: no random bytes for a browser id: {e}"))
        .id;
    Browser::known(id)
}

/// Makes a harness's requests as `identity` (`None`: anonymously).
pub(crate) fn sign_in(cx: &mut LoadCx, identity: Option<Identity>) {
    match identity {
        Some(identity) => cx.insert(identity),
        None => {
            cx.remove::<Identity>();
        }
    }
}

/// A request's load context: the harness's, with its browser unless it names one itself.
pub(crate) fn request_cx(cx: &LoadCx, browser: &Browser) -> LoadCx {
    let mut cx = cx.clone();
    if cx.get::<Browser>().is_none() {
        cx.insert(browser.clone());
    }
    cx
}
