//! # pjx-actix
//!
//! The actix-web adapter for [pjx](https://docs.rs/pjx). Wrap your app in [`Pjx`] and every
//! request runs inside its own pjx request scope, so `#[mutates]` code anywhere under a handler
//! records what it changed without being handed a request.
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
//! HttpServer::new(|| App::new().wrap(Pjx::new()).route("/", web::post().to(dirtied)))
//!     .bind(("127.0.0.1", 8000))?
//!     .run()
//!     .await
//! # }
//! ```

mod middleware;
mod scope;

pub use middleware::{Pjx, PjxMiddleware};
pub use scope::RequestScope;
