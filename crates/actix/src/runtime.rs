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

/// pjx's own client files, as served: for each, what terser makes of `assets/<name>.js` with
/// `PJX_V4` defined for the line (`cargo xtask minify`; `cargo xtask ci` checks they are
/// current), so a line's file holds none of the other line's code. The core first, then the
/// parts in [`ClientPart::ALL`]'s order.
const FILES: [[&str; 5]; 2] = [
    [
        include_str!("../assets/pjx.v2.min.js"),
        include_str!("../assets/pjx-loading.v2.min.js"),
        include_str!("../assets/pjx-optimistic.v2.min.js"),
        include_str!("../assets/pjx-morph.v2.min.js"),
        include_str!("../assets/pjx-stream.v2.min.js"),
    ],
    [
        include_str!("../assets/pjx.v4.min.js"),
        include_str!("../assets/pjx-loading.v4.min.js"),
        include_str!("../assets/pjx-optimistic.v4.min.js"),
        include_str!("../assets/pjx-morph.v4.min.js"),
        include_str!("../assets/pjx-stream.v4.min.js"),
    ],
];

/// An optional part of the client runtime: a file of its own, loaded only by the pages that
/// need it. The middleware adds the parts a full page needs after the runtime; pjx.js loads a
/// part itself when an htmx update first brings what needs it (and at start, for a layout
/// written by hand). A part is served at pjx.js's URL with `pjx-<name>` for `pjx`.
///
/// ```
/// use pjx_actix::{ClientPart, HtmxLine};
/// assert!(ClientPart::Optimistic.needed_by(r#"<button data-pjx-optimistic='{"n":2}'>"#));
/// assert!(!ClientPart::Loading.needed_by("<p>plain</p>"));
/// assert_eq!(
///     ClientPart::Stream.url(HtmxLine::V4),
///     HtmxLine::V4.pjx_js_url().replace("/pjx.", "/pjx-stream."),
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClientPart {
    /// The loading indicators (`data-pjx-loading`) and their stylesheet.
    Loading,
    /// The optimistic patches (`data-pjx-optimistic` on a component's triggers).
    Optimistic,
    /// The morph glue: region updates morph (idiomorph on htmx 2, htmx 4's `outerMorph`)
    /// instead of replacing the region. On htmx 2 it needs idiomorph, which loads before it.
    Morph,
    /// The stream reader: a streaming event's frames applied as they arrive
    /// (`data-pjx-stream` on its triggers).
    Stream,
}

impl ClientPart {
    /// Every part, in the order a page loads them.
    pub const ALL: [ClientPart; 4] = [
        ClientPart::Loading,
        ClientPart::Optimistic,
        ClientPart::Morph,
        ClientPart::Stream,
    ];

    /// The part's name, in its file name (`pjx-<name>.js`) and URL.
    pub fn name(self) -> &'static str {
        match self {
            ClientPart::Loading => "loading",
            ClientPart::Optimistic => "optimistic",
            ClientPart::Morph => "morph",
            ClientPart::Stream => "stream",
        }
    }

    /// The part for a line, as served.
    pub fn js(self, line: HtmxLine) -> &'static str {
        FILES[line.index()][self as usize + 1]
    }

    /// The URL the part is served at for a line.
    pub fn url(self, line: HtmxLine) -> &'static str {
        &RUNTIME.lines[line.index()].parts[self as usize]
    }

    /// Whether a page's HTML holds what needs this part: an element marked
    /// `data-pjx-loading="…"`, a trigger with `data-pjx-optimistic`, a region
    /// (`data-pjx-id`), a streaming trigger
    /// (`data-pjx-stream`). A mention in text counts too (the part is then loaded for
    /// nothing, which is harmless).
    pub fn needed_by(self, html: &str) -> bool {
        html.contains(match self {
            ClientPart::Loading => "data-pjx-loading=",
            ClientPart::Optimistic => "data-pjx-optimistic",
            ClientPart::Morph => "data-pjx-id=",
            ClientPart::Stream => "data-pjx-stream",
        })
    }

    /// The `<script>` tags loading the part on a line, to follow the runtime's: the part's
    /// own, after idiomorph's for the morph glue on htmx 2.
    pub fn script_tag(self, line: HtmxLine) -> &'static str {
        &RUNTIME.lines[line.index()].part_tags[self as usize]
    }
}

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

    /// pjx.js's core for this line, as served (see [`ClientPart`] for the rest).
    pub fn pjx_js(self) -> &'static str {
        FILES[self.index()][0]
    }

    /// The URL this line's pjx.js is served at.
    pub fn pjx_js_url(self) -> &'static str {
        &RUNTIME.lines[self.index()].pjx_url
    }

    /// The `<script>` tags loading this line's htmx and pjx.js. The optional parts
    /// ([`ClientPart`]) are not among them: pjx.js loads those a page needs (on htmx 2 its tag
    /// names idiomorph's URL, which the morph glue needs first).
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
    pjx_url: String,
    parts: [String; 4],
    script: String,
    part_tags: [String; 4],
}

