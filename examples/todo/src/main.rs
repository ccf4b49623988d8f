//! The pjx todo example.
//!
//! Run it with `cargo run -p todo` and open <http://127.0.0.1:8000> (set `PORT` to change the
//! port). Every component on the page is declared in [`components`] with the state keys it
//! depends on; the store's writes are `#[mutates]`.

mod components;
mod routes;
mod store;

use std::sync::Arc;

use actix_web::{App, HttpServer, web};

use crate::store::Store;

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let port: u16 = match std::env::var("PORT") {
        Ok(port) => port.parse().map_err(|_| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("PORT must be a port number, not {port:?}"),
            )
        })?,
        Err(_) => 8000,
    };
    let store = web::Data::from(Arc::new(Store::seeded()));
    let server = HttpServer::new(move || {
        App::new()
            .wrap(pjx_actix::Pjx::new())
            .app_data(store.clone())
            .configure(routes::configure)
    })
    .bind(("127.0.0.1", port))?;
    println!("todo: listening on http://127.0.0.1:{port}");
    server.run().await
}
