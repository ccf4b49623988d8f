//! Typed events (issue 10): the trigger builders `#[component] impl` generates per event, the
//! arguments the browser sends (`#[form]`), a typed `optimistic`, and `binds = [...]`.

use pjx::prelude::*;
use pjx::stateful::EventRequest;
use pjx::testing::ComponentTest;
use serde::{Deserialize, Serialize};
use serde_json::json;

// ------------------------------------------------ the same triggers, typed and by name

#[component(
    name = "shelf",
    binds = [count, label],
    source = r#"<div><b {{ self.bind_count() }}>{{ count }}</b><i {{ self.bind_label().attr("title") }}></i><p id="typed"><button {{ self.add_event(2, "tee") }}>+</button><button {{ self.rename_event(line.id) }}>r</button><button {{ self.reset_event() }}>0</button></p><p id="named"><button {{ self.on("add").with("by", 2).with("what", "tee") }}>+</button><button {{ self.on("rename").with("id", line.id) }}>r</button><button {{ self.on("reset") }}>0</button></p></div>"#
)]
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Shelf {
    count: i64,
    label: String,
    line: Line,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Line {
    id: u32,
}

#[component]
impl Shelf {
    fn mount() -> Shelf {
        Shelf {
            count: 1,
            label: "one".into(),
            line: Line { id: 7 },
        }
    }

    fn on_add(&mut self, by: i64, what: String) {
        self.count += by;
        self.label = what;
    }

    /// `name` is the input next to the button: the browser sends it.
    fn on_rename(&mut self, id: u32, #[form] name: String, cx: &LoadCx) {
        let _ = cx;
        self.label = format!("{id}:{name}");
    }

    fn on_reset(&mut self) {
        self.count = 0;
    }

    fn optimistic(&self, event: ShelfEvent<'_>) -> Option<ShelfPatch> {
        match event {
            ShelfEvent::Add { by, what } => Some(self.patch().count(self.count + by).label(what)),
            ShelfEvent::Rename { id } => Some(self.patch().label(format!("{id}:…"))),
            ShelfEvent::Reset => Some(self.patch().count(0)),
        }
    }
}

/// The inner HTML of the element with `id`.
fn inner<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html.find(&format!(r#"<p id="{id}">"#)).unwrap();
    let rest = &html[start..];
    &rest[rest.find('>').unwrap() + 1..rest.find("</p>").unwrap()]
}

#[tokio::test]
async fn a_typed_trigger_renders_exactly_what_the_trigger_by_name_renders() {
    let mut t = ComponentTest::<Shelf>::new();
    let r = t.mount(json!({})).await.unwrap();
    let (typed, named) = (inner(&r.html, "typed"), inner(&r.html, "named"));
    assert_eq!(typed, named);
    assert!(
        typed.contains(r#"hx-vals="{&quot;event&quot;:&quot;add&quot;,&quot;payload&quot;:&quot;{\&quot;by\&quot;:2,\&quot;what\&quot;:\&quot;tee\&quot;}&quot;}""#),
        "{typed}"
    );
    // The typed optimistic received typed arguments, from both kinds of trigger.
    assert!(
        typed.contains(
            r#"data-pjx-optimistic="{&quot;count&quot;:3,&quot;label&quot;:&quot;tee&quot;}""#
        ),
        "{typed}"
    );
    // `#[form]` arguments are not the builder's: only `id` is in the payload.
    assert!(typed.contains(r#"{\&quot;id\&quot;:7}"#), "{typed}");
    let events: Vec<_> = r.optimistic.iter().map(|o| o.event.as_str()).collect();
    assert_eq!(events, ["add", "rename", "reset", "add", "rename", "reset"]);
    assert_eq!(r.optimistic[0], r.optimistic[3]);
    assert_eq!(r.optimistic[1].patch["label"], "7:…");
}

#[tokio::test]
async fn binds_render_their_targets() {
    let mut t = ComponentTest::<Shelf>::new();
    let r = t.mount(json!({})).await.unwrap();
    assert!(
        r.html.contains(r#"<b data-pjx-bind="count">1</b>"#),
        "{}",
        r.html
    );
    assert!(
        r.html
            .contains(r#"<i data-pjx-bind="label" data-pjx-bind-attr="title"></i>"#)
    );
    let patch: Patch = Shelf::mount().patch().count(3).label("x").into();
    assert_eq!(patch.to_json(), r#"{"count":3,"label":"x"}"#);
}

#[tokio::test]
async fn a_form_argument_is_read_from_the_form_the_browser_posts() {
    let mut t = ComponentTest::<Shelf>::new();
    let r = t.mount(json!({})).await.unwrap();
    let state = r.state.clone();
    // What htmx posts for the typed trigger inside a form with `<input name="name">`.
    let payload = r#"{"id":7}"#;
    let body = format!(
        "state={}&event=rename&payload={}&name=Ann",
        percent(&state),
        percent(payload)
    );
    let request = EventRequest::from_form(body.as_bytes()).unwrap();
    t.send(request).await.unwrap();
    assert_eq!(t.state().label, "7:Ann");
    // Without it, the 422 names the argument.
    let e = t.dispatch("rename", json!({ "id": 7 })).await.unwrap_err();
    assert_eq!(
        (e.status(), e.to_json()["error"]["field"].clone()),
        (422, json!("name"))
    );
}

fn percent(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

// ---------------------------------------------- raw identifiers, by-name optimistic

#[component(name = "raw", binds = [r#type], source = "<p {{ self.bind_type() }}>{{ n }}</p>")]
#[derive(Serialize, Deserialize)]
struct Raw {
    n: u32,
}

#[component]
impl Raw {
    fn r#on_match(&mut self, r#type: u32, #[form] r#in: String) {
        self.n = r#type + r#in.len() as u32;
    }

    fn optimistic(&self, event: RawEvent<'_>) -> Option<Patch> {
        let RawEvent::Match { r#type } = event;
        Some(self.patch().r#type(*r#type).into())
    }
}

#[tokio::test]
async fn raw_identifiers_name_events_arguments_and_binds() {
    let mut t = ComponentTest::<Raw>::new();
    let r = t.set_state(Raw { n: 0 });
    assert!(
        r.html.starts_with(r#"<p data-pjx-bind="type" "#),
        "{}",
        r.html
    );
    let trigger = t.state().match_event(3).to_string();
    assert!(trigger.contains(r#"{\&quot;type\&quot;:3}"#), "{trigger}");
    assert!(
        trigger.contains(r#"data-pjx-optimistic="{&quot;type&quot;:3}""#),
        "{trigger}"
    );
    t.dispatch("match", json!({ "type": 3, "in": "ab" }))
        .await
        .unwrap();
    assert_eq!(t.state().n, 5);
}

// The optimistic by name still works, and typed triggers reach it.
#[component(
    name = "by_name",
    source = "<p><button {{ self.bump_event(4) }}>+</button></p>"
)]
#[derive(Serialize, Deserialize)]
struct ByName {
    n: i64,
}

#[component]
impl ByName {
    fn on_bump(&mut self, by: i64) {
        self.n += by;
    }

    fn optimistic(&self, event: &str, payload: &Payload) -> Option<Patch> {
        let by = payload.get("by")?.as_i64()?;
        (event == "bump").then(|| Patch::new().set("n", self.n + by))
    }
}

#[tokio::test]
async fn a_typed_trigger_reaches_an_optimistic_by_name() {
    let mut t = ComponentTest::<ByName>::new();
    let r = t.set_state(ByName { n: 1 });
    assert!(
        r.html
            .contains(r#"data-pjx-optimistic="{&quot;n&quot;:5}""#),
        "{}",
        r.html
    );
}
