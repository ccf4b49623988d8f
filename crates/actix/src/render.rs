//! Responders: rendered components and reactive primaries loaded through the cache.

use std::future::Future;

use actix_web::HttpMessage;
use actix_web::body::BoxBody;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, Responder, ResponseError};
use pjx::security::auth::Guarded;
use pjx::{Access, Component, EventError, Load, LoadError, RenderError, Scope};

/// Rendered HTML, answered as `200 text/html`; for htmx requests the middleware appends the
/// out-of-band swaps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered(pub String);

impl Responder for Rendered {
    type Body = BoxBody;

    fn respond_to(self, _: &HttpRequest) -> HttpResponse<BoxBody> {
        HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(self.0)
    }
}

/// Any component as a response: `Html(page)`.
///
/// ```
/// use pjx::prelude::*;
/// use pjx_actix::Html;
///
/// #[component(source = "<p>{{ text }}</p>")]
/// struct Note { text: String }
///
/// async fn note() -> Html<Note> {
///     Html(Note { text: "saved".into() })
/// }
/// ```
#[derive(Debug, Clone)]
pub struct Html<T>(pub T);

impl<T: Component + Guarded> Responder for Html<T> {
    type Body = BoxBody;

    /// Checks the component's permissions (class and object) for the request's requester,
    /// then renders it. Outside a pjx request scope (an app not wrapped in
    /// [`Pjx`](crate::Pjx)) there is no requester to check: a 500 naming the missing
    /// `.wrap(Pjx::new())`, never a render.
    fn respond_to(self, req: &HttpRequest) -> HttpResponse<BoxBody> {
        let Some(scope) = req.extensions().get::<Scope>().cloned() else {
            crate::config::report_error(&Error::NoScope.to_string());
            return Error::NoScope.error_response();
        };
        let cx = scope.load_cx();
        let refused =
            refuse(T::check_access(cx)).and_then(|()| refuse(self.0.check_object_access(cx)));
        if let Err(e) = refused {
            return e.error_response();
        }
        match self.0.to_html() {
            Ok(html) => Rendered(html).respond_to(req),
            Err(e) => Error::Render(e).error_response(),
        }
    }
}

/// Why a pjx response could not be produced.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// `load` said the instance does not exist: 404.
    NotFound,
    /// The component's permissions require a signed-in user, and there is none: 401.
    Unauthenticated,
    /// The component's permissions refuse this user: 403.
    Forbidden,
    /// `load` failed: 500 (details logged, not sent).
    Load(LoadError),
    /// The template failed: 500 (details logged, not sent).
    Render(RenderError),
    /// The app is not wrapped in [`Pjx`](crate::Pjx) (`.wrap(Pjx::new())`): 500, nothing
    /// rendered.
    NoScope,
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::NotFound => f.write_str("not found"),
            Error::Unauthenticated => f.write_str("sign in first"),
            Error::Forbidden => f.write_str("you may not see this"),
            Error::Load(e) => write!(f, "load failed: {e}"),
            Error::Render(e) => write!(f, "{e}"),
            Error::NoScope => f.write_str(
                "no pjx request scope, so no permission check: wrap the app in pjx's middleware, \
                 `App::new().wrap(pjx_actix::Pjx::new())`",
            ),
        }
    }
}

impl ResponseError for Error {
    fn status_code(&self) -> StatusCode {
        match self {
            Error::NotFound => StatusCode::NOT_FOUND,
            Error::Unauthenticated => StatusCode::UNAUTHORIZED,
            Error::Forbidden => StatusCode::FORBIDDEN,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The JSON error shape of the dispatch route (`{"error": {"status", "code",
    /// "message"}}`); 500s are logged with their details, which the body never carries.
    fn error_response(&self) -> HttpResponse<BoxBody> {
        let as_event_error = match self {
            Error::NotFound => EventError::NotFound,
            Error::Unauthenticated => EventError::Unauthenticated,
            Error::Forbidden => EventError::Forbidden,
            other => EventError::internal(other.to_string()),
        };
        crate::components::error_response(&as_event_error)
    }
}

impl From<LoadError> for Error {
    fn from(e: LoadError) -> Self {
        match e {
            LoadError::NotFound => Error::NotFound,
            e => Error::Load(e),
        }
    }
}

/// `ItemRow::render(key)`: a reactive component as the primary of a response, loaded through
/// the request's cache (so the walk will not load it again) and rendered.
///
/// ```
/// use actix_web::web;
/// use pjx::prelude::*;
/// use pjx_actix::{Rendered, prelude::*};
///
/// # #[derive(MutationKey)] enum Keys { Todos }
/// #[reactive(react = [Keys::Todos], source = "<li>{{ id }}</li>")]
/// struct Row { #[pjx_key] id: i64 }
/// #[reactive]
/// impl Row {
///     async fn load(id: i64) -> Result<Self, LoadError> { Ok(Row { id }) }
/// }
///
/// async fn toggle(id: web::Path<i64>) -> Result<Rendered, pjx_actix::Error> {
///     // … change state through #[mutates] methods …
///     Row::render(id.into_inner()).await
/// }
/// ```
pub trait Render: Load + Send + Sync + 'static {
    /// Checks the component's permissions (401/403), loads the instance with `key` (404 when
    /// it does not exist), checks its object permissions, and renders it.
    fn render(key: Self::Key) -> impl Future<Output = Result<Rendered, Error>> {
        async move {
            let scope = Scope::current().ok_or(Error::NoScope)?;
            refuse(Self::check_access(scope.load_cx()))?;
            let component = scope.load::<Self>(key).await?;
            refuse(component.check_object_access(scope.load_cx()))?;
            let html = component.to_html().map_err(Error::Render)?;
            Ok(Rendered(html))
        }
    }
}

impl<T: Load + Send + Sync + 'static> Render for T {}

fn refuse(access: Access) -> Result<(), Error> {
    match access {
        Access::Allowed => Ok(()),
        Access::Unauthenticated => Err(Error::Unauthenticated),
        Access::Forbidden => Err(Error::Forbidden),
    }
}
