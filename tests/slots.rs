//! Slots: filled where a component is built (struct literal or typed builder), rendered where
//! its template places them; markup escaped unless trusted; defaults of optional slots; any
//! component as content (plain, reactive — stamped as a region — or typed, a composite's
//! child); a slot's content is part of a reactive component's state hash.

use pjx::prelude::*;
use serde::Serialize;

#[derive(MutationKey)]
enum Keys {
    Todos,
}

#[component(
    source = "<article><header>{{ header }}</header><div>{{ body }}</div>{% if footer.is_shown() %}<footer>{{ footer }}</footer>{% endif %}</article>"
)]
struct Panel {
    #[pjx(slot)]
    header: Slot,
    #[pjx(slot)]
    body: Slot,
    #[pjx(slot(default = "<small>—</small>"))]
    footer: Option<Slot>,
}

#[component(source = "<aside>{{ note }}{{ extra }}</aside>")]
struct Aside {
    #[pjx(slot)]
    note: Slot,
    /// An optional slot without a default shows nothing.
    #[pjx(slot)]
    extra: Option<Slot>,
}

#[component(source = "<b>{{ text }}</b>")]
struct Bold {
    text: String,
}

#[reactive(react = [Keys::Todos], source = "<span>{{ n }} open</span>")]
#[derive(Serialize)]
struct Open {
    n: usize,
}

#[reactive]
impl Open {
    fn load() -> Result<Self, LoadError> {
        Ok(Open { n: 3 })
    }
}

/// A reactive component with a slot: the slot is part of its state.
#[reactive(react = [Keys::Todos], source = "<section>{{ title }}: {{ n }}</section>")]
struct Titled {
    #[pjx(slot)]
    title: Slot,
    n: usize,
}

#[reactive]
impl Titled {
    fn load() -> Result<Self, LoadError> {
        Ok(Titled {
            title: "Tasks".into(),
            n: 1,
        })
    }
}

/// A composite: named child components, typed.
#[component(source = "<div class=\"dash\">{{ open }}{{ label }}</div>")]
struct Dash {
    #[pjx(slot)]
    open: Slot<Open>,
    #[pjx(slot)]
    label: Slot<Bold>,
}

#[test]
fn the_builder_fills_slots_and_text_is_escaped() {
    let html = Panel::builder()
        .header("Tom & <Jerry>")
        .body(Markup::trusted("<p>hi</p>"))
        .build()
        .to_html()
        .unwrap();
    assert_eq!(
        html,
        "<article><header>Tom &#38; &#60;Jerry&#62;</header><div><p>hi</p></div><footer><small>—</small></footer></article>"
    );
}

#[test]
fn a_filled_optional_slot_replaces_its_default() {
    let html = Panel::builder()
        .footer(String::from("<end>"))
        .body("b")
        .header("h")
        .build()
        .to_html()
        .unwrap();
    assert!(
        html.ends_with("<footer>&#60;end&#62;</footer></article>"),
        "{html}"
    );
    let aside = Aside::builder().note("n").build().to_html().unwrap();
    assert_eq!(aside, "<aside>n</aside>");
    let aside = Aside::builder()
        .note("n")
        .extra("x")
        .build()
        .to_html()
        .unwrap();
    assert_eq!(aside, "<aside>nx</aside>");
}

#[test]
fn a_struct_literal_fills_slots_too() {
    let panel = Panel {
        header: Slot::from(Bold { text: "<h>".into() }),
        body: Markup::text("b").into(),
        footer: None,
    };
    assert!(
        panel
            .to_html()
            .unwrap()
            .starts_with("<article><header><b>&#60;h&#62;</b></header>")
    );
}

#[test]
fn a_reactive_component_in_a_slot_is_stamped_as_a_region() {
    let html = Panel::builder()
        .header(Open { n: 2 })
        .body("")
        .build()
        .to_html()
        .unwrap();
    assert!(
        html.starts_with("<article><header><span data-pjx-id=\"open\" data-pjx-type=\"open\""),
        "{html}"
    );
    assert!(html.contains(">2 open</span>"));
}

#[test]
fn a_composite_keeps_its_children_typed() {
    let dash = Dash::builder()
        .open(Open { n: 4 })
        .label(Bold { text: "x".into() })
        .build();
    assert_eq!(dash.open.n, 4);
    let html = dash.to_html().unwrap();
    assert!(
        html.starts_with("<div class=\"dash\"><span data-pjx-id=\"open\""),
        "{html}"
    );
    assert!(html.ends_with("<b>x</b></div>"));
}

#[test]
fn a_slot_is_part_of_the_state_hash() {
    let a = Titled {
        title: "A".into(),
        n: 1,
    };
    let b = Titled {
        title: "B".into(),
        n: 1,
    };
    let a2 = Titled::builder().title("A").n(1usize).build();
    assert_ne!(a.state_hash().unwrap(), b.state_hash().unwrap());
    assert_eq!(a.state_hash().unwrap(), a2.state_hash().unwrap());
    assert!(a.to_html().unwrap().contains(">A: 1</section>"));
}
