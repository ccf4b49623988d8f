//! Large pages in a real browser: a page of 10,000 rows keeps working for every kind of request
//! (its manifest reported partially, the rest by the sync route), and a request that fails
//! anyway — even one actix-web refuses before any handler runs — tells the page so.

mod support;

use std::time::{Duration, Instant};

use serde_json::Value;
use support::browser::{self, js, settle, skipped, wait_for};
use support::{Rule, TestApp};

const SECOND: Duration = Duration::from_secs(1);

fn app_with(rows: usize) -> TestApp {
    let store = todo::Store::open(None).unwrap();
    for n in 4..=rows {
        store.add(&format!("todo number {n}")).unwrap();
    }
    TestApp::with_store(store)
}

/// Records, in the page, every request's `X-PJX-Mounted` size and path, every sync request,
/// every `pjx:error` and every out-of-band target htmx could not find.
const SPY: &str = "window.spy = { sizes: [], paths: [], errors: [], noTarget: 0 };
  document.addEventListener('htmx:configRequest', (e) => {
    spy.paths.push(e.detail.path);
    const h = e.detail.headers['X-PJX-Mounted'];
    if (h) spy.sizes.push(h.length);
  });
  document.addEventListener('pjx:error', (e) => spy.errors.push(e.detail));
  document.addEventListener('htmx:oobErrorNoTarget', () => spy.noTarget++);
  // When each request was confirmed, sent, answered and swapped (ms).
  spy.times = [];
  document.addEventListener('htmx:confirm', () => spy.times.push({ start: performance.now() }));
  document.addEventListener('htmx:beforeSend', () => spy.times.at(-1).sent = performance.now());
  document.addEventListener('htmx:afterRequest', () => spy.times.at(-1).done = performance.now());
  window.samePage = true;
  return true";

/// [`SPY`] in the event names of the htmx line under test (htmx 4 reports no missing
/// out-of-band target: `noTarget` stays 0 there).
fn spy_script() -> String {
    if !browser::htmx4() {
        return SPY.to_owned();
    }
    SPY.replace("'htmx:configRequest'", "'htmx:config:request'")
        .replace("e.detail.path", "e.detail.ctx.request.action")
        .replace("e.detail.headers", "e.detail.ctx.request.headers")
        .replace("'htmx:confirm'", "'htmx:config:request'")
        .replace("'htmx:beforeSend'", "'htmx:before:request'")
        .replace("'htmx:afterRequest'", "'htmx:after:request'")
}

/// Clicks the element matching `css` from the page's side (no scrolling a 10,000-row page).
async fn press(client: &fantoccini::Client, css: &str) {
    js(
        client,
        &format!(
            "document.querySelector({}).click(); return true",
            Value::from(css)
        ),
    )
    .await;
}

async fn spy(client: &fantoccini::Client) -> Value {
    js(client, "return window.spy").await
}