struct Runtime {
    idiomorph_url: String,
    lines: [Line; 2],
}

fn short_hash(content: &str) -> String {
    blake3::hash(content.as_bytes()).to_hex()[..16].to_owned()
}

fn script_tag(url: &str) -> String {
    format!(r#"<script src="{url}" defer data-pjx-runtime></script>"#)
}

static RUNTIME: LazyLock<Runtime> = LazyLock::new(|| {
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
        // A line's pjx.js and its parts share one hash, of them all: pjx.js finds a part's URL
        // from its own.
        let hash = short_hash(&FILES[line.index()].concat());
        let pjx_url = format!("{PREFIX}pjx.{hash}.js");
        let parts = ClientPart::ALL.map(|part| format!("{PREFIX}pjx-{}.{hash}.js", part.name()));
        let mut script = script_tag(&htmx_url);
        if line == HtmxLine::V2 {
            // The morph glue loads after idiomorph: pjx.js loads both when a page gains regions.
            script.push_str(&format!(
                r#"<script src="{pjx_url}" defer data-pjx-runtime data-pjx-idiomorph="{idiomorph_url}"></script>"#
            ));
        } else {
            script.push_str(&script_tag(&pjx_url));
        }
        let part_tags = ClientPart::ALL.map(|part| {
            let own = script_tag(&parts[part as usize]);
            if part == ClientPart::Morph && line == HtmxLine::V2 {
                script_tag(&idiomorph_url) + &own
            } else {
                own
            }
        });
        Line {
            htmx_url,
            pjx_url,
            parts,
            script,
            part_tags,
        }
    };
    Runtime {
        lines: [line(HtmxLine::V2), line(HtmxLine::V4)],
        idiomorph_url,
    }
});

/// The `<script>` tags loading htmx 2 (the default line) and the pjx client runtime, for
/// layouts written by hand (the middleware injects them into full pages that lack them).
/// An app on htmx 4 uses [`HtmxLine::client_script`].
///
/// ```
/// let tags = pjx_actix::client_script();
/// assert!(tags.contains("/_pjx/htmx-2.0.11.") && tags.contains("/_pjx/pjx."));
/// assert_eq!(tags.matches("<script").count(), 2);
/// ```
pub fn client_script() -> &'static str {
    HtmxLine::V2.client_script()
}

/// The URL htmx 2's pjx.js (the default line's) is served at; see [`HtmxLine::pjx_js_url`].
pub fn pjx_js_url() -> &'static str {
    HtmxLine::V2.pjx_js_url()
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
    let js = |line: HtmxLine| {
        if path == line.pjx_js_url() {
            return Some(line.pjx_js());
        }
        let part = ClientPart::ALL.into_iter().find(|p| path == p.url(line))?;
        Some(part.js(line))
    };
    let (content_type, body): (&str, &'static str) =
        if let Some(body) = js(HtmxLine::V2).or_else(|| js(HtmxLine::V4)) {
            ("text/javascript; charset=utf-8", body)
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
