//! Testing reactive pages with no HTTP and no browser.
//!
//! [`manifest_from_html`] reads a rendered page the way the client runtime does, and [`Dom`]
//! holds a page and applies replies to it the way htmx does (out-of-band fragments first,
//! then the primary), so a test can drive a sequence of requests and compare the page it ends
//! up with against a fresh full render.
//!
//! ```
//! use pjx::testing::{Dom, PrimarySwap};
//!
//! let mut dom = Dom::new(r#"<main><b data-pjx-id="n" data-pjx-type="counter" data-pjx-hash="00">1</b></main>"#);
//! assert_eq!(dom.manifest().len(), 1);
//! let reply = pjx::Reply {
//!     body: r#"<b data-pjx-id="n" data-pjx-hash="11" hx-swap-oob="outerHTML:[data-pjx-id='n']">2</b>"#.into(),
//!     ..Default::default()
//! };
//! dom.apply(&reply, PrimarySwap::None).unwrap();
//! assert_eq!(dom.html(), r#"<main><b data-pjx-id="n" data-pjx-hash="11">2</b></main>"#);
//! ```

use std::fmt;

use serde_json::{Map, Value};

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde::Serialize;

use crate::component::Load;
use crate::engine::Engine;
use crate::html::stamp::{Element, element_at, top_level_elements};
use crate::load::{LoadCx, LoadError};
use crate::manifest::{Manifest, Mounted};
use crate::reactive::reply::Reply;
use crate::reactive::walk::WalkReport;
use crate::scope::Scope;
use crate::security::auth::{Browser, Identity};
use crate::security::state::{Clock, StateKey, StateKeys};
use crate::stateful::{EventError, EventRequest, EventResponse, Payload, Stateful, dispatch_to};

mod client;

pub use client::{
    CLIENT_HEADER_BUDGET, ClientManifest, SyncRequest, client_manifest, compact_mounted_header,
};

const ID_ATTR: &str = " data-pjx-id=\"";

/// The regions stamped in `html`, in document order, each with its depth among the regions.
fn region_elements(html: &str) -> Vec<(Element, u32)> {
    let mut open: Vec<usize> = Vec::new(); // the ends of the regions holding the current one
    region_starts(html)
        .into_iter()
        .filter_map(|start| element_at(html, start).map(|e| (start, e)))
        .map(|(start, element)| {
            while open.last().is_some_and(|&end| end <= start) {
                open.pop();
            }
            let depth = open.len() as u32;
            open.push(element.end);
            (element, depth)
        })
        .collect()
}

/// The manifest of every region in `html`: each stamped region, in document order, with its
/// depth among the regions (what the client runtime reports when the page fits its header).
pub fn manifest_from_html(html: &str) -> Manifest {
    let elements = region_elements(html);
    Manifest::from_entries(elements.iter().filter_map(|(element, depth)| {
        Some(Mounted {
            id: element.attr("data-pjx-id")?,
            type_name: element.attr("data-pjx-type"),
            hash: element.attr("data-pjx-hash"),
            load: element.attr("data-pjx-load"),
            depth: *depth,
        })
    }))
}

/// The `X-PJX-Mounted` header value for a manifest, in the long (object) form.
pub fn mounted_header(manifest: &Manifest) -> String {
    let entries: Vec<Value> = manifest
        .entries()
        .map(|m| {
            let mut fields = Map::new();
            fields.insert("id".into(), Value::from(m.id));
            for (name, value) in [("type", m.type_name), ("hash", m.hash), ("load", m.load)] {
                if let Some(value) = value {
                    fields.insert(name.into(), Value::from(value));
                }
            }
            if m.depth > 0 {
                fields.insert("depth".into(), Value::from(m.depth));
            }
            Value::Object(fields)
        })
        .collect();
    Value::Array(entries).to_string()
}

/// Start indexes of the elements carrying `data-pjx-id`, in document order.
fn region_starts(html: &str) -> Vec<usize> {
    let mut starts = Vec::new();
    let mut from = 0;
    while let Some(found) = html[from..].find(ID_ATTR) {
        let at = from + found;
        if let Some(lt) = html[..at].rfind('<') {
            starts.push(lt);
        }
        from = at + ID_ATTR.len();
    }
    starts
}

/// Where the primary of a reply goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrimarySwap {
    /// Nowhere (`HX-Reswap: none`, or the test does not care).
    None,
    /// Replaces the region with this id (`hx-target` on it, `hx-swap="outerHTML"`).
    OuterHtml(String),
}

