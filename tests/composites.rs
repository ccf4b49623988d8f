//! Composites over HTTP: a page made of named child components (two components with events,
//! and a reactive region placed in a slot). An event of one child reaches that child alone —
//! its answer is that child, re-rendered from its own signed state — and the reactive region
//! in the slot follows the event's mutation out of band.

use std::sync::atomic::{AtomicI64, Ordering};

use actix_web::{App, HttpResponse, test as at, web};
use pjx::prelude::*;
use pjx_actix::Pjx;
use serde::{Deserialize, Serialize};

#[derive(MutationKey)]
enum Keys {
    Clicks,
}

static CLICKS: AtomicI64 = AtomicI64::new(0);

#[component(
    name = "tally",
    source = r#"<div class="tally"><b>{{ count }}</b><button {{ self.add_event(1) }}>+1</button></div>"#
)]
#[derive(Serialize, Deserialize)]
struct Tally {
    id: String,
    count: i64,
}

#[component]
impl Tally {
    fn mount() -> Tally {
        Tally {
            id: "tally".into(),
            count: 0,
        }
    }

    #[mutates(Keys::Clicks)]
    fn on_add(&mut self, by: i64) {
        self.count += by;
        CLICKS.fetch_add(by, Ordering::SeqCst);
    }
}

#[reactive(react = [Keys::Clicks], source = "<span class=\"clicks\">{{ n }} clicks</span>")]
struct Clicks {
    n: i64,
}

#[reactive]
impl Clicks {
    fn load() -> Result<Self, LoadError> {
        Ok(Clicks {
            n: CLICKS.load(Ordering::SeqCst),
        })
    }
}

/// The composite: named children, typed, and a slot for anything.
#[component(
    source = "<main><header>{{ status }}</header><section>{{ left }}{{ right }}</section></main>"
)]
struct Board {
    #[pjx(slot)]
    left: Slot<Tally>,
    #[pjx(slot)]
    right: Slot<Tally>,
    #[pjx(slot)]
    status: Slot,
}

async fn page() -> actix_web::Result<HttpResponse> {
    let board = Board::builder()
        .left(Tally {
            id: "left".into(),
            count: 10,
        })
        .right(Tally {
            id: "right".into(),
            count: 20,
        })
        .status(Clicks::load()?)
        .build();
    Ok(HttpResponse::Ok()
        .content_type("text/html")
        .body(board.to_html()?))
}

/// The state token in `html`'s component `id`.
fn token(html: &str, id: &str) -> String {
    let start = format!("data-pjx-component-id=\"{id}\" hx-vals=\"{{&quot;state&quot;:&quot;");
    let at = html
        .find(&start)
        .unwrap_or_else(|| panic!("{id} in {html}"))
        + start.len();
    html[at..at + html[at..].find("&quot;").unwrap()].to_owned()
}

#[actix_web::test]
async fn an_event_of_a_child_reaches_that_child_alone_and_slots_follow_out_of_band() {
    let app = at::init_service(
        App::new()
            .wrap(Pjx::new())
            .service(pjx_actix::components())
            .route("/", web::get().to(page)),
    )
    .await;
    let res = at::call_service(&app, at::TestRequest::get().uri("/").to_request()).await;
    assert!(res.status().is_success());
    let cookies: Vec<_> = res.response().cookies().map(|c| c.into_owned()).collect();
    let html = String::from_utf8(at::read_body(res).await.to_vec()).unwrap();
    // Both children are stamped as themselves; the region in the slot as a region.
    assert!(html.contains("data-pjx-component-id=\"left\""), "{html}");
    assert!(html.contains("data-pjx-component-id=\"right\""));
    assert!(
        html.contains("<span class=\"clicks\" data-pjx-id=\"clicks\""),
        "{html}"
    );
    let clicks_hash = {
        let at = html.find("data-pjx-hash=\"").unwrap() + 15;
        html[at..at + html[at..].find('"').unwrap()].to_owned()
    };

    let left = token(&html, "left");
    let mut post = at::TestRequest::post()
        .uri("/components/tally")
        .insert_header(("HX-Request", "true"))
        .insert_header((
            "X-PJX-Mounted",
            format!(r#"[{{"id":"clicks","type":"clicks","hash":"{clicks_hash}"}}]"#),
        ))
        .set_form([
            ("event", "add"),
            ("payload", r#"{"by":1}"#),
            ("state", left.as_str()),
        ]);
    for cookie in cookies {
        post = post.cookie(cookie);
    }
    let res = at::call_service(&app, post.to_request()).await;
    assert!(res.status().is_success(), "{}", res.status());
    let body = String::from_utf8(at::read_body(res).await.to_vec()).unwrap();
    // The primary is the left child alone, from its own state (10 + 1).
    assert!(
        body.starts_with(
            "<div class=\"tally\" data-pjx-component=\"tally\" data-pjx-component-id=\"left\""
        ),
        "{body}"
    );
    assert!(body.contains("<b>11</b>"), "{body}");
    assert!(!body.contains("\"right\""), "{body}");
    // The region in the slot follows out of band.
    assert!(
        body.contains("hx-swap-oob=\"outerHTML:[data-pjx-id='clicks']\""),
        "{body}"
    );
    assert!(body.contains(">1 clicks</span>"), "{body}");
    assert_eq!(body.matches("data-pjx-component=").count(), 1, "{body}");
}
