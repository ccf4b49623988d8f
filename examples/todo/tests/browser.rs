//! The todo app in a real browser (Debian's Chromium): the client runtime, out-of-band
//! updates, loading indicators and assets, end to end.

mod support;

use std::time::Duration;

use support::browser::{self, click, js, settle, skipped, text, wait_for};
use support::{Rule, TestApp};

const SECOND: Duration = Duration::from_secs(1);

async fn open(app: &TestApp) -> fantoccini::Client {
    browser::open(&app.url("/")).await
}

#[tokio::test]
async fn a_cold_load_injects_the_runtime_once() {
    if skipped() {
        return;
    }
    let _one = browser::ONE_AT_A_TIME.lock().await;
    let app = TestApp::start();
    let client = open(&app).await;
    let count = |src: &'static str| {
        format!(
            "return [...document.scripts].filter(s => (s.getAttribute('src') || '').startsWith('{src}')).length"
        )
    };
    assert_eq!(js(&client, &count("/_pjx/pjx.")).await, 1);
    assert_eq!(js(&client, &count("/_pjx/htmx-")).await, 1);
    // The app's htmx line: the one the tests run on (`PJX_HTMX`).
    assert_eq!(
        js(&client, "return htmx.version.split('.')[0]").await,
        browser::htmx_line()
    );
    assert_eq!(
        js(
            &client,
            "return document.querySelectorAll('#pjx-style').length"
        )
        .await,
        1
    );
    // Requests do not bring the runtime again.
    click(&client, "#row-1 .todo__check").await;
    settle(&client).await;
    assert_eq!(js(&client, &count("/_pjx/pjx.")).await, 1);
    assert_eq!(
        js(
            &client,
            "return document.querySelectorAll('#pjx-style').length"
        )
        .await,
        1
    );
    // Loading it a second time anyway changes nothing: no second set of listeners or styles.
    js(
        &client,
        &format!(
            "window.firstPjx = window.pjx; const s = document.createElement('script'); \
             s.src = '{}'; s.onload = () => window.loadedAgain = true; document.head.append(s); return true",
            pjx_actix::pjx_js_url()
        ),
    )
    .await;
    wait_for(
        &client,
        "return window.loadedAgain === true",
        5 * SECOND,
        "the second load",
    )
    .await;
    assert_eq!(
        js(&client, "return window.pjx === window.firstPjx").await,
        true
    );
    assert_eq!(
        js(
            &client,
            "return document.querySelectorAll('#pjx-style').length"
        )
        .await,
        1
    );
    app.rules
        .set("/rows/2/toggle", Rule::delay(Duration::from_millis(600)));
    click(&client, "#row-2 .todo__check").await;
    wait_for(
        &client,
        "return window.pjx.lit.get('row-2') !== undefined",
        5 * SECOND,
        "row 2 lit",
    )
    .await;
    assert_eq!(
        js(&client, "return window.pjx.lit.get('row-2')").await,
        1,
        "lit once, not twice"
    );
    settle(&client).await;
    client.close().await.unwrap();
}

#[tokio::test]
async fn a_page_that_gains_a_need_loads_that_part_of_the_runtime_once() {
    if skipped() {
        return;
    }
    let _one = browser::ONE_AT_A_TIME.lock().await;
    let app = TestApp::start();
    let client = open(&app).await;
    let count = |part: &str| {
        format!(
            "return [...document.scripts].filter(s => (s.getAttribute('src') || '').startsWith('/_pjx/pjx-{part}.')).length"
        )
    };
    // Loading indicators and no component: of the optional parts, the page loads one (and the
    // morph glue, as it has regions).
    assert_eq!(
        js(
            &client,
            "return [!!pjx.loading, !!pjx.optimistic, !!pjx.stream].join()"
        )
        .await,
        "true,false,false"
    );
    assert_eq!(js(&client, &count("loading")).await, 1);
    assert_eq!(js(&client, &count("stream")).await, 0);
    // The page now holds a component with an optimistic trigger and a streaming one (as an
    // update bringing the first ones would): after the next swap, pjx.js loads the two parts
    // they need, once.
    js(
        &client,
        "document.body.insertAdjacentHTML('beforeend', \
         '<div data-pjx-component=\"x\"><i data-pjx-optimistic=\"{}\"></i><b data-pjx-stream></b></div>'); return true",
    )
    .await;
    for _ in 0..2 {
        click(&client, "#row-1 .todo__check").await;
        settle(&client).await;
        wait_for(
            &client,
            "return pjx.optimistic === true && !!pjx.stream",
            5 * SECOND,
            "the optimistic and stream parts",
        )
        .await;
    }
    for part in ["loading", "optimistic", "stream", "morph"] {
        assert_eq!(js(&client, &count(part)).await, 1, "{part}");
    }
    client.close().await.unwrap();
}

