//! The cart app in a real browser (Debian's Chromium): optimistic patches applied the moment
//! the user acts and rolled back exactly on any failure, events and out-of-band badges, the
//! signed-in checkout, the lazily mounted best sellers.

mod support;

use std::time::Duration;

use serde_json::{Value, json};
use support::browser::{self, click, js, settle, skipped, text, wait_for};
use support::{Rule, TestApp};

const SECOND: Duration = Duration::from_secs(1);

/// The app and a browser on its page (one test at a time), unless browser tests are skipped.
async fn start() -> Option<(
    tokio::sync::MutexGuard<'static, ()>,
    TestApp,
    fantoccini::Client,
)> {
    if skipped() {
        return None;
    }
    let one = browser::ONE_AT_A_TIME.lock().await;
    let app = TestApp::start();
    let client = browser::open(&app.url("/")).await;
    settle(&client).await;
    // Count rollbacks and errors as they happen.
    js(
        &client,
        "window.rollbacks = 0; window.errors = [];
         document.addEventListener('pjx:rollback', () => window.rollbacks++);
         document.addEventListener('pjx:error', (e) => window.errors.push(e.detail));
         return true",
    )
    .await;
    Some((one, app, client))
}

/// What the cart shows now, and whether a request is in flight.
const CART_NOW: &str = "
    const cart = document.querySelector('[data-pjx-component=cart]');
    return {
        count: cart.querySelector('[data-pjx-bind=count]').textContent,
        total: cart.querySelector('[data-pjx-bind=total]').textContent,
        pending: cart.hasAttribute('data-pjx-pending'),
        in_flight: document.querySelectorAll('.htmx-request').length > 0,
        badge: document.querySelector('.badge b').textContent,
    };";

const ADD_TEE: &str = "li[data-product='1'] button";

#[tokio::test]
async fn an_add_shows_the_new_count_at_once_and_the_answer_confirms_it() {
    let Some((_one, app, client)) = start().await else {
        return;
    };
    app.rules
        .set("/components/cart", Rule::delay(Duration::from_millis(1500)));
    click(&client, ADD_TEE).await;
    // Before the server has answered: the patch is on screen.
    let now = js(&client, CART_NOW).await;
    assert_eq!(now["in_flight"], true, "{now}");
    assert_eq!(
        (now["count"].as_str(), now["total"].as_str()),
        (Some("1"), Some("$24.00")),
        "{now}"
    );
    assert_eq!(now["pending"], true);
    assert_eq!(now["badge"], "0", "the badge waits for the server");
    settle(&client).await;
    // The server's HTML replaced the component, and the badge followed out of band.
    let now = js(&client, CART_NOW).await;
    assert_eq!(
        now,
        json!({ "count": "1", "total": "$24.00", "pending": false, "in_flight": false, "badge": "1" })
    );
    assert_eq!(text(&client, ".line__what").await, "Crab tee S × 1");
    assert_eq!(text(&client, ".basket__notice").await, "Added Crab tee (S)");
    assert_eq!(js(&client, "return window.rollbacks").await, 0);
    // The triggers of the fresh cart carry patches from the new state.
    app.rules.clear();
    click(&client, "li[data-product='4'] button").await;
    settle(&client).await;
    let now = js(&client, CART_NOW).await;
    assert_eq!(
        (
            now["count"].as_str(),
            now["total"].as_str(),
            now["badge"].as_str()
        ),
        (Some("2"), Some("$33.00"), Some("2"))
    );
    // Taking one out is optimistic too.
    app.rules
        .set("/components/cart", Rule::delay(Duration::from_millis(1500)));
    click(&client, ".line:first-child button").await;
    let now = js(&client, CART_NOW).await;
    assert_eq!(
        (now["count"].as_str(), now["total"].as_str()),
        (Some("1"), Some("$9.00")),
        "{now}"
    );
    settle(&client).await;
    assert_eq!(js(&client, CART_NOW).await["badge"], "1");
    // A second click while an event is in flight is dropped: it would carry the same state.
    app.rules
        .set("/components/cart", Rule::delay(Duration::from_millis(1000)));
    js(
        &client,
        &format!(
            "window.sent = 0; document.addEventListener('{}', () => window.sent++); return true",
            browser::ev("beforeSend", "before:request")
        ),
    )
    .await;
    click(&client, ADD_TEE).await;
    click(&client, ADD_TEE).await;
    settle(&client).await;
    assert_eq!(js(&client, "return window.sent").await, 1);
    assert_eq!(js(&client, CART_NOW).await["badge"], "2");
    client.close().await.unwrap();
}

