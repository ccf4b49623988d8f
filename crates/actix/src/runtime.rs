//! The client runtime (htmx and pjx.js) and component assets, served from the binary.
//!
//! Every file is served at a URL carrying a hash of its content, with a year-long immutable
//! cache lifetime: a new release changes the URL, never the content behind one. Nothing is
//! fetched from a CDN, at build time or at run time.

use std::collections::HashMap;
use std::sync::LazyLock;

use actix_web::HttpResponse;
use actix_web::http::{Method, header};
use pjx::Asset;

/// Everything served under this prefix belongs to pjx.
pub const PREFIX: &str = "/_pjx/";

/// The vendored htmx version.
pub const HTMX_VERSION: &str = "2.0.11";

/// The client runtime, as served: `assets/pjx.js` without its comments and indentation.
pub const PJX_JS: &str = include_str!(concat!(env!("OUT_DIR"), "/pjx.min.js"));

/// htmx, vendored unmodified.
pub const HTMX_JS: &str = include_str!("../assets/htmx-2.0.11.min.js");

struct Runtime {
    htmx_url: String,
    pjx_url: String,
    script: String,
}

fn short_hash(content: &str) -> String {
    blake3::hash(content.as_bytes()).to_hex()[..16].to_owned()
}

static RUNTIME: LazyLock<Runtime> = LazyLock::new(|| {
    let htmx_url = format!("{PREFIX}htmx-{HTMX_VERSION}.{}.js", short_hash(HTMX_JS));
    let pjx_url = format!("{PREFIX}pjx.{}.js", short_hash(PJX_JS));
    let script = format!(
        r#"<script src="{htmx_url}" defer data-pjx-runtime></script><script src="{pjx_url}" defer data-pjx-runtime></script>"#
    );
    Runtime {
        htmx_url,
        pjx_url,
        script,
    }
});

/// The `<script>` tags loading htmx and the pjx client runtime, for layouts written by hand
/// (the middleware injects them into full pages that lack them).
///
/// ```
/// let tags = pjx_actix::client_script();
/// assert!(tags.contains("/_pjx/htmx-2.0.11.") && tags.contains("/_pjx/pjx."));
/// assert_eq!(tags.matches("<script").count(), 2);
/// ```
pub fn client_script() -> &'static str {
    &RUNTIME.script
}

/// The URL pjx.js is served at.
pub fn pjx_js_url() -> &'static str {
    &RUNTIME.pjx_url
}

/// The URL htmx is served at.
pub fn htmx_url() -> &'static str {
    &RUNTIME.htmx_url
}

/// Embedded component assets, by URL.
static ASSETS: LazyLock<HashMap<String, &'static Asset>> = LazyLock::new(|| {
    pjx::component::registered_assets()
        .filter(|a| matches!(a, Asset::Css { .. } | Asset::Js { .. }))
        .map(|a| (a.url(), a))
        .collect()
});

/// Answers a request for a pjx file, or `None` when `path` is not under [`PREFIX`].
pub(crate) fn serve(method: &Method, path: &str) -> Option<HttpResponse> {
    if !path.starts_with(PREFIX) {
        return None;
    }
    if method != Method::GET && method != Method::HEAD {
        return Some(
            HttpResponse::MethodNotAllowed()
                .insert_header((header::ALLOW, "GET, HEAD"))
                .finish(),
        );
    }
    let (content_type, body): (&str, &'static str) = if path == RUNTIME.pjx_url {
        ("text/javascript; charset=utf-8", PJX_JS)
    } else if path == RUNTIME.htmx_url {
        ("text/javascript; charset=utf-8", HTMX_JS)
    } else {
        match ASSETS.get(path) {
            Some(Asset::Css { content, .. }) => ("text/css; charset=utf-8", *content),
            Some(Asset::Js { content, .. }) => ("text/javascript; charset=utf-8", *content),
            _ => return Some(HttpResponse::NotFound().body("no such pjx file")),
        }
    };
    Some(
        HttpResponse::Ok()
            .content_type(content_type)
            .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
            .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
            // For HEAD, actix-http sends the headers (length included) and drops the body.
            .body(body),
    )
}
