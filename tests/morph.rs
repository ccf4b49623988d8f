//! Region updates morph (idiomorph on htmx 2, `outerMorph` on htmx 4), in Chromium: the input
//! being typed into keeps its text, focus and caret while another request updates the region
//! around it; an open `<details>` and a scroll position survive; a keyed list reordered by an
//! update keeps each row's element; a form's own submit still clears it; a region stamped
//! `data-pjx-morph="false"` is replaced. The morph glue loads only on pages with regions,
//! including a page that gains its first region from an htmx update.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{App, HttpResponse, web};
use fantoccini::Locator;
use pjx::prelude::*;
use pjx_actix::Pjx;
use pjx_testkit::browser::{self, js, settle, skipped, wait_for};
use pjx_testkit::server::serve;
use serde::Serialize;
use serde_json::json;

#[derive(MutationKey)]
enum Keys {
    Board,
}

/// The board: a version every update bumps, and the rows' order.
struct Board(Mutex<(u32, Vec<u32>)>);

impl Board {
    #[mutates(Keys::Board)]
    fn bump(&self) {
        self.0.lock().unwrap().0 += 1;
    }

    #[mutates(Keys::Board)]
    fn reverse(&self) {
        let mut board = self.0.lock().unwrap();
        board.0 += 1;
        board.1.reverse();
    }
}

fn board(cx: &LoadCx) -> Result<(u32, Vec<u32>), LoadError> {
    Ok(cx.require::<Arc<Board>>()?.0.lock().unwrap().clone())
}

/// A region holding a form, an open-able `<details>` and a scrolled box.
#[reactive(
    react = [Keys::Board],
    source = r#"<section class="panel"><p class="v">v{{ version }}</p>
<form class="note-form" hx-post="/submit" hx-swap="none"><input class="note" name="text" autocomplete="off"></form>
<details class="more"><summary>more</summary><p>inside</p></details>
<div class="scroll" style="height:40px;overflow:auto"><div style="height:400px">v{{ version }}</div></div></section>"#
)]
struct Panel {
    version: u32,
}

#[reactive]
impl Panel {
    fn load(cx: &LoadCx) -> Result<Self, LoadError> {
        Ok(Panel {
            version: board(cx)?.0,
        })
    }
}

/// The same, stamped not to morph.
#[reactive(
    react = [Keys::Board],
    source = r#"<section class="plain" data-pjx-morph="false"><p class="v">v{{ version }}</p></section>"#
)]
struct Plain {
    version: u32,
}

#[reactive]
impl Plain {
    fn load(cx: &LoadCx) -> Result<Self, LoadError> {
        Ok(Plain {
            version: board(cx)?.0,
        })
    }
}

/// One keyed row; no `id` of its own, only its region id.
#[reactive(
    react = [Keys::Board],
    source = r#"<li class="row">row {{ n }} v{{ version }} <button class="pick">pick {{ n }}</button></li>"#
)]
#[derive(Serialize)]
struct Row {
    #[pjx_key]
    n: u32,
    version: u32,
}

#[reactive]
impl Row {
    fn load(n: u32, cx: &LoadCx) -> Result<Self, LoadError> {
        Ok(Row {
            n,
            version: board(cx)?.0,
        })
    }
}

/// The rows, in the board's order.
#[reactive(
    react = [Keys::Board],
    source = "<ul class=\"rows\">{% for row in rows %}{{ row }}{% endfor %}</ul>"
)]
struct Rows {
    rows: Vec<Row>,
}

#[reactive]
impl Rows {
    fn load(cx: &LoadCx) -> Result<Self, LoadError> {
        let (version, order) = board(cx)?;
        Ok(Rows {
            rows: order.into_iter().map(|n| Row { n, version }).collect(),
        })
    }
}

fn cx(req: &actix_web::HttpRequest) -> LoadCx {
    let board = req.app_data::<web::Data<Board>>().unwrap().clone();
    LoadCx::new().with(board.into_inner())
}

async fn page(req: actix_web::HttpRequest) -> HttpResponse {
    let cx = cx(&req);
    let body = format!(
        r#"<!doctype html><html><head><title>morph</title></head><body><main>{}{}{}
<button id="bump" hx-post="/bump" hx-swap="none">bump</button></main></body></html>"#,
        Panel::load(&cx).unwrap().to_html().unwrap(),
        Plain::load(&cx).unwrap().to_html().unwrap(),
        Rows::load(&cx).unwrap().to_html().unwrap(),
    );
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(body)
}