#[tokio::test]
async fn a_failing_request_rolls_the_patch_back_exactly() {
    let Some((_one, app, client)) = start().await else {
        return;
    };
    click(&client, ADD_TEE).await;
    settle(&client).await;
    let before = js(&client, CART_NOW).await;
    assert_eq!(
        (before["count"].as_str(), before["total"].as_str()),
        (Some("1"), Some("$24.00"))
    );
    // Markup inside a bound element comes back too: the very nodes.
    js(
        &client,
        "const total = document.querySelector('[data-pjx-bind=total]');
         total.innerHTML = '<small>$</small>24.00'; window.small = total.firstChild; return true",
    )
    .await;
    let before_html = js(
        &client,
        "return document.querySelector('[data-pjx-component=cart]').outerHTML",
    )
    .await;

    // A server error (5xx).
    app.rules.set(
        "/components/cart",
        Rule::fail(500, Duration::from_millis(1000)),
    );
    click(&client, ADD_TEE).await;
    let now = js(&client, CART_NOW).await;
    assert_eq!(
        (now["count"].as_str(), now["total"].as_str()),
        (Some("2"), Some("$48.00")),
        "{now}"
    );
    settle(&client).await;
    wait_for(
        &client,
        "return window.rollbacks === 1",
        5 * SECOND,
        "the rollback",
    )
    .await;
    let after_html = js(
        &client,
        "return document.querySelector('[data-pjx-component=cart]').outerHTML",
    )
    .await;
    assert_eq!(after_html, before_html, "rolled back exactly");
    assert_eq!(
        js(
            &client,
            "return document.querySelector('[data-pjx-bind=total] small') === window.small"
        )
        .await,
        true
    );

    // A refusal from the handler (422, a size the product does not come in): rolled back, and
    // the JSON error reaches the page as a pjx:error event.
    app.rules
        .set("/components/cart", Rule::delay(Duration::from_millis(1000)));
    js(
        &client,
        "const select = document.querySelector(\"li[data-product='1'] select\");
         select.add(new Option('XXL', 'XXL')); select.value = 'XXL'; return true",
    )
    .await;
    click(&client, ADD_TEE).await;
    assert_eq!(js(&client, CART_NOW).await["count"], "2");
    settle(&client).await;
    wait_for(
        &client,
        "return window.rollbacks === 2",
        5 * SECOND,
        "the second rollback",
    )
    .await;
    // The injected 500 above (not pjx's JSON) was reported too, generically.
    let errors = js(&client, "return window.errors").await;
    assert_eq!(errors[0]["code"], "http_500", "{errors}");
    assert_eq!(errors[1]["status"], 422, "{errors}");
    assert_eq!(errors[1]["field"], "size");
    assert!(
        !js(&client, "return document.getElementById('toast').hidden")
            .await
            .as_bool()
            .unwrap()
    );
    let now = js(&client, CART_NOW).await;
    assert_eq!(
        (
            now["count"].as_str(),
            now["total"].as_str(),
            now["pending"].as_bool()
        ),
        (Some("1"), Some("$24.00"), Some(false))
    );

    // No answer at all (a timeout, as on a dead network).
    app.rules
        .set("/components/cart", Rule::delay(Duration::from_secs(5)));
    let timeout = if browser::htmx4() {
        "defaultTimeout"
    } else {
        "timeout"
    };
    js(
        &client,
        &format!(
            "htmx.config.{timeout} = 400; document.querySelector(\"li[data-product='1'] select\").value = 'M'; return true"
        ),
    )
    .await;
    click(&client, ADD_TEE).await;
    assert_eq!(js(&client, CART_NOW).await["count"], "2");
    wait_for(
        &client,
        "return window.rollbacks === 3",
        5 * SECOND,
        "the rollback after the timeout",
    )
    .await;
    let after_html = js(
        &client,
        "return document.querySelector('[data-pjx-component=cart]').outerHTML",
    )
    .await;
    // Same as before the failures, but for the option the test added.
    assert_eq!(
        after_html
            .as_str()
            .unwrap()
            .replace("<option value=\"XXL\">XXL</option>", ""),
        before_html.as_str().unwrap()
    );
    js(
        &client,
        &format!(
            "htmx.config.{timeout} = {}; return true",
            if browser::htmx4() { 60000 } else { 0 }
        ),
    )
    .await;
    client.close().await.unwrap();
}

