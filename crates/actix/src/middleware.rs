//! The middleware that opens a pjx request scope around each request.

use std::future::{Ready, ready};
use std::rc::Rc;

use actix_web::HttpMessage;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use futures_util::future::LocalBoxFuture;
use pjx::Scope;

/// Opens a [`Scope`] around every request: extractors, the handler and everything they call
/// run with it current (a tokio task-local), and it is also in the request's extensions for
/// the [`RequestScope`](crate::RequestScope) extractor.
///
/// ```
/// use actix_web::App;
/// let app = App::new().wrap(pjx_actix::Pjx::new());
/// ```
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct Pjx {}

impl Pjx {
    /// The middleware with its default configuration.
    pub fn new() -> Self {
        Self::default()
    }
}

impl<S, B> Transform<S, ServiceRequest> for Pjx
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    S::Future: 'static,
    B: 'static,
{
    type Response = ServiceResponse<B>;
    type Error = actix_web::Error;
    type Transform = PjxMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(PjxMiddleware {
            service: Rc::new(service),
        }))
    }
}

/// The service [`Pjx`] wraps around an app; see there.
pub struct PjxMiddleware<S> {
    service: Rc<S>,
}

impl<S, B> Service<ServiceRequest> for PjxMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    S::Future: 'static,
    B: 'static,
{
    type Response = ServiceResponse<B>;
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let scope = Scope::new();
        req.extensions_mut().insert(scope.clone());
        // The service's future is created inside the scope too: actix runs extractors from
        // `call` onwards, and some of them do work eagerly.
        let service = Rc::clone(&self.service);
        Box::pin(scope.run(async move { service.call(req).await }))
    }
}
