//! Rendering declared components: root stamping, region ids, hashes, nesting, `extends`,
//! assets, and the load adapters the macros generate.

use std::sync::Arc;

use pjx::html::stamp::RootError;
use pjx::prelude::*;
use pjx::{Asset, Load, RenderErrorKind};
use pjx_tests::fixtures::*;

/// The value of the first `name="…"` attribute in `html`.
fn attr<'a>(html: &'a str, name: &str) -> Option<&'a str> {
    let needle = format!(" {name}=\"");
    let start = html.find(&needle)? + needle.len();
    let len = html[start..].find('"')?;
    Some(&html[start..start + len])
}

/// The start tag of the first element in `html`.
fn first_tag(html: &str) -> &str {
    let start = html.find('<').unwrap();
    &html[start..=start + html[start..].find('>').unwrap()]
}

fn row(id: i64, title: &str, done: bool) -> ItemRow {
    ItemRow {
        todo_id: id,
        title: title.into(),
        done,
    }
}

#[test]
fn keyed_reactive_component_is_stamped_with_its_state_hash() {
    let row = row(7, "Ship reactivity", true);
    let html = row.to_html().unwrap();
    let root = first_tag(&html);
    assert!(root.starts_with("<li class=\"todo done\""), "{root}");
    assert_eq!(attr(root, "data-pjx-id"), Some("item-row-7"));
    assert_eq!(attr(root, "data-pjx-type"), Some("item_row"));
    assert_eq!(attr(root, "data-pjx-reacts"), Some("todos"));
    assert_eq!(attr(root, "data-pjx-load"), Some("7"));
    let hash = row.state_hash().unwrap();
    assert_eq!(attr(root, "data-pjx-hash"), Some(hash.as_str()));
    // The template's own attributes and content are untouched.
    assert_eq!(attr(root, "data-pjx-loading"), Some("skeleton"));
    assert!(html.contains("hx-post=\"/rows/7/toggle\""));
    assert!(html.contains("<span>Ship reactivity</span>"));
    // Exactly one of each stamped attribute.
    for name in pjx::html::stamp::STAMPED_ATTRIBUTES {
        assert_eq!(html.matches(&format!(" {name}=")).count(), 1, "{name}");
    }
}

#[test]
fn the_hash_follows_the_state() {
    let open = row(7, "x", false).to_html().unwrap();
    let done = row(7, "x", true).to_html().unwrap();
    let again = row(7, "x", false).to_html().unwrap();
    assert_ne!(attr(&open, "data-pjx-hash"), attr(&done, "data-pjx-hash"));
    assert_eq!(attr(&open, "data-pjx-hash"), attr(&again, "data-pjx-hash"));
}

#[test]
fn template_output_is_escaped_and_so_are_stamped_values() {
    let html = row(1, "<script>alert('x')</script>", false)
        .to_html()
        .unwrap();
    assert!(!html.contains("<script>"));
    assert!(html.contains("&#60;script&#62;"));

    #[derive(MutationKey)]
    enum K {
        Notes,
    }
    #[reactive(react = [K::Notes], source = "<p>{{ body }}</p>")]
    struct Note {
        #[pjx_key]
        slug: String,
        body: String,
    }
    #[reactive]
    impl Note {
        async fn load(slug: String) -> Result<Self, LoadError> {
            Ok(Note {
                slug,
                body: String::new(),
            })
        }
    }
    let html = Note {
        slug: "a\" onclick=\"x".into(),
        body: "b".into(),
    }
    .to_html()
    .unwrap();
    assert_eq!(
        attr(&html, "data-pjx-load"),
        Some("a&quot; onclick=&quot;x")
    );
    assert_eq!(
        attr(&html, "data-pjx-id"),
        Some("note-a&quot; onclick=&quot;x")
    );
    assert!(!html.contains(" onclick=\"x"));
}

#[test]
fn singleton_ids_are_the_kebab_case_type_name() {
    let counter = Counter { remaining: 2 };
    assert_eq!(counter.region_id(), "counter");
    let html = counter.to_html().unwrap();
    assert_eq!(
        html,
        format!(
            "<span class=\"counter\" data-pjx-id=\"counter\" data-pjx-type=\"counter\" data-pjx-hash=\"{}\" data-pjx-reacts=\"todos\">2 left</span>",
            counter.state_hash().unwrap()
        )
    );
    assert_eq!(attr(&html, "data-pjx-load"), None);
}