#[tokio::test]
async fn a_signed_in_shopper_checks_out_and_the_page_follows() {
    let Some((_one, _app, client)) = start().await else {
        return;
    };
    // The best sellers were mounted once the page loaded.
    wait_for(
        &client,
        "return !!document.querySelector('[data-pjx-component=best_sellers]')",
        5 * SECOND,
        "the best sellers",
    )
    .await;
    assert!(text(&client, ".best").await.contains("No orders yet"));
    // Sign in (a plain form post and redirect).
    js(
        &client,
        "document.querySelector('.top__auth input').value = 'ann'; document.querySelector('.top__auth').submit(); return true",
    )
    .await;
    wait_for(
        &client,
        "return !!document.querySelector('[data-pjx-component=checkout]')",
        10 * SECOND,
        "the checkout",
    )
    .await;
    wait_for(
        &client,
        "return !!(window.htmx && window.pjx)",
        10 * SECOND,
        "the runtime",
    )
    .await;
    js(&client, "window.errors = []; document.addEventListener('pjx:error', (e) => window.errors.push(e.detail)); return true").await;
    click(&client, "li[data-product='2'] button").await;
    settle(&client).await;
    // A wrong coupon: a 422 for the field, shown by the page.
    js(
        &client,
        "document.querySelector('.checkout__form input').value = 'FREE'; return true",
    )
    .await;
    click(&client, ".checkout__form button").await;
    settle(&client).await;
    let errors: Value = js(&client, "return window.errors").await;
    assert_eq!(
        (errors[0]["status"].as_u64(), errors[0]["field"].as_str()),
        (Some(422), Some("code")),
        "{errors}"
    );
    assert_eq!(text(&client, "#toast").await, "`code`: no such coupon");
    // The right one.
    js(
        &client,
        "document.querySelector('.checkout__form input').value = 'pjx10'; return true",
    )
    .await;
    click(&client, ".checkout__form button").await;
    settle(&client).await;
    assert!(
        text(&client, ".checkout__coupon")
            .await
            .starts_with("Coupon PJX10: 10% off")
    );
    // Place the order: its progress streams a step at a time; the badge and the order list
    // follow as soon as the order is placed, while its last step still shows.
    click(&client, ".checkout .button--primary").await;
    wait_for(
        &client,
        "const p = document.querySelector('.checkout__progress'); return !!p && p.textContent.includes('Reserving stock')",
        Duration::from_secs(10),
        "the order's progress",
    )
    .await;
    wait_for(
        &client,
        "const p = document.querySelector('.checkout__progress');
         return !!p && p.textContent.includes('Sending the confirmation')
           && document.querySelector('.orders__list').textContent.includes('#1')",
        Duration::from_secs(10),
        "the order list, before the last step ends",
    )
    .await;
    wait_for(
        &client,
        "return !document.querySelector('.checkout__progress') && !!document.querySelector('.checkout__done')",
        Duration::from_secs(10),
        "the final render",
    )
    .await;
    settle(&client).await;
    assert_eq!(
        text(&client, ".checkout__done").await,
        "Order #1 placed. Thank you!"
    );
    assert_eq!(
        text(&client, ".orders__list").await,
        "#1 · 1 items · $53.10"
    );
    assert_eq!(js(&client, CART_NOW).await["badge"], "0");
    client.close().await.unwrap();
}

#[tokio::test]
async fn an_expired_state_is_mounted_afresh_and_the_shopper_carries_on() {
    let Some((_one, app, client)) = start().await else {
        return;
    };
    click(&client, ADD_TEE).await;
    settle(&client).await;
    assert_eq!(js(&client, CART_NOW).await["count"], "1");
    let token = "return JSON.parse(document.querySelector('[data-pjx-component=cart]').getAttribute('hx-vals')).state";
    let stale = js(&client, token).await;
    js(
        &client,
        &format!(
            "window.mounts = 0; document.addEventListener('{}', (e) => {{
                 if (!{}) window.mounts++; }});
             return true",
            browser::ev("beforeRequest", "before:request"),
            if browser::htmx4() {
                "e.detail.ctx.request.body.get('event')"
            } else {
                "e.detail.requestConfig.parameters.event"
            }
        ),
    )
    .await;
    // The page sat open past the maximum age.
    app.clock
        .advance(pjx::security::state::DEFAULT_MAX_AGE + Duration::from_secs(1));
    click(&client, ADD_TEE).await;
    wait_for(
        &client,
        "return window.mounts === 1 && !document.querySelector('[data-pjx-remounting]')",
        5 * SECOND,
        "the fresh mount",
    )
    .await;
    settle(&client).await;
    // The refusal reached the page, the patch was rolled back, and the cart was mounted
    // afresh in place: what the store holds, with a token of now.
    let errors = js(&client, "return window.errors").await;
    assert_eq!(
        (errors[0]["status"].as_u64(), errors[0]["code"].as_str()),
        (Some(400), Some("state_expired")),
        "{errors}"
    );
    assert_eq!(js(&client, "return window.rollbacks").await, 1);
    let now = js(&client, CART_NOW).await;
    assert_eq!(
        (now["count"].as_str(), now["pending"].as_bool()),
        (Some("1"), Some(false)),
        "{now}"
    );
    assert_eq!(
        js(
            &client,
            "return document.querySelectorAll('[data-pjx-component=cart]').length"
        )
        .await,
        1
    );
    assert_ne!(js(&client, token).await, stale);
    // The shopper carries on: the next click goes through.
    click(&client, ADD_TEE).await;
    settle(&client).await;
    let now = js(&client, CART_NOW).await;
    assert_eq!(
        (now["count"].as_str(), now["badge"].as_str()),
        (Some("2"), Some("2")),
        "{now}"
    );
    assert_eq!(js(&client, "return window.errors.length").await, 1);
    client.close().await.unwrap();
}
