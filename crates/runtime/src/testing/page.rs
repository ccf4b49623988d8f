//! `PageTest`: a rendered page and the requests made from it, applied as htmx would.

use std::future::Future;
use std::sync::Arc;

use super::{Dom, PrimarySwap, new_browser, test_keys};
use crate::component::{Component, Load, LoadPage};
use crate::engine::Engine;
use crate::load::{LoadCx, LoadError};
use crate::reactive::walk::WalkReport;
use crate::scope::Scope;
use crate::security::auth::{Browser, Identity};

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
    browser: Browser,
    dom: Dom,
}

impl Default for PageTest {
    /// An empty page, to [`load`](PageTest::load) one into.
    fn default() -> Self {
        PageTest::new(String::new())
    }
}

impl PageTest {
    /// A page showing `html` (rendered by your page handler, or by hand). Its engine has the
    /// harness's signing keys and the requests come from a browser of their own, so components
    /// with events on the page render and answer as in the app.
    pub fn new(html: impl Into<String>) -> Self {
        PageTest {
            engine: Engine::builder().state_keys(test_keys()).build(),
            cx: LoadCx::new(),
            browser: new_browser(),
            dom: Dom::new(html),
        }
    }

    /// Shows the page `P` (`#[derive(LoadPage)]`), loaded and rendered in a request scope on
    /// this harness's engine and context, as the page's route would: the regions and
    /// components with events it holds are stamped and signed as in the app.
    ///
    /// ```standalone_crate
    /// use pjx::prelude::*;
    /// use pjx::testing::PageTest;
    ///
    /// #[derive(MutationKey)]
    /// enum Keys { Todos }
    ///
    /// #[reactive(react = [Keys::Todos], source = "<b>{{ n }}</b>")]
    /// struct Left { n: usize }
    /// #[reactive]
    /// impl Left {
    ///     fn load(cx: &LoadCx) -> Result<Self, LoadError> { Ok(Left { n: *cx.require::<usize>()? }) }
    /// }
    ///
    /// #[component(source = "<main>{{ left }}</main>")]
    /// #[derive(LoadPage)]
    /// struct Page { left: Left }
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let mut page = PageTest::default().context(LoadCx::new().with(2usize));
    /// page.load::<Page>().await;
    /// assert!(page.region("left").unwrap().ends_with(">2</b>"));
    /// # }
    /// ```
    pub async fn load<P: LoadPage + Component>(&mut self) -> &mut Self {
        self.load_with(async |cx: &LoadCx| P::load_page(cx).await)
            .await
    }

    /// Shows the page `build` makes from the request's load context (any component: one
    /// holding keyed regions, or components with events that are mounted by hand), rendered
    /// in a request scope on this harness's engine.
    pub async fn load_with<P: Component>(
        &mut self,
        build: impl AsyncFnOnce(&LoadCx) -> Result<P, LoadError>,
    ) -> &mut Self {
        let scope = self.scope();
        let html = scope
            .run(async {
                let page = build(scope.load_cx()).await?;
                page.to_html().map_err(|e| LoadError::Failed(Box::new(e)))
            })
            .await
            .unwrap_or_else(|e| panic!("pjx::testing: rendering the page failed: {e}"));
        self.dom = Dom::new(html);
        self
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

    /// Uses `cx` as every request's load context (a database handle, the requester, …). The
    /// harness's browser is added to it, unless it names a [`Browser`] itself.
    pub fn context(mut self, cx: LoadCx) -> Self {
        self.cx = cx;
        self
    }

    /// Makes the requests as `identity` from now on (`None`: anonymously).
    pub fn sign_in(&mut self, identity: Option<Identity>) -> &mut Self {
        super::sign_in(&mut self.cx, identity);
        self
    }

    /// The page as htmx holds it.
    pub fn dom(&self) -> &Dom {
        &self.dom
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
            .load_cx(super::request_cx(&self.cx, &self.browser))
            .manifest(self.dom.manifest())
            .htmx_request(true)
            .build()
    }

    /// Makes one request from the page: runs `work` in a fresh request scope, then the
    /// fan-out, and applies its out-of-band swaps to the page.
    pub async fn run<F: Future>(&mut self, work: F) -> PageRun<F::Output> {
        let scope = self.scope();
        let output = scope.run(work).await;
        let (dirtied, walk) = self.answer(&scope, String::new(), PrimarySwap::None).await;
        PageRun {
            output,
            dirtied,
            walk,
        }
    }

    /// Makes one request to a route from the page: runs `route` (the route's own code, which
    /// returns its primary — e.g. `ItemRow::render(id)` of the actix adapter, as a string) in
    /// a fresh request scope, builds the answer around that primary with the fan-out, and
    /// applies it as htmx would: out-of-band swaps first, then the primary with `swap`
    /// (`hx-swap="outerHTML"` on a region, `beforeend` into a list). An empty primary swaps
    /// nothing (`HX-Reswap: none`).
    ///
    /// ```standalone_crate
    /// use pjx::prelude::*;
    /// use pjx::testing::{PageTest, PrimarySwap};
    /// use std::sync::Mutex;
    ///
    /// #[derive(MutationKey)]
    /// enum Keys { Todos }
    ///
    /// static TODOS: Mutex<Vec<&str>> = Mutex::new(Vec::new());
    ///
    /// #[reactive(react = [Keys::Todos], source = "<b>{{ n }} todos</b>")]
    /// struct Count { n: usize }
    /// #[reactive]
    /// impl Count {
    ///     fn load() -> Result<Self, LoadError> { Ok(Count { n: TODOS.lock().unwrap().len() }) }
    /// }
    ///
    /// #[component(source = "<main><ul data-pjx-id=\"list\"></ul>{{ count }}</main>")]
    /// #[derive(LoadPage)]
    /// struct Page { count: Count }
    ///
    /// #[mutates(Keys::Todos)]
    /// fn add(text: &'static str) { TODOS.lock().unwrap().push(text); }
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let mut page = PageTest::default();
    /// page.load::<Page>().await;
    /// let run = page
    ///     .request(PrimarySwap::before_end("list"), async {
    ///         add("milk");
    ///         "<li>milk</li>".to_owned()
    ///     })
    ///     .await;
    /// assert_eq!(run.swapped(), ["count"]);
    /// assert!(page.html().contains(r#"<ul data-pjx-id="list"><li>milk</li></ul>"#));
    /// assert!(page.region("count").unwrap().ends_with(">1 todos</b>"));
    /// # }
    /// ```
    pub async fn request<F>(&mut self, swap: PrimarySwap, route: F) -> PageRun<()>
    where
        F: Future,
        F::Output: Into<String>,
    {
        let scope = self.scope();
        let primary = scope.run(route).await.into();
        let (dirtied, walk) = self.answer(&scope, primary, swap).await;
        PageRun {
            output: (),
            dirtied,
            walk,
        }
    }

    /// The answer to a request whose code has run in `scope`, applied to the page.
    async fn answer(
        &mut self,
        scope: &Scope,
        primary: String,
        swap: PrimarySwap,
    ) -> (Vec<String>, WalkReport) {
        let reply = scope
            .run(crate::reactive::reply::reply(scope, primary))
            .await;
        scope.finish();
        self.dom
            .apply(&reply, swap)
            .unwrap_or_else(|e| panic!("pjx::testing: the reply does not apply to the page: {e}"));
        (scope.dirtied_names(), reply.walk)
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
