//! The sync route, `POST /_pjx/sync`, and the response headers that lead to it.
//!
//! A page too large to report every region in `X-PJX-Mounted` (actix-web refuses a request
//! head over 128 KiB) reports part of them and marks its manifest partial. The response to
//! such a request carries `X-PJX-Dirtied`: the dirtied keys that concern types on the page.
//! After applying the response, the client takes the regions it left out, keeps those the
//! response did not replace and that one of those keys concerns, and — only if there are any
//! — posts them here with the keys. This route runs the walk over them with those keys, as the
//! original request would have, and answers with the out-of-band fragments alone.
//!
//! Nothing is kept on the server between the two requests, so any process can answer either.
//! The route only reads (it never invalidates a cache: the request that changed the state
//! did), runs with the requester's own identity and permissions, keeps to the walk's load
//! budget, and takes only requests htmx sends (`HX-Request: true`), which a page on another
//! site cannot forge.

use actix_web::HttpResponse;
use actix_web::body::BoxBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use futures_util::StreamExt as _;
use pjx::manifest::Manifest;
use pjx::stateful::{CrossSite, EventError};
use pjx::{Key, Registry, Scope};

use crate::components::error_response;
use crate::config::Config;
use crate::fanout::{HX_RESWAP, walk_headers};
use crate::runtime::PREFIX;

/// Whether `path` is the sync route.
pub(crate) fn is_sync_path(path: &str) -> bool {
    path.strip_prefix(PREFIX) == Some("sync")
}

/// The registered key a wire key names (`todos`, or `todos:7`), if any.
fn parse_key(registry: &Registry, wire: &str) -> Option<Key> {
    if let Some(name) = registry.key_name(wire) {
        return Some(Key::new(name));
    }
    wire.match_indices(':').find_map(|(at, _)| {
        registry
            .key_name(&wire[..at])
            .map(|name| Key::with_instance(name, &wire[at + 1..]))
    })
}

/// Answers `POST /_pjx/sync`.
pub(crate) async fn answer(req: ServiceRequest, config: &Config) -> ServiceResponse<BoxBody> {
    let (http, mut payload) = req.into_parts();
    let engine = config.engine();
    let limits = *engine.limits();
    let response = async {
        if http.headers().get("hx-request").is_none_or(|v| v != "true") {
            return Err(EventError::CrossSite(CrossSite::FormWithoutHtmx));
        }
        // Form encoding can triple the manifest's size.
        let max = limits.max_sync_bytes.saturating_mul(3);
        let mut body = actix_web::web::BytesMut::new();
        while let Some(chunk) = payload.next().await {
            let chunk = chunk
                .map_err(|e| EventError::BadRequest(format!("the body could not be read: {e}")))?;
            if body.len() + chunk.len() > max {
                return Err(EventError::TooLarge(max));
            }
            body.extend_from_slice(&chunk);
        }
        let fields = pjx::stateful::form_fields(&body)?;
        let field = |name: &str| {
            let mut values = fields.iter().filter(|(n, _)| n == name).map(|(_, v)| v);
            match (values.next(), values.next()) {
                (Some(value), None) => Ok(value),
                (None, _) => Err(EventError::BadRequest(format!(
                    "the sync request has no `{name}` field"
                ))),
                (Some(_), Some(_)) => Err(EventError::BadRequest(format!(
                    "the sync request repeats the `{name}` field"
                ))),
            }
        };
        let wire_keys: Vec<String> = serde_json::from_str(field("keys")?).map_err(|e| {
            EventError::BadRequest(format!("`keys` is not a JSON list of keys: {e}"))
        })?;
        let registry = engine.registry();
        let keys: Vec<Key> = wire_keys
            .iter()
            .take(limits.max_entries)
            .filter_map(|wire| parse_key(registry, wire))
            .collect();
        let manifest = Manifest::parse_logged(
            field("mounted")?,
            &limits,
            limits.max_sync_bytes,
            "the sync request's manifest",
        )
        .ok_or_else(|| EventError::BadRequest("`mounted` is not a manifest".into()))?;
        // A browser cookie minted here would identify nobody: the page's requests carry one.
        let (cx, _) = config
            .load_cx(&http)
            .map_err(|e| EventError::internal(e.to_string()))?;
        let scope = Scope::builder()
            .engine(std::sync::Arc::clone(engine))
            .htmx_request(true)
            .manifest(manifest)
            .dirtied(keys)
            .load_cx(cx)
            .build();
        let reply = scope.run(pjx::reply(&scope, String::new())).await;
        let mut res = HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .insert_header((HX_RESWAP, "none"))
            .body(reply.body);
        walk_headers(res.headers_mut(), &reply.walk);
        Ok(res)
    }
    .await;
    let res = response.unwrap_or_else(|e| error_response(&e));
    let mut res = ServiceResponse::new(http, res);
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}
