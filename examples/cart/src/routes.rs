//! The HTTP interface.
//!
//! - `GET /`: the page.
//! - `POST /login` (form field `username`): signs in (no password: it is a demo) and goes back
//!   to the page; `POST /logout` signs out.
//! - `POST /components/{name}`: pjx's dispatch route, for the components' events.

use actix_identity::{Identity as SessionIdentity, IdentityExt};
use actix_web::web::Redirect;
use actix_web::{HttpMessage, HttpRequest, web};
use pjx::Identity;
use pjx_actix::Html;
use serde::Deserialize;

use crate::components::Page;

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

async fn index(scope: pjx_actix::RequestScope) -> Result<Html<Page>, pjx_actix::Error> {
    let page = Page::load(scope.load_cx()).await?;
    Ok(Html(page))
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

async fn login(req: HttpRequest, form: web::Form<Login>) -> actix_web::Result<Redirect> {
    let name = form.username.trim();
    if !valid_username(name) {
        return Err(actix_web::error::ErrorUnprocessableEntity(
            "a user name is 1 to 32 letters, digits, '-' or '_'",
        ));
    }
    SessionIdentity::login(&req.extensions(), name.to_owned())
        .map_err(actix_web::error::ErrorInternalServerError)?;
    Ok(Redirect::to("/").see_other())
}

async fn logout(user: Option<SessionIdentity>) -> Redirect {
    if let Some(user) = user {
        user.logout();
    }
    Redirect::to("/").see_other()
}
