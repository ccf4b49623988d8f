//! Composites over HTTP: a page made of named child components (two components with events,
//! and a reactive region placed in a slot). An event of one child reaches that child alone —
//! its answer is that child, re-rendered from its own signed state — and the reactive region
//! in the slot follows the event's mutation out of band.

#[path = "common/board.rs"]
mod board;

use pjx_actix::Pjx;
use pjx_testkit::http::{Client, form_body};

/// The state token in `html`'s component `id`.
fn token(html: &str, id: &str) -> String {
    let start = format!("data-pjx-component-id=\"{id}\" hx-vals=\"{{&quot;state&quot;:&quot;");
    let at = html
        .find(&start)
        .unwrap_or_else(|| panic!("{id} in {html}"))
        + start.len();
    html[at..at + html[at..].find("&quot;").unwrap()].to_owned()
}

#[test]
fn an_event_of_a_child_reaches_that_child_alone_and_slots_follow_out_of_band() {
    let mut client = Client::new(board::serve(Pjx::new()));
    let res = client.get("/");
    assert_eq!(res.status, 200, "{}", res.body);
    let html = res.body;
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
    let mounted = format!(r#"[{{"id":"clicks","type":"clicks","hash":"{clicks_hash}"}}]"#);
    let res = client.request(
        "POST",
        "/components/tally",
        &[
            ("HX-Request", "true"),
            ("X-PJX-Mounted", &mounted),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        &form_body(&[
            ("event", "add"),
            ("payload", r#"{"by":1}"#),
            ("state", left.as_str()),
        ]),
    );
    assert_eq!(res.status, 200, "{}", res.body);
    let body = res.body;
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
