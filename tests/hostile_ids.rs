//! Region ids from user data that htmx's selector code treats specially — commas (htmx splits
//! every swap selector on them), `body`, `closest …`, `find …`, quotes, backslashes, `<…/>`,
//! unicode — in Chromium with the vendored htmx: each region updates (morphs: the very element,
//! its content fresh) and deletes exactly itself, and the page around them is untouched.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{App, HttpResponse, web};
use pjx::prelude::*;
use pjx_actix::Pjx;
use pjx_testkit::browser::{self, js, settle, skipped, wait_for};
use pjx_testkit::server::serve;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// Ids a user could type as tag names: each is a region id.
const IDS: [&str; 17] = [
    "a, body, b",
    "a, find main",
    "x'] , body [y='",
    "q\"uote",
    "back\\slash",
    "body",
    "closest main",
    "find li",
    "next",
    "document, window",
    "ünï, cödé 🌶",
    "<x/>, body",
    "a/>,b",
    "global body",
    "#canary",
    "todos:7",
    "outerHTML:body",
];

#[derive(MutationKey)]
enum Keys {
    Tags,
}

/// Tag name → version.
#[derive(Default)]
struct Tags(Mutex<BTreeMap<String, u32>>);

impl Tags {
    #[mutates(Keys::Tags)]
    fn bump_all(&self) {
        for version in self.0.lock().unwrap().values_mut() {
            *version += 1;
        }
    }

    #[mutates(Keys::Tags.at(&name))]
    fn remove(&self, name: String) {
        self.0.lock().unwrap().remove(&name);
    }
}

#[reactive(react = [Keys::Tags], source = "<li class=\"tag\">{{ name }} v{{ version }}</li>")]
#[derive(Serialize)]
struct Tag {
    id: String,
    #[pjx_key]
    name: String,
    version: u32,
}

#[reactive]
impl Tag {
    fn load(name: String, cx: &LoadCx) -> Result<Self, LoadError> {
        let version = *cx
            .require::<Arc<Tags>>()?
            .0
            .lock()
            .unwrap()
            .get(&name)
            .ok_or(LoadError::NotFound)?;
        Ok(Tag {
            id: name.clone(),
            name,
            version,
        })
    }
}

fn tags(req: &actix_web::HttpRequest) -> Arc<Tags> {
    req.app_data::<web::Data<Tags>>()
        .unwrap()
        .clone()
        .into_inner()
}

async fn page(req: actix_web::HttpRequest) -> HttpResponse {
    let cx = LoadCx::new().with(tags(&req));
    let names: Vec<String> = tags(&req).0.lock().unwrap().keys().cloned().collect();
    let rows: String = names
        .into_iter()
        .map(|name| Tag::load(name, &cx).unwrap().to_html().unwrap())
        .collect();
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(format!(
            r#"<!doctype html><html><head><title>tags</title></head><body>
<main><p id="canary">canary</p><ul class="tags">{rows}</ul>
<button id="bump" hx-post="/bump">bump</button></main></body></html>"#
        ))
}

async fn bump(req: actix_web::HttpRequest) -> HttpResponse {
    tags(&req).bump_all();
    HttpResponse::Ok().finish()
}

#[derive(Deserialize)]
struct Remove {
    name: String,
}

async fn remove(req: actix_web::HttpRequest, form: web::Form<Remove>) -> HttpResponse {
    tags(&req).remove(form.into_inner().name);
    HttpResponse::Ok().finish()
}

fn server() -> String {
    let state = web::Data::new(Tags(Mutex::new(
        IDS.iter().map(|id| (id.to_string(), 1)).collect(),
    )));
    let pjx = Pjx::new()
        .context(|req| LoadCx::new().with(tags(req)))
        .htmx(pjx_testkit::browser::htmx_line().parse().unwrap());
    let addr = serve(move || {
        App::new()
            .wrap(pjx.clone())
            .app_data(state.clone())
            .route("/", web::get().to(page))
            .route("/bump", web::post().to(bump))
            .route("/remove", web::post().to(remove))
    });
    format!("http://{addr}/")
}