#[test]
fn type_names_and_static_metadata() {
    assert_eq!(ItemRow::TYPE_NAME, "item_row");
    assert_eq!(TodoList::TYPE_NAME, "list");
    assert_eq!(Badge::TYPE_NAME, "badge");
    assert_eq!(LiveBadge::TYPE_NAME, "live_badge");
    const { assert!(ItemRow::KEYED) };
    const { assert!(!Counter::KEYED) };
    assert_eq!(TodoList::react().attr(), "todo-list");
    assert_eq!(ItemRow::react().keys(), [Keys::Todos.key()]);
}

#[test]
fn reactive_regions_nested_in_reactive_regions_are_stamped() {
    let list = TodoList {
        rows: vec![row(1, "a", false), row(2, "b", true)],
    };
    let html = list.to_html().unwrap();
    assert_eq!(attr(&html, "data-pjx-id"), Some("list"));
    assert_eq!(html.matches("data-pjx-type=\"item_row\"").count(), 2);
    assert!(html.contains("data-pjx-id=\"item-row-1\""));
    assert!(html.contains("data-pjx-id=\"item-row-2\""));
    // Nested HTML is not escaped a second time.
    assert!(!html.contains("&#60;li"));
    // The list's hash covers its rows.
    let changed = TodoList {
        rows: vec![row(1, "a", true), row(2, "b", true)],
    };
    assert_ne!(list.state_hash().unwrap(), changed.state_hash().unwrap());
}

#[test]
fn plain_components_render_unstamped_and_nest_reactive_regions() {
    let section = Section {
        id: "main".into(),
        title: "Todos".into(),
        counter: Counter { remaining: 1 },
        list: TodoList {
            rows: vec![row(3, "c", false)],
        },
    };
    assert_eq!(section.region_id(), "main");
    let html = section.to_html().unwrap();
    assert!(html.starts_with("<section id=\"main\"><h1>Todos</h1><span class=\"counter\""));
    assert!(!first_tag(&html).contains("data-pjx"));
    for id in ["counter", "list", "item-row-3"] {
        assert!(html.contains(&format!("data-pjx-id=\"{id}\"")), "{id}");
    }
    // Display is the same HTML.
    assert_eq!(section.to_string(), html);
}

#[test]
fn extends_reuses_the_base_template_and_assets() {
    let live = LiveBadge {
        badge: Badge {
            label: "2 open".into(),
            tone: "brand",
        },
    };
    let html = live.to_html().unwrap();
    assert!(html.starts_with("<span class=\"badge badge--brand\" data-pjx-id=\"live-badge\""));
    assert_eq!(attr(&html, "data-pjx-type"), Some("live_badge"));
    assert!(html.contains(">2 open</span>"));

    let base = Badge::assets();
    assert_eq!(base.len(), 1);
    assert!(
        matches!(base[0], Asset::Css { path: "badge.css", content } if content.contains(".badge"))
    );
    let assets = LiveBadge::assets();
    assert_eq!(assets.len(), 2);
    assert_eq!(assets[0], Asset::JsUrl("/static/live.js"));
    assert_eq!(assets[1], base[0]);
}

#[tokio::test]
async fn load_adapters_call_the_users_load() {
    let store = Arc::new(Store::with(&["Write the docs", "Ship reactivity"]));
    let cx = LoadCx::new().with(store.clone());

    let row = <ItemRow as Load>::load(2, &cx).await.unwrap();
    assert_eq!(row.title, "Ship reactivity");
    assert!(
        <ItemRow as Load>::load(9, &cx)
            .await
            .unwrap_err()
            .is_not_found()
    );

    // A synchronous `load` is adapted too.
    let counter = <Counter as Load>::load(pjx::NoKey, &cx).await.unwrap();
    assert_eq!(counter.remaining, 2);

    // Missing context is a failure, not a not-found.
    let err = <Counter as Load>::load(pjx::NoKey, &LoadCx::new())
        .await
        .unwrap_err();
    assert!(!err.is_not_found());
    assert!(err.to_string().contains("Store"), "{err}");

    let list = <TodoList as Load>::load(pjx::NoKey, &cx).await.unwrap();
    assert_eq!(list.rows.len(), 2);
    let badge = <LiveBadge as Load>::load(pjx::NoKey, &cx).await.unwrap();
    assert_eq!(badge.badge.label, "2 open");
}

