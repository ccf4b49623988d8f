//! The middleware's response handling, against a real server on loopback.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use actix_web::http::header;
use actix_web::{App, HttpResponse, web};
use pjx::prelude::*;
use pjx_actix::{Html, Pjx};
use pjx_testkit::http::{self, Response};
use pjx_testkit::server::serve;

#[derive(MutationKey)]
enum Keys {
    Count,
}

struct Counter(AtomicU32);

impl Counter {
    #[mutates(Keys::Count)]
    fn bump(&self) -> u32 {
        self.0.fetch_add(1, Ordering::SeqCst) + 1
    }
}

#[reactive(react = [Keys::Count], source = "<b class=\"n\">{{ n }}</b>", name = "count")]
struct Count {
    n: u32,
}

#[reactive]
impl Count {
    fn load(cx: &LoadCx) -> Result<Self, LoadError> {
        Ok(Count {
            n: cx.require::<Arc<Counter>>()?.0.load(Ordering::SeqCst),
        })
    }
}

#[component(source = "<p>{{ count }} and more</p>")]
struct Panel {
    count: Count,
}

fn counter(req: &actix_web::HttpRequest) -> Arc<Counter> {
    Arc::clone(
        &req.app_data::<web::Data<Counter>>()
            .unwrap()
            .clone()
            .into_inner(),
    )
}

fn server() -> SocketAddr {
    let state = web::Data::new(Counter(AtomicU32::new(0)));
    let pjx = Pjx::new().context(|req| LoadCx::new().with(counter(req)));
    serve(move || {
        App::new()
            .app_data(state.clone())
            .wrap(pjx.clone())
            .route("/empty", web::post().to(|s: web::Data<Counter>| async move {
                s.bump();
                HttpResponse::NoContent().finish()
            }))
            .route("/fragment", web::post().to(|s: web::Data<Counter>| async move {
                s.bump();
                HttpResponse::Created()
                    .insert_header(("X-Custom", "kept"))
                    .body("<p>saved</p>")
            }))
            .route("/panel", web::post().to(|s: web::Data<Counter>| async move {
                let n = s.bump();
                Html(Panel { count: Count { n } })
            }))
            .route("/redirect", web::post().to(|s: web::Data<Counter>| async move {
                s.bump();
                HttpResponse::SeeOther()
                    .insert_header((header::LOCATION, "/elsewhere"))
                    .insert_header((header::SET_COOKIE, "flash=saved; Path=/"))
                    .finish()
            }))
            .route("/json", web::post().to(|s: web::Data<Counter>| async move {
                s.bump();
                HttpResponse::Ok().json(serde_json::json!({ "ok": true }))
            }))
            .route("/stream", web::get().to(|| async {
                let chunks = futures_util::stream::iter(["<p>a</p>", "<p>b</p>"].map(|c| {
                    Ok::<_, std::convert::Infallible>(web::Bytes::from_static(c.as_bytes()))
                }));
                HttpResponse::Ok().content_type("text/html").streaming(chunks)
            }))
            .route("/page", web::get().to(|| async {
                HttpResponse::Ok().content_type("text/html").body(
                    "<!doctype html><html><head><title>t</title></head><body><p>hi</p></body></html>",
                )
            }))
            .route("/own-layout", web::get().to(|| async {
                HttpResponse::Ok().content_type("text/html").body(format!(
                    "<html><head>{}</head><body></body></html>",
                    pjx_actix::client_script()
                ))
            }))
            .route("/no-head", web::get().to(|| async {
                HttpResponse::Ok().content_type("text/html").body("<p>just a fragment</p>")
            }))
    })
}

/// A raw request, as htmx (with a manifest holding the counter) or as a plain browser.
fn request(addr: SocketAddr, method: &str, path: &str, htmx: bool) -> Response {
    let mounted = r#"{"t":["count"],"m":[["count",0,"0000000000000000"]]}"#;
    let headers = if htmx {
        http::htmx_headers(mounted, &[])
    } else {
        Vec::new()
    };
    http::request(addr, method, path, &headers, "")
}

const COUNT_OOB: &str = r#"hx-swap-oob="outerHTML:[data-pjx-id='count']""#;

