//! The request scope as an extractor.

use std::future::{Ready, ready};
use std::ops::Deref;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use pjx::Scope;

/// The current request's pjx [`Scope`], for handlers that want to look at it directly (most
/// never do: `#[mutates]` finds it on its own).
///
/// Fails with a 500 naming the fix when the app is not wrapped in [`Pjx`](crate::Pjx).
///
/// ```
/// use pjx_actix::RequestScope;
/// async fn handler(scope: RequestScope) -> String {
///     format!("{} keys dirtied", scope.dirtied().len())
/// }
/// ```
#[derive(Clone, Debug)]
pub struct RequestScope(Scope);

impl RequestScope {
    /// The scope itself.
    pub fn into_inner(self) -> Scope {
        self.0
    }
}

impl Deref for RequestScope {
    type Target = Scope;
    fn deref(&self) -> &Scope {
        &self.0
    }
}

impl FromRequest for RequestScope {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let scope = req.extensions().get::<Scope>().cloned();
        ready(scope.map(RequestScope).ok_or_else(|| {
            tracing::error!("RequestScope extracted without the pjx middleware");
            actix_web::error::ErrorInternalServerError(
                "pjx: no request scope; wrap the app with `pjx_actix::Pjx::new()`",
            )
        }))
    }
}