/// A page without a region: it loads no morph glue until an update brings one.
async fn empty() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(
            r##"<!doctype html><html><head><title>empty</title></head><body><main><div id="slot"></div>
<button id="bump" hx-post="/bump" hx-swap="none">bump</button>
<button id="show" hx-get="/panel" hx-target="#slot">show</button></main></body></html>"##,
        )
}

/// The panel alone, as a fragment.
async fn panel(req: actix_web::HttpRequest) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(Panel::load(&cx(&req)).unwrap().to_html().unwrap())
}

fn board_of(req: &actix_web::HttpRequest) -> Arc<Board> {
    req.app_data::<web::Data<Board>>()
        .unwrap()
        .clone()
        .into_inner()
}

async fn bump(req: actix_web::HttpRequest) -> HttpResponse {
    board_of(&req).bump();
    HttpResponse::Ok().finish()
}

async fn reverse(req: actix_web::HttpRequest) -> HttpResponse {
    board_of(&req).reverse();
    HttpResponse::Ok().finish()
}

fn server() -> String {
    let state = web::Data::new(Board(Mutex::new((1, vec![1, 2, 3, 4, 5]))));
    let pjx = Pjx::new()
        .context(cx)
        .htmx(browser::htmx_line().parse().unwrap());
    let addr = serve(move || {
        App::new()
            .wrap(pjx.clone())
            .app_data(state.clone())
            .route("/", web::get().to(page))
            .route("/bump", web::post().to(bump))
            .route("/submit", web::post().to(bump))
            .route("/reverse", web::post().to(reverse))
            .route("/empty", web::get().to(empty))
            .route("/panel", web::get().to(panel))
    });
    format!("http://{addr}/")
}

const ERRORS: &str = "window.errors = [];
  for (const ev of ['htmx:oobErrorNoTarget', 'htmx:swapError', 'htmx:targetError', 'htmx:responseError', 'htmx:error', 'htmx:response:error', 'pjx:error'])
    document.addEventListener(ev, (e) => errors.push(ev));
  window.addEventListener('error', (e) => errors.push('error: ' + e.message));
  return true";

async fn post(client: &fantoccini::Client, url: &str) {
    js(
        client,
        &format!("htmx.ajax('POST', '{url}', {{ source: '#bump', swap: 'none' }}); return true"),
    )
    .await;
}

