//! A page loaded whole (`#[derive(LoadPage)]` and the `Loaded` extractor), against a real
//! server on loopback.

use std::net::SocketAddr;

use actix_web::{App, web};
use pjx::prelude::*;
use pjx_actix::{Html, Loaded, Pjx};
use pjx_testkit::http;
use pjx_testkit::server::serve;

#[derive(MutationKey)]
enum Keys {
    Todos,
}

/// How many todos there are, from the load context; `None` means the store says "no such
/// list" (a `LoadError::NotFound`).
#[derive(Clone, Copy)]
struct Todos(Option<u32>);

#[reactive(react = [Keys::Todos], source = "<b>{{ n }} left</b>", name = "left")]
struct Left {
    n: u32,
}

#[reactive]
impl Left {
    fn load(cx: &LoadCx) -> Result<Self, LoadError> {
        let n = cx.require::<Todos>()?.0.ok_or(LoadError::NotFound)?;
        Ok(Left { n })
    }
}

#[reactive(react = [Keys::Todos], source = "<i>{{ n }} total</i>", name = "total")]
struct Total {
    n: u32,
}

#[reactive]
impl Total {
    async fn load(cx: &LoadCx) -> Result<Self, LoadError> {
        let n = cx.require::<Todos>()?.0.ok_or(LoadError::NotFound)?;
        Ok(Total { n: n * 2 })
    }
}

#[component(source = "<main>{{ left }} / {{ total }}</main>")]
#[derive(LoadPage)]
struct Page {
    left: Left,
    total: Total,
}

async fn index(page: Loaded<Page>) -> Html<Page> {
    page.into_html()
}

fn server(todos: Todos) -> SocketAddr {
    serve(move || {
        App::new()
            .wrap(Pjx::new().context(move |_| LoadCx::new().with(todos)))
            .route("/", web::get().to(index))
    })
}

#[test]
fn a_page_of_regions_loads_in_one_extractor() {
    let addr = server(Todos(Some(3)));
    let res = http::request(addr, "GET", "/", &[], "");
    assert_eq!(res.status, 200, "{}", res.body);
    assert!(res.body.contains("3 left</b>"), "{}", res.body);
    assert!(res.body.contains("6 total</i>"), "{}", res.body);
    // Each region is stamped, so later mutations find it.
    assert!(res.body.contains(r#"data-pjx-type="left""#), "{}", res.body);
    assert!(
        res.body.contains(r#"data-pjx-type="total""#),
        "{}",
        res.body
    );
}

#[test]
fn a_region_that_is_not_found_makes_the_page_a_404() {
    let addr = server(Todos(None));
    let res = http::request(addr, "GET", "/", &[], "");
    assert_eq!(res.status, 404, "{}", res.body);
}
