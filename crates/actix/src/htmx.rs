//! What htmx says about a request.

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};

/// The htmx request headers that matter to handlers.
///
/// ```
/// use actix_web::{HttpResponse, http::header};
/// use pjx_actix::Htmx;
///
/// async fn save(htmx: Htmx) -> HttpResponse {
///     if htmx.request {
///         HttpResponse::Ok().body("<p>saved</p>")
///     } else {
///         // Without JavaScript: back to the page.
///         HttpResponse::SeeOther().insert_header((header::LOCATION, "/")).finish()
///     }
/// }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Htmx {
    /// `HX-Request: true`: htmx sent the request.
    pub request: bool,
    /// `HX-Boosted: true`: a boosted link or form.
    pub boosted: bool,
}

impl Htmx {
    /// Reads the headers of `req`.
    pub fn of(req: &HttpRequest) -> Self {
        let is_true = |name| req.headers().get(name).is_some_and(|v| v == "true");
        Htmx {
            request: is_true("hx-request"),
            boosted: is_true("hx-boosted"),
        }
    }
}

impl FromRequest for Htmx {
    type Error = std::convert::Infallible;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Htmx::of(req)))
    }
}
