//! The HTTP interface.
//!
//! - `GET /`: the page.
//! - `GET /overview`: the same todos in a card built from slots, composites and builtins (a
//!   live badge and progress bar, which follow a toggle out of band).
//! - `POST /todos` (form field `text`): the new row, appended to the list; 422 when `text` is
//!   missing, blank, too long or sent twice; 413 for a form over 16 KB; 415 for a body that
//!   is not a form.
//! - `GET /rows/{id}`: one row (htmx fetches it to refresh a row); 404 for an unknown id.
//! - `POST /rows/{id}/toggle`: the toggled row, replacing itself; 404 for an unknown id.
//! - `POST /todos/complete-all`: nothing of its own: every row and the counts ride along.
//! - `POST /todos/clear-completed`: nothing of its own (`HX-Reswap: none`): the list, the
//!   counts and delete swaps for the removed rows ride along.
//!
//! Every write route answers an htmx request with a fragment, and a plain form post (no
//! JavaScript) with a redirect back to the page. What else changed on the page is not the
//! routes' business: the regions that depend on what the store's `#[mutates]` methods changed
//! follow the response out of band.

use actix_web::error::UrlencodedError;
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use pjx_actix::prelude::*;
use serde::Deserialize;

use crate::components::{ItemRow, Overview, Page};
use crate::store::{Store, StoreError};

/// The largest form a route takes (actix's default, named so the 413 can say it).
pub const FORM_LIMIT: usize = 16 * 1024;

/// Registers the routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(
        web::FormConfig::default()
            .limit(FORM_LIMIT)
            .error_handler(form_error),
    )
    .route("/", web::get().to(index))
    .route("/overview", web::get().to(overview))
    .route("/todos", web::post().to(add))
    .route("/rows/{id}", web::get().to(row))
    .route("/rows/{id}/toggle", web::post().to(toggle))
    .route("/todos/complete-all", web::post().to(complete_all))
    .route("/todos/clear-completed", web::post().to(clear_completed));
}

/// How a route answers a store error (so `?` works in every route): its status and its
/// words; a database failure is logged, not shown.
impl ResponseError for StoreError {
    fn status_code(&self) -> StatusCode {
        match self {
            StoreError::NotFound(_) => StatusCode::NOT_FOUND,
            StoreError::Blank | StoreError::TooLong => StatusCode::UNPROCESSABLE_ENTITY,
            StoreError::Db(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let message = match self {
            StoreError::Db(e) => {
                tracing::error!("todo store: {e}");
                "something went wrong".to_owned()
            }
            other => other.to_string(),
        };
        HttpResponse::build(self.status_code())
            .content_type("text/plain; charset=utf-8")
            .body(message)
    }
}

async fn index(page: Loaded<Page>) -> Html<Page> {
    page.into_html()
}

async fn overview(page: Loaded<Overview>) -> Html<Overview> {
    page.into_html()
}

/// Why a form could not be read, each failure with its own status and words (`add` takes
/// `web::Form` itself: an `Option` of it would turn every one of these into the same 415).
fn form_error(e: UrlencodedError, req: &HttpRequest) -> actix_web::Error {
    match e {
        UrlencodedError::Overflow { limit, .. } => {
            actix_web::error::ErrorPayloadTooLarge(format!("a form is at most {limit} bytes"))
        }
        // serde names the field: "duplicate field `text`".
        UrlencodedError::Parse(e) => {
            let message = e.to_string();
            actix_web::error::ErrorUnprocessableEntity(
                match message.strip_prefix("duplicate field ") {
                    Some(field) => format!("{field} is sent twice: send it once"),
                    None => message,
                },
            )
        }
        // No body at all is just a missing text (422, like a blank one).
        UrlencodedError::ContentType if is_empty(req) => {
            actix_web::error::ErrorUnprocessableEntity(StoreError::Blank.to_string())
        }
        UrlencodedError::ContentType => actix_web::error::ErrorUnsupportedMediaType(
            "send the form as application/x-www-form-urlencoded",
        ),
        other => other.into(),
    }
}

/// Whether a request has neither a content type nor a body.
fn is_empty(req: &HttpRequest) -> bool {
    let headers = req.headers();
    !headers.contains_key(header::CONTENT_TYPE)
        && headers
            .get(header::CONTENT_LENGTH)
            .is_none_or(|length| length == "0")
        && !headers.contains_key(header::TRANSFER_ENCODING)
}

/// The form of `POST /todos`.
#[derive(Deserialize)]
struct NewTodo {
    text: Option<String>,
}

async fn add(
    store: web::Data<Store>,
    form: web::Form<NewTodo>,
) -> actix_web::Result<FragmentOrRedirect<Rendered>> {
    let text = form.into_inner().text;
    let todo = store.add(text.as_deref().unwrap_or_default())?;
    Ok(ItemRow::render(todo.id).await?.or_redirect("/"))
}

async fn toggle(
    store: web::Data<Store>,
    id: web::Path<i64>,
) -> actix_web::Result<FragmentOrRedirect<Rendered>> {
    let todo = store.toggle(id.into_inner())?;
    Ok(ItemRow::render(todo.id).await?.or_redirect("/"))
}

async fn row(id: web::Path<i64>) -> Result<Rendered, pjx_actix::Error> {
    ItemRow::render(id.into_inner()).await
}

async fn complete_all(
    store: web::Data<Store>,
) -> actix_web::Result<FragmentOrRedirect<HttpResponse>> {
    store.complete_all()?;
    Ok(swaps_or_redirect("/"))
}

async fn clear_completed(
    store: web::Data<Store>,
) -> actix_web::Result<FragmentOrRedirect<HttpResponse>> {
    store.clear_completed()?;
    Ok(swaps_or_redirect("/"))
}
