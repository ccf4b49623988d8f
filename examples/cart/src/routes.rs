//! The HTTP interface.
//!
//! - `GET /`: the page.
//! - `POST /login` (form field `username`): signs in (no password: it is a demo) and goes back
//!   to the page; `POST /logout` signs out.
//! - `POST /components/{name}`: pjx's dispatch route, for the components' events.

use std::sync::Arc;

use actix_identity::{Identity as SessionIdentity, IdentityExt};
use actix_session::SessionExt;
use actix_web::http::header;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use pjx::{Identity, LoadCx};
use pjx_actix::Html;
use serde::Deserialize;

use crate::components::{Page, Shopper};
use crate::store::Store;

/// Registers the routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(index))
        .route("/login", web::post().to(login))
        .route("/logout", web::post().to(logout))
        .service(pjx_actix::components());
}

/// The signed-in user, from actix-identity: what pjx's permissions see. `admin` is staff.
pub fn identity(req: &HttpRequest) -> Option<Identity> {
    let id = req.get_identity().ok()?.id().ok()?;
    Some(match id.as_str() {
        "admin" => Identity::staff(id),
        _ => Identity::user(id),
    })
}

/// The request's load context: the store, and who is shopping (a visitor id is given to
/// anonymous shoppers and kept in their session).
pub fn load_cx(req: &HttpRequest) -> LoadCx {
    let mut cx = LoadCx::new();
    if let Some(store) = req.app_data::<web::Data<Store>>() {
        cx.insert(Arc::clone(&store.clone().into_inner()));
    }
    let shopper = match req.get_identity().ok().and_then(|i| i.id().ok()) {
        Some(user) => format!("user:{user}"),
        None => {
            let session = req.get_session();
            let visitor = match session.get::<String>("visitor") {
                Ok(Some(id)) => id,
                _ => {
                    let id = random_id();
                    // A cookie store write only fails when the value cannot be serialized.
                    if let Err(e) = session.insert("visitor", &id) {
                        tracing::warn!("cart: could not keep the visitor id: {e}");
                    }
                    id
                }
            };
            format!("visitor:{visitor}")
        }
    };
    cx.insert(Shopper(shopper));
    cx
}

/// 16 random bytes from the operating system, as hex. Panics when the OS has no randomness to
/// give: a guessable visitor id would let one visitor take over another's cart.
fn random_id() -> String {
    let mut bytes = [0u8; 16];
    if let Err(e) = getrandom::fill(&mut bytes) {
        panic!("cart: the operating system gave no random bytes for a visitor id: {e}");
    }
    format!("{:032x}", u128::from_be_bytes(bytes))
}

async fn index(scope: pjx_actix::RequestScope) -> Result<Html<Page>, pjx_actix::Error> {
    let page = Page::load(scope.load_cx()).await?;
    Ok(Html(page))
}

fn back_to_page() -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/"))
        .finish()
}

/// The sign-in form.
#[derive(Deserialize)]
pub struct Login {
    username: String,
}

/// A user name: 1 to 32 letters, digits, `-` or `_`.
pub fn valid_username(name: &str) -> bool {
    (1..=32).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

async fn login(req: HttpRequest, form: web::Form<Login>) -> actix_web::Result<HttpResponse> {
    let name = form.username.trim();
    if !valid_username(name) {
        return Ok(HttpResponse::UnprocessableEntity()
            .body("a user name is 1 to 32 letters, digits, '-' or '_'"));
    }
    SessionIdentity::login(&req.extensions(), name.to_owned())
        .map_err(actix_web::error::ErrorInternalServerError)?;
    Ok(back_to_page())
}

async fn logout(user: Option<SessionIdentity>) -> HttpResponse {
    if let Some(user) = user {
        user.logout();
    }
    back_to_page()
}

#[cfg(test)]
mod tests {
    use super::random_id;

    #[test]
    fn visitor_ids_are_128_random_bits_in_lowercase_hex() {
        let (a, b) = (random_id(), random_id());
        assert_eq!(a.len(), 32, "{a}");
        assert!(
            a.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f')),
            "{a}"
        );
        assert_ne!(a, b);
    }
}