#[tokio::test]
async fn toggling_a_row_updates_the_row_counter_and_clear_button_only() {
    if skipped() {
        return;
    }
    let _one = browser::ONE_AT_A_TIME.lock().await;
    let app = TestApp::start();
    let client = open(&app).await;
    // Mark DOM nodes: a swapped node is a new node without the mark; a morphed one keeps it.
    // And record which regions see any change at all.
    js(
        &client,
        "for (const id of ['total', 'counter', 'clear', 'row-1', 'row-2']) \
           document.querySelector(`[data-pjx-id='${id}']`).pjxMark = id; \
         window.touched = new Set(); \
         new MutationObserver((ms) => { for (const m of ms) { \
           const n = m.target.nodeType === 1 ? m.target : m.target.parentElement; \
           const r = n && n.closest('[data-pjx-id]'); if (r) touched.add(r.dataset.pjxId); } }) \
           .observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true }); \
         return true",
    )
    .await;
    click(&client, "#row-2 .todo__check").await;
    wait_for(
        &client,
        "return document.querySelector('#row-2').classList.contains('todo--done')",
        10 * SECOND,
        "row 2 done",
    )
    .await;
    settle(&client).await;
    assert_eq!(text(&client, "[data-pjx-id='counter']").await, "2 left");
    assert_eq!(
        text(&client, "[data-pjx-id='clear'] button").await,
        "Clear completed (1)"
    );
    assert_eq!(text(&client, "[data-pjx-id='total']").await, "3 total");
    let marks = js(
        &client,
        "return ['total', 'counter', 'clear', 'row-1', 'row-2'].map(id => \
           document.querySelector(`[data-pjx-id='${id}']`).pjxMark === id)",
    )
    .await;
    // Row 2 was the toggle's own outerHTML swap: a new node. The counter and the clear button
    // were morphed (the same nodes, their text fresh, as checked above); total and row 1 did
    // not change and were not touched at all.
    assert_eq!(marks, serde_json::json!([true, true, true, true, false]));
    let touched = js(&client, "return [...touched].sort()").await;
    for untouched in ["total", "row-1"] {
        assert!(
            !touched.as_array().unwrap().contains(&untouched.into()),
            "{untouched} was not touched: {touched}"
        );
    }
    client.close().await.unwrap();
}

#[tokio::test]
async fn clearing_completed_removes_their_rows() {
    if skipped() {
        return;
    }
    let _one = browser::ONE_AT_A_TIME.lock().await;
    let app = TestApp::start();
    let client = open(&app).await;
    for row in ["#row-1", "#row-3"] {
        click(&client, &format!("{row} .todo__check")).await;
        settle(&client).await;
    }
    assert_eq!(
        text(&client, "[data-pjx-id='clear'] button").await,
        "Clear completed (2)"
    );
    click(&client, "[data-pjx-id='clear'] button").await;
    wait_for(
        &client,
        "return document.querySelectorAll('.todo').length === 1",
        10 * SECOND,
        "rows removed",
    )
    .await;
    settle(&client).await;
    assert_eq!(text(&client, ".todo .todo__title").await, "Ship reactivity");
    assert_eq!(text(&client, "[data-pjx-id='counter']").await, "1 left");
    assert_eq!(text(&client, "[data-pjx-id='total']").await, "1 total");
    assert_eq!(
        js(
            &client,
            "return document.querySelector(\"[data-pjx-id='clear'] button\").disabled"
        )
        .await,
        true
    );
    // The page still agrees with the server.
    let fresh = app.page().0;
    assert!(fresh.contains("1 left") && fresh.contains("1 total"));
    client.close().await.unwrap();
}

