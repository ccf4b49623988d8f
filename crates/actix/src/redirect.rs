//! Answers for routes that a page posts to both with htmx and as a plain form (no
//! JavaScript): htmx gets a fragment (or nothing, and the out-of-band swaps), everyone else a
//! redirect back to a page.

use std::borrow::Cow;

use actix_web::body::EitherBody;
use actix_web::{HttpRequest, HttpResponse, Responder, web};

use crate::htmx::Htmx;

/// `answer.or_redirect("/")`: `answer` for htmx requests (`HX-Request: true`), a
/// `303 See Other` to `location` for every other client (a form posted without JavaScript,
/// which then loads the page afresh).
///
/// Implemented for every [`Responder`]; in the [prelude](crate::prelude).
///
/// ```
/// use actix_web::web;
/// use pjx::prelude::*;
/// use pjx_actix::prelude::*;
///
/// # #[derive(MutationKey)] enum Keys { Todos }
/// #[reactive(react = [Keys::Todos], source = "<li>{{ id }}</li>")]
/// struct TodoRow { #[pjx_key] id: i64 }
/// #[reactive]
/// impl TodoRow {
///     async fn load(id: i64) -> Result<Self, LoadError> { Ok(TodoRow { id }) }
/// }
///
/// async fn toggle(id: web::Path<i64>) -> actix_web::Result<FragmentOrRedirect<Rendered>> {
///     // … change state through #[mutates] methods …
///     Ok(TodoRow::render(id.into_inner()).await?.or_redirect("/"))
/// }
/// ```
pub trait OrRedirect: Responder + Sized {
    /// This answer to htmx, a `303 See Other` to `location` to everyone else.
    fn or_redirect(self, location: impl Into<Cow<'static, str>>) -> FragmentOrRedirect<Self> {
        FragmentOrRedirect {
            answer: self,
            location: location.into(),
        }
    }
}

impl<R: Responder> OrRedirect for R {}

/// What [`OrRedirect::or_redirect`] and [`swaps_or_redirect`] answer: the answer for htmx
/// requests, a `303 See Other` for the others.
///
/// An htmx request's answer gets the out-of-band swaps of what the request changed, as every
/// htmx answer does; the redirect carries none (the page it leads to is rendered afresh).
///
/// ```
/// use actix_web::{Responder, test::TestRequest};
/// use pjx_actix::OrRedirect;
///
/// let plain = TestRequest::post().to_http_request();
/// let res = "<p>saved</p>".or_redirect("/").respond_to(&plain);
/// assert_eq!(res.status(), 303);
/// assert_eq!(res.headers().get("location").unwrap(), "/");
///
/// let htmx = TestRequest::post().insert_header(("HX-Request", "true")).to_http_request();
/// assert_eq!("<p>saved</p>".or_redirect("/").respond_to(&htmx).status(), 200);
/// ```
#[derive(Debug, Clone)]
pub struct FragmentOrRedirect<R> {
    answer: R,
    location: Cow<'static, str>,
}

impl<R: Responder> Responder for FragmentOrRedirect<R> {
    type Body = EitherBody<R::Body>;

    fn respond_to(self, req: &HttpRequest) -> HttpResponse<Self::Body> {
        if Htmx::of(req).request {
            self.answer.respond_to(req).map_into_left_body()
        } else {
            web::Redirect::to(self.location)
                .see_other()
                .respond_to(req)
                .map_into_boxed_body()
                .map_into_right_body()
        }
    }
}

/// Nothing of the route's own to htmx — an empty `200`, which the middleware fills with the
/// out-of-band swaps of what the request changed (and `HX-Reswap: none`, so the target stays)
/// — and a `303 See Other` to `location` to everyone else.
///
/// ```
/// use actix_web::web;
/// use pjx_actix::{FragmentOrRedirect, swaps_or_redirect};
/// # struct Store; impl Store { fn clear_completed(&self) -> Result<(), std::io::Error> { Ok(()) } }
///
/// async fn clear_completed(
///     store: web::Data<Store>,
/// ) -> actix_web::Result<FragmentOrRedirect<actix_web::HttpResponse>> {
///     store.clear_completed()?; // #[mutates(Keys::Todos)]
///     Ok(swaps_or_redirect("/"))
/// }
/// ```
pub fn swaps_or_redirect(
    location: impl Into<Cow<'static, str>>,
) -> FragmentOrRedirect<HttpResponse> {
    HttpResponse::Ok().finish().or_redirect(location)
}
