//! `cargo run -p cart`: the cart example on <http://127.0.0.1:8001>.
//!
//! `PORT` sets the port; `RUST_LOG` what is logged (default `info`); `CART_DB` names a SQLite
//! file to keep carts and orders in (without it they live in memory); `CART_SECRET` keeps
//! sessions and open pages valid across restarts (without it, fresh random keys are made on
//! every start).

use std::path::PathBuf;

use actix_identity::IdentityMiddleware;
use actix_web::{App, HttpServer, web};
use cart::{Secrets, Store};
use tracing_subscriber::EnvFilter;

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    // pjx's warnings (dev mode, a missing state key, …) and errors reach the terminal;
    // `RUST_LOG` chooses what else (default: `info` and up).
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    let port: u16 = match std::env::var("PORT") {
        Ok(port) => port.parse().map_err(|_| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("PORT must be a port number, not {port:?}"),
            )
        })?,
        Err(_) => 8001,
    };
    let db = std::env::var_os("CART_DB").map(PathBuf::from);
    let store = Store::open(db.as_deref())
        .map_err(|e| std::io::Error::other(format!("opening the cart database failed: {e}")))?;
    let store = web::Data::new(store);
    let secrets = match std::env::var("CART_SECRET") {
        Ok(secret) => Secrets::from_secret(&secret),
        Err(_) => Secrets::random(),
    };
    let pjx = cart::pjx(&secrets);
    let server = HttpServer::new(move || {
        App::new()
            .wrap(pjx.clone())
            .wrap(IdentityMiddleware::default())
            .wrap(cart::session(&secrets))
            .configure(cart::configure(store.clone()))
    })
    .bind(("127.0.0.1", port))?;
    println!("cart: http://127.0.0.1:{port}");
    server.run().await
}