#[tokio::test]
async fn adding_a_todo() {
    if skipped() {
        return;
    }
    let _one = browser::ONE_AT_A_TIME.lock().await;
    let app = TestApp::start();
    let client = open(&app).await;
    let input = client
        .find(fantoccini::Locator::Css(".new-todo__input"))
        .await
        .unwrap();
    input.send_keys("Buy <oat> milk").await.unwrap();
    click(&client, ".new-todo button").await;
    wait_for(
        &client,
        "return document.querySelectorAll('.todo').length === 4",
        10 * SECOND,
        "the new row",
    )
    .await;
    settle(&client).await;
    assert_eq!(text(&client, "#row-4 .todo__title").await, "Buy <oat> milk");
    assert_eq!(text(&client, "[data-pjx-id='counter']").await, "4 left");
    assert_eq!(text(&client, "[data-pjx-id='total']").await, "4 total");
    assert_eq!(
        js(
            &client,
            "return document.querySelector('.new-todo__input').value"
        )
        .await,
        ""
    );
    // The new row is a live region: toggling it works.
    click(&client, "#row-4 .todo__check").await;
    wait_for(
        &client,
        "return document.querySelector('#row-4').classList.contains('todo--done')",
        10 * SECOND,
        "row 4 done",
    )
    .await;
    client.close().await.unwrap();
}

const ROW_LIT: &str =
    "document.querySelector('#row-1').classList.contains('pjx-loading--skeleton')";
const CLEAR_LIT: &str = "document.querySelector(\"[data-pjx-id='clear'] button\").classList.contains('pjx-loading--spinner')";

