//! The pjx cart example, as a library so tests can run the real app.
//!
//! Run it with `cargo run -p cart` and open <http://127.0.0.1:8001>. The shop and the cart
//! are one component with events ([`components::Cart`]): adding a product posts to
//! `/components/cart`, shows the new count and total at once (an optimistic patch), and the
//! server's answer replaces the cart, while the header badge follows out of band. Checkout
//! needs a signed-in user and is rate limited; the best sellers are mounted lazily and cached.

pub mod catalog;
pub mod components;
pub mod routes;
pub mod store;

use actix_session::SessionMiddleware;
use actix_session::storage::CookieSessionStore;
use actix_web::cookie::Key;
use actix_web::web;
use pjx::DevMode;
use pjx::{StateKey, StateKeys};
use pjx_actix::Pjx;

pub use store::Store;

/// The app's secrets: the session cookie's key and the state signing keys.
#[derive(Clone)]
pub struct Secrets {
    /// Encrypts and signs the session cookie.
    pub cookie: Key,
    /// Signs components' state.
    pub state: StateKeys,
}

impl Secrets {
    /// Both derived from one secret (e.g. `CART_SECRET`), each with its own purpose.
    pub fn from_secret(secret: &str) -> Secrets {
        let mut cookie = [0u8; 64];
        let mut hasher = blake3::Hasher::new_derive_key("pjx cart example 2026 session cookie");
        hasher.update(secret.as_bytes());
        hasher.finalize_xof().fill(&mut cookie);
        Secrets {
            cookie: Key::from(&cookie),
            state: StateKeys::new([StateKey::from_secret(secret)]),
        }
    }

    /// Fresh random secrets: sessions and open pages do not survive a restart.
    pub fn random() -> Secrets {
        Secrets {
            cookie: Key::generate(),
            state: StateKeys::new([StateKey::random()]),
        }
    }
}

/// pjx configured for this app: the store in every load context, the signed-in user from
/// actix-identity, the state keys, dev-mode warnings.
pub fn pjx(secrets: &Secrets) -> Pjx {
    Pjx::new()
        .data::<Store>()
        .identity(routes::identity)
        .state_keys(secrets.state.clone())
        .dev_mode(DevMode::Warn)
}

/// The session middleware: a private (encrypted) cookie. It must wrap outside the identity
/// middleware, which must wrap outside pjx: `.wrap(pjx).wrap(IdentityMiddleware::default())
/// .wrap(session(…))`.
pub fn session(secrets: &Secrets) -> SessionMiddleware<CookieSessionStore> {
    SessionMiddleware::builder(CookieSessionStore::default(), secrets.cookie.clone())
        .cookie_name("cart".into())
        // The example serves plain HTTP on loopback; behind TLS, leave this on.
        .cookie_secure(false)
        .build()
}

/// Everything an `App` needs besides the middlewares: the store and the routes.
pub fn configure(store: web::Data<Store>) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        cfg.app_data(store);
        routes::configure(cfg);
    }
}
