//! What the middleware does to a response after the handler: the out-of-band fan-out for
//! htmx requests, redirects htmx can follow, and the runtime for full pages.

use actix_web::body::{BodySize, BoxBody, MessageBody, to_bytes};
use actix_web::dev::ServiceResponse;
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use pjx::{Asset, Key, Scope};

use crate::config::Config;
use crate::runtime::{ClientPart, HtmxLine};

/// `HX-Reswap: none` keeps htmx from swapping an empty primary into the target.
pub const HX_RESWAP: HeaderName = HeaderName::from_static("hx-reswap");
/// `HX-Redirect`: where htmx should navigate (sent instead of a 3xx).
pub const HX_REDIRECT: HeaderName = HeaderName::from_static("hx-redirect");
/// The dirtied keys a client with a partial manifest must check the regions it left out
/// against: a JSON list of wire keys.
pub const X_PJX_DIRTIED: HeaderName = HeaderName::from_static("x-pjx-dirtied");
/// `HX-Refresh: true`: the page reloads itself (the walk had more to load than its budget).
pub const HX_REFRESH: HeaderName = HeaderName::from_static("hx-refresh");

/// Adds the headers a walk asks for: `HX-Refresh` when it was over its budget,
/// `X-PJX-Dirtied` for a partial manifest.
pub(crate) fn walk_headers(headers: &mut HeaderMap, walk: &pjx::reactive::walk::WalkReport) {
    if walk.over_budget {
        headers.insert(HX_REFRESH, HeaderValue::from_static("true"));
    }
    if !walk.dirtied_for_client.is_empty() {
        let keys: Vec<String> = walk.dirtied_for_client.iter().map(Key::to_string).collect();
        if let Ok(value) = HeaderValue::from_str(&ascii_json(&keys)) {
            headers.insert(X_PJX_DIRTIED, value);
        }
    }
}

/// A JSON list of strings in visible ASCII (header values may hold nothing else): every
/// other character as a `\u` escape.
fn ascii_json(items: &[String]) -> String {
    let json = serde_json::to_string(items).unwrap_or_else(|_| "[]".into());
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if c.is_ascii() && !c.is_ascii_control() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out
}

fn is_html_or_untyped(headers: &HeaderMap) -> bool {
    match headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    {
        None => true,
        Some(ct) => ct
            .trim_start()
            .to_ascii_lowercase()
            .starts_with("text/html"),
    }
}

/// Whether the body is complete in memory (never buffer a stream, e.g. server-sent events).
fn is_buffered<B: MessageBody>(body: &B) -> bool {
    matches!(body.size(), BodySize::None | BodySize::Sized(_))
}

pub(crate) async fn finish<B>(
    res: ServiceResponse<B>,
    scope: &Scope,
    config: &Config,
) -> ServiceResponse<BoxBody>
where
    B: MessageBody + 'static,
{
    let status = res.status();
    if scope.is_htmx_request() {
        if status.is_redirection() && res.headers().contains_key(header::LOCATION) {
            return htmx_redirect(res);
        }
        if status.is_success()
            && is_html_or_untyped(res.headers())
            && is_buffered(res.response().body())
        {
            return fan_out(res, scope).await;
        }
        return res.map_into_boxed_body();
    }
    let full_page = config.inject_runtime()
        && res.request().method() == Method::GET
        && status.is_success()
        && is_html_or_untyped(res.headers())
        && is_buffered(res.response().body());
    if full_page {
        return inject_runtime(res, scope, config.htmx_line()).await;
    }
    res.map_into_boxed_body()
}

/// htmx follows `HX-Redirect`, not a 3xx (which the browser would follow silently, swapping
/// the redirect target's page into the element). Every other header survives.
fn htmx_redirect<B: MessageBody + 'static>(
    mut res: ServiceResponse<B>,
) -> ServiceResponse<BoxBody> {
    let headers = res.headers_mut();
    if let Some(location) = headers.remove(header::LOCATION).next() {
        headers.insert(HX_REDIRECT, location);
    }
    headers.remove(header::CONTENT_LENGTH);
    headers.remove(header::CONTENT_TYPE);
    let mut res = res.map_body(|_, _| BoxBody::new(()));
    *res.response_mut().status_mut() = StatusCode::NO_CONTENT;
    res
}