#[tokio::test]
async fn loading_indicators_light_during_a_request_and_go_out_after() {
    if skipped() {
        return;
    }
    let _one = browser::ONE_AT_A_TIME.lock().await;
    let app = TestApp::start();
    let client = open(&app).await;
    app.rules
        .set("/rows/1/toggle", Rule::delay(Duration::from_millis(900)));
    click(&client, "#row-1 .todo__check").await;
    // Lit while in flight: the row shimmers, the shared clear button spins, row 2 does not.
    wait_for(
        &client,
        &format!("return {ROW_LIT}"),
        5 * SECOND,
        "row 1 to shimmer",
    )
    .await;
    assert_eq!(js(&client, &format!("return {CLEAR_LIT}")).await, true);
    assert_eq!(
        js(
            &client,
            "return document.querySelector('#row-2').classList.contains('pjx-loading')"
        )
        .await,
        false
    );
    // The look comes from the runtime's defaults (custom properties).
    let animation = js(
        &client,
        "return getComputedStyle(document.querySelector('#row-1')).animationName",
    )
    .await;
    assert_eq!(animation, "pjx-shimmer");
    // Released after.
    wait_for(
        &client,
        &format!("return !{ROW_LIT} && !{CLEAR_LIT}"),
        5 * SECOND,
        "release",
    )
    .await;
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

#[tokio::test]
async fn overlapping_requests_keep_a_shared_region_lit_until_the_last_ends() {
    if skipped() {
        return;
    }
    let _one = browser::ONE_AT_A_TIME.lock().await;
    let app = TestApp::start();
    let client = open(&app).await;
    app.rules
        .set("/rows/1/toggle", Rule::delay(Duration::from_millis(500)));
    app.rules
        .set("/rows/2/toggle", Rule::delay(Duration::from_millis(1800)));
    click(&client, "#row-1 .todo__check").await;
    click(&client, "#row-2 .todo__check").await;
    wait_for(
        &client,
        &format!("return {CLEAR_LIT}"),
        5 * SECOND,
        "the clear button to spin",
    )
    .await;
    // The first request ends (row 1 swapped and released), the second is still in flight.
    wait_for(
        &client,
        "return document.querySelector('#row-1').classList.contains('todo--done')",
        5 * SECOND,
        "row 1 done",
    )
    .await;
    assert_eq!(js(&client, &format!("return {ROW_LIT}")).await, false);
    assert_eq!(
        js(&client, &format!("return {CLEAR_LIT}")).await,
        true,
        "still lit by row 2's request"
    );
    assert_eq!(
        js(
            &client,
            "return document.querySelector('#row-2').classList.contains('pjx-loading--skeleton')"
        )
        .await,
        true
    );
    // Then the second ends too.
    wait_for(
        &client,
        &format!("return !{CLEAR_LIT}"),
        5 * SECOND,
        "the clear button to stop",
    )
    .await;
    settle(&client).await;
    assert_eq!(
        text(&client, "[data-pjx-id='clear'] button").await,
        "Clear completed (2)"
    );
    client.close().await.unwrap();
}

#[tokio::test]
async fn a_failed_request_releases_its_indicators() {
    if skipped() {
        return;
    }
    let _one = browser::ONE_AT_A_TIME.lock().await;
    let app = TestApp::start();
    let client = open(&app).await;
    app.rules.set(
        "/rows/1/toggle",
        Rule::fail(500, Duration::from_millis(600)),
    );
    click(&client, "#row-1 .todo__check").await;
    wait_for(
        &client,
        &format!("return {ROW_LIT}"),
        5 * SECOND,
        "row 1 to shimmer",
    )
    .await;
    wait_for(
        &client,
        &format!("return !{ROW_LIT} && !{CLEAR_LIT}"),
        5 * SECOND,
        "release after the error",
    )
    .await;
    // Nothing changed.
    assert_eq!(
        js(
            &client,
            "return document.querySelector('#row-1').classList.contains('todo--done')"
        )
        .await,
        false
    );
    assert_eq!(text(&client, "[data-pjx-id='counter']").await, "3 left");
    client.close().await.unwrap();
}

#[tokio::test]
async fn component_assets_arrive_once() {
    if skipped() {
        return;
    }
    let _one = browser::ONE_AT_A_TIME.lock().await;
    // A page with no rows at all: the row stylesheet is not loaded yet.
    let app = TestApp::start();
    for id in 1..=3 {
        app.store.toggle(id).unwrap();
    }
    app.store.clear_completed().unwrap();
    let client = open(&app).await;
    let row_css = "return [...document.querySelectorAll('link[rel=stylesheet]')].filter(l => l.getAttribute('href').endsWith('/item_row.css')).length";
    assert_eq!(js(&client, row_css).await, 0);
    // Record what the server sends, before the runtime takes the asset tags out.
    js(
        &client,
        &format!(
            "window.sent = []; document.addEventListener('{}', e => sent.push({})); return true",
            browser::ev("afterRequest", "after:request"),
            if browser::htmx4() {
                "e.detail.ctx.text"
            } else {
                "e.detail.xhr.responseText"
            }
        ),
    )
    .await;
    for (n, text) in ["first", "second"].iter().enumerate() {
        let input = client
            .find(fantoccini::Locator::Css(".new-todo__input"))
            .await
            .unwrap();
        input.send_keys(text).await.unwrap();
        click(&client, ".new-todo button").await;
        wait_for(
            &client,
            &format!(
                "return document.querySelectorAll('.todo').length === {}",
                n + 1
            ),
            10 * SECOND,
            "the new row",
        )
        .await;
        settle(&client).await;
        // The first row brought its stylesheet into <head>; the second did not bring it again.
        assert_eq!(js(&client, row_css).await, 1, "after adding {text}");
    }
    // The server sent it with the first row only: the second request reported it loaded.
    assert_eq!(
        js(&client, "return sent.map(r => r.includes('item_row.css'))").await,
        serde_json::json!([true, false])
    );
    // And it applies: rows are laid out as flex rows.
    assert_eq!(
        js(
            &client,
            "return getComputedStyle(document.querySelector('.todo')).display"
        )
        .await,
        "flex"
    );
    // Should a response carry an asset the page has anyway, the runtime adds it only once.
    // (htmx 2 hands the runtime the answer's text; htmx 4 its parsed fragments.)
    let html = r#"'<p>x</p><link rel="stylesheet" href="/x.css" data-pjx-asset="/x.css">'"#;
    let duplicate = if browser::htmx4() {
        format!(
            "const fragment = document.createRange().createContextualFragment({html}); \
             document.body.dispatchEvent(new CustomEvent('htmx:before:swap', {{ bubbles: true, detail: {{ ctx: {{}}, tasks: [{{ fragment }}] }} }})); \
             const div = document.createElement('div'); div.append(fragment); return div.innerHTML"
        )
    } else {
        format!(
            "const detail = {{ serverResponse: {html} }}; \
             document.body.dispatchEvent(new CustomEvent('htmx:beforeSwap', {{ bubbles: true, detail }})); return detail.serverResponse"
        )
    };
    let duplicate = duplicate.as_str();
    assert_eq!(
        js(&client, duplicate).await,
        "<p>x</p>",
        "asset tags are taken out of the swapped HTML"
    );
    js(&client, duplicate).await;
    assert_eq!(
        js(
            &client,
            "return document.head.querySelectorAll('link[href=\"/x.css\"]').length"
        )
        .await,
        1
    );
    client.close().await.unwrap();
}

#[tokio::test]
async fn toggling_a_row_on_the_overview_updates_the_badge_out_of_band() {
    if skipped() {
        return;
    }
    let _one = browser::ONE_AT_A_TIME.lock().await;
    let app = TestApp::start();
    let client = browser::open(&app.url("/overview")).await;
    assert_eq!(text(&client, "[data-pjx-id='open-badge']").await, "3 open");
    // The builtins' look reached the page: the badge's stylesheet, and the live progress
    // bar's own one (which replaced the builtin's).
    assert_eq!(
        js(
            &client,
            "return getComputedStyle(document.querySelector('.pjx-badge')).borderRadius"
        )
        .await,
        "999px"
    );
    assert_eq!(
        js(
            &client,
            "return getComputedStyle(document.querySelector('.pjx-progress__bar')).backgroundColor"
        )
        .await,
        "rgb(47, 107, 79)" // the app's accent, not the builtin's blue
    );
    // Mark DOM nodes: a replaced node is a new node without the mark; a morphed one keeps it.
    js(
        &client,
        "for (const id of ['open-badge', 'done-progress', 'total', 'row-1', 'row-2']) \
           document.querySelector(`[data-pjx-id='${id}']`).pjxMark = id; return true",
    )
    .await;
    click(&client, "#row-2 .todo__check").await;
    wait_for(
        &client,
        "return document.querySelector(\"[data-pjx-id='open-badge']\").textContent === '2 open'",
        10 * SECOND,
        "the badge to say 2 open",
    )
    .await;
    settle(&client).await;
    assert_eq!(
        js(
            &client,
            "return document.querySelector('#row-2').classList.contains('todo--done')"
        )
        .await,
        true
    );
    assert_eq!(
        js(
            &client,
            "return document.querySelector(\"[data-pjx-id='done-progress']\").getAttribute('aria-valuenow')"
        )
        .await,
        "1"
    );
    assert_eq!(text(&client, "[data-pjx-id='total']").await, "3 total");
    let marks = js(
        &client,
        "return ['open-badge', 'done-progress', 'total', 'row-1', 'row-2'].map(id => \
           document.querySelector(`[data-pjx-id='${id}']`).pjxMark === id)",
    )
    .await;
    // The badge and bar were morphed in place (their new text and value are checked above),
    // the total and row 1 untouched; row 2, the route's own answer, was replaced.
    assert_eq!(marks, serde_json::json!([true, true, true, true, false]));
    // Still in the card's header, and still the builtin's markup.
    assert_eq!(
        js(
            &client,
            "return document.querySelector(\".pjx-card__header [data-pjx-id='open-badge']\").className"
        )
        .await,
        "pjx-badge"
    );
    // Everything done: the badge turns green.
    for row in ["#row-1", "#row-3"] {
        click(&client, &format!("{row} .todo__check")).await;
        settle(&client).await;
    }
    wait_for(
        &client,
        "return document.querySelector(\"[data-pjx-id='open-badge']\").textContent === 'all done'",
        10 * SECOND,
        "the badge to say all done",
    )
    .await;
    assert_eq!(
        js(
            &client,
            "return document.querySelector(\"[data-pjx-id='open-badge']\").dataset.tone"
        )
        .await,
        "success"
    );
    client.close().await.unwrap();
}
