//! The cart app over real HTTP on loopback: the dispatch route's answers and every error
//! status, signed state, permissions (forged manifests included), rate limits, the render
//! cache.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};

use pjx::prelude::*;
use pjx::{StateKey, StateKeys};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use support::{Shopper, TestApp, error_of, state_of};

fn cart_state(shopper: &mut Shopper) -> (String, String, String) {
    let (page, mounted) = shopper.page();
    let state = state_of(&page, "cart");
    (page, mounted, state)
}

fn add_item(
    shopper: &mut Shopper,
    state: &str,
    product: u32,
    size: &str,
    mounted: &str,
) -> support::Response {
    shopper.htmx(
        "cart",
        "add_item",
        &format!(r#"{{"product_id":{product}}}"#),
        state,
        &[("size", size)],
        mounted,
    )
}

#[test]
fn the_page_shows_the_shop_the_cart_and_the_badge() {
    let app = TestApp::start();
    let mut ann = app.client();
    let (page, mounted, state) = cart_state(&mut ann);
    assert!(page.contains(r#"data-pjx-component="cart""#));
    assert!(page.contains(r#"data-pjx-type="cart_badge""#));
    assert!(page.contains(r#"hx-post="/components/cart""#));
    assert!(page.contains("Sign in to check out."));
    assert!(state.starts_with("v2."));
    assert!(mounted.contains("cart_badge"));
    // A page with optimistic patches gets that optional part of the runtime; it has no loading
    // indicators, and no streaming event (the checkout's order shows to shoppers signed in).
    use pjx_actix::ClientPart;
    let line = pjx_actix::HtmxLine::V2;
    assert_eq!(page.matches(ClientPart::Optimistic.url(line)).count(), 1);
    assert!(!page.contains(ClientPart::Stream.url(line)));
    assert!(!page.contains(ClientPart::Loading.url(line)));
    // The visitor keeps their id (and so their cart) across requests.
    let (_, _, again) = cart_state(&mut ann);
    assert_eq!(state, again);
}

#[test]
fn an_event_answers_htmx_with_the_component_and_the_badge_out_of_band() {
    let app = TestApp::start();
    let mut ann = app.client();
    let (_, mounted, state) = cart_state(&mut ann);
    let res = add_item(&mut ann, &state, 1, "M", &mounted);
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.header("content-type"), Some("text/html; charset=utf-8"));
    // The cart first (the primary, swapped into the trigger's component)…
    assert!(
        res.body
            .starts_with(r#"<section class="cart" id="cart" data-pjx-component="cart""#),
        "{}",
        res.body
    );
    assert!(res.body.contains("Added Crab tee (M)"));
    assert!(res.body.contains(r#"<span data-pjx-bind="count">1</span>"#));
    assert!(res.body.contains(r#"<b data-pjx-bind="total">$24.00</b>"#));
    // …then the badge, out of band.
    let badge = &res.body[res
        .body
        .find(r#"<a class="badge""#)
        .expect("the badge rides along")..];
    assert!(
        // (`:` escaped: htmx 4 would read `style:selector` up to an id's colon)
        badge.contains(r#"hx-swap-oob="outerHTML:[data-pjx-id='cart-badge-visitor\3a "#),
        "{badge}"
    );
    assert!(badge.contains("<b>1</b> · $24.00"), "{badge}");
    // The new token carries the notice, and the next event builds on the stored cart.
    let state = state_of(&res.body, "cart");
    let res = add_item(&mut ann, &state, 1, "M", &mounted);
    assert!(
        res.body.contains("Crab tee <small>M</small> × 2"),
        "{}",
        res.body
    );
    assert!(res.body.contains("<b>2</b> · $48.00"));
}

#[test]
fn other_clients_get_json() {
    let app = TestApp::start();
    let mut ann = app.client();
    let (_, _, state) = cart_state(&mut ann);
    let res = ann.json(
        "cart",
        &json!({ "event": "add_item", "payload": { "product_id": 3, "size": "One size" }, "state": state }),
    );
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.header("content-type"), Some("application/json"));
    let answer: Value = serde_json::from_str(&res.body).unwrap();
    assert_eq!(answer["component_id"], "cart");
    assert!(
        answer["html"]
            .as_str()
            .unwrap()
            .contains("Borrow-checked mug <small>One size</small> × 1")
    );
    assert!(answer["state"].as_str().unwrap().starts_with("v2."));
    // Each add button's patch, computed from the state just rendered.
    let optimistic = answer["optimistic"].as_array().unwrap();
    let add_tee = optimistic
        .iter()
        .find(|t| t["event"] == "add_item" && t["payload"]["product_id"] == 1)
        .unwrap();
    assert_eq!(add_tee["patch"], json!({ "count": 2, "total": "$39.00" }));
    // The remove button of the line predicts the way back.
    let remove = optimistic
        .iter()
        .find(|t| t["event"] == "remove_item")
        .unwrap();
    assert_eq!(remove["patch"], json!({ "count": 0, "total": "$0.00" }));
    // JSON mounts take `params` as JSON.
    let res = ann.json("best_sellers", &json!({ "params": { "limit": 2 } }));
    assert_eq!(res.status, 200, "{}", res.body);
}

// A component of the test's own, on the real app's route: a handler that fails with details
// that must not reach the client.
#[component(name = "boom", source = "<p>boom</p>")]
#[derive(Serialize, Deserialize)]
struct Boom {}

#[component]
impl Boom {
    fn mount() -> Boom {
        Boom {}
    }

    fn on_explode(&mut self) -> Result<(), std::io::Error> {
        Err(std::io::Error::other(
            "connection to db://admin:hunter2@10.0.0.5 refused",
        ))
    }
}

#[test]
fn every_error_is_json_with_its_status() {
    let app = TestApp::start();
    let mut ann = app.client();
    let (_, mounted, state) = cart_state(&mut ann);
    let mut bob = app.client();
    bob.sign_in("bob");
    let boom = ann.htmx("boom", "", "", "", &[], "");
    let boom_state = state_of(&boom.body, "boom");
    let tampered = {
        let mut parts: Vec<&str> = state.split('.').collect();
        let forged = "eyJvd25lciI6InVzZXI6Ym9iIiwibm90aWNlIjpudWxsfQ"; // {"owner":"user:bob","notice":null}
        parts[3] = forged;
        parts.join(".")
    };
    let form = |fields: &[(&str, &str)]| support::form_body(fields);
    let htmx_form = [
        ("HX-Request", "true"),
        ("Content-Type", "application/x-www-form-urlencoded"),
    ];

    let cases: Vec<(&str, support::Response, u16, &str)> = vec![
        (
            "unknown component",
            ann.htmx("nope", "add", "{}", &state, &[], ""),
            404,
            "unknown_component",
        ),
        (
            "malformed JSON",
            ann.http.request(
                "POST",
                "/components/cart",
                &[("Content-Type", "application/json")],
                "{\"event\":",
            ),
            400,
            "bad_request",
        ),
        (
            "JSON that is not an object",
            ann.http.request(
                "POST",
                "/components/cart",
                &[("Content-Type", "application/json")],
                "[1,2]",
            ),
            400,
            "bad_request",
        ),
        (
            "payload that is not JSON",
            ann.htmx("cart", "add_item", "{product_id: 1", &state, &[], ""),
            400,
            "bad_request",
        ),
        (
            "a field sent twice",
            ann.http.request(
                "POST",
                "/components/cart",
                &htmx_form,
                &form(&[("event", "a"), ("event", "b")]),
            ),
            400,
            "bad_request",
        ),
        (
            "unknown event",
            ann.htmx("cart", "checkout_everything", "{}", &state, &[], ""),
            400,
            "unknown_event",
        ),
        (
            "argument of the wrong type",
            ann.htmx(
                "cart",
                "add_item",
                r#"{"product_id":"tee"}"#,
                &state,
                &[("size", "M")],
                "",
            ),
            422,
            "invalid_payload",
        ),
        (
            "missing argument",
            ann.htmx("cart", "add_item", r#"{"product_id":1}"#, &state, &[], ""),
            422,
            "invalid_payload",
        ),
        (
            "argument the handler refuses",
            ann.htmx(
                "cart",
                "add_item",
                r#"{"product_id":1}"#,
                &state,
                &[("size", "XXL")],
                "",
            ),
            422,
            "invalid_payload",
        ),
        (
            "tampered state",
            ann.htmx(
                "cart",
                "add_item",
                r#"{"product_id":1}"#,
                &tampered,
                &[("size", "M")],
                "",
            ),
            400,
            "invalid_state",
        ),
        (
            "truncated state",
            ann.htmx(
                "cart",
                "add_item",
                r#"{"product_id":1}"#,
                &state[..state.len() - 3],
                &[("size", "M")],
                "",
            ),
            400,
            "invalid_state",
        ),
        (
            "no state",
            ann.htmx(
                "cart",
                "add_item",
                r#"{"product_id":1}"#,
                "",
                &[("size", "M")],
                "",
            ),
            400,
            "invalid_state",
        ),
        (
            "another component's state",
            ann.htmx(
                "cart",
                "add_item",
                r#"{"product_id":1}"#,
                &boom_state,
                &[("size", "M")],
                "",
            ),
            400,
            "invalid_state",
        ),
        (
            "anonymous checkout",
            ann.htmx("checkout", "", "", "", &[], ""),
            401,
            "unauthenticated",
        ),
        (
            "someone else's state",
            bob.htmx(
                "cart",
                "add_item",
                r#"{"product_id":1}"#,
                &state,
                &[("size", "M")],
                "",
            ),
            403,
            "state_not_yours",
        ),
        (
            "handler failure",
            ann.htmx("boom", "explode", "", &boom_state, &[], ""),
            500,
            "internal",
        ),
        (
            "body over the limit",
            ann.http.request(
                "POST",
                "/components/cart",
                &htmx_form,
                &"x".repeat(1024 * 1024 + 1),
            ),
            413,
            "too_large",
        ),
        (
            "neither JSON nor a form",
            ann.http.request(
                "POST",
                "/components/cart",
                &[("HX-Request", "true"), ("Content-Type", "text/plain")],
                "hi",
            ),
            415,
            "unsupported_media_type",
        ),
        (
            "a form another site could post",
            ann.http.request(
                "POST",
                "/components/cart",
                &[("Content-Type", "application/x-www-form-urlencoded")],
                "event=add_item",
            ),
            403,
            "cross_site",
        ),
        (
            "a request the browser says is cross-site",
            ann.http.request(
                "POST",
                "/components/cart",
                &[
                    ("Sec-Fetch-Site", "cross-site"),
                    ("Content-Type", "application/json"),
                ],
                "{}",
            ),
            403,
            "cross_site",
        ),
    ];
    for (what, res, status, code) in cases {
        assert_eq!(res.status, status, "{what}: {}", res.body);
        let error = error_of(&res);
        assert_eq!(error["code"], code, "{what}: {}", res.body);
        assert!(
            res.header("location").is_none() && res.header("hx-redirect").is_none(),
            "{what}"
        );
        if status == 422 {
            assert!(error["field"].is_string(), "{what}: {}", res.body);
        }
    }
    // The 422s name the argument at fault.
    let res = ann.htmx(
        "cart",
        "add_item",
        r#"{"product_id":"tee"}"#,
        &state,
        &[("size", "M")],
        "",
    );
    assert_eq!(error_of(&res)["field"], "product_id");
    let res = ann.htmx(
        "cart",
        "add_item",
        r#"{"product_id":1}"#,
        &state,
        &[("size", "XXL")],
        "",
    );
    assert_eq!(error_of(&res)["field"], "size");
    // The 500 says nothing of its cause.
    let res = ann.htmx("boom", "explode", "", &boom_state, &[], "");
    assert_eq!(
        res.body,
        r#"{"error":{"code":"internal","message":"something went wrong on the server","status":500}}"#
    );
    // None of that changed the cart.
    let res = add_item(&mut ann, &state, 4, "S/M", &mounted);
    assert!(
        res.body.contains(r#"<span data-pjx-bind="count">1</span>"#),
        "{}",
        res.body
    );
}

#[test]
fn state_signed_with_a_retired_key_is_refused_after_rotation() {
    let cookie = support::secrets().cookie;
    let with_keys = |secrets: &[&str]| {
        TestApp::with_secrets(cart::Secrets {
            cookie: cookie.clone(),
            state: StateKeys::new(secrets.iter().map(StateKey::from_secret)),
        })
    };
    let old = with_keys(&["old"]);
    let rotated = with_keys(&["new", "old"]);
    let retired = with_keys(&["new"]);
    let mut ann = old.client();
    let (_, _, state) = cart_state(&mut ann);

    // The same browser (its cookies, kept from answer to answer) against each server.
    let mut http = ann.http.clone();
    let mut on = |app: &TestApp, state: &str| {
        http = http.to(app.addr);
        http.request(
            "POST",
            "/components/cart",
            &[
                ("HX-Request", "true"),
                ("Content-Type", "application/x-www-form-urlencoded"),
            ],
            &support::form_body(&[
                ("event", "remove_item"),
                ("payload", r#"{"product_id":1}"#),
                ("size", "M"),
                ("state", state),
            ]),
        )
    };
    let res = on(&rotated, &state);
    assert_eq!(res.status, 200, "{}", res.body);
    let resigned = state_of(&res.body, "cart");
    assert_ne!(resigned, state, "answers are signed with the new key");
    // So is the browser cookie, for the same browser id: the tokens bound to it live on.
    let renewed = res
        .headers
        .iter()
        .find(|(n, v)| n == "set-cookie" && v.starts_with("pjx-browser="));
    assert!(renewed.is_some(), "{:?}", res.headers);
    let res = on(&retired, &resigned);
    assert_eq!(res.status, 200, "{}", res.body);
    let res = on(&retired, &state);
    assert_eq!(
        (res.status, error_of(&res)["code"].as_str()),
        (400, Some("invalid_state"))
    );
}

#[test]
fn a_forged_manifest_never_renders_another_users_region() {
    let app = TestApp::start();
    let mut ann = app.client();
    ann.sign_in("ann");
    let (_, mounted, state) = cart_state(&mut ann);
    add_item(&mut ann, &state, 2, "L", &mounted);
    let (page, mounted) = ann.page();
    let res = ann.htmx(
        "checkout",
        "place_order",
        "",
        &state_of(&page, "checkout"),
        &[],
        &mounted,
    );
    assert_eq!(res.status, 200, "{}", res.body);
    assert!(res.body.contains("Order #1 placed"), "{}", res.body);
    // Ann's own order history follows out of band.
    assert!(
        res.body.contains("data-pjx-id=\"orders-user:ann\""),
        "{}",
        res.body
    );
    assert!(res.body.contains("#1 · 1 items · <b>$59.00</b>"));

    // Bob orders too, from a page whose manifest also claims Ann's order history.
    let mut bob = app.client();
    bob.sign_in("bob");
    let (_, mounted, state) = cart_state(&mut bob);
    add_item(&mut bob, &state, 4, "L/XL", &mounted);
    let (page, _) = bob.page();
    let forged = r#"{"t":["orders"],"m":[["orders-user:bob",0,"00","user:bob"],["orders-user:ann",0,"00","user:ann"],["stolen",0,"00","user:ann"]]}"#;
    let res = bob.htmx(
        "checkout",
        "place_order",
        "",
        &state_of(&page, "checkout"),
        &[],
        forged,
    );
    assert_eq!(res.status, 200, "{}", res.body);
    assert!(
        res.body.contains("data-pjx-id=\"orders-user:bob\""),
        "{}",
        res.body
    );
    assert!(
        !res.body.contains("user:ann") && !res.body.contains("$59.00"),
        "{}",
        res.body
    );
    assert!(!res.body.contains("stolen"), "{}", res.body);

    // Anonymous: not even loaded-and-refused regions leak.
    let mut eve = app.client();
    let (_, _, state) = cart_state(&mut eve);
    let forged = r#"{"t":["orders","cart_badge"],"m":[["orders-user:ann",0,"00","user:ann"],["b",1,"00","user:ann"]]}"#;
    let res = add_item(&mut eve, &state, 1, "S", forged);
    assert_eq!(res.status, 200);
    assert!(!res.body.contains("user:ann"), "{}", res.body);
}

#[test]
fn ambiguous_or_malformed_bodies_are_refused_and_change_nothing() {
    let app = TestApp::start();
    let mut ann = app.client();
    let (_, mounted, state) = cart_state(&mut ann);
    let htmx_form = [
        ("HX-Request", "true"),
        ("Content-Type", "application/x-www-form-urlencoded"),
    ];
    // JSON as written (serde_json would drop a repeated key before sending it).
    fn json(who: &mut Shopper, component: &str, body: String) -> support::Response {
        who.http.request(
            "POST",
            &format!("/components/{component}"),
            &[("Content-Type", "application/json")],
            &body,
        )
    }
    // A key sent twice in JSON: refused wherever it is, never last-wins.
    let cases: Vec<(&str, support::Response, &str)> = vec![
        (
            "a reserved key twice",
            json(
                &mut ann,
                "cart",
                format!(
                    r#"{{"event":"remove_item","event":"add_item","payload":{{"product_id":1,"size":"M"}},"state":"{state}"}}"#
                ),
            ),
            "`event` is sent twice",
        ),
        (
            "an argument twice",
            json(
                &mut ann,
                "cart",
                format!(
                    r#"{{"event":"add_item","payload":{{"product_id":1,"product_id":2,"size":"M"}},"state":"{state}"}}"#
                ),
            ),
            "`payload.product_id` is sent twice",
        ),
        (
            "a key twice deeper down",
            json(
                &mut ann,
                "cart",
                format!(
                    r#"{{"event":"add_item","payload":{{"product_id":1,"size":"M","note":[{{"a":1,"a":2}}]}},"state":"{state}"}}"#
                ),
            ),
            "`payload.note[0].a` is sent twice",
        ),
        (
            "a parameter twice",
            json(
                &mut ann,
                "best_sellers",
                r#"{"params":{"limit":3,"limit":50}}"#.into(),
            ),
            "`params.limit` is sent twice",
        ),
        (
            "a parameter twice in JSON text",
            json(
                &mut ann,
                "best_sellers",
                r#"{"params":"{\"limit\":3,\"limit\":50}"}"#.into(),
            ),
            "`params.limit` is sent twice",
        ),
        (
            "an argument twice in a form's payload",
            ann.htmx(
                "cart",
                "add_item",
                r#"{"product_id":1,"product_id":2}"#,
                &state,
                &[("size", "M")],
                &mounted,
            ),
            "`payload.product_id` is sent twice",
        ),
        (
            "a parameter twice in a form's params",
            ann.htmx(
                "best_sellers",
                "",
                "",
                "",
                &[("params", r#"{"limit":3,"limit":3}"#)],
                "",
            ),
            "`params.limit` is sent twice",
        ),
        (
            "a malformed form",
            ann.http
                .request("POST", "/components/cart", &htmx_form, "%zz=%%%"),
            "the form body is malformed: `%zz` is not a percent-escape",
        ),
        (
            "a form field that is not UTF-8",
            ann.http
                .request("POST", "/components/cart", &htmx_form, "size=%FF"),
            "the form body is malformed: a field is not UTF-8",
        ),
    ];
    for (what, res, message) in cases {
        assert_eq!(res.status, 400, "{what}: {}", res.body);
        let error = error_of(&res);
        assert_eq!(error["code"], "bad_request", "{what}");
        assert!(
            error["message"].as_str().unwrap().contains(message),
            "{what}: {}",
            res.body
        );
    }
    // Nothing reached the cart.
    let (page, _) = ann.page();
    assert!(
        page.contains(r#"<span data-pjx-bind="count">0</span>"#),
        "{page}"
    );

    // A JSON request the browser marks cross-site is told so, not told to add `HX-Request`.
    let res = ann.http.request(
        "POST",
        "/components/cart",
        &[
            ("Sec-Fetch-Site", "cross-site"),
            ("Content-Type", "application/json"),
        ],
        "{}",
    );
    assert_eq!(res.status, 403);
    let message = error_of(&res)["message"].as_str().unwrap().to_owned();
    assert!(
        message.contains("Sec-Fetch-Site") && !message.contains("form post"),
        "{message}"
    );
}

#[test]
fn checkout_is_rate_limited_per_user_with_retry_after() {
    let app = TestApp::start();
    let mut ann = app.client();
    ann.sign_in("ann");
    // Five requests a minute: mounts and events alike.
    for _ in 0..5 {
        let res = ann.htmx("checkout", "", "", "", &[], "");
        assert_eq!(res.status, 200, "{}", res.body);
    }
    let res = ann.htmx("checkout", "", "", "", &[], "");
    assert_eq!(res.status, 429, "{}", res.body);
    let error = error_of(&res);
    assert_eq!(error["code"], "rate_limited");
    let retry: u64 = res.header("retry-after").unwrap().parse().unwrap();
    assert!((59..=60).contains(&retry), "{retry}");
    assert_eq!(error["retry_after"], retry);
    // Bob has his own window.
    let mut bob = app.client();
    bob.sign_in("bob");
    assert_eq!(bob.htmx("checkout", "", "", "", &[], "").status, 200);
    // Ann is still refused; refusals are not counted, so her window does not grow.
    assert_eq!(ann.htmx("checkout", "", "", "", &[], "").status, 429);
    // Anonymous requests are refused (401) before they count against anyone.
    let mut eve = app.client();
    assert_eq!(eve.htmx("checkout", "", "", "", &[], "").status, 401);
}

// Components of the test's own for the render cache, on the real app's route.
static STAMPS: AtomicUsize = AtomicUsize::new(0);

#[component(name = "stamp", cache = "60s", source = "<p>{{ topic }} #{{ n }}</p>")]
#[derive(Serialize, Deserialize)]
struct Stamp {
    topic: String,
    n: usize,
}

#[derive(Deserialize)]
struct StampParams {
    topic: String,
}

#[component]
impl Stamp {
    fn mount(params: StampParams) -> Result<Stamp, EventError> {
        let n = STAMPS.fetch_add(1, Ordering::SeqCst);
        if params.topic == "fail" {
            return Err(EventError::internal("stamp failed"));
        }
        Ok(Stamp {
            topic: params.topic,
            n,
        })
    }

    fn on_bump(&mut self) {
        self.n += 1000;
    }
}

#[component(name = "whoami", cache = "60s", permissions = [IsAuthenticated], source = "<p>{{ who }}</p>")]
#[derive(Serialize, Deserialize)]
struct WhoAmI {
    who: String,
}

#[component]
impl WhoAmI {
    fn mount(cx: &LoadCx) -> Result<WhoAmI, EventError> {
        let me = cx.identity().ok_or(EventError::Unauthenticated)?;
        Ok(WhoAmI { who: me.id.clone() })
    }
}

#[test]
fn the_render_cache_serves_mounts_bypasses_events_and_never_caches_errors() {
    let app = TestApp::start();
    let mut ann = app.client();
    let mount = |who: &mut Shopper, topic: &str| {
        who.json("stamp", &json!({ "params": { "topic": topic } }))
    };
    let first = mount(&mut ann, "news");
    let hit = mount(&mut ann, "news");
    assert_eq!(first.status, 200);
    assert_eq!(first.body, hit.body, "a hit answers the same");
    let other = mount(&mut ann, "sport");
    assert_ne!(first.body, other.body);
    // Events run, and do not disturb the cached mount.
    let state = serde_json::from_str::<Value>(&first.body).unwrap()["state"]
        .as_str()
        .unwrap()
        .to_owned();
    let bumped = ann.json("stamp", &json!({ "event": "bump", "state": state }));
    assert!(bumped.body.contains(" #100"), "{}", bumped.body);
    assert_eq!(mount(&mut ann, "news").body, first.body);
    // Failures are not cached: each one mounts again.
    let before = STAMPS.load(Ordering::SeqCst);
    assert_eq!(mount(&mut ann, "fail").status, 500);
    assert_eq!(mount(&mut ann, "fail").status, 500);
    assert_eq!(STAMPS.load(Ordering::SeqCst), before + 2);
}

#[test]
fn the_render_cache_is_never_read_before_permissions() {
    let app = TestApp::start();
    let mut ann = app.client();
    ann.sign_in("ann");
    let res = ann.json("whoami", &json!({}));
    assert!(
        res.body.contains("<p data-pjx-component=\\\"whoami\\\""),
        "{}",
        res.body
    );
    assert!(res.body.contains(">ann</p>"));
    let mut eve = app.client();
    let res = eve.json("whoami", &json!({}));
    assert_eq!(
        (res.status, error_of(&res)["code"].as_str()),
        (401, Some("unauthenticated"))
    );
    let mut bob = app.client();
    bob.sign_in("bob");
    assert!(bob.json("whoami", &json!({})).body.contains(">bob</p>"));
}

#[test]
fn best_sellers_are_cached_until_an_order_is_placed() {
    let app = TestApp::start();
    let mut ann = app.client();
    ann.sign_in("ann");
    let best = |who: &mut Shopper| {
        who.htmx(
            "best_sellers",
            "",
            "",
            "",
            &[("params", r#"{"limit":3}"#)],
            "",
        )
    };
    let res = best(&mut ann);
    assert_eq!(res.status, 200, "{}", res.body);
    assert!(res.body.contains("No orders yet"), "{}", res.body);
    let (_, mounted, state) = cart_state(&mut ann);
    add_item(&mut ann, &state, 1, "M", &mounted);
    let (page, mounted) = ann.page();
    ann.htmx(
        "checkout",
        "place_order",
        "",
        &state_of(&page, "checkout"),
        &[],
        &mounted,
    );
    // The order dirtied the best sellers' react key: the cached render is gone.
    let res = best(&mut ann);
    assert!(
        res.body.contains("Crab tee <small>1 sold</small>"),
        "{}",
        res.body
    );
    // Parameters are checked like arguments.
    let res = ann.htmx(
        "best_sellers",
        "",
        "",
        "",
        &[("params", r#"{"limit":50}"#)],
        "",
    );
    assert_eq!(
        (res.status, error_of(&res)["field"].as_str()),
        (422, Some("limit"))
    );
}

#[test]
fn best_sellers_refuse_unknown_params_and_are_rate_limited() {
    let app = TestApp::start();
    let mut eve = app.client();
    // The page gives Eve's browser its identity, which her limits are then kept by.
    eve.page();
    let mount = |who: &mut Shopper, params: &str| {
        who.htmx("best_sellers", "", "", "", &[("params", params)], "")
    };
    // A parameter the component does not know is a 422 naming it, not one more cache entry.
    let res = mount(&mut eve, r#"{"limit":3,"nonce":1}"#);
    assert_eq!(
        (res.status, error_of(&res)["field"].as_str()),
        (422, Some("nonce")),
        "{}",
        res.body
    );
    // Thirty mounts a minute per requester, the refused one above included, cached or not.
    for i in 1..30 {
        let res = mount(&mut eve, r#"{"limit":3}"#);
        assert_eq!(res.status, 200, "mount {i}: {}", res.body);
    }
    let res = mount(&mut eve, r#"{"limit":3}"#);
    assert_eq!(res.status, 429, "{}", res.body);
    assert_eq!(error_of(&res)["code"], "rate_limited");
    let retry: u64 = res.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    // Someone else has their own window.
    let mut bob = app.client();
    bob.sign_in("bob");
    assert_eq!(mount(&mut bob, r#"{"limit":3}"#).status, 200);
}

#[test]
fn signing_in_and_out() {
    let app = TestApp::start();
    let mut ann = app.client();
    ann.sign_in("ann");
    let (page, _) = ann.page();
    assert!(page.contains("Signed in as <b>ann</b>"));
    assert!(page.contains(r#"data-pjx-component="checkout""#));
    assert!(page.contains(r#"data-pjx-id="orders-user:ann""#));
    let res = ann.http.request("POST", "/logout", &[], "");
    assert_eq!(res.status, 303);
    let (page, _) = ann.page();
    assert!(page.contains("Sign in to check out."));
    let res = ann.http.request(
        "POST",
        "/login",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        "username=%3Cscript%3E",
    );
    assert_eq!(res.status, 422);
}

#[test]
fn replaying_an_old_checkout_token_cannot_reuse_a_spent_coupon() {
    let app = TestApp::start();
    let mut ann = app.client();
    ann.sign_in("ann");
    let (_, mounted, state) = cart_state(&mut ann);
    add_item(&mut ann, &state, 1, "M", &mounted);
    let (page, mounted) = ann.page();
    let res = ann.htmx(
        "checkout",
        "apply_coupon",
        "",
        &state_of(&page, "checkout"),
        &[("code", "PJX10")],
        &mounted,
    );
    assert_eq!(res.status, 200, "{}", res.body);
    // The token that carries the coupon, kept by an attacker (or the browser's history).
    let with_coupon = state_of(&res.body, "checkout");
    let res = ann.htmx("checkout", "place_order", "", &with_coupon, &[], &mounted);
    assert!(res.body.contains("Order #1 placed"), "{}", res.body);

    // A second cart, then the old token again: the coupon is spent, the order is refused and
    // the cart is left as it was.
    let (_, mounted, state) = cart_state(&mut ann);
    add_item(&mut ann, &state, 2, "L", &mounted);
    let res = ann.htmx("checkout", "place_order", "", &with_coupon, &[], &mounted);
    assert_eq!(res.status, 422, "{}", res.body);
    let error = error_of(&res);
    assert_eq!(error["field"], "coupon", "{}", res.body);
    assert_eq!(app.store.orders("user:ann").unwrap().len(), 1);
    assert_eq!(app.store.lines("user:ann").unwrap().len(), 1);
    // Applying it again is refused up front too.
    let (page, mounted) = ann.page();
    let res = ann.htmx(
        "checkout",
        "apply_coupon",
        "",
        &state_of(&page, "checkout"),
        &[("code", "pjx10")],
        &mounted,
    );
    assert_eq!(
        (res.status, error_of(&res)["field"].as_str()),
        (422, Some("code")),
        "{}",
        res.body
    );
    // Without the coupon the order goes through, at full price.
    let res = ann.htmx(
        "checkout",
        "place_order",
        "",
        &state_of(&page, "checkout"),
        &[],
        &mounted,
    );
    assert!(res.body.contains("Order #2 placed"), "{}", res.body);
}

/// The `set-cookie` headers of a response for pjx's browser cookie (either name).
fn browser_cookies(res: &support::Response) -> Vec<&str> {
    res.headers
        .iter()
        .filter(|(n, v)| {
            n == "set-cookie"
                && (v.starts_with("pjx-browser=") || v.starts_with("__Host-pjx-browser="))
        })
        .map(|(_, v)| v.as_str())
        .collect()
}

#[test]
fn a_browser_gets_one_http_only_lax_cookie_and_keeps_it() {
    let app = TestApp::start();
    let mut ann = app.client();
    let first = ann.http.get("/");
    let set = browser_cookies(&first);
    assert_eq!(set.len(), 1, "{:?}", first.headers);
    let attrs: Vec<&str> = set[0].split(';').map(str::trim).collect();
    for want in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(attrs.contains(&want), "{want}: {}", set[0]);
    }
    assert!(
        attrs.iter().any(|a| a.starts_with("Max-Age=")),
        "{}",
        set[0]
    );
    assert!(!attrs.contains(&"Secure"), "plain HTTP: {}", set[0]);
    // Set once: later requests, pages and events alike, carry it and get no other.
    let (page, mounted) = ann.page();
    let state = state_of(&page, "cart");
    let res = add_item(&mut ann, &state, 1, "M", &mounted);
    assert_eq!(res.status, 200, "{}", res.body);
    for res in [ann.http.get("/"), res] {
        assert!(browser_cookies(&res).is_empty(), "{:?}", res.headers);
    }
    // Stable: the same browser is issued the same binding (the clock stands still here).
    assert_eq!(cart_state(&mut ann).2, state);
    // Signing in and out keeps the browser (its tokens are told apart from another's).
    ann.sign_in("ann");
    ann.http.request("POST", "/logout", &[], "");
    assert!(browser_cookies(&ann.http.get("/")).is_empty());
    assert_eq!(
        cart_state(&mut ann).2.split('.').nth(2),
        state.split('.').nth(2)
    );

    // Over HTTPS (as a proxy that terminates TLS says), it is Secure and host-only.
    let res = support::request(app.addr, "GET", "/", &[("X-Forwarded-Proto", "https")], "");
    let set = browser_cookies(&res);
    assert_eq!(set.len(), 1, "{:?}", res.headers);
    assert!(set[0].starts_with("__Host-pjx-browser="), "{}", set[0]);
    let attrs: Vec<&str> = set[0].split(';').map(str::trim).collect();
    for want in ["HttpOnly", "SameSite=Lax", "Path=/", "Secure"] {
        assert!(attrs.contains(&want), "{want}: {}", set[0]);
    }
    assert!(!set[0].contains("Domain"), "{}", set[0]);

    // A cookie pjx did not issue (a guessed or hand-made id) is replaced.
    let forged = "AAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    let res = support::request(
        app.addr,
        "GET",
        "/",
        &[("Cookie", &format!("pjx-browser={forged}"))],
        "",
    );
    assert_eq!(browser_cookies(&res).len(), 1, "{:?}", res.headers);
}

#[test]
fn a_token_works_only_for_whom_it_was_issued() {
    let app = TestApp::start();
    let mut ann = app.client();
    let (_, mounted, anon_state) = cart_state(&mut ann);
    let add = |who: &mut Shopper, state: &str| add_item(who, state, 1, "M", &mounted);
    assert_eq!(add(&mut ann, &anon_state).status, 200);

    // Another browser, anonymous or signed in, or a client that keeps no cookies: 403.
    let mut eve = app.client();
    eve.page();
    let mut bob = app.client();
    bob.sign_in("bob");
    let mut bare = app.client();
    for (who, client) in [
        ("eve", &mut eve),
        ("bob", &mut bob),
        ("no cookies", &mut bare),
    ] {
        let res = add(client, &anon_state);
        assert_eq!(res.status, 403, "{who}: {}", res.body);
        assert_eq!(error_of(&res)["code"], "state_not_yours", "{who}");
    }

    // Ann signs in: the page's anonymous tokens are stale (400, state_expired: pjx.js mounts
    // afresh), not someone else's.
    ann.sign_in("ann");
    let res = add(&mut ann, &anon_state);
    assert_eq!(
        (res.status, error_of(&res)["code"].as_str()),
        (400, Some("state_expired")),
        "{}",
        res.body
    );
    // A fresh mount (what pjx.js sends) works, and its token with it.
    let res = ann.htmx("cart", "", "", "", &[], &mounted);
    assert_eq!(res.status, 200, "{}", res.body);
    let ann_state = state_of(&res.body, "cart");
    assert_eq!(add(&mut ann, &ann_state).status, 200);
    // Ann's token in Bob's hands, from his browser: 403.
    let res = add(&mut bob, &ann_state);
    assert_eq!(
        (res.status, error_of(&res)["code"].as_str()),
        (403, Some("state_not_yours"))
    );
    // Bob signs in on Ann's browser: her token is still not his.
    let mut shared = Shopper {
        http: ann.http.clone(),
    };
    shared.http.request("POST", "/logout", &[], "");
    shared.sign_in("bob");
    let res = add(&mut shared, &ann_state);
    assert_eq!(
        (res.status, error_of(&res)["code"].as_str()),
        (403, Some("state_not_yours"))
    );
    // Ann signs out: her signed-in tokens are stale on this browser.
    ann.http.request("POST", "/logout", &[], "");
    let res = add(&mut ann, &ann_state);
    assert_eq!(
        (res.status, error_of(&res)["code"].as_str()),
        (400, Some("state_expired"))
    );
}

#[test]
fn an_expired_token_is_a_400_state_expired_and_a_fresh_mount_carries_on() {
    let app = TestApp::start();
    let mut ann = app.client();
    let (_, mounted, state) = cart_state(&mut ann);
    let max_age = pjx::security::state::DEFAULT_MAX_AGE;
    // Just within the maximum age: accepted.
    app.clock.advance(max_age);
    let res = add_item(&mut ann, &state, 1, "M", &mounted);
    assert_eq!(res.status, 200, "{}", res.body);
    // One second over: refused, saying why, and nothing changed.
    app.clock.advance(std::time::Duration::from_secs(1));
    let res = add_item(&mut ann, &state, 1, "M", &mounted);
    assert_eq!(res.status, 400, "{}", res.body);
    let error = error_of(&res);
    assert_eq!(error["code"], "state_expired");
    assert!(
        error["message"].as_str().unwrap().contains("expired"),
        "{error}"
    );
    assert!(
        cart_state(&mut ann)
            .0
            .contains("Crab tee <small>M</small> × 1"),
        "the refused event changed nothing"
    );
    // A new mount's token is fresh, and the shopper carries on.
    let fresh = state_of(&res_body_of_mount(&mut ann, &mounted), "cart");
    let res = add_item(&mut ann, &fresh, 1, "M", &mounted);
    assert_eq!(res.status, 200, "{}", res.body);
    assert!(
        res.body.contains("Crab tee <small>M</small> × 2"),
        "{}",
        res.body
    );
}

/// A mount of the cart, as pjx.js sends it when a token went stale.
fn res_body_of_mount(who: &mut Shopper, mounted: &str) -> String {
    let res = who.htmx("cart", "", "", "", &[], mounted);
    assert_eq!(res.status, 200, "{}", res.body);
    res.body
}