#[test]
fn every_kind_of_response_gets_the_fan_out_once() {
    let addr = server();

    // An empty 204: turned into a 200 carrying the swap, with nothing swapped into the target.
    let res = request(addr, "POST", "/empty", true);
    assert_eq!(res.status, 200);
    assert_eq!(res.header("hx-reswap"), Some("none"));
    assert!(
        res.body.starts_with("<b class=\"n\" data-pjx-id=\"count\""),
        "{}",
        res.body
    );
    assert_eq!(res.body.matches(COUNT_OOB).count(), 1);

    // A plain fragment: kept first; the handler's status and headers survive.
    let res = request(addr, "POST", "/fragment", true);
    assert_eq!(res.status, 201);
    assert_eq!(res.header("x-custom"), Some("kept"));
    assert_eq!(res.header("hx-reswap"), None);
    assert!(
        res.body.starts_with("<p>saved</p><b class=\"n\""),
        "{}",
        res.body
    );
    assert!(res.body.contains(">2</b>"));

    // A component holding the region: the region is in the body already, so it is not sent again.
    let res = request(addr, "POST", "/panel", true);
    assert_eq!(res.status, 200);
    assert!(
        res.body
            .starts_with("<p><b class=\"n\" data-pjx-id=\"count\""),
        "{}",
        res.body
    );
    assert!(!res.body.contains("hx-swap-oob"));
    assert_eq!(res.body.matches("data-pjx-id=\"count\"").count(), 1);
}

#[test]
fn redirects_become_hx_redirect_for_htmx_and_keep_their_headers() {
    let addr = server();
    let res = request(addr, "POST", "/redirect", true);
    assert_eq!(res.status, 204);
    assert_eq!(res.header("hx-redirect"), Some("/elsewhere"));
    assert_eq!(res.header("location"), None);
    assert_eq!(res.header("set-cookie"), Some("flash=saved; Path=/"));
    assert!(res.body.is_empty());
    // Without htmx, a redirect is a redirect.
    let res = request(addr, "POST", "/redirect", false);
    assert_eq!(res.status, 303);
    assert_eq!(res.header("location"), Some("/elsewhere"));
}

#[test]
fn other_responses_are_left_alone() {
    let addr = server();
    // Not htmx: no fan-out (the page will be loaded anew).
    let res = request(addr, "POST", "/fragment", false);
    assert_eq!(res.body, "<p>saved</p>");
    // JSON: untouched.
    let res = request(addr, "POST", "/json", true);
    assert_eq!(res.body, r#"{"ok":true}"#);
    // A streamed body is never buffered.
    let res = request(addr, "GET", "/stream", true);
    assert_eq!(res.body, "<p>a</p><p>b</p>");
}

#[test]
fn full_pages_get_the_runtime_exactly_once() {
    let addr = server();
    let res = request(addr, "GET", "/page", false);
    // htmx and pjx.js; no optional part, as the page has no region, component or indicator.
    assert_eq!(res.body.matches("data-pjx-runtime").count(), 2);
    assert!(
        !res.body
            .contains(pjx_actix::ClientPart::Morph.url(pjx_actix::HtmxLine::V2))
    );
    assert!(
        !res.body
            .contains(&format!("src=\"{}\"", pjx_actix::idiomorph_url()))
    );
    assert!(
        res.body
            .contains(&format!("{}</head>", pjx_actix::client_script()))
    );
    // A layout that already has it is left alone.
    let res = request(addr, "GET", "/own-layout", false);
    assert_eq!(res.body.matches("data-pjx-runtime").count(), 2);
    // A fragment has no head to put it in.
    let res = request(addr, "GET", "/no-head", false);
    assert_eq!(res.body, "<p>just a fragment</p>");
    // A request from a page that already runs it (it sends a manifest) is left alone too.
    let res = request(addr, "GET", "/page", true);
    assert!(!res.body.contains("data-pjx-runtime"));
}

#[test]
fn an_app_without_components_with_events_sets_no_browser_cookie() {
    // The browser identity only binds state tokens and their components' rate limits.
    let addr = server();
    for (method, path) in [("GET", "/page"), ("POST", "/fragment")] {
        let res = request(addr, method, path, false);
        assert!(
            !res.headers.iter().any(|(name, value)| {
                name.contains("pjx-browser") || value.to_ascii_lowercase().contains("pjx-browser")
            }),
            "{path}: {:?}",
            res.headers
        );
    }
}
