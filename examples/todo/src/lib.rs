//! The pjx todo example, as a library so tests can run the real app.
//!
//! Run it with `cargo run -p todo` and open <http://127.0.0.1:8000>. Every component on the
//! page is declared in [`components`] with the state keys it depends on; the store's writes are
//! `#[mutates]`; the routes in [`routes`] return only their own fragment, and pjx sends the rest.

pub mod components;
pub mod routes;
pub mod store;

use actix_web::web;
use pjx::DevMode;
use pjx_actix::Pjx;

pub use store::Store;

/// pjx configured for this app: the store in every load context, dev-mode warnings.
pub fn pjx() -> Pjx {
    Pjx::new().data::<Store>().dev_mode(DevMode::Warn)
}

/// Everything an `App` needs besides `.wrap(pjx())`: the store and the routes.
pub fn configure(store: web::Data<Store>) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        cfg.app_data(store);
        routes::configure(cfg);
    }
}