/// A reply could not be applied the way htmx would.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomError(String);

impl fmt::Display for DomError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DomError {}

/// A page as the browser holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dom {
    html: String,
}

impl Dom {
    /// A page showing `html`.
    pub fn new(html: impl Into<String>) -> Self {
        Dom { html: html.into() }
    }

    /// The current HTML.
    pub fn html(&self) -> &str {
        &self.html
    }

    /// The manifest the client would send now.
    pub fn manifest(&self) -> Manifest {
        manifest_from_html(&self.html)
    }

    /// The outer HTML of the first region with `id`.
    pub fn region(&self, id: &str) -> Option<&str> {
        self.find(id).first().map(|&(s, e)| &self.html[s..e])
    }

    /// Applies a reply as htmx does: every out-of-band fragment first, in order, then the
    /// rest of the body (the primary) according to `primary`. Returns how many out-of-band
    /// fragments it applied.
    pub fn apply(&mut self, reply: &Reply, primary: PrimarySwap) -> Result<usize, DomError> {
        let body = &reply.body;
        let mut primary_html = String::new();
        let mut oob = Vec::new();
        let mut last = 0;
        for start in top_level_elements(body) {
            let element = element_at(body, start)
                .ok_or_else(|| DomError(format!("unparseable element at {start}")))?;
            if let Some(value) = element.attr("hx-swap-oob") {
                primary_html.push_str(&body[last..start]);
                oob.push((value.to_owned(), strip_oob(&body[start..element.end])));
                last = element.end;
            } else if element.attr("data-pjx-asset").is_some() {
                // The client runtime moves assets to the head; they are not page content.
                primary_html.push_str(&body[last..start]);
                last = element.end;
            }
        }
        primary_html.push_str(&body[last..]);
        let applied = oob.len();
        for (value, fragment) in oob {
            let (style, selector) = value
                .split_once(':')
                .ok_or_else(|| DomError(format!("hx-swap-oob without a selector: {value}")))?;
            let id = parse_region_selector(selector)
                .ok_or_else(|| DomError(format!("not a region selector: {selector}")))?;
            // htmx finds no target (`htmx:oobErrorNoTarget`) and drops the fragment: the
            // walk must never send one.
            if self.find(&id).is_empty() {
                return Err(DomError(format!(
                    "out-of-band {style} of `{id}` has no target in the page"
                )));
            }
            match style {
                "outerHTML" => {
                    let root = top_level_elements(&fragment)
                        .first()
                        .and_then(|&at| element_at(&fragment, at));
                    let stamped = root.as_ref().and_then(|e| e.attr("data-pjx-id"));
                    if stamped != Some(id.as_str()) {
                        return Err(DomError(format!(
                            "the update of `{id}` carries data-pjx-id {stamped:?}: the region would lose its identity"
                        )));
                    }
                    self.replace(&id, &fragment)
                }
                "delete" => self.replace(&id, ""),
                other => return Err(DomError(format!("unsupported swap style {other}"))),
            }
        }
        if let PrimarySwap::OuterHtml(target) = primary
            && !reply.empty_primary
        {
            if self.find(&target).is_empty() {
                return Err(DomError(format!(
                    "primary target `{target}` is not in the page"
                )));
            }
            self.replace(&target, primary_html.trim());
        }
        Ok(applied)
    }

    /// Extents of the elements with region id `id`, outermost only, in document order.
    fn find(&self, id: &str) -> Vec<(usize, usize)> {
        let mut found: Vec<(usize, usize)> = Vec::new();
        for start in region_starts(&self.html) {
            if found.last().is_some_and(|&(_, end)| start < end) {
                continue;
            }
            if let Some(element) = element_at(&self.html, start)
                && element.attr("data-pjx-id") == Some(id)
            {
                found.push((start, element.end));
            }
        }
        found
    }

    /// Replaces every region with `id` (querySelectorAll semantics) by `html`.
    fn replace(&mut self, id: &str, html: &str) {
        for (start, end) in self.find(id).into_iter().rev() {
            self.html.replace_range(start..end, html);
        }
    }
}

/// The signing key of every harness: tests need not configure one.
fn test_keys() -> StateKeys {
    StateKeys::new([StateKey::from_secret("pjx::testing")])
}

/// A browser of its own for each harness, as two clients would have.
fn new_browser() -> Browser {
    let id = test_keys()
        .issue_browser_id()
        .unwrap_or_else(|e| panic!("pjx::testing: no random bytes for a browser id: {e}"))
        .id;
    Browser::known(id)
}

