//! The composite both composite tests serve: a page built from a composite whose slots hold
//! two components with events (two tallies, left at 10 and right at 20) and a reactive
//! region counting every click. Included with `#[path]` by each test binary (not in the
//! crate's library, whose components every test binary would register).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, Ordering};

use actix_web::{App, HttpResponse, web};
use pjx::prelude::*;
use pjx_actix::Pjx;
use serde::{Deserialize, Serialize};

#[derive(MutationKey)]
pub enum Keys {
    Clicks,
}

/// Every click of every tally (each test binary runs one server).
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

/// The composite: two typed children with events, and a slot for the region.
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
        .content_type("text/html; charset=utf-8")
        .body(format!(
            "<!doctype html><html><head><title>board</title></head><body>{}</body></html>",
            board.to_html()?
        )))
}

/// The board on a real server on loopback, with `pjx` and the dispatch route.
pub fn serve(pjx: Pjx) -> SocketAddr {
    pjx_testkit::server::serve(move || {
        App::new()
            .wrap(pjx.clone())
            .service(pjx_actix::components())
            .route("/", web::get().to(page))
    })
}
