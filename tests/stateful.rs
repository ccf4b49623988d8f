//! Components with events, through `pjx::testing::ComponentTest` (the dispatch route's code
//! with no HTTP): mounts, typed arguments, errors and their statuses, signed state (tamper,
//! rotation, locked fields), permissions, rate limits, the render cache, optimistic patches.

use std::sync::atomic::{AtomicUsize, Ordering};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use pjx::Registry;
use pjx::prelude::*;
use pjx::security::auth::ClientAddr;
use pjx::stateful::EventRequest;
use pjx::testing::ComponentTest;
use pjx::{Engine, Scope};
use pjx::{StateKey, StateKeys};
use serde::{Deserialize, Serialize};
use serde_json::json;

#[derive(MutationKey)]
enum Keys {
    Catalog,
}

// ---------------------------------------------------------------- a counter with everything

#[component(
    name = "tally",
    source = r#"<div><b data-pjx-bind="count">{{ count }}</b><i>{{ secret }}</i><button {{ self.on("add").with("by", 1) }}>+1</button><button {{ self.on("reset") }}>0</button></div>"#
)]
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Tally {
    count: i64,
    /// Never sent to the client: re-derived by `restore`.
    #[pjx(locked)]
    secret: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Setting {
    count: i64,
}

#[derive(Deserialize)]
struct TallyParams {
    start: i64,
}

#[mutates(Keys::Catalog)]
fn touch_catalog() {}

#[component]
impl Tally {
    fn mount(params: TallyParams) -> Result<Tally, EventError> {
        if params.start < 0 {
            return Err(EventError::invalid("start", "must not be negative"));
        }
        Ok(Tally {
            count: params.start,
            secret: "derived".into(),
        })
    }

    fn restore(&mut self) {
        self.secret = "derived".into();
    }

    fn on_add(&mut self, by: i64) {
        self.count += by;
    }

    fn on_reset(&mut self) {
        self.count = 0;
    }

    async fn on_add_later(&mut self, by: i64, note: Option<String>) {
        tokio::task::yield_now().await;
        self.count += by;
        if let Some(note) = note {
            self.secret = note;
        }
    }

    fn on_fail(&mut self) -> Result<(), std::io::Error> {
        Err(std::io::Error::other("the database password is hunter2"))
    }

    fn on_touch(&mut self) {
        touch_catalog();
    }

    fn on_set(&mut self, to: Setting) {
        self.count = to.count;
    }

    fn optimistic(&self, event: &str, payload: &Payload) -> Option<Patch> {
        let by = payload.get("by").and_then(|v| v.as_i64()).unwrap_or(1);
        match event {
            "add" => Some(Patch::new().set("count", self.count + by)),
            "reset" => Some(Patch::new().set("count", 0)),
            _ => None,
        }
    }
}

#[tokio::test]
async fn mount_render_and_events() {
    let mut t = ComponentTest::<Tally>::new();
    let r = t.mount(json!({ "start": 5 })).await.unwrap();
    assert_eq!(r.component_id, "tally");
    assert!(r.html.starts_with(r#"<div data-pjx-component="tally" data-pjx-component-id="tally" hx-vals="{&quot;state&quot;:&quot;v2."#), "{}", r.html);
    assert!(r.html.contains(r#"hx-post="/components/tally""#));
    assert!(
        r.html
            .contains(r#"hx-target="closest [data-pjx-component]" hx-swap="outerHTML""#)
    );
    // The trigger's patch is rendered on it, and listed in the answer.
    assert!(
        r.html
            .contains(r#"data-pjx-optimistic="{&quot;count&quot;:6}""#),
        "{}",
        r.html
    );
    assert_eq!(r.optimistic.len(), 2);
    assert_eq!(
        (
            r.optimistic[0].event.as_str(),
            &r.optimistic[0].patch["count"]
        ),
        ("add", &json!(6))
    );
    assert_eq!(r.optimistic[0].payload["by"], 1);

    t.dispatch("add", json!({ "by": 2 })).await.unwrap();
    assert_eq!(t.state().count, 7);
    assert!(t.html().contains(r#"<b data-pjx-bind="count">7</b>"#));
    // Form fields arrive as text: numbers are read from it.
    t.dispatch("add", json!({ "by": "3" })).await.unwrap();
    assert_eq!(t.state().count, 10);
    // Async handlers, optional arguments left out or given.
    t.dispatch("add_later", json!({ "by": 1 })).await.unwrap();
    assert_eq!(
        (t.state().count, t.state().secret.as_str()),
        (11, "derived")
    );
    t.dispatch("add_later", json!({ "by": 1, "note": "hi" }))
        .await
        .unwrap();
    assert_eq!((t.state().count, t.state().secret.as_str()), (12, "hi"));
    t.dispatch("reset", json!({})).await.unwrap();
    assert_eq!(t.state().count, 0);
}

#[tokio::test]
async fn errors_have_their_statuses_and_change_nothing() {
    let mut t = ComponentTest::<Tally>::new();
    t.mount(json!({ "start": 1 })).await.unwrap();
    let before = t.last().clone();

    let e = t
        .dispatch("add", json!({ "by": "lots" }))
        .await
        .unwrap_err();
    assert_eq!((e.status(), e.code()), (422, "invalid_payload"));
    assert_eq!(e.to_json()["error"]["field"], "by");
    let e = t.dispatch("add", json!({})).await.unwrap_err();
    assert_eq!(e.to_json()["error"]["field"], "by");
    assert_eq!(e.to_json()["error"]["message"], "`by`: missing");

    let e = t.dispatch("explode", json!({})).await.unwrap_err();
    assert_eq!((e.status(), e.code()), (400, "unknown_event"));
    // `restore`, `optimistic` and `mount` are not events.
    for not_an_event in ["restore", "optimistic", "mount", ""] {
        let e = t.dispatch(not_an_event, json!({})).await.unwrap_err();
        assert_eq!(e.status(), 400, "{not_an_event}");
    }

    let e = t.dispatch("fail", json!({})).await.unwrap_err();
    assert_eq!((e.status(), e.code()), (500, "internal"));
    let body = e.to_json().to_string();
    assert!(!body.contains("hunter2"), "{body}");
    assert_eq!(
        body,
        r#"{"error":{"code":"internal","message":"something went wrong on the server","status":500}}"#
    );

    let e = t.mount(json!({ "start": -1 })).await.unwrap_err();
    assert_eq!(
        (e.status(), e.to_json()["error"]["field"].as_str()),
        (422, Some("start"))
    );
    let e = t.mount(json!({ "begin": 1 })).await.unwrap_err();
    assert_eq!(
        (e.status(), e.to_json()["error"]["field"].as_str()),
        (422, Some("start"))
    );

    // None of that changed the state the client holds.
    assert_eq!(t.last(), &before);
    t.dispatch("add", json!({ "by": 1 })).await.unwrap();
    assert_eq!(t.state().count, 2);
}

#[tokio::test]
async fn locked_fields_never_leave_the_server() {
    let mut t = ComponentTest::<Tally>::new();
    t.mount(json!({ "start": 1 })).await.unwrap();
    t.dispatch("add_later", json!({ "by": 0, "note": "top secret" }))
        .await
        .unwrap();
    assert_eq!(t.state().secret, "top secret");
    // The token does not carry it…
    assert_eq!(t.client_state().secret, "");
    let payload = t.last().state.split('.').nth(3).unwrap().to_owned();
    let json = String::from_utf8(URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    assert_eq!(json, r#"{"count":1}"#);
    // …and the next request re-derives it.
    t.dispatch("add", json!({ "by": 1 })).await.unwrap();
    assert_eq!(t.state().secret, "derived");
}

fn tamper(token: &str) -> String {
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    let forged = format!("{{\"count\":{}}}", 1_000_000);
    parts[3] = base64_url(forged.as_bytes());
    parts.join(".")
}

fn base64_url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

#[tokio::test]
async fn tampered_truncated_unsigned_foreign_and_oversized_state_is_refused() {
    let mut t = ComponentTest::<Tally>::new();
    t.mount(json!({ "start": 1 })).await.unwrap();
    let token = t.last().state.clone();
    let unsigned = format!("v1.{}", base64_url(br#"{"count":1000000}"#));
    let oversized = format!("v1.{}.x", "A".repeat(600 * 1024));
    let mut ping = ComponentTest::<Ping>::new();
    ping.mount(()).await.unwrap();
    let foreign = ping.last().state.clone();
    for bad in [
        tamper(&token),
        token[..token.len() - 4].to_owned(),
        unsigned,
        String::new(),
        "garbage".to_owned(),
        foreign,
        oversized,
    ] {
        let e = t
            .send(EventRequest::event(
                "add",
                json!({ "by": 1 }).as_object().unwrap().clone(),
                bad.clone(),
            ))
            .await
            .unwrap_err();
        assert_eq!(
            (e.status(), e.code()),
            (400, "invalid_state"),
            "{}",
            &bad[..bad.len().min(40)]
        );
    }
    // No state at all.
    let e = t
        .send(EventRequest {
            event: Some("add".into()),
            ..EventRequest::default()
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), "invalid_state");
    // The good token still works.
    t.send(EventRequest::event(
        "add",
        json!({ "by": 1 }).as_object().unwrap().clone(),
        token,
    ))
    .await
    .unwrap();
    assert_eq!(t.state().count, 2);
}

#[tokio::test]
async fn keys_rotate() {
    let engine = |secrets: &[&str]| {
        Engine::builder()
            .state_keys(StateKeys::new(secrets.iter().map(StateKey::from_secret)))
            .build()
    };
    // Three servers, one browser.
    let on = |secrets: &[&str]| {
        let mut t = ComponentTest::<Tally>::with_engine(engine(secrets));
        t.browser("one browser");
        t
    };
    let mut old = on(&["old"]);
    old.mount(json!({ "start": 3 })).await.unwrap();
    let token = old.last().state.clone();
    let add = |token: String| {
        EventRequest::event(
            "add",
            json!({ "by": 1 }).as_object().unwrap().clone(),
            token,
        )
    };

    // New key first, old key still accepted: pages open before the rotation keep working…
    let mut rotated = on(&["new", "old"]);
    rotated.send(add(token.clone())).await.unwrap();
    assert_eq!(rotated.state().count, 4);
    // …and what they get back is signed with the new key.
    let mut new_only = on(&["new"]);
    new_only
        .send(add(rotated.last().state.clone()))
        .await
        .unwrap();
    assert_eq!(new_only.state().count, 5);
    // Once the old key is dropped, its tokens are refused.
    let e = new_only.send(add(token)).await.unwrap_err();
    assert_eq!(e.code(), "invalid_state");
}

#[tokio::test]
async fn mutations_in_events_are_recorded() {
    let mut t = ComponentTest::<Tally>::new();
    t.mount(json!({ "start": 0 })).await.unwrap();
    assert!(t.dirtied().is_empty());
    t.dispatch("touch", json!({})).await.unwrap();
    assert_eq!(t.dirtied(), ["catalog"]);
}

// ---------------------------------------------------------------- permissions

/// Only the vault's owner may open it.
struct OwnsVault;

impl Permission<Vault> for OwnsVault {
    fn has_object_permission(cx: &LoadCx, vault: &Vault) -> bool {
        cx.identity().is_some_and(|me| me.id == vault.owner)
    }
}

static VAULT_MOUNTS: AtomicUsize = AtomicUsize::new(0);

#[component(name = "vault", permissions = [IsAuthenticated, OwnsVault], source = "<div>{{ owner }}: {{ gold }}</div>")]
#[derive(Serialize, Deserialize)]
struct Vault {
    owner: String,
    gold: u32,
}

#[derive(Deserialize)]
struct VaultParams {
    owner: String,
}

#[component]
impl Vault {
    fn mount(params: VaultParams) -> Vault {
        VAULT_MOUNTS.fetch_add(1, Ordering::SeqCst);
        Vault {
            owner: params.owner,
            gold: 10,
        }
    }

    fn on_spend(&mut self, amount: u32) -> Result<(), EventError> {
        self.gold = self
            .gold
            .checked_sub(amount)
            .ok_or_else(|| EventError::invalid("amount", "not enough gold"))?;
        Ok(())
    }
}

#[tokio::test]
async fn permissions_refuse_anonymous_with_401_and_others_with_403() {
    let mut t = ComponentTest::<Vault>::new();
    let mounts = VAULT_MOUNTS.load(Ordering::SeqCst);
    let e = t.mount(json!({ "owner": "ann" })).await.unwrap_err();
    assert_eq!((e.status(), e.code()), (401, "unauthenticated"));
    // Class-level checks run before `mount` is called at all.
    assert_eq!(VAULT_MOUNTS.load(Ordering::SeqCst), mounts);

    t.sign_in(Some(Identity::user("bob")));
    let e = t.mount(json!({ "owner": "ann" })).await.unwrap_err();
    assert_eq!((e.status(), e.code()), (403, "forbidden"));

    t.sign_in(Some(Identity::user("ann")));
    t.mount(json!({ "owner": "ann" })).await.unwrap();
    t.dispatch("spend", json!({ "amount": 3 })).await.unwrap();
    assert_eq!(t.state().gold, 7);

    // Ann's token in Bob's hands: not his.
    t.sign_in(Some(Identity::user("bob")));
    let e = t
        .dispatch("spend", json!({ "amount": 1 }))
        .await
        .unwrap_err();
    assert_eq!((e.status(), e.code()), (403, "state_not_yours"));
    t.sign_in(None);
    let e = t
        .dispatch("spend", json!({ "amount": 1 }))
        .await
        .unwrap_err();
    assert_eq!(e.status(), 401);
}

// ---------------------------------------------------------------- rate limits

#[component(name = "ping", rate_limit = "3/min", source = "<p>{{ n }}</p>")]
#[derive(Serialize, Deserialize)]
struct Ping {
    n: u32,
}

#[component]
impl Ping {
    fn mount() -> Ping {
        Ping { n: 0 }
    }

    fn on_ping(&mut self) {
        self.n += 1;
    }
}

#[tokio::test]
async fn rate_limits_are_per_requester_with_retry_after() {
    let engine = Engine::builder()
        .state_keys(StateKeys::new([StateKey::from_secret("k")]))
        .build();
    let from = |ip: &str| {
        ComponentTest::<Ping>::with_engine(engine.clone())
            .context(LoadCx::new().with(ClientAddr(ip.into())))
    };
    let mut a = from("10.0.0.1");
    a.mount(()).await.unwrap();
    a.dispatch("ping", json!({})).await.unwrap();
    a.dispatch("ping", json!({})).await.unwrap();
    // The fourth request in the minute (mounts count) is refused.
    let e = a.dispatch("ping", json!({})).await.unwrap_err();
    assert_eq!((e.status(), e.code()), (429, "rate_limited"));
    let retry = e.retry_after().unwrap();
    assert!((59..=60).contains(&retry), "{retry}");
    assert_eq!(e.to_json()["error"]["retry_after"], retry);
    assert_eq!(a.state().n, 2);

    // Another address, and a signed-in user on the same address, have their own windows.
    let mut b = from("10.0.0.2");
    b.mount(()).await.unwrap();
    let mut ann = from("10.0.0.1");
    ann.sign_in(Some(Identity::user("ann")));
    ann.mount(()).await.unwrap();
    ann.dispatch("ping", json!({})).await.unwrap();
    // Still refused for the first.
    assert_eq!(
        a.dispatch("ping", json!({})).await.unwrap_err().status(),
        429
    );
}

#[tokio::test]
async fn a_flood_of_new_addresses_is_refused_and_unblocks_nobody() {
    let engine = Engine::builder()
        .state_keys(StateKeys::new([StateKey::from_secret("k")]))
        .rate_limit_capacity(6)
        .build();
    // Each test client is a browser of its own: its requests count in its browser's window
    // and in its address's shared one, two subjects each.
    let from = |ip: &str| {
        ComponentTest::<Ping>::with_engine(engine.clone())
            .context(LoadCx::new().with(ClientAddr(ip.into())))
    };
    let mut a = from("10.0.0.1");
    a.mount(()).await.unwrap();
    a.dispatch("ping", json!({})).await.unwrap();
    a.dispatch("ping", json!({})).await.unwrap();
    assert_eq!(
        a.dispatch("ping", json!({})).await.unwrap_err().status(),
        429
    );
    // Two more addresses fill the limiter; every further one is refused, with a wait that
    // ends when the oldest window does.
    for ip in ["10.0.0.2", "10.0.0.3"] {
        from(ip).mount(()).await.unwrap();
    }
    for i in 0..50 {
        let e = from(&format!("10.1.0.{i}")).mount(()).await.unwrap_err();
        assert_eq!((e.status(), e.code()), (429, "rate_limited"));
        let retry = e.retry_after().unwrap();
        assert!((59..=60).contains(&retry), "{retry}");
    }
    assert_eq!(engine.rate_limiter().subjects(), 6);
    // The flood made the limiter forget nobody.
    assert_eq!(
        a.dispatch("ping", json!({})).await.unwrap_err().status(),
        429
    );
}

// ---------------------------------------------------------------- render cache

static CATALOG_MOUNTS: AtomicUsize = AtomicUsize::new(0);

#[component(name = "catalog", cache = "60s", react = [Keys::Catalog], source = "<ul>{{ page }}/{{ version }}</ul>")]
#[derive(Serialize, Deserialize)]
struct Catalog {
    page: u32,
    version: usize,
}

#[derive(Deserialize)]
struct CatalogParams {
    page: u32,
    #[serde(default)]
    fail: bool,
}

#[component]
impl Catalog {
    fn mount(params: CatalogParams) -> Result<Catalog, EventError> {
        let version = CATALOG_MOUNTS.fetch_add(1, Ordering::SeqCst);
        if params.fail {
            return Err(EventError::internal("catalog unavailable"));
        }
        Ok(Catalog {
            page: params.page,
            version,
        })
    }

    fn on_next(&mut self) {
        self.page += 1;
    }
}

#[tokio::test]
async fn the_render_cache_serves_mounts_and_is_bypassed_by_events() {
    let mut t = ComponentTest::<Catalog>::new();
    let mounts = || CATALOG_MOUNTS.load(Ordering::SeqCst);
    let start = mounts();
    let first = t.mount(json!({ "page": 1 })).await.unwrap().clone();
    // A hit: the same answer, no mount.
    let second = t.mount(json!({ "page": 1 })).await.unwrap().clone();
    assert_eq!(first, second);
    assert_eq!(mounts(), start + 1);
    // Other parameters are another entry.
    t.mount(json!({ "page": 2 })).await.unwrap();
    assert_eq!(mounts(), start + 2);
    // Events run, whatever is cached.
    t.mount(json!({ "page": 1 })).await.unwrap();
    t.dispatch("next", json!({})).await.unwrap();
    assert!(t.html().contains("<ul data-pjx-component=\"catalog\""));
    assert_eq!(t.state().page, 2);
    assert_eq!(mounts(), start + 2);
    // Failures are not cached: each one mounts again.
    assert_eq!(
        t.mount(json!({ "page": 9, "fail": true }))
            .await
            .unwrap_err()
            .status(),
        500
    );
    assert_eq!(
        t.mount(json!({ "page": 9, "fail": true }))
            .await
            .unwrap_err()
            .status(),
        500
    );
    assert_eq!(mounts(), start + 4);
    // A mutation of a react key drops the entries.
    let scope = Scope::builder().engine(t.engine().clone()).build();
    scope.run_sync(touch_catalog);
    t.mount(json!({ "page": 1 })).await.unwrap();
    assert_eq!(mounts(), start + 5);
}

#[component(name = "profile", cache = "60s", permissions = [IsAuthenticated], source = "<p>{{ who }}</p>")]
#[derive(Serialize, Deserialize)]
struct Profile {
    who: String,
}

#[component]
impl Profile {
    fn mount(cx: &LoadCx) -> Result<Profile, EventError> {
        let me = cx.identity().ok_or(EventError::Unauthenticated)?;
        Ok(Profile { who: me.id.clone() })
    }
}

#[tokio::test]
async fn the_render_cache_is_never_read_before_permissions_and_is_per_identity() {
    let engine = Engine::builder()
        .state_keys(StateKeys::new([StateKey::from_secret("k")]))
        .build();
    let mut ann = ComponentTest::<Profile>::with_engine(engine.clone());
    ann.sign_in(Some(Identity::user("ann")));
    assert!(ann.mount(()).await.unwrap().html.contains(">ann</p>"));
    // Anonymous: refused before the cache is looked at.
    let mut anon = ComponentTest::<Profile>::with_engine(engine.clone());
    assert_eq!(anon.mount(()).await.unwrap_err().status(), 401);
    // Bob gets his own render, not Ann's cached one.
    let mut bob = ComponentTest::<Profile>::with_engine(engine.clone());
    bob.sign_in(Some(Identity::user("bob")));
    assert!(bob.mount(()).await.unwrap().html.contains(">bob</p>"));
    assert!(ann.mount(()).await.unwrap().html.contains(">ann</p>"));
}

// ---------------------------------------------------------------- registry

#[test]
fn every_component_with_events_is_registered_by_name() {
    let names: Vec<_> = ["tally", "vault", "ping", "catalog", "profile"]
        .into_iter()
        .filter(|n| Registry::global().events(n).is_some())
        .collect();
    assert_eq!(names.len(), 5, "{:?}", Registry::global());
}

#[tokio::test]
async fn optimistic_patches_are_computed_from_the_rendered_state() {
    // After an event, the triggers carry patches relative to the new state.
    let mut t = ComponentTest::<Tally>::new();
    t.mount(json!({ "start": 41 })).await.unwrap();
    t.dispatch("add", json!({ "by": 1 })).await.unwrap();
    assert_eq!(t.last().optimistic[0].patch["count"], 43);
    assert!(
        t.html()
            .contains(r#"data-pjx-optimistic="{&quot;count&quot;:43}""#)
    );
}

#[tokio::test]
async fn a_422_names_the_argument_or_parameter_at_fault() {
    let mut t = ComponentTest::<Tally>::new();
    let field = |e: EventError| e.to_json()["error"]["field"].as_str().map(str::to_owned);
    // Mount parameters: a wrong type, a missing one.
    let e = t.mount(json!({ "start": "many" })).await.unwrap_err();
    assert_eq!((e.status(), field(e).as_deref()), (422, Some("start")));
    t.mount(json!({ "start": 1 })).await.unwrap();
    // An argument's inner field.
    let e = t
        .dispatch("set", json!({ "to": { "count": "x" } }))
        .await
        .unwrap_err();
    assert_eq!(field(e).as_deref(), Some("to.count"));
    let e = t.dispatch("set", json!({ "to": {} })).await.unwrap_err();
    assert_eq!(field(e).as_deref(), Some("to.count"));
    let e = t
        .dispatch("set", json!({ "to": { "count": 1, "extra": 2 } }))
        .await
        .unwrap_err();
    // An unknown field (`deny_unknown_fields`), named once.
    assert_eq!(field(e).as_deref(), Some("to.extra"));
    t.dispatch("set", json!({ "to": { "count": 9 } }))
        .await
        .unwrap();
    assert_eq!(t.state().count, 9);
}

/// Marks a requester whose access was withdrawn (class-level check).
struct Banned;
/// Marks a requester whose access to the instance was withdrawn (object-level check).
struct Revoked;

struct NotBanned;
impl<C> Permission<C> for NotBanned {
    fn has_permission(cx: &LoadCx) -> bool {
        cx.get::<Banned>().is_none()
    }
}

struct NotRevoked;
impl<C> Permission<C> for NotRevoked {
    fn has_object_permission(cx: &LoadCx, _: &C) -> bool {
        cx.get::<Revoked>().is_none()
    }
}

static JOURNAL_MOUNTS: AtomicUsize = AtomicUsize::new(0);

#[component(name = "journal", cache = "60s", permissions = [NotBanned, NotRevoked], source = "<p>{{ n }}</p>")]
#[derive(Serialize, Deserialize)]
struct Journal {
    n: usize,
}

#[component]
impl Journal {
    fn mount() -> Journal {
        Journal {
            n: JOURNAL_MOUNTS.fetch_add(1, Ordering::SeqCst),
        }
    }
}

#[tokio::test]
async fn every_cache_hit_is_checked_against_the_permissions_first() {
    let engine = Engine::builder()
        .state_keys(StateKeys::new([StateKey::from_secret("k")]))
        .build();
    let as_ann = |extra: Option<LoadCx>| {
        let mut t = ComponentTest::<Journal>::with_engine(engine.clone())
            .context(extra.unwrap_or_default());
        t.sign_in(Some(Identity::user("ann")));
        t.browser("ann's laptop");
        t
    };
    let mounts = || JOURNAL_MOUNTS.load(Ordering::SeqCst);
    let start = mounts();
    let first = as_ann(None).mount(()).await.unwrap().clone();
    assert_eq!(as_ann(None).mount(()).await.unwrap(), &first, "a hit");
    assert_eq!(mounts(), start + 1);
    // The same user, refused by a class-level check: 403 before the cache is looked at.
    let e = as_ann(Some(LoadCx::new().with(Banned)))
        .mount(())
        .await
        .unwrap_err();
    assert_eq!(e.status(), 403);
    // Refused by an object-level check: the cached instance is checked again.
    let e = as_ann(Some(LoadCx::new().with(Revoked)))
        .mount(())
        .await
        .unwrap_err();
    assert_eq!(e.status(), 403);
    assert_eq!(mounts(), start + 1);
    // Anonymous requesters cannot be told apart: never served from, nor stored in, the cache.
    let mut anon = ComponentTest::<Journal>::with_engine(engine.clone());
    anon.mount(()).await.unwrap();
    anon.mount(()).await.unwrap();
    assert_eq!(mounts(), start + 3);
}

#[component(name = "vote", permissions = [NotBanned], rate_limit = "2/min", source = "<p>{{ n }}</p>")]
#[derive(Serialize, Deserialize)]
struct Vote {
    n: u8,
}

#[component]
impl Vote {
    fn mount() -> Vote {
        Vote { n: 0 }
    }
}

#[tokio::test]
async fn requests_refused_by_permissions_do_not_count_against_the_rate_limit() {
    let engine = Engine::builder()
        .state_keys(StateKeys::new([StateKey::from_secret("k")]))
        .build();
    let mut banned =
        ComponentTest::<Vote>::with_engine(engine.clone()).context(LoadCx::new().with(Banned));
    banned.sign_in(Some(Identity::user("mallory")));
    for _ in 0..5 {
        assert_eq!(banned.mount(()).await.unwrap_err().status(), 403);
    }
    let mut again = ComponentTest::<Vote>::with_engine(engine.clone());
    again.sign_in(Some(Identity::user("mallory")));
    again.mount(()).await.unwrap();
    again.mount(()).await.unwrap();
    assert_eq!(again.mount(()).await.unwrap_err().status(), 429);
}

#[component(
    name = "heart",
    source = "<button {{ self.on(\"like\") }}>{{ n }}</button>"
)]
#[derive(Serialize, Deserialize)]
struct Heart {
    n: u32,
}

#[component]
impl Heart {
    fn mount() -> Heart {
        Heart { n: 0 }
    }

    fn on_like(&mut self) {
        self.n += 1;
    }
}

#[tokio::test]
async fn a_root_that_is_a_trigger_fails_to_render_saying_why() {
    let e = ComponentTest::<Heart>::new().mount(()).await.unwrap_err();
    assert_eq!(e.status(), 500);
    // The client hears nothing of it; the log does.
    assert!(!e.to_json().to_string().contains("trigger"));
    assert!(format!("{e}").contains("cannot be a trigger"), "{e}");
}

// ---------------------------------------------------------------- whom state is bound to

fn add(by: i64, token: String) -> EventRequest {
    EventRequest::event(
        "add",
        json!({ "by": by }).as_object().unwrap().clone(),
        token,
    )
}

#[tokio::test]
async fn a_token_is_bound_to_its_browser_or_user() {
    let mut t = ComponentTest::<Tally>::new();
    t.mount(json!({ "start": 0 })).await.unwrap();
    let anonymous = t.last().state.clone();
    t.dispatch("add", json!({ "by": 1 })).await.unwrap();

    // Carried to another browser: not yours (403).
    t.browser("another browser");
    let e = t.send(add(1, anonymous.clone())).await.unwrap_err();
    assert_eq!((e.status(), e.code()), (403, "state_not_yours"));
    assert_eq!(e.to_json()["error"]["code"], "state_not_yours");

    // On another harness (another client) too, whoever is signed in there.
    let mut other = ComponentTest::<Tally>::with_engine(t.engine().clone());
    other.sign_in(Some(Identity::user("mallory")));
    let e = other.send(add(1, anonymous.clone())).await.unwrap_err();
    assert_eq!(e.code(), "state_not_yours");

    // Back on its browser, someone signs in: stale (400, mount afresh), not someone else's.
    let mut t2 = ComponentTest::<Tally>::with_engine(t.engine().clone());
    t2.browser("shared");
    t2.mount(json!({ "start": 0 })).await.unwrap();
    let anonymous = t2.last().state.clone();
    t2.sign_in(Some(Identity::user("ann")));
    let e = t2.send(add(1, anonymous)).await.unwrap_err();
    assert_eq!((e.status(), e.code()), (400, "state_expired"));
    assert!(e.to_string().contains("signed in or out"), "{e}");
    // Ann's own token works for her on any browser…
    t2.mount(json!({ "start": 10 })).await.unwrap();
    let anns = t2.last().state.clone();
    t2.browser("ann's phone");
    t2.send(add(1, anns.clone())).await.unwrap();
    assert_eq!(t2.state().count, 11);
    // …never for Bob, even on her browser…
    t2.browser("shared");
    t2.sign_in(Some(Identity::user("bob")));
    let e = t2.send(add(1, anns.clone())).await.unwrap_err();
    assert_eq!((e.status(), e.code()), (403, "state_not_yours"));
    // …and is stale once she signed out of it.
    t2.sign_in(None);
    let e = t2.send(add(1, anns)).await.unwrap_err();
    assert_eq!((e.status(), e.code()), (400, "state_expired"));
}

#[tokio::test]
async fn a_token_expires_after_the_maximum_age() {
    let mut t = ComponentTest::<Tally>::new();
    let max_age = t.engine().state_max_age();
    assert_eq!(max_age, pjx::security::state::DEFAULT_MAX_AGE);
    t.mount(json!({ "start": 1 })).await.unwrap();
    let old = t.last().state.clone();
    t.advance(max_age);
    t.dispatch("add", json!({ "by": 1 })).await.unwrap();
    let fresh = t.last().state.clone();
    t.advance(std::time::Duration::from_secs(1));
    // The first token is now too old; the one the event answered with is not.
    let e = t.send(add(1, old)).await.unwrap_err();
    assert_eq!((e.status(), e.code()), (400, "state_expired"));
    assert_eq!(t.state().count, 2, "a refused event changes nothing");
    t.send(add(1, fresh)).await.unwrap();
    assert_eq!(t.state().count, 3);
}

#[tokio::test]
async fn the_maximum_age_is_configurable() {
    let engine = Engine::builder()
        .state_keys(StateKeys::new([StateKey::from_secret("k")]))
        .state_max_age(std::time::Duration::from_secs(60))
        .clock(pjx::security::state::Clock::manual(
            std::time::SystemTime::now(),
        ))
        .build();
    let mut t = ComponentTest::<Tally>::with_engine(engine);
    t.mount(json!({ "start": 1 })).await.unwrap();
    t.advance(std::time::Duration::from_secs(61));
    let e = t.dispatch("add", json!({ "by": 1 })).await.unwrap_err();
    assert_eq!(e.code(), "state_expired");
    // A fresh mount carries on.
    t.mount(json!({ "start": 1 })).await.unwrap();
    t.dispatch("add", json!({ "by": 1 })).await.unwrap();
}

#[tokio::test]
async fn a_cached_render_is_issued_to_whoever_it_is_served_to() {
    let engine = Engine::builder()
        .state_keys(StateKeys::new([StateKey::from_secret("k")]))
        .clock(pjx::security::state::Clock::manual(
            std::time::SystemTime::now(),
        ))
        .build();
    let mounts = || CATALOG_MOUNTS.load(Ordering::SeqCst);
    let mut first = ComponentTest::<Catalog>::with_engine(engine.clone());
    first.mount(json!({ "page": 77 })).await.unwrap();
    let start = mounts();
    // Another visitor, later: served from the cache, with a token of their own and of now.
    engine
        .clock()
        .advance(pjx::security::state::DEFAULT_MAX_AGE);
    let mut second = ComponentTest::<Catalog>::with_engine(engine.clone());
    let hit = second.mount(json!({ "page": 77 })).await.unwrap().clone();
    assert_eq!(mounts(), start, "a hit");
    assert_ne!(hit.state, first.last().state);
    assert!(hit.html.contains(&hit.state), "{}", hit.html);
    assert!(!hit.html.contains(&first.last().state));
    engine.clock().advance(std::time::Duration::from_secs(1));
    second.dispatch("next", json!({})).await.unwrap();
    assert_eq!(second.state().page, 78);
    // The first visitor's token, now too old, is not theirs anyway.
    let e = second
        .send(EventRequest::event(
            "next",
            Payload::new(),
            first.last().state.clone(),
        ))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "state_not_yours");
}

#[tokio::test]
async fn mount_parameters_ride_along_with_the_state() {
    let mut t = ComponentTest::<Tally>::new();
    t.mount(json!({ "start": 5 })).await.unwrap();
    let vals = |html: &str| -> serde_json::Value {
        let start = html.find("hx-vals=\"").unwrap() + "hx-vals=\"".len();
        let end = start + html[start..].find('"').unwrap();
        serde_json::from_str(&html[start..end].replace("&quot;", "\"")).unwrap()
    };
    let mounted = vals(t.html());
    assert_eq!(mounted["state"], t.last().state.as_str());
    assert_eq!(mounted["params"], r#"{"start":5}"#);
    // An event sends them back (its trigger inherits them), and they stay on the root.
    let mut request = add(1, t.last().state.clone());
    request.params = json!({ "start": 5 });
    t.send(request).await.unwrap();
    assert_eq!(vals(t.html())["params"], r#"{"start":5}"#);
    // A component mounted without parameters carries none.
    let mut ping = ComponentTest::<Ping>::new();
    ping.mount(()).await.unwrap();
    assert!(vals(ping.html()).get("params").is_none(), "{}", ping.html());
}

#[tokio::test]
async fn anonymous_rate_limits_follow_the_browser_within_a_bound_per_network() {
    let engine = Engine::builder()
        .state_keys(StateKeys::new([StateKey::from_secret("k")]))
        .build();
    let visitor = |ip: &str, browser: pjx::security::auth::Browser| {
        ComponentTest::<Ping>::with_engine(engine.clone())
            .context(LoadCx::new().with(ClientAddr(ip.into())).with(browser))
    };
    use pjx::security::auth::Browser;
    // Two browsers behind one address (a NAT): each has its own window of 3.
    for id in ["b1", "b2"] {
        let mut t = visitor("10.1.0.1", Browser::known(id));
        for _ in 0..3 {
            t.mount(()).await.unwrap();
        }
        assert_eq!(t.mount(()).await.unwrap_err().status(), 429, "{id}");
    }
    // A client that drops its cookie is a new visitor every time: limited by its address.
    let mut fresh = 0;
    while visitor("10.1.0.2", Browser::new_visitor(format!("n{fresh}")))
        .mount(())
        .await
        .is_ok()
    {
        fresh += 1;
    }
    assert_eq!(fresh, 3);
    // One minting a new (known) id for every request: bounded by its network, at ten times
    // the limit.
    let mut minted = 0;
    while visitor("10.1.0.3", Browser::known(format!("m{minted}")))
        .mount(())
        .await
        .is_ok()
    {
        minted += 1;
        assert!(minted <= 100, "unbounded");
    }
    assert_eq!(minted, 3 * pjx::security::auth::NETWORK_LIMIT_FACTOR);
    // Other networks are not affected.
    visitor("10.1.0.4", Browser::known("m0"))
        .mount(())
        .await
        .unwrap();
}

static SHELF_MOUNTS: AtomicUsize = AtomicUsize::new(0);

/// A cached component that nests another component with events (and so another token).
#[component(
    name = "shelf",
    cache = "60s",
    source = "<section>{{ n }}{{ inner }}</section>"
)]
#[derive(Serialize, Deserialize)]
struct Shelf {
    n: usize,
    inner: Ping,
}

#[component]
impl Shelf {
    fn mount() -> Shelf {
        Shelf {
            n: SHELF_MOUNTS.fetch_add(1, Ordering::SeqCst),
            inner: Ping { n: 0 },
        }
    }
}

#[tokio::test]
async fn a_render_holding_another_components_token_is_not_cached() {
    let engine = Engine::builder()
        .state_keys(StateKeys::new([StateKey::from_secret("k")]))
        .build();
    let mut ann = ComponentTest::<Shelf>::with_engine(engine.clone());
    ann.mount(()).await.unwrap();
    let before = SHELF_MOUNTS.load(Ordering::SeqCst);
    // The nested token is bound to whoever the render was made for: a cached copy would hand
    // Ann's to Bob, so Bob gets a render of his own.
    let mut bob = ComponentTest::<Shelf>::with_engine(engine.clone());
    bob.mount(()).await.unwrap();
    assert_eq!(SHELF_MOUNTS.load(Ordering::SeqCst), before + 1);
    let nested = |html: &str| html.matches("&quot;state&quot;:&quot;").count();
    assert_eq!(nested(bob.html()), 2, "{}", bob.html());
}