/// Mounts a component with events and dispatches its events through the same code as the
/// dispatch route (permissions, rate limit, render cache, the signed state's round trip
/// through the "client") with no HTTP and no browser.
///
/// Each harness is one client: an anonymous visitor with a browser identity of its own (see
/// [`browser`](Self::browser)) until [`sign_in`](Self::sign_in), and its own engine whose
/// clock stands still until [`advance`](Self::advance) moves it, so tests can make state
/// tokens expire.
///
/// ```
/// use pjx::prelude::*;
/// use pjx::testing::ComponentTest;
/// use serde::{Deserialize, Serialize};
///
/// #[component(name = "counter", source = "<p><b data-pjx-bind=\"count\">{{ count }}</b><button {{ self.on(\"add\").with(\"by\", 2) }}>+2</button></p>")]
/// #[derive(Serialize, Deserialize)]
/// pub struct Counter { count: i64 }
///
/// #[component]
/// impl Counter {
///     fn mount() -> Counter { Counter { count: 0 } }
///     fn on_add(&mut self, by: i64) -> Result<(), EventError> {
///         if by > 10 { return Err(EventError::invalid("by", "at most 10")); }
///         self.count += by;
///         Ok(())
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let mut t = ComponentTest::<Counter>::new();
/// t.mount(()).await.unwrap();
/// t.dispatch("add", serde_json::json!({ "by": 3 })).await.unwrap();
/// assert_eq!(t.state().count, 3);
/// assert!(t.html().contains(r#"<b data-pjx-bind="count">3</b>"#));
/// let refused = t.dispatch("add", serde_json::json!({ "by": 11 })).await.unwrap_err();
/// assert_eq!((refused.status(), refused.code()), (422, "invalid_payload"));
/// assert_eq!(t.state().count, 3); // a failed event changes nothing
/// # }
/// ```
pub struct ComponentTest<T> {
    engine: Arc<Engine>,
    cx: LoadCx,
    browser: Browser,
    response: Option<EventResponse>,
    component: Option<T>,
    dirtied: Vec<String>,
}

impl<T: Stateful> Default for ComponentTest<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Stateful> ComponentTest<T> {
    /// A harness with its own engine (a test signing key, a manual clock, its own rate limiter
    /// and render cache) and an anonymous requester on a browser of its own.
    pub fn new() -> Self {
        Self::with_engine(
            Engine::builder()
                .state_keys(test_keys())
                .clock(Clock::manual(SystemTime::now()))
                .build(),
        )
    }

    /// A harness on `engine` (which must have state keys; give it a
    /// [manual clock](Clock::manual) to use [`advance`](Self::advance)). Harnesses on one
    /// engine share its rate limiter and render cache, each from a browser of its own.
    pub fn with_engine(engine: Arc<Engine>) -> Self {
        ComponentTest {
            engine,
            cx: LoadCx::new(),
            browser: new_browser(),
            response: None,
            component: None,
            dirtied: Vec::new(),
        }
    }

    /// Uses `cx` as every request's load context (a database handle, …). The harness's
    /// browser is added to it, unless it names a [`Browser`] itself.
    pub fn context(mut self, cx: LoadCx) -> Self {
        self.cx = cx;
        self
    }

    /// Makes the requests from the browser `id` from now on: give two harnesses the same id
    /// to play one browser, or change it to play a token carried to another device.
    ///
    /// ```
    /// # use pjx::prelude::*;
    /// # use pjx::testing::ComponentTest;
    /// # #[component(name = "note", source = "<p>{{ text }}</p>")]
    /// # #[derive(serde::Serialize, serde::Deserialize)]
    /// # pub struct Note { text: String }
    /// # #[component]
    /// # impl Note { fn mount() -> Note { Note { text: String::new() } } fn on_clear(&mut self) {} }
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let mut t = ComponentTest::<Note>::new();
    /// t.mount(()).await.unwrap();
    /// t.browser("another device");
    /// let e = t.dispatch("clear", serde_json::json!({})).await.unwrap_err();
    /// assert_eq!((e.status(), e.code()), (403, "state_not_yours"));
    /// # }
    /// ```
    pub fn browser(&mut self, id: impl Into<String>) -> &mut Self {
        self.browser = Browser::known(id);
        self
    }