/// Marks every node that must survive, and records what htmx reports going wrong.
const WATCH: &str = "window.errors = [];
  for (const ev of ['htmx:oobErrorNoTarget', 'htmx:swapError', 'htmx:targetError', 'htmx:responseError', 'htmx:error', 'htmx:response:error', 'pjx:error'])
    document.addEventListener(ev, (e) => errors.push(ev));
  window.addEventListener('error', (e) => errors.push('error: ' + e.message));
  document.body.pjxMark = 'body'; document.querySelector('main').pjxMark = 'main';
  document.querySelector('#canary').pjxMark = 'canary';
  for (const li of document.querySelectorAll('li.tag')) li.pjxMark = li.dataset.pjxId;
  return true";

/// Each tag's `[id, text, still the node it was when marked]`, in page order.
const TAGS: &str = "return [...document.querySelectorAll('li.tag')].map(li => [li.getAttribute('data-pjx-id'), li.textContent, li.pjxMark === li.dataset.pjxId])";

const INTACT: &str = "return document.body.pjxMark === 'body' && document.querySelector('main').pjxMark === 'main' \
  && document.querySelector('#canary').pjxMark === 'canary' && document.querySelectorAll('li.tag').length";

#[tokio::test]
async fn hostile_ids_update_and_delete_exactly_themselves() {
    if skipped() {
        return;
    }
    let _one = browser::ONE_AT_A_TIME.lock().await;
    let url = server();
    let client = browser::open(&url).await;
    let mut sorted: Vec<&str> = IDS.to_vec();
    sorted.sort();
    let expect = |version: u32, same: bool, without: &[&str]| -> Value {
        Value::Array(
            sorted
                .iter()
                .filter(|id| !without.contains(id))
                .map(|id| json!([id, format!("{id} v{version}"), same]))
                .collect(),
        )
    };
    assert_eq!(
        js(&client, TAGS).await,
        expect(1, false, &[]),
        "the page as served"
    );
    js(&client, WATCH).await;

    // Every tag changes: seventeen out-of-band swaps, each morphing its own region.
    js(
        &client,
        "document.querySelector('#bump').click(); return true",
    )
    .await;
    wait_for(
        &client,
        "return [...document.querySelectorAll('li.tag')].every(li => li.textContent.endsWith(' v2'))",
        Duration::from_secs(10),
        "every tag at v2",
    )
    .await;
    settle(&client).await;
    assert_eq!(js(&client, "return errors").await, json!([]));
    assert_eq!(js(&client, INTACT).await, IDS.len());
    // Each is the very node it was (morphed, not replaced) with its fresh content, none is
    // lost, each carries its own id, and the morph's temporary ids are gone.
    assert_eq!(js(&client, TAGS).await, expect(2, true, &[]));
    assert_eq!(
        js(&client, "return document.querySelectorAll('li[id]').length").await,
        json!(0),
        "no temporary id left"
    );

    // Deleting two tags removes those two regions and nothing else.
    js(&client, WATCH).await;
    for name in ["a, body, b", "x'] , body [y='"] {
        js(
            &client,
            &format!(
                "htmx.ajax('POST', '/remove', {{ source: '#bump', swap: 'none', values: {{ name: {} }} }}); return true",
                serde_json::to_string(name).unwrap()
            ),
        )
        .await;
        settle(&client).await;
    }
    wait_for(
        &client,
        &format!(
            "return document.querySelectorAll('li.tag').length === {}",
            IDS.len() - 2
        ),
        Duration::from_secs(10),
        "two tags deleted",
    )
    .await;
    assert_eq!(js(&client, "return errors").await, json!([]));
    assert_eq!(js(&client, INTACT).await, IDS.len() - 2);
    let left = js(&client, TAGS).await;
    let mut expected = expect(2, true, &["a, body, b", "x'] , body [y='"]);
    assert_eq!(left, expected, "the others are the very nodes they were");
    // And what is left still updates.
    js(
        &client,
        "document.querySelector('#bump').click(); return true",
    )
    .await;
    wait_for(
        &client,
        "return [...document.querySelectorAll('li.tag')].every(li => li.textContent.endsWith(' v3'))",
        Duration::from_secs(10),
        "every tag at v3",
    )
    .await;
    settle(&client).await;
    expected = expect(3, true, &["a, body, b", "x'] , body [y='"]);
    assert_eq!(js(&client, TAGS).await, expected);
    assert_eq!(js(&client, "return errors").await, json!([]));
    client.close().await.unwrap();
}