#[tokio::test]
async fn a_page_of_10000_rows_works_for_every_kind_of_request() {
    if skipped() {
        return;
    }
    let _one = browser::ONE_AT_A_TIME.lock().await;
    let app = app_with(10_000);
    let client = browser::open(&app.url("/")).await;
    assert_eq!(
        js(
            &client,
            "return document.querySelectorAll('[data-pjx-id]').length"
        )
        .await,
        10_004
    );
    js(&client, &spy_script()).await;

    // A toggle (POST) deep in the list.
    let started = Instant::now();
    press(&client, "#row-5000 .todo__check").await;
    wait_for(
        &client,
        "return document.querySelector('#row-5000')?.classList.contains('todo--done') \
           && document.querySelector('[data-pjx-id=counter]')?.textContent.includes('9999 left')",
        20 * SECOND,
        "row 5000 done and the counter",
    )
    .await;
    let toggle_time = started.elapsed();
    settle(&client).await;

    // A GET from the page.
    js(
        &client,
        "document.querySelector('#row-7').pjxMark = 1; \
         htmx.ajax('GET', '/rows/7', { target: '#row-7', swap: 'outerHTML' }); return true",
    )
    .await;
    wait_for(
        &client,
        "return document.querySelector('#row-7') && !document.querySelector('#row-7').pjxMark",
        20 * SECOND,
        "row 7 fetched again",
    )
    .await;
    settle(&client).await;

    // Adding (POST of a form).
    js(
        &client,
        "const f = document.querySelector('form.new-todo'); f.querySelector('input').value = 'ten thousand and one'; \
         htmx.trigger(f, 'submit'); return true",
    )
    .await;
    wait_for(
        &client,
        "return document.querySelector('[data-pjx-id=total]')?.textContent.includes('10001 total')",
        20 * SECOND,
        "the new row's counts",
    )
    .await;
    settle(&client).await;
    assert_eq!(
        js(
            &client,
            "return document.querySelector('#row-10001 .todo__title').textContent"
        )
        .await,
        "ten thousand and one"
    );

    let seen = spy(&client).await;
    let sizes: Vec<u64> = seen["sizes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    assert_eq!(sizes.len(), 3, "{seen}");
    assert!(
        sizes.iter().all(|&s| s <= 32 * 1024),
        "headers within budget: {sizes:?}"
    );
    assert_eq!(seen["errors"], Value::Array(vec![]), "{seen}");
    assert_eq!(seen["noTarget"], 0, "{seen}");
    // None of these concerned a region left out of the header: no sync request.
    assert!(!seen["paths"].to_string().contains("/_pjx/sync"), "{seen}");

    // Marking all done concerns every row: more than the walk's budget, so the page reloads
    // and shows the truth.
    press(&client, "form.complete-all button").await;
    wait_for(
        &client,
        "return !window.samePage && !!window.pjx \
           && document.querySelectorAll('.todo:not(.todo--done)').length === 0 \
           && document.querySelector('[data-pjx-id=counter]')?.textContent.includes('0 left')",
        60 * SECOND,
        "the reloaded page, every row done",
    )
    .await;
    eprintln!(
        "10,000 rows: the toggle took {toggle_time:?} from click to seen swapped by the test; \
         in the page (confirm → sent → swapped, ms): {}; header sizes {sizes:?}",
        seen["times"]
    );
    client.close().await.unwrap();
}

#[tokio::test]
async fn rows_left_out_of_the_header_are_updated_by_the_sync_request() {
    if skipped() {
        return;
    }
    let _one = browser::ONE_AT_A_TIME.lock().await;
    let app = app_with(1_500);
    let client = browser::open(&app.url("/")).await;
    js(&client, &spy_script()).await;
    press(&client, "form.complete-all button").await;
    wait_for(
        &client,
        "return document.querySelectorAll('.todo:not(.todo--done)').length === 0 \
           && document.querySelector('[data-pjx-id=counter]')?.textContent.includes('0 left')",
        30 * SECOND,
        "every row done",
    )
    .await;
    settle(&client).await;
    let seen = spy(&client).await;
    assert_eq!(
        js(&client, "return window.samePage").await,
        true,
        "no reload"
    );
    assert_eq!(
        seen["paths"],
        serde_json::json!(["/todos/complete-all", "/_pjx/sync"]),
        "{seen}"
    );
    assert_eq!(seen["errors"], Value::Array(vec![]), "{seen}");
    assert_eq!(seen["noTarget"], 0, "{seen}");
    // Every row's reported hash is its fresh one: the next toggle changes only what it should.
    let fresh = pjx::testing::manifest_from_html(&app.request("GET", "/", &[], "").body);
    let shown = js(
        &client,
        "return [...document.querySelectorAll('[data-pjx-type=item_row]')].map(r => r.dataset.pjxId + ' ' + r.dataset.pjxHash)",
    )
    .await;
    let expected: Vec<String> = fresh
        .entries()
        .filter(|e| e.type_name == Some("item_row"))
        .map(|e| format!("{} {}", e.id, e.hash.unwrap()))
        .collect();
    assert_eq!(shown, serde_json::json!(expected));
    client.close().await.unwrap();
}

#[tokio::test]
async fn a_failed_request_says_why_and_releases_its_indicators() {
    if skipped() {
        return;
    }
    let _one = browser::ONE_AT_A_TIME.lock().await;
    let app = TestApp::start();
    let client = browser::open(&app.url("/")).await;
    js(&client, &spy_script()).await;

    // An answer that is not pjx's JSON error shape.
    app.rules.set(
        "/rows/2/toggle",
        Rule::fail(502, Duration::from_millis(300)),
    );
    press(&client, "#row-2 .todo__check").await;
    wait_for(
        &client,
        "return spy.errors.length === 1",
        10 * SECOND,
        "pjx:error",
    )
    .await;
    settle(&client).await;
    let seen = spy(&client).await;
    assert_eq!(seen["errors"][0]["status"], 502, "{seen}");
    assert_eq!(seen["errors"][0]["code"], "http_502");
    assert_eq!(
        js(
            &client,
            "return document.querySelectorAll('.pjx-loading').length"
        )
        .await,
        0
    );
    app.rules.clear();

    // The refusal actix-web gives a request head over 128 KiB, named.
    app.rules
        .set("/rows/3/toggle", Rule::fail(431, Duration::ZERO));
    press(&client, "#row-3 .todo__check").await;
    wait_for(
        &client,
        "return spy.errors.length === 2",
        10 * SECOND,
        "pjx:error 431",
    )
    .await;
    let seen = spy(&client).await;
    assert_eq!(
        seen["errors"][1],
        serde_json::json!({"status": 431, "code": "http_431", "message": "the request's headers are too large"})
    );
    app.rules.clear();

    // A request actix-web itself refuses before any handler runs (here a URL over its limit,
    // which the page made up): actix answers and closes the connection, so the browser sees
    // an error status or, when the close wins, a network error. Either way the page is told.
    js(
        &client,
        "htmx.ajax('GET', '/rows/1?pad=' + 'a'.repeat(140000), \
           { source: '#row-1 .todo__check', target: '#row-1', swap: 'outerHTML' }); return true",
    )
    .await;
    wait_for(
        &client,
        "return spy.errors.length === 3",
        10 * SECOND,
        "pjx:error for the refused request",
    )
    .await;
    settle(&client).await;
    let seen = spy(&client).await;
    let error = &seen["errors"][2];
    assert!(
        error["status"].as_u64().is_some_and(|s| s >= 400) || error["code"] == "network_error",
        "{seen}"
    );
    assert_eq!(js(&client, "return window.pjx.lit.size").await, 0);
    assert_eq!(
        js(
            &client,
            "return document.querySelectorAll('.pjx-loading').length"
        )
        .await,
        0
    );
    client.close().await.unwrap();
}