    /// Moves the engine's clock forward by `by`: tokens issued before may expire. Panics
    /// unless the engine has a manual clock (every [`new`](Self::new) harness has).
    ///
    /// ```
    /// # use pjx::prelude::*;
    /// # use pjx::testing::ComponentTest;
    /// # #[component(name = "memo", source = "<p>{{ text }}</p>")]
    /// # #[derive(serde::Serialize, serde::Deserialize)]
    /// # pub struct Memo { text: String }
    /// # #[component]
    /// # impl Memo { fn mount() -> Memo { Memo { text: String::new() } } fn on_clear(&mut self) {} }
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let mut t = ComponentTest::<Memo>::new();
    /// t.mount(()).await.unwrap();
    /// t.advance(t.engine().state_max_age() + std::time::Duration::from_secs(1));
    /// let e = t.dispatch("clear", serde_json::json!({})).await.unwrap_err();
    /// assert_eq!((e.status(), e.code()), (400, "state_expired"));
    /// # }
    /// ```
    pub fn advance(&mut self, by: Duration) -> &mut Self {
        assert!(
            self.engine.clock().is_manual(),
            "pjx::testing: advance needs an engine with a manual clock (EngineBuilder::clock(Clock::manual(…)))"
        );
        self.engine.clock().advance(by);
        self
    }

    /// The load context of the next request: the harness's, with its browser.
    fn request_cx(&self) -> LoadCx {
        let mut cx = self.cx.clone();
        if cx.get::<Browser>().is_none() {
            cx.insert(self.browser.clone());
        }
        cx
    }

    /// Makes the requests as `identity` from now on (`None`: anonymously).
    pub fn sign_in(&mut self, identity: Option<Identity>) -> &mut Self {
        match identity {
            Some(identity) => self.cx.insert(identity),
            None => {
                self.cx.remove::<Identity>();
            }
        }
        self
    }

    /// The engine the requests run on.
    pub fn engine(&self) -> &Arc<Engine> {
        &self.engine
    }

    /// Mounts the component with `params` (anything serializable; `()` for none).
    pub async fn mount(&mut self, params: impl Serialize) -> Result<&EventResponse, EventError> {
        let params = serde_json::to_value(params)
            .map_err(|e| EventError::invalid("params", e.to_string()))?;
        self.send(EventRequest::mount(params)).await
    }

    /// Sends `event` with `payload` (a JSON object: `json!({"product_id": 3})`, or `json!({})`)
    /// and the state token of the last answer, as a browser would.
    pub async fn dispatch(
        &mut self,
        event: &str,
        payload: Value,
    ) -> Result<&EventResponse, EventError> {
        let payload = match payload {
            Value::Object(map) => map,
            Value::Null => Payload::new(),
            other => panic!("pjx::testing: an event's payload is a JSON object, not {other}"),
        };
        let state =
            self.response.as_ref().map(|r| r.state.clone()).expect(
                "pjx::testing: mount the component (or set_state) before dispatching events",
            );
        self.send(EventRequest::event(event, payload, state)).await
    }

    /// Sends a request as it is, e.g. with a tampered state token.
    pub async fn send(&mut self, request: EventRequest) -> Result<&EventResponse, EventError> {
        let scope = Scope::builder()
            .engine(Arc::clone(&self.engine))
            .load_cx(self.request_cx())
            .htmx_request(true)
            .build();
        let result = dispatch_to::<T>(&scope, request).await;
        self.dirtied = scope.dirtied_names();
        let (response, component) = result?;
        self.component = component;
        Ok(self.response.insert(response))
    }

    /// Starts from `state`, as if the server had rendered it (rendering it needs no mount).
    pub fn set_state(&mut self, state: T) -> &EventResponse {
        let scope = Scope::builder()
            .engine(Arc::clone(&self.engine))
            .load_cx(self.request_cx())
            .build();
        let response = scope
            .run_sync(|| crate::stateful::respond(&state))
            .unwrap_or_else(|e| panic!("pjx::testing: rendering the state failed: {e}"));
        self.component = Some(state);
        self.response.insert(response)
    }

    /// The component as the last successful request left it on the server (locked fields
    /// included). Panics when the render cache answered the last mount: use
    /// [`client_state`](Self::client_state) then.
    pub fn state(&self) -> &T {
        self.component
            .as_ref()
            .expect("pjx::testing: no component yet (nothing mounted, or the last mount was a render-cache hit)")
    }