/// Reads a buffered body as text; `Err` gives the bytes back when it is not UTF-8.
async fn read_body<B: MessageBody + 'static>(body: B) -> Result<Result<String, Vec<u8>>, String> {
    let bytes = to_bytes(BoxBody::new(body))
        .await
        .map_err(|e| e.to_string())?;
    Ok(String::from_utf8(bytes.to_vec()).map_err(|e| e.into_bytes()))
}

fn server_error(res: ServiceResponse<BoxBody>, why: &str) -> ServiceResponse<BoxBody> {
    tracing::error!(target: "pjx::actix", "{why}");
    let mut res = res.map_body(|_, _| BoxBody::new("Internal Server Error"));
    *res.response_mut().status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    res
}

/// The primary, then the out-of-band fragments, then the assets the page lacks.
async fn fan_out<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
    scope: &Scope,
) -> ServiceResponse<BoxBody> {
    let (req, res) = res.into_parts();
    let (res, body) = res.into_parts();
    let body = read_body(body).await;
    let res = ServiceResponse::new(req, res.set_body(BoxBody::new(())));
    let primary = match body {
        Ok(Ok(text)) => text,
        Ok(Err(bytes)) => return res.map_body(|_, _| BoxBody::new(bytes)),
        Err(e) => return server_error(res, &format!("reading the response body failed: {e}")),
    };
    let reply = pjx::reply(scope, primary).await;
    let has_body = !reply.body.is_empty();
    let mut res = res.map_body(|_, _| BoxBody::new(reply.body));
    let headers = res.headers_mut();
    headers.remove(header::CONTENT_LENGTH);
    walk_headers(headers, &reply.walk);
    if reply.empty_primary {
        headers.insert(HX_RESWAP, HeaderValue::from_static("none"));
    }
    if has_body && !headers.contains_key(header::CONTENT_TYPE) {
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
    }
    // htmx ignores the body of a 204; out-of-band fragments need a 200.
    if has_body && res.status() == StatusCode::NO_CONTENT {
        *res.response_mut().status_mut() = StatusCode::OK;
    }
    res
}

/// A full page (a request without a manifest) gets the client runtime (with the optional parts
/// its HTML needs) and the stylesheets and scripts of the components it rendered, once, before
/// `</head>`.
async fn inject_runtime<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
    scope: &Scope,
    line: HtmxLine,
) -> ServiceResponse<BoxBody> {
    if scope.manifest().is_some() {
        return res.map_into_boxed_body();
    }
    let (req, res) = res.into_parts();
    let (res, body) = res.into_parts();
    let body = read_body(body).await;
    let res = ServiceResponse::new(req, res.set_body(BoxBody::new(())));
    let mut page = match body {
        Ok(Ok(text)) => text,
        Ok(Err(bytes)) => return res.map_body(|_, _| BoxBody::new(bytes)),
        Err(e) => return server_error(res, &format!("reading the response body failed: {e}")),
    };
    if let Some(at) = find_ascii_case_insensitive(&page, "</head>") {
        let mut tags = String::new();
        if !page.contains("data-pjx-runtime") {
            tags.push_str(line.client_script());
            // The optional parts this page needs, right after the runtime (a layout with the
            // runtime written in gets them from pjx.js, which loads what its page needs).
            for part in ClientPart::ALL {
                if part.needed_by(&page) {
                    tags.push_str(part.script_tag(line));
                }
            }
        }
        for asset in scope.missing_assets() {
            if !page.contains(&asset.url()) {
                push_head_tag(&mut tags, &asset);
            }
        }
        page.insert_str(at, &tags);
    }
    let mut res = res.map_body(|_, _| BoxBody::new(page));
    res.headers_mut().remove(header::CONTENT_LENGTH);
    res
}

fn push_head_tag(out: &mut String, asset: &Asset) {
    let url = pjx::html::stamp::escape_attr(&asset.url());
    if asset.is_css() {
        out.push_str(&format!(r#"<link rel="stylesheet" href="{url}">"#));
    } else {
        out.push_str(&format!(r#"<script src="{url}" defer></script>"#));
    }
}

fn find_ascii_case_insensitive(haystack: &str, needle: &str) -> Option<usize> {
    haystack
        .as_bytes()
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_json_is_visible_ascii() {
        let keys = vec!["todos:7".to_owned(), "tags:é\u{1F600}\"".to_owned()];
        let json = ascii_json(&keys);
        assert!(json.bytes().all(|b| (0x20..0x7f).contains(&b)), "{json}");
        assert_eq!(serde_json::from_str::<Vec<String>>(&json).unwrap(), keys);
    }
}
