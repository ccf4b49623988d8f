//! The todo app over HTTP on loopback: every route, every error, the fan-out each request
//! carries, and what happens with malformed, forged and very large manifests.

mod support;

use pjx::testing::{Dom, PrimarySwap, compact_mounted_header, manifest_from_html};
use support::{Response, TestApp, form, htmx_headers};

/// The ids of the regions sent out of band, in order.
fn oob_ids(body: &str) -> Vec<String> {
    body.split("hx-swap-oob=\"")
        .skip(1)
        .filter_map(|rest| {
            let value = &rest[..rest.find('"')?];
            let id = value.split("[data-pjx-id='").nth(1)?;
            Some(id.trim_end_matches("']").to_owned())
        })
        .collect()
}

fn oob_style(body: &str, id: &str) -> Option<String> {
    body.split("hx-swap-oob=\"")
        .skip(1)
        .find(|rest| {
            rest.starts_with(&format!("outerHTML:[data-pjx-id='{id}']"))
                || rest.starts_with(&format!("delete:[data-pjx-id='{id}']"))
        })
        .map(|rest| rest.split(':').next().unwrap().to_owned())
}

fn primary(body: &str) -> &str {
    // The primary comes first; out-of-band regions follow it.
    let first_oob = body
        .find(" hx-swap-oob=\"")
        .map(|at| body[..at].rfind('<').unwrap());
    &body[..first_oob.unwrap_or(body.len())]
}

fn post(app: &TestApp, path: &str, mounted: &str, body: &str) -> Response {
    let mut headers = htmx_headers(mounted, &[]);
    if !body.is_empty() {
        headers.push(("Content-Type", "application/x-www-form-urlencoded"));
    }
    app.request("POST", path, &headers, body)
}