    /// The state as the client holds it: the last answer's token, its signature verified
    /// (whoever it was issued to, however old), and read (locked fields at their defaults).
    pub fn client_state(&self) -> T {
        let token = &self.last().state;
        test_keys_of(&self.engine)
            .verify_signature(T::TYPE_NAME, token)
            .unwrap_or_else(|e| panic!("pjx::testing: the last state token does not verify: {e}"))
    }

    /// The last successful answer's HTML.
    pub fn html(&self) -> &str {
        &self.last().html
    }

    /// The last successful answer.
    pub fn last(&self) -> &EventResponse {
        self.response
            .as_ref()
            .expect("pjx::testing: nothing has been mounted yet")
    }

    /// The mutation keys the last request recorded (`#[mutates]` code it ran), by name.
    pub fn dirtied(&self) -> &[String] {
        &self.dirtied
    }
}

fn test_keys_of(engine: &Engine) -> &StateKeys {
    engine
        .state_keys()
        .expect("pjx::testing: the engine has no state keys")
}

/// A rendered page and the requests made from it, for reactive components: each
/// [`run`](Self::run) opens a request scope with the manifest the page would send, runs the
/// code (a mutation), walks, and applies the answer to the page as htmx would.
///
/// ```standalone_crate
/// use pjx::prelude::*;
/// use pjx::testing::PageTest;
/// use std::sync::atomic::{AtomicI64, Ordering};
///
/// #[derive(MutationKey)]
/// enum Keys { Count }
///
/// static COUNT: AtomicI64 = AtomicI64::new(0);
///
/// #[reactive(react = [Keys::Count], source = "<b>{{ n }}</b>")]
/// #[derive(serde::Serialize)]
/// struct Badge { n: i64 }
/// #[reactive]
/// impl Badge {
///     async fn load() -> Result<Self, LoadError> { Ok(Badge { n: COUNT.load(Ordering::SeqCst) }) }
/// }
///
/// #[mutates(Keys::Count)]
/// fn bump() { COUNT.fetch_add(1, Ordering::SeqCst); }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let mut page = PageTest::render::<Badge>(pjx::NoKey).await;
/// let run = page.run(async { bump() }).await;
/// assert_eq!(run.swapped(), ["badge"]);
/// assert!(page.region("badge").unwrap().ends_with(">1</b>"));
/// let run = page.run(async {}).await; // nothing changed
/// assert!(run.swapped().is_empty());
/// # }
/// ```
pub struct PageTest {
    engine: Arc<Engine>,
    cx: LoadCx,
    dom: Dom,
}

impl PageTest {
    /// A page showing `html` (rendered by your page handler, or by hand).
    pub fn new(html: impl Into<String>) -> Self {
        PageTest {
            engine: Engine::builder().state_keys(test_keys()).build(),
            cx: LoadCx::new(),
            dom: Dom::new(html),
        }
    }

    /// A page showing the reactive component `T` with `key`, loaded and rendered.
    pub async fn render<T: Load + Send + Sync + 'static>(key: T::Key) -> Self {
        let mut page = PageTest::new(String::new());
        let scope = page.scope();
        let html = scope
            .run(async {
                let component = scope.load::<T>(key).await?;
                component
                    .to_html()
                    .map_err(|e| LoadError::Failed(Box::new(e)))
            })
            .await
            .unwrap_or_else(|e| panic!("pjx::testing: rendering `{}` failed: {e}", T::TYPE_NAME));
        page.dom = Dom::new(html);
        page
    }

    /// Runs every request on `engine`.
    pub fn engine(mut self, engine: Arc<Engine>) -> Self {
        self.engine = engine;
        self
    }

    /// Uses `cx` as every request's load context (a database handle, the requester, …).
    pub fn context(mut self, cx: LoadCx) -> Self {
        self.cx = cx;
        self
    }

    /// The page now.
    pub fn html(&self) -> &str {
        self.dom.html()
    }

    /// The outer HTML of region `id`.
    pub fn region(&self, id: &str) -> Option<&str> {
        self.dom.region(id)
    }

    fn scope(&self) -> Scope {
        Scope::builder()
            .engine(Arc::clone(&self.engine))
            .load_cx(self.cx.clone())
            .manifest(self.dom.manifest())
            .htmx_request(true)
            .build()
    }

    /// Makes one request from the page: runs `work` in a fresh request scope, then the
    /// fan-out, and applies its out-of-band swaps to the page.
    pub async fn run<F: Future>(&mut self, work: F) -> PageRun<F::Output> {
        let scope = self.scope();
        let output = scope.run(work).await;
        let reply = scope
            .run(crate::reactive::reply::reply(&scope, String::new()))
            .await;
        scope.finish();
        self.dom
            .apply(&reply, PrimarySwap::None)
            .unwrap_or_else(|e| panic!("pjx::testing: the reply does not apply to the page: {e}"));
        PageRun {
            output,
            dirtied: scope.dirtied_names(),
            walk: reply.walk,
        }
    }
}