#[tokio::test]
async fn region_updates_morph() {
    if skipped() {
        return;
    }
    let _one = browser::ONE_AT_A_TIME.lock().await;
    let url = server();
    let client = browser::open(&url).await;
    js(&client, ERRORS).await;

    // Type into the region's input, put the caret inside the text, open the details, scroll.
    let input = client.find(Locator::Css(".note")).await.unwrap();
    input.click().await.unwrap();
    input.send_keys("hello world").await.unwrap();
    js(
        &client,
        "const i = document.querySelector('.note'); i.setSelectionRange(5, 5);
         document.querySelector('.more').open = true;
         document.querySelector('.scroll').scrollTop = 100;
         document.querySelector('.panel').pjxMark = 'panel';
         document.querySelector('.plain').pjxMark = 'plain';
         document.body.pjxMark = 'body'; document.querySelector('main').pjxMark = 'main';
         return true",
    )
    .await;

    // Another request updates the region around the input.
    post(&client, "/bump").await;
    wait_for(
        &client,
        "return document.querySelector('.panel .v').textContent === 'v2'",
        Duration::from_secs(10),
        "the panel at v2",
    )
    .await;
    settle(&client).await;
    let state = js(
        &client,
        "const i = document.querySelector('.note'), p = document.querySelector('.panel');
         return [p.pjxMark, p.getAttribute('data-pjx-id'), p.querySelector('.scroll div').textContent,
           i.value, document.activeElement === i, i.selectionStart, i.selectionEnd,
           document.querySelector('.more').open, document.querySelector('.scroll').scrollTop,
           document.body.pjxMark, document.querySelector('main').pjxMark,
           document.querySelector('.plain .v').textContent, document.querySelector('.plain').pjxMark || null,
           document.querySelectorAll('[id^=\"pjx-morph-\"]').length, errors]",
    )
    .await;
    assert_eq!(
        state,
        json!([
            "panel",
            "panel",
            "v2",
            "hello world",
            true,
            5,
            5,
            true,
            100,
            "body",
            "main",
            "v2",
            null,
            0,
            []
        ]),
        "the panel morphed around the input; the region that opts out was replaced"
    );

    // Typing goes on where the caret is.
    client
        .find(Locator::Css(".note"))
        .await
        .unwrap()
        .send_keys(",")
        .await
        .unwrap();
    assert_eq!(
        js(&client, "return document.querySelector('.note').value").await,
        json!("hello, world")
    );

    // The form's own submit answers with the region: that clears the field.
    client
        .find(Locator::Css(".note"))
        .await
        .unwrap()
        .send_keys("\u{E007}")
        .await
        .unwrap();
    wait_for(
        &client,
        "return document.querySelector('.panel .v').textContent === 'v3'",
        Duration::from_secs(10),
        "the panel at v3",
    )
    .await;
    settle(&client).await;
    assert_eq!(
        js(
            &client,
            "return [document.querySelector('.note').value, document.querySelector('.panel').pjxMark, errors]"
        )
        .await,
        json!(["", "panel", []])
    );

    // A reorder keeps every row's element, and the focus on the row it was on.
    js(
        &client,
        "for (const li of document.querySelectorAll('li.row')) li.pjxMark = li.getAttribute('data-pjx-id');
         document.querySelector('.rows').pjxMark = 'rows';
         document.querySelectorAll('.pick')[1].focus(); return true",
    )
    .await;
    post(&client, "/reverse").await;
    wait_for(
        &client,
        "return document.querySelector('li.row').textContent.startsWith('row 5 v4')",
        Duration::from_secs(10),
        "the rows reversed",
    )
    .await;
    settle(&client).await;
    let rows = js(
        &client,
        "return [document.querySelector('.rows').pjxMark,
           [...document.querySelectorAll('li.row')].map(li => [li.textContent, li.pjxMark === li.getAttribute('data-pjx-id'), li.id]),
           document.activeElement.textContent, errors]",
    )
    .await;
    assert_eq!(
        rows,
        json!([
            "rows",
            [
                ["row 5 v4 pick 5", true, ""],
                ["row 4 v4 pick 4", true, ""],
                ["row 3 v4 pick 3", true, ""],
                ["row 2 v4 pick 2", true, ""],
                ["row 1 v4 pick 1", true, ""]
            ],
            "pick 2",
            []
        ])
    );
    client.close().await.unwrap();
}

#[tokio::test]
async fn morph_loads_only_with_the_first_region() {
    if skipped() {
        return;
    }
    let _one = browser::ONE_AT_A_TIME.lock().await;
    let url = server();
    let client = browser::open(&format!("{url}empty")).await;
    js(&client, ERRORS).await;
    let loaded = "return [!!pjx.morph, !!window.Idiomorph,
        [...document.scripts].filter(s => /pjx-morph|idiomorph/.test(s.src)).length]";
    assert_eq!(
        js(&client, loaded).await,
        json!([false, false, 0]),
        "a page without regions loads no morph"
    );

    // The first region arrives with an htmx update: the glue (after idiomorph, on htmx 2) loads.
    client
        .find(Locator::Id("show"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(
        &client,
        "return pjx.morph === true",
        Duration::from_secs(10),
        "the morph glue loaded",
    )
    .await;
    let v4 = browser::htmx_line() == "4";
    assert_eq!(
        js(&client, loaded).await,
        json!([true, !v4, if v4 { 1 } else { 2 }])
    );

    // From then on, the region's updates morph around the text being typed.
    let input = client.find(Locator::Css(".note")).await.unwrap();
    input.click().await.unwrap();
    input.send_keys("typed").await.unwrap();
    js(
        &client,
        "document.querySelector('.panel').pjxMark = 'panel'; return true",
    )
    .await;
    post(&client, "/bump").await;
    wait_for(
        &client,
        "return document.querySelector('.panel .v').textContent === 'v2'",
        Duration::from_secs(10),
        "the panel at v2",
    )
    .await;
    settle(&client).await;
    assert_eq!(
        js(
            &client,
            "const i = document.querySelector('.note');
             return [document.querySelector('.panel').pjxMark, i.value, document.activeElement === i, errors]"
        )
        .await,
        json!(["panel", "typed", true, []])
    );
    client.close().await.unwrap();
}
