//! The dispatch route of components with events: `POST /components/{name}`.

use std::sync::Arc;

use actix_web::http::header;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, Resource, web};
use futures_util::StreamExt as _;
use pjx::Scope;
use pjx::stateful::{self, Answer, CrossSite, EventError, EventRequest};

use crate::config::Config;

/// The dispatch route: `POST /components/{name}` (a trailing slash is fine), mounting a
/// component with events or running one of its events. Register it next to your routes:
///
/// ```no_run
/// use actix_web::{App, HttpServer};
/// use pjx_actix::Pjx;
///
/// # async fn run() -> std::io::Result<()> {
/// let pjx = Pjx::new();
/// HttpServer::new(move || App::new().wrap(pjx.clone()).service(pjx_actix::components()))
///     .bind(("127.0.0.1", 8000))?
///     .run()
///     .await
/// # }
/// ```
///
/// The body is JSON (`{"event", "payload", "state", "params"}`) or a form (as htmx posts
/// it: the same fields, `payload` and `params` as JSON text, other inputs as arguments).
/// htmx requests are answered with the component's HTML (plus the out-of-band swaps of
/// whatever the event changed); other clients get JSON `{html, state, component_id,
/// optimistic?}`. Every error is JSON, `{"error": {"status", "code", "message", "field"?,
/// "retry_after"?}}`, with `Retry-After` on a 429.
pub fn components() -> Resource {
    let prefix = stateful::ROUTE_PREFIX;
    web::resource([format!("{prefix}{{name}}"), format!("{prefix}{{name}}/")])
        .route(web::post().to(dispatch))
}

/// Marks a request the dispatch route answered (so the middleware can tell a real 404 from a
/// missing route).
#[derive(Clone, Copy)]
pub(crate) struct Dispatched;

async fn dispatch(req: HttpRequest, body: web::Payload, name: web::Path<String>) -> HttpResponse {
    req.extensions_mut().insert(Dispatched);
    let (scope, config) = {
        let extensions = req.extensions();
        (
            extensions.get::<Scope>().cloned(),
            extensions.get::<Arc<Config>>().cloned(),
        )
    };
    let (Some(scope), Some(config)) = (scope, config) else {
        tracing::error!(target: "pjx::actix", "the dispatch route needs the pjx middleware: wrap the app with `pjx_actix::Pjx::new()`");
        return error_response(&EventError::internal("no pjx middleware"));
    };
    let request = match read_request(&req, body, config.event_body_limit()).await {
        Ok(request) => request,
        Err(e) => return error_response(&e),
    };
    let answer = if reads_streams(&req) {
        stateful::dispatch_streaming(&scope, &name, request).await
    } else {
        stateful::dispatch(&scope, &name, request)
            .await
            .map(Answer::Done)
    };
    match answer {
        Ok(Answer::Stream(frames)) => event_stream(frames),
        Ok(Answer::Done(answer)) if scope.is_htmx_request() => HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(answer.html),
        Ok(Answer::Done(answer)) => HttpResponse::Ok().json(answer),
        Err(e) => error_response(&e),
    }
}

/// Whether the client reads streamed answers: it accepts `text/event-stream` (pjx.js's stream
/// reader sends `Accept: text/event-stream` for streaming events).
fn reads_streams(req: &HttpRequest) -> bool {
    req.headers().get_all(header::ACCEPT).any(|v| {
        v.to_str().is_ok_and(|v| {
            v.split(',').any(|t| {
                t.split(';')
                    .next()
                    .is_some_and(|t| t.trim().eq_ignore_ascii_case("text/event-stream"))
            })
        })
    })
}

/// A streaming answer: each frame a server-sent event, written as the handler sends it. The
/// body polls the handler: a slow reader slows it, a client that leaves drops it.
fn event_stream(frames: stateful::EventStream) -> HttpResponse {
    let body =
        frames.map(|frame| Ok::<_, std::convert::Infallible>(web::Bytes::from(frame.to_sse())));
    HttpResponse::Ok()
        .content_type("text/event-stream")
        // Neither a cache nor a buffering proxy may hold frames back.
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header(("x-accel-buffering", "no"))
        // A browser that gives up on a response it could reuse the connection after reads
        // on (Chromium drains up to 16 KiB or 5 s): closing says there is nothing to reuse,
        // so leaving the page closes the connection and stops the handler at once.
        .force_close()
        .streaming(body)
}

#[derive(PartialEq)]
enum BodyKind {
    Json,
    Form,
}

/// Checks where the request comes from, reads the body (up to `limit` bytes) and parses it.
async fn read_request(
    req: &HttpRequest,
    mut body: web::Payload,
    limit: usize,
) -> Result<EventRequest, EventError> {
    let headers = req.headers();
    // Browsers say when a page on another site sent the request.
    if headers
        .get("sec-fetch-site")
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"cross-site"))
    {
        return Err(EventError::CrossSite(CrossSite::BrowserSaysCrossSite));
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).to_ascii_lowercase());
    let essence = content_type
        .as_deref()
        .map(|ct| ct.split(';').next().unwrap_or_default().trim().to_owned());
    let kind = match essence.as_deref() {
        Some("application/json") => Some(BodyKind::Json),
        Some("application/x-www-form-urlencoded") => Some(BodyKind::Form),
        None | Some("") => None,
        Some(_) => {
            return Err(EventError::UnsupportedMediaType(
                content_type.unwrap_or_default(),
            ));
        }
    };
    // A page on another site can post a form (with the user's cookies) but cannot add a
    // header or send JSON without the browser asking this server first (CORS).
    let htmx = headers.get("hx-request").is_some_and(|v| v == "true");
    if kind != Some(BodyKind::Json) && !htmx {
        return Err(EventError::CrossSite(CrossSite::FormWithoutHtmx));
    }
    let mut bytes = web::BytesMut::new();
    while let Some(chunk) = body.next().await {
        let chunk = chunk
            .map_err(|e| EventError::BadRequest(format!("the body could not be read: {e}")))?;
        if bytes.len() + chunk.len() > limit {
            return Err(EventError::TooLarge(limit));
        }
        bytes.extend_from_slice(&chunk);
    }
    match kind {
        Some(BodyKind::Json) => EventRequest::from_json(&bytes),
        Some(BodyKind::Form) => EventRequest::from_form(&bytes),
        None if bytes.is_empty() => Ok(EventRequest::default()),
        None => Err(EventError::UnsupportedMediaType("(none)".into())),
    }
}

/// The JSON error response, the same shape for every error; 500s are logged with their
/// details, which the body never carries.
pub(crate) fn error_response(e: &EventError) -> HttpResponse {
    actix_web::ResponseError::error_response(e)
}
