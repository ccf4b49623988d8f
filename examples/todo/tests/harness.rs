//! The todo app's real page and routes through pjx's harness: no HTTP, no browser. Each
//! request runs the route's own code in a request scope and is applied to the page as htmx
//! would apply it (out-of-band swaps first, then the primary with the route's swap mode).

use std::sync::Arc;

use pjx::LoadCx;
use pjx::testing::{PageTest, PrimarySwap};
use pjx_actix::Render;
use todo::Store;
use todo::components::{ItemRow, Overview, Page};

/// The page as the app serves it, on a fresh store (seeded with three open todos, ids 1–3).
async fn page() -> (PageTest, Arc<Store>) {
    let store = Arc::new(Store::open(None).unwrap());
    let mut page = PageTest::default().context(LoadCx::new().with(Arc::clone(&store)));
    page.load::<Page>().await;
    (page, store)
}

#[tokio::test]
async fn adding_a_todo_appends_its_row_and_the_counts_follow() {
    let (mut page, store) = page().await;
    // `POST /todos`: the new row is the primary, appended to the list (`hx-swap="beforeend"`).
    let run = page
        .request(PrimarySwap::before_end("list"), async {
            let todo = store.add("bread").unwrap();
            ItemRow::render(todo.id).await.unwrap().0
        })
        .await;
    assert_eq!(run.dirtied, ["todos:4"]);
    assert_eq!(run.swapped(), ["counter", "total"]);
    assert_eq!(run.unchanged(), ["clear"]); // nothing completed: same state, not sent
    assert!(page.region("counter").unwrap().contains("4 left"));
    assert!(page.region("total").unwrap().contains("4 total"));
    // The row arrives once: as the primary, at the end of the list, not again out of band.
    assert_eq!(page.html().matches(">bread</span>").count(), 1);
    let list = page.region("list").unwrap();
    assert!(list.find("data-pjx-id=\"row-3\"") < list.find("data-pjx-id=\"row-4\""));
}

#[tokio::test]
async fn toggling_replaces_its_row_and_leaves_the_others_alone() {
    let (mut page, store) = page().await;
    // `POST /rows/2/toggle`: the row replaces itself (`hx-swap="outerHTML"`).
    let run = page
        .request(PrimarySwap::outer_html("row-2"), async {
            let todo = store.toggle(2).unwrap();
            ItemRow::render(todo.id).await.unwrap().0
        })
        .await;
    assert_eq!(run.dirtied, ["todos:2"]);
    assert_eq!(run.swapped(), ["counter", "clear"]);
    assert_eq!(run.unchanged(), ["total"]);
    assert!(page.region("row-2").unwrap().contains("todo--done"));
    assert!(!page.region("row-1").unwrap().contains("todo--done"));
    assert!(page.region("clear").unwrap().contains("(1)"));
}

#[tokio::test]
async fn clearing_completed_deletes_their_rows_out_of_band() {
    let (mut page, store) = page().await;
    page.request(PrimarySwap::outer_html("row-1"), async {
        store.toggle(1).unwrap();
        ItemRow::render(1).await.unwrap().0
    })
    .await;
    // `POST /todos/clear-completed`: nothing of its own (`HX-Reswap: none`); the list and
    // the counts follow out of band, and the cleared row is gone.
    let run = page
        .request(PrimarySwap::None, async {
            store.clear_completed().unwrap();
            String::new()
        })
        .await;
    assert!(run.swapped().contains(&"list"), "{:?}", run.walk);
    assert!(page.region("row-1").is_none());
    assert!(page.region("row-2").is_some());
}

#[tokio::test]
async fn toggling_on_the_overview_updates_the_badge_and_progress_bar_out_of_band() {
    let store = Arc::new(Store::open(None).unwrap());
    let mut page = PageTest::default().context(LoadCx::new().with(Arc::clone(&store)));
    // The overview's `LoadPage` is written by hand (a card of composites, not regions alone).
    page.load::<Overview>().await;
    assert!(page.region("open-badge").unwrap().contains(">3 open<"));
    // `POST /rows/2/toggle` from the overview: the same row and route as on the main page.
    let run = page
        .request(PrimarySwap::outer_html("row-2"), async {
            let todo = store.toggle(2).unwrap();
            ItemRow::render(todo.id).await.unwrap().0
        })
        .await;
    assert_eq!(run.dirtied, ["todos:2"]);
    assert_eq!(run.swapped(), ["open-badge", "done-progress"]);
    assert_eq!(run.unchanged(), ["total"]);
    assert!(page.region("row-2").unwrap().contains("todo--done"));
    let badge = page.region("open-badge").unwrap();
    assert!(
        badge.contains(">2 open<") && badge.contains(r#"data-tone="info""#),
        "{badge}"
    );
    let progress = page.region("done-progress").unwrap();
    assert!(progress.contains(r#"aria-valuenow="1""#) && progress.contains("width: 33%"));
    // The badge and bar sit where the card's slots put them.
    let html = page.html();
    let header =
        &html[html.find("pjx-card__header").unwrap()..html.find("pjx-card__body").unwrap()];
    assert!(header.contains(">2 open<"));
}
