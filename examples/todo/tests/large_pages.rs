//! Pages too large to report every region in a request header, over HTTP: what pjx.js sends
//! for them (modelled by `pjx::testing::client_manifest`), the sync request that follows when
//! regions it left out need updating, and the walk's budget against forged manifests.

mod support;

use pjx::testing::{ClientManifest, Dom, client_manifest};
use support::{Response, TestApp, form_body, htmx_headers};

/// A todo app holding `rows` todos.
fn app_with(rows: usize) -> TestApp {
    let store = todo::Store::open(None).unwrap();
    for n in 4..=rows {
        store.add(&format!("todo number {n}")).unwrap();
    }
    TestApp::with_store(store)
}

fn htmx(app: &TestApp, method: &str, path: &str, sent: &ClientManifest) -> Response {
    let res = app.request(method, path, &htmx_headers(&sent.header, &[]), "");
    assert!(
        res.status < 400,
        "{method} {path}: {} {}",
        res.status,
        res.body
    );
    res
}

/// Posts the sync request the client would send after `res`, if any.
fn sync(app: &TestApp, page: &Dom, sent: &ClientManifest, res: &Response) -> Option<Response> {
    let sync = sent.sync(page, res.header("x-pjx-dirtied"))?;
    let keys = serde_json::to_string(&sync.keys).unwrap();
    let body = form_body(&[("keys", &keys), ("mounted", &sync.mounted)]);
    let headers = [
        ("HX-Request", "true"),
        ("Content-Type", "application/x-www-form-urlencoded"),
    ];
    Some(app.request("POST", "/_pjx/sync", &headers, &body))
}

#[test]
fn a_page_of_10000_rows_works_for_every_kind_of_request() {
    let app = app_with(10_000);
    let page = app.request("GET", "/", &[], "");
    assert_eq!(page.status, 200);
    let page = Dom::new(page.body);
    assert_eq!(page.manifest().len(), 10_004);

    // GET from a row: the header stays far below what actix-web refuses (128 KiB).
    let sent = client_manifest(&page, Some("row-7"));
    assert!(sent.is_partial() && sent.header.len() <= 32 * 1024);
    let res = htmx(&app, "GET", "/rows/7", &sent);
    assert!(res.body.contains(r#"id="row-7""#));

    // A toggle: the row (the primary) and the counts; nothing left out is concerned.
    let sent = client_manifest(&page, Some("row-5000"));
    let res = htmx(&app, "POST", "/rows/5000/toggle", &sent);
    assert!(
        res.body
            .starts_with("<li id=\"row-5000\" class=\"todo todo--done\"")
    );
    assert!(res.body.contains(">9999 left<"), "{}", res.body);
    assert!(sync(&app, &page, &sent, &res).is_none());

    // Adding: the new row and the counts.
    let sent = client_manifest(&page, None);
    let headers = {
        let mut h = htmx_headers(&sent.header, &[]);
        h.push(("Content-Type", "application/x-www-form-urlencoded"));
        h
    };
    let res = app.request("POST", "/todos", &headers, "text=one+more");
    assert_eq!(res.status, 200);
    assert!(res.body.contains(">10001 total<"));
    assert!(sync(&app, &page, &sent, &res).is_none());

    // Marking all done concerns every row: the rows left out of the header go to the sync
    // route, which has more to render than its budget and tells the page to reload.
    let res = htmx(&app, "POST", "/todos/complete-all", &sent);
    assert_eq!(res.header("x-pjx-dirtied"), Some(r#"["todos"]"#));
    assert!(res.body.contains(">0 left<"));
    let res = sync(&app, &page, &sent, &res).expect("rows left out need updating");
    assert_eq!(res.status, 200);
    assert_eq!(res.header("hx-refresh"), Some("true"));
    assert!(res.body.is_empty());
}

/// The ids of the out-of-band fragments in a body.
fn oob_ids(body: &str) -> Vec<String> {
    Dom::new(format!("<x>{body}</x>"))
        .manifest()
        .entries()
        .filter(|e| e.depth == 0)
        .map(|e| e.id.to_owned())
        .collect()
}

#[test]
fn the_sync_request_updates_the_regions_a_partial_header_left_out() {
    let app = app_with(1_500);
    let page = Dom::new(app.request("GET", "/", &[], "").body);
    let sent = client_manifest(&page, None);
    assert!(sent.is_partial());
    let res = htmx(&app, "POST", "/todos/complete-all", &sent);
    assert_eq!(res.header("hx-refresh"), None);
    let first = oob_ids(&res.body);
    let res = sync(&app, &page, &sent, &res).expect("rows left out need updating");
    assert_eq!(res.status, 200);
    assert_eq!(res.header("hx-refresh"), None);
    assert_eq!(res.header("hx-reswap"), Some("none"));
    let second = oob_ids(&res.body);
    // The header's rows and the counts in the first answer, every row it left out in the
    // second: each row exactly once.
    assert_eq!(second, sent.omitted);
    let mut all: Vec<String> = first.into_iter().chain(second).collect();
    all.sort();
    let mut expected: Vec<String> = (1..=1_500).map(|n| format!("row-{n}")).collect();
    expected.extend(["clear".to_owned(), "counter".to_owned()]);
    expected.sort();
    assert_eq!(all, expected);
}

#[test]
fn forged_sync_requests_cost_at_most_the_walk_budget() {
    let app = app_with(3);
    let post =
        |headers: &[(&str, &str)], body: &str| app.request("POST", "/_pjx/sync", headers, body);
    let form = [
        ("HX-Request", "true"),
        ("Content-Type", "application/x-www-form-urlencoded"),
    ];
    // 3,100 rows that do not exist: over the budget, so nothing is loaded and the page is
    // told to reload (a forged manifest costs no more than an honest one may).
    let rows: Vec<String> = (1..=3_100)
        .map(|n| format!(r#"["row-{n}",0,"00","{n}"]"#))
        .collect();
    let mounted = format!(r#"{{"t":["item_row"],"m":[{}]}}"#, rows.join(","));
    let body = form_body(&[("keys", r#"["todos"]"#), ("mounted", &mounted)]);
    let started = std::time::Instant::now();
    let res = post(&form, &body);
    assert_eq!(res.status, 200);
    assert_eq!(res.header("hx-refresh"), Some("true"));
    assert!(res.body.is_empty());
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    // Under the budget: one forged row's id is walked like any other (a delete, nothing else).
    let body = form_body(&[
        ("keys", r#"["todos", "nope", "todos:x:y"]"#),
        (
            "mounted",
            r#"{"t":["item_row"],"m":[["a, body",0,"00","999"]]}"#,
        ),
    ]);
    let res = post(&form, &body);
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(
        res.body,
        r#"<div hx-swap-oob="delete:[data-pjx-id='a\2c  body']"></div>"#
    );
    // Not from htmx (a page on another site can post a form, not add a header): refused.
    let res = post(&form[1..], &body);
    assert_eq!(res.status, 403);
    // Malformed: a clear 400.
    for bad in [
        "keys=%5B%5D",
        "mounted=%5B%5D",
        "keys=nope&mounted=%5B%5D",
        "keys=%5B%5D&mounted=nope",
        "keys=%5B%5D&keys=%5B%5D&mounted=%5B%5D",
        "%zz=%%%",
    ] {
        let res = post(&form, bad);
        assert_eq!(res.status, 400, "{bad}: {}", res.body);
        assert!(res.body.contains("\"error\""), "{bad}: {}", res.body);
    }
}