#[test]
fn the_page_has_every_region_and_the_runtime_once() {
    let app = TestApp::start();
    let page = app.request("GET", "/", &[], "");
    assert_eq!(page.status, 200);
    assert!(
        page.header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    let body = &page.body;
    let manifest = manifest_from_html(body);
    let regions: Vec<(&str, Option<&str>)> =
        manifest.entries().map(|e| (e.id, e.type_name)).collect();
    assert_eq!(
        regions,
        [
            ("counter", Some("counter")),
            ("total", Some("total")),
            ("list", Some("list")),
            ("row-1", Some("item_row")),
            ("row-2", Some("item_row")),
            ("row-3", Some("item_row")),
            ("clear", Some("clear")),
        ]
    );
    let dom = Dom::new(body.clone());
    assert!(
        dom.region("list")
            .unwrap()
            .contains("data-pjx-reacts=\"todo-list\"")
    );
    for id in ["row-1", "counter", "total", "clear"] {
        assert!(
            dom.region(id)
                .unwrap()
                .contains("data-pjx-reacts=\"todos\""),
            "{id}"
        );
    }
    assert!(dom.region("counter").unwrap().contains(">3 left<"));
    assert!(dom.region("total").unwrap().contains(">3 total<"));
    assert!(dom.region("clear").unwrap().contains("Clear completed (0)"));
    for (n, text) in ["Write the docs", "Ship reactivity", "Touch grass"]
        .iter()
        .enumerate()
    {
        assert!(
            dom.region(&format!("row-{}", n + 1))
                .unwrap()
                .contains(text)
        );
    }
    assert!(body.contains(r#"<form class="new-todo" method="post" action="/todos""#));
    assert!(body.contains(r#"name="text""#));
    // The runtime, injected once, and the stylesheets of the components on the page.
    assert_eq!(body.matches(pjx_actix::pjx_js_url()).count(), 1);
    assert_eq!(body.matches(pjx_actix::htmx_url()).count(), 1);
    assert_eq!(body.matches("/app.css\"").count(), 1);
    assert_eq!(body.matches("/item_row.css\"").count(), 1);
    let head_end = body.find("</head>").unwrap();
    assert!(body.find(pjx_actix::pjx_js_url()).unwrap() < head_end);
    // Of the optional parts, only those the page needs (it has loading indicators and regions,
    // and no component), after the runtime; idiomorph (htmx 2's morph) before the morph glue.
    use pjx_actix::ClientPart;
    let line = pjx_actix::HtmxLine::V2;
    let at = |url: &str| {
        let src = format!("src=\"{url}\"");
        assert_eq!(body.matches(&src).count(), 1, "{url} once");
        body.find(&src).unwrap()
    };
    assert!(at(pjx_actix::pjx_js_url()) < at(ClientPart::Loading.url(line)));
    assert!(at(ClientPart::Loading.url(line)) < at(pjx_actix::idiomorph_url()));
    assert!(at(pjx_actix::idiomorph_url()) < at(ClientPart::Morph.url(line)));
    assert!(at(ClientPart::Morph.url(line)) < head_end);
    assert!(!body.contains(ClientPart::Optimistic.url(line)));
    assert!(!body.contains(ClientPart::Stream.url(line)));
}

#[test]
fn runtime_files_are_served_from_the_binary_with_long_cache_lifetimes() {
    let app = TestApp::start();
    use pjx_actix::{ClientPart, HtmxLine};
    let mut files = vec![(pjx_actix::idiomorph_url(), pjx_actix::IDIOMORPH_JS)];
    // Both lines are served whichever the app runs on (each at its own URLs).
    for line in [HtmxLine::V2, HtmxLine::V4] {
        files.push((line.htmx_url(), line.js()));
        files.push((line.pjx_js_url(), line.pjx_js()));
        files.extend(ClientPart::ALL.map(|part| (part.url(line), part.js(line))));
    }
    for (url, content) in files {
        let res = app.request("GET", url, &[], "");
        assert_eq!(res.status, 200);
        assert_eq!(res.body, content);
        assert_eq!(
            res.header("content-type"),
            Some("text/javascript; charset=utf-8")
        );
        assert_eq!(
            res.header("cache-control"),
            Some("public, max-age=31536000, immutable")
        );
        let head = app.request("HEAD", url, &[], "");
        assert_eq!(head.status, 200);
        assert!(head.body.is_empty());
    }
    let page = app.request("GET", "/", &[], "").body;
    let css = page
        .split("href=\"")
        .find(|s| s.contains("app.css"))
        .unwrap();
    let css_url = &css[..css.find('"').unwrap()];
    let res = app.request("GET", css_url, &[], "");
    assert_eq!(res.status, 200);
    assert!(res.body.contains(".app {"));
    assert_eq!(res.header("content-type"), Some("text/css; charset=utf-8"));
    assert_eq!(
        app.request("GET", "/_pjx/pjx.0000000000000000.js", &[], "")
            .status,
        404
    );
    assert_eq!(
        app.request("GET", "/_pjx/assets/0/app.css", &[], "").status,
        404
    );
    assert_eq!(
        app.request("POST", pjx_actix::pjx_js_url(), &[], "").status,
        405
    );
}

#[test]
fn toggling_sends_the_row_and_what_changed_with_it() {
    let app = TestApp::start();
    let (_, mounted) = app.page();
    let res = post(&app, "/rows/2/toggle", &mounted, "");
    assert_eq!(res.status, 200);
    assert_eq!(res.header("hx-reswap"), None);
    let row = primary(&res.body);
    assert!(
        row.starts_with("<li id=\"row-2\" class=\"todo todo--done\""),
        "{row}"
    );
    // The counter and the clear button changed; the total and the other rows did not.
    assert_eq!(oob_ids(&res.body), ["counter", "clear"]);
    assert!(res.body.contains(">2 left<") && res.body.contains("Clear completed (1)"));
}

#[test]
fn hash_gating_skips_what_the_client_already_shows() {
    let app = TestApp::start();
    let (page, _) = app.page();
    let mut dom = Dom::new(page);
    for step in 0..4 {
        let mounted = compact_mounted_header(&dom.manifest());
        let res = post(&app, "/rows/1/toggle", &mounted, "");
        assert_eq!(res.status, 200);
        // Each toggle changes the counter and the clear button, never the total or row 2.
        assert_eq!(oob_ids(&res.body), ["counter", "clear"], "step {step}");
        let reply = pjx::Reply {
            body: res.body,
            ..Default::default()
        };
        dom.apply(&reply, PrimarySwap::OuterHtml("row-1".into()))
            .unwrap();
    }
    // After an even number of toggles the page is as it started, and as the server renders it.
    let fresh = app.page().0;
    assert_eq!(dom.html(), fresh);
}

#[test]
fn adding_sends_the_new_row_and_the_counts() {
    let app = TestApp::start();
    let (_, mounted) = app.page();
    let res = post(
        &app,
        "/todos",
        &mounted,
        &form("text", "  Buy <oat> milk & tea  "),
    );
    assert_eq!(res.status, 200);
    let row = primary(&res.body);
    assert!(row.starts_with("<li id=\"row-4\" class=\"todo\""), "{row}");
    assert!(row.contains("Buy &#60;oat&#62; milk &#38; tea"), "{row}");
    assert_eq!(oob_ids(&res.body), ["counter", "total"]);
    assert!(res.body.contains(">4 left<") && res.body.contains(">4 total<"));
}

#[test]
fn bad_input_is_a_422_and_changes_nothing() {
    let app = TestApp::start();
    let (_, mounted) = app.page();
    for body in [
        "",
        "text=",
        "text=+++",
        "other=x",
        &form("text", &"x".repeat(201)),
    ] {
        let res = post(&app, "/todos", &mounted, body);
        assert_eq!(res.status, 422, "body {body:?}");
        assert!(oob_ids(&res.body).is_empty());
    }
    // A body that is not a form at all.
    let headers = htmx_headers(&mounted, &[("Content-Type", "application/json")]);
    assert_eq!(app.request("POST", "/todos", &headers, "{}").status, 415);
    assert_eq!(app.store.all().unwrap().len(), 3);
}

#[test]
fn an_oversized_form_or_a_repeated_text_gets_its_own_error() {
    let app = TestApp::start();
    let (_, mounted) = app.page();
    // Over the 16 KB form limit (the 200-character text limit is checked after it).
    let res = post(&app, "/todos", &mounted, &form("text", &"x".repeat(17_000)));
    assert_eq!(res.status, 413, "{}", res.body);
    assert!(res.body.contains("16384 bytes"), "{}", res.body);
    // Two texts: which one was meant?
    let res = post(&app, "/todos", &mounted, "text=milk&text=tea");
    assert_eq!(res.status, 422, "{}", res.body);
    assert!(
        res.body.contains("`text`") && res.body.contains("twice"),
        "{}",
        res.body
    );
    // A body in another format is still told to be a form.
    let headers = htmx_headers(&mounted, &[("Content-Type", "text/plain")]);
    let res = app.request("POST", "/todos", &headers, "text=milk");
    assert_eq!(res.status, 415, "{}", res.body);
    assert!(res.body.contains("application/x-www-form-urlencoded"));
    assert_eq!(app.store.all().unwrap().len(), 3);
}

#[test]
fn unknown_rows_are_a_404() {
    let app = TestApp::start();
    let (_, mounted) = app.page();
    assert_eq!(post(&app, "/rows/99/toggle", &mounted, "").status, 404);
    assert_eq!(app.request("POST", "/rows/99/toggle", &[], "").status, 404);
    assert_eq!(
        app.request("POST", "/rows/not-a-number/toggle", &[], "")
            .status,
        404
    );
}

#[test]
fn clearing_completed_sends_no_primary_and_deletes_the_rows() {
    let app = TestApp::start();
    app.store.toggle(1).unwrap();
    app.store.toggle(3).unwrap();
    let (_, mounted) = app.page();
    let res = post(&app, "/todos/clear-completed", &mounted, "");
    assert_eq!(res.status, 200);
    assert_eq!(res.header("hx-reswap"), Some("none"));
    assert_eq!(primary(&res.body), "");
    // The list (holding the remaining row) and the counts. The removed rows were inside the
    // list, whose swap removes them: a delete for them would find no target.
    assert_eq!(oob_ids(&res.body), ["total", "list", "clear"]);
    assert_eq!(oob_style(&res.body, "list").as_deref(), Some("outerHTML"));
    assert!(!res.body.contains("delete:"));
    assert!(res.body.contains(">1 total<") && res.body.contains("Clear completed (0)"));
    // The counter did not change (one open todo before and after).
    assert!(!oob_ids(&res.body).contains(&"counter".to_owned()));
}

#[test]
fn without_javascript_forms_post_and_redirect() {
    let app = TestApp::start();
    let res = app.request(
        "POST",
        "/todos",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        &form("text", "no js"),
    );
    assert_eq!(res.status, 303);
    assert_eq!(res.header("location"), Some("/"));
    let res = app.request("POST", "/rows/1/toggle", &[], "");
    assert_eq!((res.status, res.header("location")), (303, Some("/")));
    let res = app.request("POST", "/todos/clear-completed", &[], "");
    assert_eq!((res.status, res.header("location")), (303, Some("/")));
    assert_eq!(app.store.all().unwrap().len(), 3); // row 1 cleared, "no js" added
}

#[test]
fn malformed_manifests_are_ignored_not_errors() {
    let app = TestApp::start();
    for mounted in [
        "",
        "not json",
        "{",
        "[1,2,3]",
        r#"{"t":1,"m":2}"#,
        "null",
        r#"[{"id":null}]"#,
    ] {
        let res = post(&app, "/rows/1/toggle", mounted, "");
        assert_eq!(res.status, 200, "manifest {mounted:?}");
        assert!(primary(&res.body).contains("id=\"row-1\""));
        assert!(
            oob_ids(&res.body).is_empty(),
            "manifest {mounted:?}: {:?}",
            oob_ids(&res.body)
        );
    }
    // Headers that are not even text.
    let mut raw = b"POST /rows/2/toggle HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 0\r\nHX-Request: true\r\nX-PJX-Mounted: \xff\xfe[\r\nX-PJX-Assets: \xc3\r\n\r\n".to_vec();
    let mut stream = std::net::TcpStream::connect(app.addr).unwrap();
    std::io::Write::write_all(&mut stream, &raw).unwrap();
    raw.clear();
    std::io::Read::read_to_end(&mut stream, &mut raw).unwrap();
    let res = support::parse_response(&raw);
    assert_eq!(res.status, 200);
}

#[test]
fn forged_manifests_cannot_escape_or_inflate_the_response() {
    let app = TestApp::start();
    let hostile = r#"[
        {"id":"x'] , body, [y='","type":"item_row","load":"1"},
        {"id":"row-2","type":"item_row","load":"2 OR 1=1"},
        {"id":"row-3","type":"item_row","load":"3","hash":"<script>"},
        {"id":"a","type":"not_registered"},
        {"id":"b","type":"counter","hash":"0000000000000000"},
        {"id":"c","type":"counter","hash":"0000000000000000"}
    ]"#
    .replace('\n', "");
    let res = post(&app, "/todos/clear-completed", &hostile, "");
    assert_eq!(res.status, 200);
    // The hostile id is escaped inside the selector (its commas too, which htmx would split
    // the selector on); the bad key and unknown type are skipped; the forged hash means
    // nothing; the counter reported under two ids is loaded once and updated under each.
    assert!(
        res.body
            .contains(r#"hx-swap-oob="outerHTML:[data-pjx-id='x\'] \2c  body\2c  [y=\'']""#),
        "{}",
        res.body
    );
    assert_eq!(oob_ids(&res.body).len(), 4, "{:?}", oob_ids(&res.body));
    assert_eq!(res.body.matches("hx-swap-oob").count(), 4);
    assert!(!res.body.contains("<script>"));
}

#[test]
fn an_oversized_manifest_is_refused_by_the_server_not_crashed_on() {
    let app = TestApp::start();
    let huge = format!("[{}]", vec![r#"{"id":"row-1"}"#; 20_000].join(","));
    let res = post(&app, "/rows/1/toggle", &huge, "");
    // actix-web refuses request heads over 128 KiB before any handler runs.
    assert_eq!(res.status, 431);
    // The app is still fine.
    assert_eq!(app.request("GET", "/", &[], "").status, 200);
}

#[test]
fn a_page_with_2000_regions_reports_what_a_toggle_concerns() {
    let store = todo::Store::open(None).unwrap();
    for n in 4..=2_000 {
        store.add(&format!("todo number {n}")).unwrap();
    }
    let app = TestApp::with_store(store);
    let (page, _) = app.page();
    assert_eq!(manifest_from_html(&page).len(), 2_004);
    // The whole manifest would not fit the client runtime's header budget: it reports the
    // toggled row, the regions holding it and the unkeyed regions first, and marks it partial.
    let page = pjx::testing::Dom::new(page);
    let sent = pjx::testing::client_manifest(&page, Some("row-1500"));
    assert!(sent.is_partial());
    assert!(sent.header.len() <= pjx::testing::CLIENT_HEADER_BUDGET);
    let res = post(&app, "/rows/1500/toggle", &sent.header, "");
    assert_eq!(res.status, 200);
    assert!(primary(&res.body).contains("id=\"row-1500\""));
    assert_eq!(oob_ids(&res.body), ["counter", "clear"]);
    // The answer names the dirtied key; no region left out is concerned, so no sync follows.
    assert_eq!(res.header("x-pjx-dirtied"), Some(r#"["todos:1500"]"#));
    assert!(sent.sync(&page, res.header("x-pjx-dirtied")).is_none());
}

// The overview page (`GET /overview`): a builtin `Card` whose slots hold composites, with a
// live `Badge` and `ProgressBar` (`extends`), the list region, and the total.

/// The page at `path`, and the compact manifest header the client runtime would send for it.
fn page_at(app: &TestApp, path: &str) -> (String, String) {
    let page = app.request("GET", path, &[], "");
    assert_eq!(page.status, 200, "{}", page.body);
    let manifest = manifest_from_html(&page.body);
    (page.body, compact_mounted_header(&manifest))
}

/// The stylesheet tags in `<head>` whose URL ends with `/{path}`.
fn stylesheets(body: &str, path: &str) -> usize {
    let head = &body[..body.find("</head>").unwrap()];
    head.matches(&format!("/{path}\"")).count()
}

#[test]
fn the_overview_is_a_card_of_regions_with_each_builtins_stylesheet_once() {
    let app = TestApp::start();
    let (body, _) = page_at(&app, "/overview");
    let manifest = manifest_from_html(&body);
    let regions: Vec<(&str, Option<&str>)> =
        manifest.entries().map(|e| (e.id, e.type_name)).collect();
    assert_eq!(
        regions,
        [
            ("open-badge", Some("open_badge")),
            ("done-progress", Some("done_progress")),
            ("list", Some("list")),
            ("row-1", Some("item_row")),
            ("row-2", Some("item_row")),
            ("row-3", Some("item_row")),
            ("total", Some("total")),
        ]
    );
    let dom = Dom::new(body.clone());
    // The live badge is the builtin's markup, stamped as a region, in the card's header.
    let badge = dom.region("open-badge").unwrap();
    assert!(
        badge.starts_with(r#"<span class="pjx-badge" data-tone="info""#),
        "{badge}"
    );
    assert!(
        badge.contains(">3 open</span>") && badge.contains(r#"aria-label="3 of 3 todos open""#)
    );
    let progress = dom.region("done-progress").unwrap();
    assert!(
        progress.contains(r#"role="progressbar""#) && progress.contains(r#"aria-valuenow="0""#)
    );
    let header =
        &body[body.find("pjx-card__header").unwrap()..body.find("pjx-card__body").unwrap()];
    assert!(header.contains("data-pjx-id=\"open-badge\""), "{header}");
    let footer = &body[body.find("pjx-card__footer").unwrap()..];
    assert!(footer.contains("data-pjx-id=\"total\"") && footer.contains(r#"href="/""#));
    // Each component's stylesheet once, in <head>: the builtins' (card, badge), the app's,
    // the rows'. The live progress bar ships its own stylesheet, which replaces the
    // builtin's: `pjx/progress.css` is left out.
    for css in [
        "pjx/card.css",
        "pjx/badge.css",
        "done_progress.css",
        "app.css",
        "item_row.css",
    ] {
        assert_eq!(stylesheets(&body, css), 1, "{css}");
        assert_eq!(body.matches(&format!("/{css}\"")).count(), 1, "{css}");
    }
    assert_eq!(body.matches("/pjx/progress.css\"").count(), 0);
    // No empty state while there are todos.
    assert!(!body.contains("pjx-empty"));
    assert_eq!(body.matches("/pjx/empty.css\"").count(), 0);
    // The main page links here.
    let (main, _) = app.page();
    assert!(main.contains(r#"href="/overview""#));
}

#[test]
fn the_overview_without_todos_shows_the_empty_state_and_its_stylesheet() {
    let app = TestApp::start();
    app.store.complete_all().unwrap();
    app.store.clear_completed().unwrap();
    let (body, _) = page_at(&app, "/overview");
    assert!(body.contains(
        r#"<div class="pjx-empty" role="status"><p class="pjx-empty__title">Nothing to do</p>"#
    ));
    assert!(!body.contains("data-pjx-id=\"list\""));
    for css in [
        "pjx/card.css",
        "pjx/badge.css",
        "pjx/empty.css",
        "done_progress.css",
    ] {
        assert_eq!(stylesheets(&body, css), 1, "{css}");
    }
    let dom = Dom::new(body);
    assert!(dom.region("open-badge").unwrap().contains(">all done<"));
    assert!(
        dom.region("done-progress")
            .unwrap()
            .contains(r#"aria-valuemax="0""#)
    );
}

#[test]
fn a_toggle_on_the_overview_sends_the_badge_and_progress_bar_out_of_band() {
    let app = TestApp::start();
    let (_, mounted) = page_at(&app, "/overview");
    let res = post(&app, "/rows/2/toggle", &mounted, "");
    assert_eq!(res.status, 200);
    let row = primary(&res.body);
    assert!(
        row.starts_with("<li id=\"row-2\" class=\"todo todo--done\""),
        "{row}"
    );
    // The badge and the progress bar changed; the total and the other rows did not. (The
    // main page's counter and clear button are not on this page: not sent.)
    assert_eq!(oob_ids(&res.body), ["open-badge", "done-progress"]);
    assert_eq!(
        oob_style(&res.body, "open-badge").as_deref(),
        Some("outerHTML")
    );
    assert!(res.body.contains(">2 open</span>"), "{}", res.body);
    assert!(res.body.contains(r#"aria-valuenow="1""#) && res.body.contains("width: 33%"));
    // Done with everything: the badge says so.
    post(&app, "/rows/1/toggle", &mounted, "");
    let res = post(&app, "/rows/3/toggle", &mounted, "");
    assert_eq!(oob_ids(&res.body), ["open-badge", "done-progress"]);
    assert!(res.body.contains(r#"data-tone="success""#) && res.body.contains(">all done</span>"));
    assert!(res.body.contains("width: 100%"));
}
