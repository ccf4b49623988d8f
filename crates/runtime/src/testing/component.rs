//! `ComponentTest`: a component with events, mounted and dispatched with no HTTP and no
//! browser, alone or on a page.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde::Serialize;
use serde_json::Value;

use super::{Dom, PrimarySwap, new_browser, test_keys};
use crate::engine::Engine;
use crate::load::LoadCx;
use crate::reactive::walk::WalkReport;
use crate::scope::Scope;
use crate::security::auth::{Browser, Identity};
use crate::security::state::{Clock, StateKeys};
use crate::stateful::{
    EventError, EventRequest, EventResponse, Frame, Payload, Stateful, Typed, dispatch_stream_to,
    dispatch_to,
};

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
/// #[component(name = "counter", binds = [count], source = "<p><b {{ self.bind_count() }}>{{ count }}</b><button {{ self.add_event(2) }}>+2</button></p>")]
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
    page: Option<Dom>,
    walk: WalkReport,
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
            page: None,
            walk: WalkReport::default(),
        }
    }

    /// Puts the component on a page (`html`, e.g. [`PageTest::html`](super::PageTest::html) after
    /// [`PageTest::load`](super::PageTest::load)): each request then carries the page's manifest, as pjx.js sends it,
    /// and its answer — the component's render plus the out-of-band swaps of the regions its
    /// mutations concern — is applied to the page as htmx would. [`swapped`](Self::swapped)
    /// and [`page`](Self::page) show the result.
    ///
    /// ```standalone_crate
    /// use pjx::prelude::*;
    /// use pjx::testing::ComponentTest;
    /// use serde::{Deserialize, Serialize};
    /// use std::sync::atomic::{AtomicI64, Ordering};
    ///
    /// #[derive(MutationKey)]
    /// enum Keys { Likes }
    ///
    /// static LIKES: AtomicI64 = AtomicI64::new(0);
    ///
    /// #[reactive(react = [Keys::Likes], source = "<b>{{ n }} likes</b>")]
    /// struct Total { n: i64 }
    /// #[reactive]
    /// impl Total {
    ///     fn load() -> Result<Self, LoadError> { Ok(Total { n: LIKES.load(Ordering::SeqCst) }) }
    /// }
    ///
    /// #[component(source = "<p><button {{ self.on(\"like\") }}>♥</button></p>")]
    /// #[derive(Serialize, Deserialize)]
    /// struct Like {}
    /// #[component]
    /// impl Like {
    ///     fn mount() -> Like { Like {} }
    ///     #[mutates(Keys::Likes)]
    ///     fn on_like(&mut self) { LIKES.fetch_add(1, Ordering::SeqCst); }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let page = format!("<main>{}</main>", Total { n: 0 }.to_html().unwrap());
    /// let mut t = ComponentTest::<Like>::new().on_page(page);
    /// t.mount(()).await.unwrap();
    /// t.dispatch("like", serde_json::json!({})).await.unwrap();
    /// assert_eq!(t.swapped(), ["total"]);
    /// assert!(t.page().unwrap().region("total").unwrap().ends_with(">1 likes</b>"));
    /// # }
    /// ```
    pub fn on_page(mut self, html: impl Into<String>) -> Self {
        self.page = Some(Dom::new(html));
        self
    }

    /// The page around the component, as the answers left it (see [`on_page`](Self::on_page)).
    pub fn page(&self) -> Option<&Dom> {
        self.page.as_ref()
    }

    /// What the last request's fan-out did with the page's regions (empty without a page).
    pub fn walk(&self) -> &WalkReport {
        &self.walk
    }

    /// Regions of the page the last request re-rendered out of band, in page order.
    pub fn swapped(&self) -> Vec<&str> {
        self.walk.swapped()
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
        super::request_cx(&self.cx, &self.browser)
    }

    /// Makes the requests as `identity` from now on (`None`: anonymously).
    pub fn sign_in(&mut self, identity: Option<Identity>) -> &mut Self {
        super::sign_in(&mut self.cx, identity);
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
        let request = self.event_request(event, payload);
        self.send(request).await
    }

    /// Sends a streaming event as pjx.js's stream reader does, and collects its frames (all
    /// but heartbeats): the renders, parts and updates in the order sent, then the last — its
    /// final answer ([`Frame::End`]), or the error that ended it ([`Frame::Error`]). Errors
    /// found before the first frame (permissions, the rate limit, the state) are returned as
    /// errors, as the route answers them. After an `End`, [`state`](Self::state),
    /// [`html`](Self::html) and the page are as after any event.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// use pjx::prelude::*;
    /// use pjx::stateful::Frame;
    /// use pjx::testing::ComponentTest;
    /// use serde::{Deserialize, Serialize};
    ///
    /// #[component(name = "ticker", source = "<p>{{ n }}<button {{ self.count_event() }}>go</button></p>")]
    /// #[derive(Serialize, Deserialize)]
    /// pub struct Ticker { n: u32 }
    ///
    /// #[component]
    /// impl Ticker {
    ///     fn mount() -> Ticker { Ticker { n: 0 } }
    ///     async fn on_count(&mut self, frames: &Frames) -> Result<(), EventError> {
    ///         for _ in 0..3 {
    ///             self.n += 1;
    ///             frames.render(self).await?;
    ///         }
    ///         Ok(())
    ///     }
    /// }
    ///
    /// let mut test = ComponentTest::<Ticker>::new();
    /// test.mount(()).await.unwrap();
    /// let frames = test.stream("count", serde_json::json!({})).await.unwrap();
    /// assert_eq!(frames.len(), 4); // three renders, then the end
    /// assert!(matches!(&frames[0], Frame::Render { html } if html.contains(">1<button")));
    /// assert!(matches!(&frames[3], Frame::End { html, .. } if html.contains(">3<button")));
    /// assert_eq!(test.state().n, 3);
    /// # }
    /// ```
    pub async fn stream(&mut self, event: &str, payload: Value) -> Result<Vec<Frame>, EventError> {
        let request = self.event_request(event, payload);
        let scope = self.scope();
        let typed = dispatch_stream_to::<T>(&scope, request).await;
        self.dirtied = scope.dirtied_names();
        self.walk = WalkReport::default();
        let mut stream = match typed? {
            Typed::Stream(stream) => stream,
            Typed::Done(..) => panic!(
                "pjx::testing: `{event}` does not stream (its handler takes no `frames: &Frames`): send it with `dispatch`"
            ),
        };
        let frames = scope.run(stream.collect()).await;
        self.dirtied = scope.dirtied_names();
        if let Some((response, component)) = stream.outcome::<T>() {
            if let (Some(page), Some(Frame::End { html, .. })) = (&mut self.page, frames.last()) {
                let reply = crate::Reply {
                    body: html.clone(),
                    ..crate::Reply::default()
                };
                let swap = match page.region(&response.component_id).is_some() {
                    true => PrimarySwap::OuterHtml(response.component_id.clone()),
                    false => PrimarySwap::None,
                };
                page.apply(&reply, swap).unwrap_or_else(|e| {
                    panic!("pjx::testing: the stream's end does not apply to the page: {e}")
                });
            }
            self.component = Some(component);
            self.response = Some(response);
        }
        Ok(frames)
    }

    fn event_request(&self, event: &str, payload: Value) -> EventRequest {
        let payload = match payload {
            Value::Object(map) => map,
            Value::Null => Payload::new(),
            other => panic!("pjx::testing: an event's payload is a JSON object, not {other}"),
        };
        let state =
            self.response.as_ref().map(|r| r.state.clone()).expect(
                "pjx::testing: mount the component (or set_state) before dispatching events",
            );
        EventRequest::event(event, payload, state)
    }

    /// The scope of one request from the current browser, with the page's manifest.
    fn scope(&self) -> Scope {
        let mut scope = Scope::builder()
            .engine(Arc::clone(&self.engine))
            .load_cx(self.request_cx())
            .htmx_request(true);
        if let Some(page) = &self.page {
            scope = scope.manifest(page.manifest());
        }
        scope.build()
    }

    /// Sends a request as it is, e.g. with a tampered state token.
    pub async fn send(&mut self, request: EventRequest) -> Result<&EventResponse, EventError> {
        let scope = self.scope();
        let result = dispatch_to::<T>(&scope, request).await;
        self.dirtied = scope.dirtied_names();
        self.walk = WalkReport::default();
        let (response, component) = result?;
        if let Some(page) = &mut self.page {
            // The dispatch route's answer: the render, then the fan-out.
            let reply = scope
                .run(crate::reactive::reply::reply(&scope, response.html.clone()))
                .await;
            scope.finish();
            let on_page = page.region(&response.component_id).is_some();
            let swap = match on_page {
                true => PrimarySwap::OuterHtml(response.component_id.clone()),
                false => PrimarySwap::None,
            };
            page.apply(&reply, swap).unwrap_or_else(|e| {
                panic!("pjx::testing: the answer does not apply to the page: {e}")
            });
            self.walk = reply.walk;
        }
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
