//! # pjx-actix
//!
//! The actix-web adapter for [pjx](https://docs.rs/pjx): wrap your app in [`Pjx`] and
//!
//! - every request runs in its own pjx request scope, so `#[mutates]` code anywhere under a
//!   handler records what it changed;
//! - every htmx response carries, after whatever the handler returned (a component, a
//!   fragment, or nothing), the out-of-band swaps of the mounted regions that changed;
//! - a redirect answers htmx as `204` + `HX-Redirect`; an empty primary as `HX-Reswap: none`;
//! - full pages get the client runtime (htmx and pjx.js, served from the binary) and their
//!   components' stylesheets and scripts.
//!
//! ```no_run
//! use actix_web::{App, HttpServer, web};
//! use pjx_actix::{Pjx, RequestScope};
//!
//! async fn dirtied(scope: RequestScope) -> String {
//!     scope.dirtied_names().join(" ")
//! }
//!
//! # async fn run() -> std::io::Result<()> {
//! let pjx = Pjx::new();
//! HttpServer::new(move || App::new().wrap(pjx.clone()).route("/", web::post().to(dirtied)))
//!     .bind(("127.0.0.1", 8000))?
//!     .run()
//!     .await
//! # }
//! ```
//!
//! See `docs/actix.md` in the repository.

mod browser;
mod components;
mod config;
mod fanout;
mod htmx;
mod middleware;
mod page;
mod redirect;
mod render;
mod runtime;
mod scope;
mod sync;

pub use browser::{BROWSER_COOKIE, SECURE_BROWSER_COOKIE};
pub use components::components;
pub use config::{
    AddrSource, BrowserSource, ContextFactory, DEFAULT_EVENT_BODY_LIMIT, IdentitySource, Pjx,
};
pub use fanout::{HX_REDIRECT, HX_RESWAP};
pub use fanout::{HX_REFRESH, X_PJX_DIRTIED};
pub use htmx::Htmx;
pub use middleware::PjxMiddleware;
pub use page::Loaded;
pub use redirect::{FragmentOrRedirect, OrRedirect, swaps_or_redirect};
pub use render::{Error, Html, Render, Rendered};
pub use runtime::{
    ClientPart, HTMX_JS, HTMX_VERSION, HTMX4_JS, HTMX4_VERSION, HtmxLine, IDIOMORPH_JS,
    IDIOMORPH_VERSION, PREFIX, client_script, htmx_url, idiomorph_url, pjx_js_url,
};
pub use scope::RequestScope;

/// `use pjx_actix::prelude::*;` for `ItemRow::render(key)`, `.or_redirect("/")` and the
/// usual types.
pub mod prelude {
    pub use crate::{
        FragmentOrRedirect, Html, Htmx, Loaded, OrRedirect, Pjx, Render, Rendered, RequestScope,
        swaps_or_redirect,
    };
}