#[test]
fn a_template_with_two_roots_is_a_render_error_naming_the_component() {
    #[derive(MutationKey)]
    enum K {
        Things,
    }
    #[reactive(react = [K::Things], source = "<p>a</p><p>b</p>")]
    struct TwoRoots {
        n: u8,
    }
    #[reactive]
    impl TwoRoots {
        async fn load() -> Result<Self, LoadError> {
            Ok(TwoRoots { n: 0 })
        }
    }
    let err = TwoRoots { n: 1 }.to_html().unwrap_err();
    assert_eq!(err.component(), "two_roots");
    assert!(matches!(
        err.kind(),
        RenderErrorKind::Root(RootError::SecondRoot(_))
    ));
    assert!(
        err.to_string().starts_with("component `two_roots`:"),
        "{err}"
    );

    // Nested in another component, it fails the parent; nothing partial is left behind.
    #[component(source = "<div>{{ child }}</div>")]
    struct Parent {
        child: TwoRoots,
    }
    let mut out = String::from("before");
    let err = Parent {
        child: TwoRoots { n: 1 },
    }
    .render_into(&mut out)
    .unwrap_err();
    assert_eq!(err.component(), "parent");
    assert!(err.to_string().contains("two_roots"), "{err}");
    assert_eq!(out, "before");
}

#[test]
fn templates_may_not_set_stamped_attributes() {
    #[derive(MutationKey)]
    enum K {
        Things,
    }
    #[reactive(react = [K::Things], source = "<p data-pjx-hash=\"mine\">{{ n }}</p>")]
    struct Forged {
        n: u8,
    }
    #[reactive]
    impl Forged {
        async fn load() -> Result<Self, LoadError> {
            Ok(Forged { n: 0 })
        }
    }
    let err = Forged { n: 1 }.to_html().unwrap_err();
    assert!(err.to_string().contains("data-pjx-hash"), "{err}");
}

#[test]
fn generic_plain_components() {
    #[component(source = "<ul>{% for item in items %}<li>{{ item }}</li>{% endfor %}</ul>")]
    struct List<T: std::fmt::Display> {
        items: Vec<T>,
    }
    let html = List { items: vec![1, 2] }.to_html().unwrap();
    assert_eq!(html, "<ul><li>1</li><li>2</li></ul>");
    assert_eq!(List::<u8>::TYPE_NAME, "list");
}

#[test]
fn plain_components_nest_inside_reactive_ones() {
    #[reactive(react = [Keys::Todos], source = "<article><h2>{{ title }}</h2>{{ badge }}</article>")]
    struct Card {
        title: String,
        badge: Badge,
    }
    #[reactive]
    impl Card {
        async fn load() -> Result<Self, LoadError> {
            Err(LoadError::NotFound)
        }
    }
    let card = Card {
        title: "Inbox".into(),
        badge: Badge {
            label: "<3>".into(),
            tone: "quiet",
        },
    };
    let html = card.to_html().unwrap();
    assert!(html.starts_with("<article data-pjx-id=\"card\""), "{html}");
    assert!(
        html.ends_with(
            "<h2>Inbox</h2><span class=\"badge badge--quiet\">&#60;3&#62;</span></article>"
        ),
        "{html}"
    );
    assert_eq!(html.matches("data-pjx-").count(), 4);
}

#[test]
fn a_key_field_named_id_is_the_key_not_the_region_id() {
    #[reactive(react = [Keys::Todos], source = "<li>{{ id }}</li>")]
    struct Todo {
        #[pjx_key]
        id: i64,
    }
    #[reactive]
    impl Todo {
        async fn load(id: i64) -> Result<Self, LoadError> {
            Ok(Todo { id })
        }
    }
    let html = Todo { id: 7 }.to_html().unwrap();
    assert!(
        html.starts_with(r#"<li data-pjx-id="todo-7" data-pjx-type="todo""#),
        "{html}"
    );
    assert!(html.contains(r#"data-pjx-load="7""#));
    // It is state, so it is hashed.
    assert_eq!(Todo { id: 7 }.canonical_state().unwrap(), r#"{"id":7}"#);
}

/// Opts out of morphing: its updates replace it.
#[reactive(react = [Keys::Todos], morph = false, source = "<p>{{ n }}</p>", name = "still")]
struct Still {
    n: u8,
}

#[reactive]
impl Still {
    fn load() -> Result<Self, LoadError> {
        Ok(Still { n: 1 })
    }
}

#[test]
fn a_region_that_opts_out_of_morphing_says_so_on_its_root() {
    let html = Still { n: 1 }.to_html().unwrap();
    assert_eq!(
        attr(first_tag(&html), "data-pjx-morph"),
        Some("false"),
        "{html}"
    );
    // Every other region morphs: nothing is stamped.
    let other = row(1, "x", false).to_html().unwrap();
    assert_eq!(attr(first_tag(&other), "data-pjx-morph"), None, "{other}");
}
