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

/// The vendored htmx 2 version (the default line).
pub const HTMX_VERSION: &str = "2.0.11";

/// The vendored htmx 4 version.
pub const HTMX4_VERSION: &str = "4.0.1";

/// The client runtime, as served: `assets/pjx.min.js`, what terser makes of `assets/pjx.js`
/// (`cargo xtask minify`; `cargo xtask ci` checks it is current).
pub const PJX_JS: &str = include_str!("../assets/pjx.min.js");

/// The morph glue, as served (`assets/pjx-morph.min.js`, minified like pjx.js): region updates morph
/// (idiomorph on htmx 2, htmx 4's `outerMorph`) instead of replacing the region.
pub const PJX_MORPH_JS: &str = include_str!("../assets/pjx-morph.min.js");

/// The vendored idiomorph version (htmx 2's morph, with its htmx extension `morph`).
pub const IDIOMORPH_VERSION: &str = "0.8.0";

/// idiomorph and its htmx 2 extension, vendored unmodified (`dist/idiomorph-ext.min.js`).
pub const IDIOMORPH_JS: &str = include_str!("../assets/idiomorph-ext-0.8.0.min.js");

/// htmx 2, vendored unmodified.
pub const HTMX_JS: &str = include_str!("../assets/htmx-2.0.11.min.js");

/// htmx 4, vendored unmodified.
pub const HTMX4_JS: &str = include_str!("../assets/htmx-4.0.1.min.js");

/// Which htmx a pjx app runs on, chosen at setup with [`Pjx::htmx`](crate::Pjx::htmx).
///
/// htmx 2 is the default. pjx.js reads the version of the htmx it finds on the page and
/// speaks that line's events; the server's answers are the same on both lines.
///
/// ```
/// use pjx_actix::HtmxLine;
/// assert_eq!(HtmxLine::default(), HtmxLine::V2);
/// assert!(HtmxLine::V4.client_script().contains("/_pjx/htmx-4.0.1."));
/// assert_eq!("4".parse::<HtmxLine>(), Ok(HtmxLine::V4));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum HtmxLine {
    /// htmx 2 (2.0.11): XHR, camelCase events, implicit attribute inheritance.
    #[default]
    V2,
    /// htmx 4 (4.0.1): `fetch`, `htmx:noun:verb` events, explicit inheritance, `<hx-partial>`.
    V4,
}

impl HtmxLine {
    /// The vendored version of this line.
    pub fn version(self) -> &'static str {
        match self {
            HtmxLine::V2 => HTMX_VERSION,
            HtmxLine::V4 => HTMX4_VERSION,
        }
    }

    /// The vendored htmx of this line, unmodified.
    pub fn js(self) -> &'static str {
        match self {
            HtmxLine::V2 => HTMX_JS,
            HtmxLine::V4 => HTMX4_JS,
        }
    }

    /// The URL this line's htmx is served at.
    pub fn htmx_url(self) -> &'static str {
        &RUNTIME.lines[self.index()].htmx_url
    }

    /// The `<script>` tags loading this line's htmx, pjx.js and the morph glue (after idiomorph,
    /// on htmx 2).
    pub fn client_script(self) -> &'static str {
        &RUNTIME.lines[self.index()].script
    }

    fn index(self) -> usize {
        match self {
            HtmxLine::V2 => 0,
            HtmxLine::V4 => 1,
        }
    }
}

impl std::str::FromStr for HtmxLine {
    type Err = String;

    /// `2` or `4` (a leading `v` and a full version are accepted: `v4`, `4.0.1`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let major = s.trim().trim_start_matches(['v', 'V']);
        match major.split('.').next() {
            Some("2") => Ok(HtmxLine::V2),
            Some("4") => Ok(HtmxLine::V4),
            _ => Err(format!("no htmx line `{s}`: pjx runs on htmx 2 or 4")),
        }
    }
}

struct Line {
    htmx_url: String,
    script: String,
}

struct Runtime {
    pjx_url: String,
    morph_url: String,
    idiomorph_url: String,
    lines: [Line; 2],
}

fn short_hash(content: &str) -> String {
    blake3::hash(content.as_bytes()).to_hex()[..16].to_owned()
}

static RUNTIME: LazyLock<Runtime> = LazyLock::new(|| {
    let pjx_url = format!("{PREFIX}pjx.{}.js", short_hash(PJX_JS));
    let morph_url = format!("{PREFIX}pjx-morph.{}.js", short_hash(PJX_MORPH_JS));
    let idiomorph_url = format!(
        "{PREFIX}idiomorph-{IDIOMORPH_VERSION}.{}.js",
        short_hash(IDIOMORPH_JS)
    );
    let line = |line: HtmxLine| {
        let htmx_url = format!(
            "{PREFIX}htmx-{}.{}.js",
            line.version(),
            short_hash(line.js())
        );
        let tag = |url: &str| format!(r#"<script src="{url}" defer data-pjx-runtime></script>"#);
        let mut script = tag(&htmx_url);
        if line == HtmxLine::V2 {
            script.push_str(&tag(&idiomorph_url));
        }
        script.push_str(&tag(&pjx_url));
        script.push_str(&tag(&morph_url));
        Line { htmx_url, script }
    };
    Runtime {
        lines: [line(HtmxLine::V2), line(HtmxLine::V4)],
        pjx_url,
        morph_url,
        idiomorph_url,
    }
});

/// The `<script>` tags loading htmx 2 (the default line), idiomorph and the pjx client runtime, for
/// layouts written by hand (the middleware injects them into full pages that lack them).
/// An app on htmx 4 uses [`HtmxLine::client_script`].
///
/// ```
/// let tags = pjx_actix::client_script();
/// assert!(tags.contains("/_pjx/htmx-2.0.11.") && tags.contains("/_pjx/pjx."));
/// assert_eq!(tags.matches("<script").count(), 4);
/// ```
pub fn client_script() -> &'static str {
    HtmxLine::V2.client_script()
}

/// The URL pjx.js is served at.
pub fn pjx_js_url() -> &'static str {
    &RUNTIME.pjx_url
}

/// The URL the morph glue is served at.
pub fn pjx_morph_url() -> &'static str {
    &RUNTIME.morph_url
}

/// The URL idiomorph (htmx 2's morph) is served at.
pub fn idiomorph_url() -> &'static str {
    &RUNTIME.idiomorph_url
}

/// The URL htmx 2 (the default line) is served at.
pub fn htmx_url() -> &'static str {
    HtmxLine::V2.htmx_url()
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
    } else if path == RUNTIME.morph_url {
        ("text/javascript; charset=utf-8", PJX_MORPH_JS)
    } else if path == RUNTIME.idiomorph_url {
        ("text/javascript; charset=utf-8", IDIOMORPH_JS)
    } else if let Some(line) = [HtmxLine::V2, HtmxLine::V4]
        .into_iter()
        .find(|line| path == line.htmx_url())
    {
        ("text/javascript; charset=utf-8", line.js())
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
