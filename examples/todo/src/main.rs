//! `cargo run -p todo`: the todo example on <http://127.0.0.1:8000>.
//!
//! `PORT` sets the port; `RUST_LOG` what is logged (default `info`); `TODO_DB` names a SQLite
//! file to keep the todos in (without it they live in memory and start over on every run).

use std::path::PathBuf;

use actix_web::{App, HttpServer, web};
use todo::Store;
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
        Err(_) => 8000,
    };
    let db = std::env::var_os("TODO_DB").map(PathBuf::from);
    let store = Store::open(db.as_deref())
        .map_err(|e| std::io::Error::other(format!("opening the todo database failed: {e}")))?;
    let store = web::Data::new(store);
    let pjx = todo::pjx();
    let server = HttpServer::new(move || {
        App::new()
            .wrap(pjx.clone())
            .configure(todo::configure(store.clone()))
    })
    .bind(("127.0.0.1", port))?;
    match &db {
        Some(path) => println!(
            "todo: http://127.0.0.1:{port} (todos in {})",
            path.display()
        ),
        None => println!("todo: http://127.0.0.1:{port} (todos in memory)"),
    }
    server.run().await
}
