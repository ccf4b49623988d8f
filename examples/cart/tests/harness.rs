//! The cart's real page and events through pjx's harness: no HTTP, no browser. The page holds
//! components with events (signed with the harness's keys) and reactive regions; an event on
//! it answers with the component's render and the out-of-band swaps its mutations cause.

use std::sync::Arc;

use cart::Store;
use cart::components::{Cart, Page};
use pjx::prelude::*;
use pjx::testing::{ComponentTest, PageTest};
use serde_json::json;

fn context() -> LoadCx {
    // What `Pjx::data::<Store>()` gives every request of the app.
    LoadCx::new().with(Arc::new(Store::open(None).unwrap()))
}

#[tokio::test]
async fn the_page_renders_its_components_with_events_signed_and_stamped() {
    let mut page = PageTest::default().context(context());
    page.sign_in(Some(Identity::user("ann")));
    page.load_with(async |cx: &LoadCx| Page::load(cx).await)
        .await;
    let html = page.html();
    // The cart carries a signed state token; the badge and order list are stamped regions.
    assert!(
        html.contains("hx-vals=\"{&quot;state&quot;:&quot;v2."),
        "{html}"
    );
    assert!(page.region("cart-badge-user:ann").is_some(), "{html}");
    assert!(page.region("orders-user:ann").is_some(), "{html}");
    // A signed-in shopper sees the checkout too.
    assert!(html.contains("Place order"), "{html}");
}

#[tokio::test]
async fn adding_to_the_cart_updates_the_badge_out_of_band() {
    let cx = context();
    let mut page = PageTest::default().context(cx.clone());
    page.sign_in(Some(Identity::user("ann")));
    page.load_with(async |cx: &LoadCx| Page::load(cx).await)
        .await;

    let mut t = ComponentTest::<Cart>::new()
        .context(cx)
        .on_page(page.html());
    t.sign_in(Some(Identity::user("ann")));
    t.mount(()).await.unwrap();
    t.dispatch("add_item", json!({ "product_id": 1, "size": "M" }))
        .await
        .unwrap();
    assert_eq!(t.dirtied(), ["cart:user:ann"]);
    assert_eq!(t.swapped(), ["cart-badge-user:ann"]);
    let badge = t.page().unwrap().region("cart-badge-user:ann").unwrap();
    assert!(badge.contains("<b>1</b>"), "{badge}");
    // Nobody else's regions moved: the order list does not react to carts.
    assert!(t.walk().unchanged().is_empty() && t.walk().deleted().is_empty());
}
