//! The middleware: one pjx request scope per request, then the response's finishing touches.

use std::future::{Ready, ready};
use std::rc::Rc;
use std::sync::Arc;

use actix_web::HttpMessage;
use actix_web::HttpResponse;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::header::HeaderMap;
use actix_web::http::{Method, StatusCode};
use futures_util::future::LocalBoxFuture;
use pjx::{LoadCx, Scope};

use crate::components::Dispatched;
use crate::config::{Config, Pjx};
use crate::{fanout, runtime, sync};

impl<S, B> Transform<S, ServiceRequest> for Pjx
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    S::Future: 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<BoxBody>;
    type Error = actix_web::Error;
    type Transform = PjxMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        // Build the engine (and install the shared cache) when the app starts, not on the
        // first request.
        self.config.engine();
        ready(Ok(PjxMiddleware {
            service: Rc::new(service),
            config: Arc::clone(&self.config),
        }))
    }
}

/// The service [`Pjx`] wraps around an app; see there.
pub struct PjxMiddleware<S> {
    service: Rc<S>,
    config: Arc<Config>,
}

/// A pjx request header as text; a value that is not visible ASCII is ignored (with a
/// warning), never an error.
fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    let value = headers.get(name)?;
    match value.to_str() {
        Ok(text) => Some(text),
        Err(_) => {
            tracing::warn!(target: "pjx::actix", "{name} is not visible ASCII; ignored");
            None
        }
    }
}

fn open_scope(req: &ServiceRequest, config: &Config, cx: LoadCx) -> Scope {
    let headers = req.headers();
    let mut scope = Scope::builder()
        .engine(Arc::clone(config.engine()))
        .htmx_request(headers.get("hx-request").is_some_and(|v| v == "true"))
        .load_cx(cx);
    if let Some(mounted) = header(headers, "x-pjx-mounted") {
        scope = scope.mounted_header(mounted);
    }
    if let Some(assets) = header(headers, "x-pjx-assets") {
        scope = scope.assets_header(assets);
    }
    if let Some(trigger) = header(headers, "x-pjx-trigger") {
        scope = scope.trigger_header(trigger);
    }
    scope.build()
}

impl<S, B> Service<ServiceRequest> for PjxMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    S::Future: 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<BoxBody>;
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        if sync::is_sync_path(req.path()) && req.method() == Method::POST {
            let config = Arc::clone(&self.config);
            return Box::pin(async move { Ok(sync::answer(req, &config).await) });
        }
        if let Some(file) = runtime::serve(req.method(), req.path()) {
            return Box::pin(ready(Ok(req.into_response(file))));
        }
        let (cx, browser_cookie) = match self.config.load_cx(req.request()) {
            Ok(found) => found,
            // Without randomness there is no safe browser id to bind state to, and without
            // the data the app asked for no `load` can work: refuse, saying why in the log.
            Err(e) => {
                crate::config::report_error(&e.to_string());
                return Box::pin(ready(Ok(
                    req.into_response(HttpResponse::InternalServerError().finish())
                )));
            }
        };
        let scope = open_scope(&req, &self.config, cx);
        req.extensions_mut().insert(scope.clone());
        req.extensions_mut().insert(Arc::clone(&self.config));
        let service = Rc::clone(&self.service);
        let config = Arc::clone(&self.config);
        Box::pin(async move {
            // The handler, its extractors and everything they call run with the scope current.
            let res = scope.run(async move { service.call(req).await }).await?;
            if res.status() == StatusCode::NOT_FOUND
                && res
                    .request()
                    .path()
                    .starts_with(pjx::stateful::ROUTE_PREFIX)
                && !res.request().extensions().contains::<Dispatched>()
            {
                scope.engine().dev_mode().report(
                    "a request to the components route got a 404 from no handler: register it with `App::new().service(pjx_actix::components())`",
                );
            }
            let mut res = scope.run(fanout::finish(res, &scope, &config)).await;
            scope.finish();
            if let Some(cookie) = browser_cookie
                && let Err(e) = res.response_mut().add_cookie(&cookie)
            {
                tracing::error!(target: "pjx::actix", "the browser cookie could not be set: {e}");
            }
            Ok(res)
        })
    }
}
