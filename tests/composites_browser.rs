//! Composites with events in Chromium, on a real server: a full page built from a composite
//! whose slots hold two components with events (two tallies) and a reactive region. A click
//! on one child re-renders that child alone — the other child is the very DOM node it was,
//! its state untouched — and the region in the other slot follows the event's mutation out
//! of band. Each child keeps its own signed state across events.

#[path = "common/board.rs"]
mod board;

use std::time::Duration;

use pjx_actix::Pjx;
use pjx_testkit::browser::{self, click, js, settle, skipped, text, wait_for};
use serde_json::json;

fn server() -> String {
    let addr = board::serve(Pjx::new().htmx(browser::htmx_line().parse().unwrap()));
    format!("http://{addr}/")
}

const LEFT: &str = "[data-pjx-component-id='left']";
const RIGHT: &str = "[data-pjx-component-id='right']";
const CLICKS_REGION: &str = "[data-pjx-id='clicks']";

/// Records what htmx and the page report going wrong, and marks the nodes to follow.
const WATCH: &str = "window.errors = [];
  for (const ev of ['htmx:oobErrorNoTarget', 'htmx:swapError', 'htmx:targetError', 'htmx:responseError', 'htmx:error', 'htmx:response:error', 'pjx:error'])
    document.addEventListener(ev, (e) => errors.push(ev));
  window.addEventListener('error', (e) => errors.push('error: ' + e.message));
  document.querySelector('main').pjxMark = 'main';
  document.querySelector(\"[data-pjx-component-id='left']\").pjxMark = 'left';
  document.querySelector(\"[data-pjx-component-id='right']\").pjxMark = 'right';
  return true";

/// Whether each of main, left and right is still the node marked by `WATCH`.
const SAME: &str = "return [
    document.querySelector('main').pjxMark === 'main',
    document.querySelector(\"[data-pjx-component-id='left']\").pjxMark === 'left',
    document.querySelector(\"[data-pjx-component-id='right']\").pjxMark === 'right',
  ]";

#[tokio::test]
async fn a_childs_event_rerenders_that_child_alone_and_the_slotted_region_follows() {
    if skipped() {
        return;
    }
    let _one = browser::ONE_AT_A_TIME.lock().await;
    let url = server();
    let client = browser::open(&url).await;
    assert_eq!(text(&client, &format!("{LEFT} b")).await, "10");
    assert_eq!(text(&client, &format!("{RIGHT} b")).await, "20");
    assert_eq!(text(&client, CLICKS_REGION).await, "0 clicks");
    // The region sits in the composite's header slot, the children in its section.
    assert_eq!(
        js(
            &client,
            "return [!!document.querySelector(\"main > header > [data-pjx-id='clicks']\"), \
               document.querySelectorAll('main > section > .tally').length]"
        )
        .await,
        json!([true, 2])
    );
    js(&client, WATCH).await;

    // The left child's event: the left child alone is re-rendered from its own state.
    click(&client, &format!("{LEFT} button")).await;
    wait_for(
        &client,
        &format!("return document.querySelector(\"{LEFT} b\").textContent === '11'"),
        Duration::from_secs(10),
        "the left tally at 11",
    )
    .await;
    // The region in the other slot follows out of band.
    wait_for(
        &client,
        &format!("return document.querySelector(\"{CLICKS_REGION}\").textContent === '1 clicks'"),
        Duration::from_secs(10),
        "the clicks region at 1",
    )
    .await;
    settle(&client).await;
    assert_eq!(js(&client, "return errors").await, json!([]));
    assert_eq!(text(&client, &format!("{RIGHT} b")).await, "20");
    let same = js(&client, SAME).await;
    assert_eq!(same[0], true, "the composite's main is the node it was");
    assert_eq!(same[2], true, "the right child is the very node it was");
    assert_eq!(
        js(&client, "return document.querySelectorAll('.tally').length").await,
        2,
        "still two children, no duplicate"
    );

    // The right child's event: it counts from its own state, and the left keeps its count.
    js(&client, WATCH).await;
    click(&client, &format!("{RIGHT} button")).await;
    wait_for(
        &client,
        &format!("return document.querySelector(\"{RIGHT} b\").textContent === '21'"),
        Duration::from_secs(10),
        "the right tally at 21",
    )
    .await;
    wait_for(
        &client,
        &format!("return document.querySelector(\"{CLICKS_REGION}\").textContent === '2 clicks'"),
        Duration::from_secs(10),
        "the clicks region at 2",
    )
    .await;
    settle(&client).await;
    assert_eq!(js(&client, "return errors").await, json!([]));
    assert_eq!(text(&client, &format!("{LEFT} b")).await, "11");
    let same = js(&client, SAME).await;
    assert_eq!(same[0], true, "the composite's main is the node it was");
    assert_eq!(same[1], true, "the left child is the very node it was");

    // The left child again: from its own signed state (11), not the right's.
    click(&client, &format!("{LEFT} button")).await;
    wait_for(
        &client,
        &format!("return document.querySelector(\"{LEFT} b\").textContent === '12'"),
        Duration::from_secs(10),
        "the left tally at 12",
    )
    .await;
    settle(&client).await;
    assert_eq!(text(&client, &format!("{RIGHT} b")).await, "21");
    assert_eq!(text(&client, CLICKS_REGION).await, "3 clicks");
    assert_eq!(js(&client, "return errors").await, json!([]));
    client.close().await.unwrap();
}