/// What one [`PageTest::run`] did.
#[derive(Debug)]
pub struct PageRun<R> {
    /// What the code returned.
    pub output: R,
    /// The mutation keys it recorded, by name.
    pub dirtied: Vec<String>,
    /// What the walk did with each region of the page.
    pub walk: WalkReport,
}

impl<R> PageRun<R> {
    /// Regions re-rendered and swapped, in page order.
    pub fn swapped(&self) -> Vec<&str> {
        self.walk.swapped()
    }

    /// Regions loaded, found unchanged (same state hash), and left alone.
    pub fn unchanged(&self) -> Vec<&str> {
        self.walk.unchanged()
    }

    /// Regions deleted (their instance no longer exists).
    pub fn deleted(&self) -> Vec<&str> {
        self.walk.deleted()
    }

    /// Regions the requester may not see, left alone.
    pub fn denied(&self) -> Vec<&str> {
        self.walk.denied()
    }
}

/// Removes the `hx-swap-oob` attribute from a fragment's root, as htmx does when it swaps it.
fn strip_oob(fragment: &str) -> String {
    const ATTR: &str = " hx-swap-oob=\"";
    let Some(at) = fragment.find(ATTR) else {
        return fragment.to_owned();
    };
    let value_end = fragment[at + ATTR.len()..]
        .find('"')
        .map_or(fragment.len(), |e| at + ATTR.len() + e + 1);
    let mut out = String::with_capacity(fragment.len());
    out.push_str(&fragment[..at]);
    out.push_str(&fragment[value_end..]);
    out
}

/// The id in `[data-pjx-id='…']`, with CSS string escapes undone.
fn parse_region_selector(selector: &str) -> Option<String> {
    let inner = selector
        .strip_prefix("[data-pjx-id='")?
        .strip_suffix("']")?;
    let mut out = String::new();
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let mut hex = String::new();
        while let Some(h) = chars
            .peek()
            .filter(|h| h.is_ascii_hexdigit() && hex.len() < 6)
        {
            hex.push(*h);
            chars.next();
        }
        if hex.is_empty() {
            out.push(chars.next()?);
        } else {
            if chars.peek() == Some(&' ') {
                chars.next();
            }
            out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::html::region_id::selector as region_selector;
    use crate::reactive::oob::push_delete;

    #[test]
    fn selectors_round_trip() {
        for id in ["row-1", "a'b", "c\\d", "e\nf", "ü", "a, body", "<x/>"] {
            assert_eq!(
                parse_region_selector(&region_selector(id)).as_deref(),
                Some(id)
            );
        }
    }

    #[test]
    fn applies_updates_deletes_and_the_primary() {
        let mut dom = Dom::new(
            r#"<ul data-pjx-id="list"><li data-pjx-id="r1">a</li><li data-pjx-id="r2">b</li></ul><p data-pjx-id="c">2</p>"#,
        );
        let mut body = String::from(r#"<li data-pjx-id="r1">A</li>"#);
        body.push_str(r#"<p data-pjx-id="c" hx-swap-oob="outerHTML:[data-pjx-id='c']">1</p>"#);
        push_delete(&mut body, "r2");
        let reply = Reply {
            body,
            ..Reply::default()
        };
        assert_eq!(
            dom.apply(&reply, PrimarySwap::OuterHtml("r1".into())),
            Ok(2)
        );
        assert_eq!(
            dom.html(),
            r#"<ul data-pjx-id="list"><li data-pjx-id="r1">A</li></ul><p data-pjx-id="c">1</p>"#
        );
        let ids: Vec<_> = dom.manifest().entries().map(|m| m.id.to_owned()).collect();
        assert_eq!(ids, ["list", "r1", "c"]);
    }

    #[test]
    fn mounted_header_round_trips() {
        let html =
            r#"<div data-pjx-id="x" data-pjx-type="t" data-pjx-hash="ab" data-pjx-load="1"></div>"#;
        let manifest = manifest_from_html(html);
        let header = mounted_header(&manifest);
        assert_eq!(
            Manifest::parse(&header, &Default::default()),
            Some(manifest)
        );
    }
}
