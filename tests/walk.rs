//! The walk, case by case: what each manifest entry's outcome is, what is loaded (and how
//! often), and what goes into the body, in which order.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};

use pjx::cache::{EntryKey, InProcess};
use pjx::component::registry::ReactiveType;
use pjx::manifest::{Manifest, Mounted};
use pjx::prelude::*;
use pjx::reactive::walk::{Excluded, Outcome, Unrelated};
use pjx::testing::manifest_from_html;
use pjx::{Engine, Key, Registry, Scope};
use serde::Serialize;

#[derive(MutationKey)]
enum Keys {
    Todos,
    TodoList,
    Stats,
    Nest,
}

/// The state the components load from, logging every load.
#[derive(Default)]
struct World {
    todos: Mutex<BTreeMap<i64, (String, bool)>>,
    nest: Mutex<[u32; 4]>,
    broken: Mutex<HashSet<i64>>,
    log: Mutex<Vec<String>>,
}

impl World {
    fn new() -> Arc<World> {
        let world = World::default();
        for (id, title) in [(1, "one"), (2, "two"), (3, "three")] {
            world
                .todos
                .lock()
                .unwrap()
                .insert(id, (title.to_owned(), false));
        }
        Arc::new(world)
    }

    fn note(&self, what: impl Into<String>) {
        self.log.lock().unwrap().push(what.into());
    }

    fn loads(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }
}

fn world(cx: &LoadCx) -> Result<&World, LoadError> {
    cx.require::<Arc<World>>().map(|w| &**w)
}

#[reactive(react = [Keys::Todos], source = "<li class=\"row\">{{ title }}{% if done %} ✓{% endif %}</li>")]
#[derive(Serialize)]
struct Row {
    id: String,
    #[pjx_key]
    todo_id: i64,
    title: String,
    done: bool,
}

#[reactive]
impl Row {
    async fn load(todo_id: i64, cx: &LoadCx) -> Result<Self, LoadError> {
        let world = world(cx)?;
        world.note(format!("row({todo_id})"));
        if world.broken.lock().unwrap().contains(&todo_id) {
            return Err(LoadError::msg("the database is on fire"));
        }
        let (title, done) = world
            .todos
            .lock()
            .unwrap()
            .get(&todo_id)
            .cloned()
            .ok_or(LoadError::NotFound)?;
        Ok(Row {
            id: format!("row-{todo_id}"),
            todo_id,
            title,
            done,
        })
    }
}

#[reactive(react = [Keys::TodoList], source = "<ul class=\"list\">{% for row in rows %}{{ row }}{% endfor %}</ul>")]
struct List {
    rows: Vec<Row>,
}

#[reactive]
impl List {
    async fn load(cx: &LoadCx) -> Result<Self, LoadError> {
        world(cx)?.note("list");
        let ids: Vec<i64> = world(cx)?.todos.lock().unwrap().keys().copied().collect();
        let mut rows = Vec::new();
        for id in ids {
            rows.push(Row::load(id, cx).await?);
        }
        Ok(List { rows })
    }
}

#[reactive(react = [Keys::Todos], source = "<span class=\"count\">{{ open }}</span>")]
struct Count {
    open: usize,
}

#[reactive]
impl Count {
    fn load(cx: &LoadCx) -> Result<Self, LoadError> {
        let world = world(cx)?;
        world.note("count");
        let open = world
            .todos
            .lock()
            .unwrap()
            .values()
            .filter(|t| !t.1)
            .count();
        Ok(Count { open })
    }
}

#[reactive(react = [Keys::Stats], source = "<b>{{ n }}</b>")]
struct Stats {
    n: u32,
}

#[reactive]
impl Stats {
    fn load(cx: &LoadCx) -> Result<Self, LoadError> {
        world(cx)?.note("stats");
        Ok(Stats { n: 1 })
    }
}

#[reactive(react = [Keys::Todos], source = "<i>secret {{ n }}</i>")]
struct Secret {
    n: u32,
}

#[reactive]
impl Secret {
    fn load(cx: &LoadCx) -> Result<Self, LoadError> {
        world(cx)?.note("secret");
        Ok(Secret { n: 42 })
    }
}

// A chain of four nested regions: A holds B holds C holds D.
#[reactive(react = [Keys::Nest], source = "<section class=\"a\">{{ v }}{{ b }}</section>")]
#[derive(Serialize)]
struct A {
    v: u32,
    b: B,
}
#[reactive(react = [Keys::Nest], source = "<div class=\"b\">{{ v }}{{ c }}</div>")]
#[derive(Serialize)]
struct B {
    v: u32,
    c: C,
}
#[reactive(react = [Keys::Nest], source = "<p class=\"c\">{{ v }}{{ d }}</p>")]
#[derive(Serialize)]
struct C {
    v: u32,
    d: D,
}
#[reactive(react = [Keys::Nest], source = "<em class=\"d\">{{ v }}</em>")]
#[derive(Serialize)]
struct D {
    v: u32,
}

fn nest(cx: &LoadCx, level: &str) -> Result<[u32; 4], LoadError> {
    let world = world(cx)?;
    world.note(level);
    Ok(*world.nest.lock().unwrap())
}

#[reactive]
impl A {
    fn load(cx: &LoadCx) -> Result<Self, LoadError> {
        let v = nest(cx, "a")?;
        Ok(A {
            v: v[0],
            b: B {
                v: v[1],
                c: C {
                    v: v[2],
                    d: D { v: v[3] },
                },
            },
        })
    }
}
#[reactive]
impl B {
    fn load(cx: &LoadCx) -> Result<Self, LoadError> {
        let v = nest(cx, "b")?;
        Ok(B {
            v: v[1],
            c: C {
                v: v[2],
                d: D { v: v[3] },
            },
        })
    }
}
#[reactive]
impl C {
    fn load(cx: &LoadCx) -> Result<Self, LoadError> {
        let v = nest(cx, "c")?;
        Ok(C {
            v: v[2],
            d: D { v: v[3] },
        })
    }
}
#[reactive]
impl D {
    fn load(cx: &LoadCx) -> Result<Self, LoadError> {
        let v = nest(cx, "d")?;
        Ok(D { v: v[3] })
    }
}

/// The page every case starts from.
fn page(world: &Arc<World>) -> String {
    let cx = LoadCx::new().with(Arc::clone(world));
    let html = futures_lite_block_on(async {
        let list = List::load(&cx).await.unwrap();
        let count = Count::load(&cx).unwrap();
        let stats = Stats::load(&cx).unwrap();
        let secret = Secret::load(&cx).unwrap();
        let a = A::load(&cx).unwrap();
        format!(
            "<main>{}{}{}{}{}</main>",
            list.to_html().unwrap(),
            count.to_html().unwrap(),
            stats.to_html().unwrap(),
            secret.to_html().unwrap(),
            a.to_html().unwrap()
        )
    });
    world.log.lock().unwrap().clear();
    html
}

fn futures_lite_block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(f)
}

fn engine() -> Arc<Engine> {
    Engine::builder()
        .registry(
            Registry::of(&[
                ReactiveType::of::<Row>(),
                ReactiveType::of::<List>(),
                ReactiveType::of::<Count>(),
                ReactiveType::of::<Stats>(),
                ReactiveType::of::<Secret>(),
                ReactiveType::of::<A>(),
                ReactiveType::of::<B>(),
                ReactiveType::of::<C>(),
                ReactiveType::of::<D>(),
            ])
            .unwrap(),
        )
        .permission(|ty, _| ty.name() != "secret")
        .build()
}

const STALE: &str = "00000000000000000000000000000000";

/// Which reported hashes to change before the walk.
enum Report {
    /// Everything as rendered: every region unchanged.
    Fresh,
    /// These regions report a stale hash (they look changed).
    Stale(&'static [&'static str]),
    /// These regions report no hash at all.
    NoHash(&'static [&'static str]),
}

/// One walk.
struct Case {
    name: &'static str,
    /// Keep only these ids from the page's manifest (all when empty), in this order.
    entries: &'static [&'static str],
    report: Report,
    dirtied: Vec<Key>,
    /// World changes made by the "handler" before the walk.
    change: fn(&World),
    /// The primary: ids of regions rendered into it.
    primary: &'static [&'static str],
    /// Expected outcome per id (ids not listed must be unrelated or skipped as such).
    expect: &'static [(&'static str, &'static str)],
    /// Expected loads, in order.
    loads: &'static [&'static str],
}

fn short(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Swap { .. } => "swap".into(),
        Outcome::Delete => "delete".into(),
        Outcome::SkipUnchanged => "unchanged".into(),
        Outcome::SkipUnrelated(Unrelated::UnknownType) => "unknown-type".into(),
        Outcome::SkipUnrelated(Unrelated::NotDirtied) => "unrelated".into(),
        Outcome::SkipUnrelated(Unrelated::BadLoadKey) => "bad-key".into(),
        Outcome::SkipExcluded(Excluded::InBody) => "in-body".into(),
        Outcome::SkipExcluded(Excluded::Duplicate { of }) => format!("duplicate:{of}"),
        Outcome::SkipExcluded(Excluded::Nested { within }) => format!("nested:{within}"),
        Outcome::Denied => "denied".into(),
        Outcome::LoadError(_) => "load-error".into(),
        Outcome::RenderError(_) => "render-error".into(),
        Outcome::OverBudget => "over-budget".into(),
    }
}

fn manifest_for(html: &str, case: &Case) -> Manifest {
    let all = manifest_from_html(html);
    // Depths describe the page's nesting only for entries in document order; a case that
    // reorders entries reports none (a client that says nothing of nesting).
    let position = |id: &str| all.entries().position(|e| e.id == id);
    let in_order = case
        .entries
        .windows(2)
        .all(|w| position(w[0]) < position(w[1]));
    let mut entries: Vec<Mounted<'_>> = if case.entries.is_empty() {
        all.entries().collect()
    } else {
        case.entries
            .iter()
            .map(|id| {
                all.entries().find(|e| e.id == *id).unwrap_or(Mounted {
                    id,
                    type_name: None,
                    hash: None,
                    load: None,
                    depth: 0,
                })
            })
            .collect()
    };
    for entry in &mut entries {
        if !in_order {
            entry.depth = 0;
        }
        match case.report {
            Report::Fresh => {}
            Report::Stale(ids) if ids.contains(&entry.id) => entry.hash = Some(STALE),
            Report::NoHash(ids) if ids.contains(&entry.id) => entry.hash = None,
            _ => {}
        }
    }
    Manifest::from_entries(entries)
}

fn run(case: &Case) {
    let world = World::new();
    let html = page(&world);
    let manifest = manifest_for(&html, case);
    let scope = Scope::builder()
        .engine(engine())
        .manifest(manifest.clone())
        .load_cx(LoadCx::new().with(Arc::clone(&world)))
        .build();
    (case.change)(&world);
    scope.record(case.dirtied.clone());
    let primary: String = case
        .primary
        .iter()
        .map(|id| {
            let region = pjx::testing::Dom::new(html.clone());
            region.region(id).unwrap().to_owned()
        })
        .collect();
    let reply = futures_lite_block_on(pjx::reply(&scope, primary.clone()));

    // Outcomes.
    for (id, expected) in case.expect {
        let outcome = reply
            .walk
            .outcome(id)
            .unwrap_or_else(|| panic!("[{}] no outcome for {id}", case.name));
        assert_eq!(short(outcome), *expected, "[{}] outcome of {id}", case.name);
    }
    for (region, outcome) in reply.walk.regions() {
        if !case.expect.iter().any(|(id, _)| *id == region.id) {
            assert!(
                matches!(outcome, Outcome::SkipUnrelated(_)),
                "[{}] unexpected outcome for {}: {outcome:?}",
                case.name,
                region.id,
            );
        }
    }
    assert_eq!(world.loads(), case.loads, "[{}] loads", case.name);

    // The body: the primary, then one fragment per sent region, in manifest order.
    assert!(reply.body.starts_with(&primary), "[{}]", case.name);
    let fragments = &reply.body[primary.len()..];
    let sent: Vec<String> = pjx::testing::Dom::new(format!("<x>{fragments}</x>"))
        .manifest()
        .entries()
        .map(|e| e.id.to_owned())
        .collect();
    let deleted: Vec<&str> = reply
        .walk
        .regions()
        .filter(|(_, o)| **o == Outcome::Delete)
        .map(|(r, _)| r.id)
        .collect();
    let swapped: Vec<&str> = reply
        .walk
        .regions()
        .filter(|(_, o)| matches!(o, Outcome::Swap { .. }))
        .map(|(r, _)| r.id)
        .collect();
    // Swapped regions' fragments carry their (nested) regions too; their roots come in order.
    let roots: Vec<&String> = sent
        .iter()
        .filter(|id| swapped.contains(&id.as_str()))
        .collect();
    assert_eq!(roots, swapped, "[{}] fragment order", case.name);
    for id in &deleted {
        assert!(
            fragments.contains(&format!("delete:[data-pjx-id='{id}']")),
            "[{}] delete of {id}",
            case.name
        );
    }
    assert_eq!(reply.empty_primary, primary.is_empty(), "[{}]", case.name);
    // Every swap carries its fresh hash.
    for (region, outcome) in reply.walk.regions() {
        if let Outcome::Swap { hash } = outcome {
            assert!(
                fragments.contains(&format!("data-pjx-hash=\"{hash}\"")),
                "[{}] hash of {}",
                case.name,
                region.id
            );
        }
    }
}

fn nothing(_: &World) {}

#[test]
fn nothing_happens_without_a_reason() {
    let cases = [
        Case {
            name: "empty dirtied set",
            entries: &[],
            report: Report::Stale(&["row-1", "counter"]),
            dirtied: vec![],
            change: nothing,
            primary: &[],
            expect: &[],
            loads: &[],
        },
        Case {
            name: "unrelated keys",
            entries: &["row-1", "count", "list"],
            report: Report::Stale(&["row-1", "count", "list"]),
            dirtied: vec![Keys::Stats.key()],
            change: nothing,
            primary: &[],
            expect: &[],
            loads: &[],
        },
        Case {
            name: "empty manifest",
            entries: &["nothing-here"],
            report: Report::Fresh,
            dirtied: vec![Keys::Todos.key()],
            change: nothing,
            primary: &[],
            expect: &[("nothing-here", "unknown-type")],
            loads: &[],
        },
    ];
    for case in &cases {
        run(case);
    }
}

#[test]
fn an_empty_manifest_means_nothing_to_update() {
    let world = World::new();
    let scope = Scope::builder()
        .engine(engine())
        .mounted_header("[]")
        .load_cx(LoadCx::new().with(Arc::clone(&world)))
        .build();
    scope.record([Keys::Todos, Keys::TodoList]);
    let reply = futures_lite_block_on(pjx::reply(&scope, "<p>ok</p>".into()));
    assert_eq!(reply.walk.regions().len(), 0);
    assert_eq!(reply.body, "<p>ok</p>");
    assert!(world.loads().is_empty());
}

#[test]
fn unknown_types_and_bad_keys_are_skipped() {
    // A forged entry: a registered type under an unknown id, and a keyed type without a key.
    let world = World::new();
    let scope = Scope::builder()
        .engine(engine())
        .mounted_header(
            r#"[{"id":"x","type":"not_a_type"},{"id":"y","type":"row"},{"id":"z","type":"row","load":"seven"},{"id":"w"}]"#,
        )
        .load_cx(LoadCx::new().with(Arc::clone(&world)))
        .build();
    scope.record([Keys::Todos]);
    let reply = futures_lite_block_on(pjx::reply(&scope, String::new()));
    let outcomes: Vec<String> = reply.walk.regions().map(|(_, o)| short(o)).collect();
    assert_eq!(
        outcomes,
        ["unknown-type", "bad-key", "bad-key", "unknown-type"]
    );
    assert!(reply.body.is_empty());
    assert!(world.loads().is_empty());
}

#[test]
fn keys_select_regions() {
    let cases = [
        Case {
            name: "todos reaches every row and the count",
            entries: &[],
            report: Report::Stale(&["row-1", "row-2", "row-3", "count"]),
            dirtied: vec![Keys::Todos.key()],
            change: nothing,
            primary: &[],
            expect: &[
                ("row-1", "swap"),
                ("row-2", "swap"),
                ("row-3", "swap"),
                ("count", "swap"),
                ("secret", "denied"),
            ],
            loads: &["row(1)", "row(2)", "row(3)", "count"],
        },
        Case {
            name: "todos:2 reaches row 2 of the rows, and every unkeyed region reacting to todos",
            entries: &[],
            report: Report::Stale(&["row-1", "row-2", "row-3", "count", "list"]),
            dirtied: vec![Keys::Todos.at(2).into()],
            change: nothing,
            primary: &[],
            expect: &[("row-2", "swap"), ("count", "swap"), ("secret", "denied")],
            loads: &["row(2)", "count"],
        },
        Case {
            name: "a keyed key reaches an aggregate even when the row is not on the page",
            entries: &["row-1", "count"],
            report: Report::Stale(&["row-1", "count"]),
            dirtied: vec![Keys::Todos.at(9).into()],
            change: nothing,
            primary: &[],
            expect: &[("count", "swap")],
            loads: &["count"],
        },
        Case {
            name: "a duplicate (type, load) loads once",
            entries: &["row-1", "count", "row-1", "count"],
            report: Report::Stale(&["row-1", "count"]),
            dirtied: vec![Keys::Todos.key()],
            change: nothing,
            primary: &[],
            expect: &[("row-1", "swap"), ("count", "swap")],
            loads: &["row(1)", "count"],
        },
        Case {
            name: "the requester may not see secret: never loaded",
            entries: &["secret", "count"],
            report: Report::Stale(&["secret", "count"]),
            dirtied: vec![Keys::Todos.key()],
            change: nothing,
            primary: &[],
            expect: &[("secret", "denied"), ("count", "swap")],
            loads: &["count"],
        },
    ];
    for case in &cases {
        run(case);
    }
}

#[test]
fn one_record_under_two_ids_is_loaded_once_and_stamped_twice() {
    let world = World::new();
    let scope = Scope::builder()
        .engine(engine())
        .mounted_header(
            r#"[{"id":"row-1","type":"row","load":"1"},{"id":"pinned","type":"row","load":"01","hash":"ff"},{"id":"row-1","type":"row","load":"1"}]"#,
        )
        .load_cx(LoadCx::new().with(Arc::clone(&world)))
        .build();
    world.todos.lock().unwrap().get_mut(&1).unwrap().1 = true;
    scope.record([Keys::Todos]);
    let reply = futures_lite_block_on(pjx::reply(&scope, String::new()));
    // "01" and "1" are the same i64 key: one load and one render, stamped under each id the
    // record is mounted under; the same id twice gets one fragment (it updates both).
    assert_eq!(world.loads(), ["row(1)"]);
    assert_eq!(reply.walk.swapped(), ["row-1", "pinned"]);
    assert_eq!(
        reply.walk.regions().nth(2).unwrap().1,
        &Outcome::SkipExcluded(Excluded::Duplicate { of: "row-1".into() })
    );
    let dom = pjx::testing::Dom::new(format!("<x>{}</x>", reply.body));
    for id in ["row-1", "pinned"] {
        let fragment = dom.region(id).unwrap();
        assert!(
            fragment.contains(&format!(
                r#"data-pjx-id="{id}" data-pjx-type="row" data-pjx-hash="#
            )) && fragment.contains(&format!("[data-pjx-id='{id}']")),
            "{fragment}"
        );
        assert!(fragment.contains("one ✓"), "{fragment}");
    }
}

#[test]
fn the_walk_keeps_to_its_load_budget() {
    let world = World::new();
    let html = page(&world);
    let engine = Engine::builder()
        .registry(Registry::of(&[ReactiveType::of::<Row>(), ReactiveType::of::<Count>()]).unwrap())
        .limits(pjx::Limits {
            walk_budget: 3,
            ..Default::default()
        })
        .build();
    let run = |keys: Vec<Key>| {
        let scope = Scope::builder()
            .engine(Arc::clone(&engine))
            .manifest(manifest_from_html(&html))
            .load_cx(LoadCx::new().with(Arc::clone(&world)))
            .build();
        scope.record(keys);
        futures_lite_block_on(pjx::reply(&scope, String::new()))
    };
    // Three rows and the count: four loads, over the budget of three. Nothing is loaded.
    let reply = run(vec![Keys::Todos.key()]);
    assert!(reply.walk.over_budget);
    assert_eq!(reply.walk.loads, 0);
    assert!(reply.body.is_empty());
    assert!(world.loads().is_empty());
    for id in ["row-1", "row-2", "row-3", "count"] {
        assert_eq!(reply.walk.outcome(id), Some(&Outcome::OverBudget), "{id}");
    }
    // One row and the count fit.
    let reply = run(vec![Keys::Todos.at(2).into()]);
    assert!(!reply.walk.over_budget);
    assert_eq!(reply.walk.loads, 2);
    // One row under many forged ids: one load, but each id a render. Over the budget too.
    let scope = Scope::builder()
        .engine(Arc::clone(&engine))
        .mounted_header(
            r#"[{"id":"a","type":"row","load":"2"},{"id":"b","type":"row","load":"2"},{"id":"c","type":"row","load":"2"},{"id":"d","type":"row","load":"2"}]"#,
        )
        .load_cx(LoadCx::new().with(Arc::clone(&world)))
        .build();
    scope.record([Keys::Todos.at(2)]);
    let reply = futures_lite_block_on(pjx::reply(&scope, String::new()));
    assert!(reply.walk.over_budget);
}

#[test]
fn a_partial_manifest_learns_the_keys_that_concern_what_it_shows() {
    let world = World::new();
    let told = |header: &str, keys: Vec<Key>| {
        let scope = Scope::builder()
            .engine(engine())
            .mounted_header(header)
            .load_cx(LoadCx::new().with(Arc::clone(&world)))
            .build();
        scope.record(keys);
        let reply = futures_lite_block_on(pjx::reply(&scope, String::new()));
        reply
            .walk
            .dirtied_for_client
            .iter()
            .map(Key::to_string)
            .collect::<Vec<_>>()
    };
    let keys = || {
        vec![
            Keys::Todos.at(2).into(),
            Keys::Stats.key(),
            Keys::Nest.key(),
        ]
    };
    // Rows are on the page (listed or not): their keys are told; stats and nest are not.
    let partial = r#"{"t":["row","count"],"m":[["count",1,"ab"]],"p":1}"#;
    assert_eq!(told(partial, keys()), ["todos:2"]);
    // A complete manifest needs no telling.
    let complete = r#"{"t":["row","count"],"m":[["count",1,"ab"]]}"#;
    assert!(told(complete, keys()).is_empty());
    // A type the requester may not see tells nothing, even of its keys.
    let secret_only = r#"{"t":["secret"],"m":[],"p":1}"#;
    assert!(told(secret_only, keys()).is_empty());
}

#[test]
fn hash_gating_and_deletes() {
    fn done_2(world: &World) {
        world.todos.lock().unwrap().get_mut(&2).unwrap().1 = true;
    }
    fn remove_3(world: &World) {
        world.todos.lock().unwrap().remove(&3);
    }
    fn break_2(world: &World) {
        world.broken.lock().unwrap().insert(2);
    }
    let cases = [
        Case {
            name: "fresh hash equal: skip; changed state: swap",
            entries: &["row-1", "row-2", "count"],
            report: Report::Fresh,
            dirtied: vec![Keys::Todos.key()],
            change: done_2,
            primary: &[],
            expect: &[("row-1", "unchanged"), ("row-2", "swap"), ("count", "swap")],
            loads: &["row(1)", "row(2)", "count"],
        },
        Case {
            name: "a stale reported hash swaps",
            entries: &["row-1"],
            report: Report::Stale(&["row-1"]),
            dirtied: vec![Keys::Todos.key()],
            change: nothing,
            primary: &[],
            expect: &[("row-1", "swap")],
            loads: &["row(1)"],
        },
        Case {
            name: "a missing hash always swaps",
            entries: &["row-1", "row-2"],
            report: Report::NoHash(&["row-1"]),
            dirtied: vec![Keys::Todos.key()],
            change: nothing,
            primary: &[],
            expect: &[("row-1", "swap"), ("row-2", "unchanged")],
            loads: &["row(1)", "row(2)"],
        },
        Case {
            name: "not found: delete, while siblings still swap",
            entries: &["row-1", "row-3", "count"],
            report: Report::Stale(&["row-1"]),
            dirtied: vec![Keys::Todos.key()],
            change: remove_3,
            primary: &[],
            expect: &[("row-1", "swap"), ("row-3", "delete"), ("count", "swap")],
            loads: &["row(1)", "row(3)", "count"],
        },
        Case {
            name: "a failed load leaves the rest of the response intact",
            entries: &["row-1", "row-2", "count"],
            report: Report::Stale(&["row-1", "row-2", "count"]),
            dirtied: vec![Keys::Todos.key()],
            change: break_2,
            primary: &[],
            expect: &[
                ("row-1", "swap"),
                ("row-2", "load-error"),
                ("count", "swap"),
            ],
            loads: &["row(1)", "row(2)", "count"],
        },
    ];
    for case in &cases {
        run(case);
    }
}

#[test]
fn nesting_keeps_the_outermost_swapping_region() {
    let nest = || vec![Keys::Nest.key()];
    let cases = [
        Case {
            name: "changed parent, changed child: parent only",
            entries: &["b", "c"],
            report: Report::Stale(&["b", "c"]),
            dirtied: nest(),
            change: nothing,
            primary: &[],
            expect: &[("b", "swap"), ("c", "nested:b")],
            loads: &["b", "c"],
        },
        Case {
            name: "changed parent, unchanged child: parent only",
            entries: &["b", "c"],
            report: Report::Stale(&["b"]),
            dirtied: nest(),
            change: nothing,
            primary: &[],
            expect: &[("b", "swap"), ("c", "unchanged")],
            loads: &["b", "c"],
        },
        Case {
            name: "unchanged parent, changed child: child only",
            entries: &["b", "c"],
            report: Report::Stale(&["c"]),
            dirtied: nest(),
            change: nothing,
            primary: &[],
            expect: &[("b", "unchanged"), ("c", "swap")],
            loads: &["b", "c"],
        },
        Case {
            name: "unchanged parent, unchanged child: nothing",
            entries: &["b", "c"],
            report: Report::Fresh,
            dirtied: nest(),
            change: nothing,
            primary: &[],
            expect: &[("b", "unchanged"), ("c", "unchanged")],
            loads: &["b", "c"],
        },
        Case {
            name: "a chain of three keeps the outermost",
            entries: &["a", "b", "c"],
            report: Report::Stale(&["a", "b", "c"]),
            dirtied: nest(),
            change: nothing,
            primary: &[],
            expect: &[("a", "swap"), ("b", "nested:a"), ("c", "nested:a")],
            loads: &["a", "b", "c"],
        },
        Case {
            name: "a chain of four keeps the outermost",
            entries: &["a", "b", "c", "d"],
            report: Report::Stale(&["a", "b", "c", "d"]),
            dirtied: nest(),
            change: nothing,
            primary: &[],
            expect: &[
                ("a", "swap"),
                ("b", "nested:a"),
                ("c", "nested:a"),
                ("d", "nested:a"),
            ],
            loads: &["a", "b", "c", "d"],
        },
        Case {
            name: "an unchanged top: the outermost changed region wins",
            entries: &["a", "b", "c", "d"],
            report: Report::Stale(&["b", "c", "d"]),
            dirtied: nest(),
            change: nothing,
            primary: &[],
            expect: &[
                ("a", "unchanged"),
                ("b", "swap"),
                ("c", "nested:b"),
                ("d", "nested:b"),
            ],
            loads: &["a", "b", "c", "d"],
        },
        Case {
            name: "a delete inside a swapping region is not sent: htmx would find no target",
            entries: &[],
            report: Report::Stale(&["list"]),
            dirtied: vec![Keys::TodoList.key(), Keys::Todos.at(3).into()],
            change: |world| {
                world.todos.lock().unwrap().remove(&3);
            },
            primary: &[],
            expect: &[
                ("list", "swap"),
                ("row-3", "nested:list"),
                ("count", "swap"),
                ("secret", "denied"),
            ],
            loads: &["list", "row(1)", "row(2)", "row(3)", "count"],
        },
        Case {
            name: "siblings are both kept",
            entries: &["list", "row-1", "row-2", "count"],
            report: Report::Stale(&["row-1", "row-2", "count"]),
            dirtied: vec![Keys::Todos.key()],
            change: nothing,
            primary: &[],
            expect: &[("row-1", "swap"), ("row-2", "swap"), ("count", "swap")],
            loads: &["row(1)", "row(2)", "count"],
        },
    ];
    for case in &cases {
        run(case);
    }
}

#[test]
fn regions_in_the_primary_are_not_sent_again() {
    let cases = [
        Case {
            name: "the primary row is excluded",
            entries: &["row-1", "row-2", "count"],
            report: Report::Stale(&["row-1", "row-2", "count"]),
            dirtied: vec![Keys::Todos.key()],
            change: nothing,
            primary: &["row-2"],
            expect: &[("row-1", "swap"), ("row-2", "in-body"), ("count", "swap")],
            loads: &["row(1)", "count"],
        },
        Case {
            name: "regions inside the primary are excluded too",
            entries: &["list", "row-1", "row-2", "count"],
            report: Report::Stale(&["list", "row-1", "row-2", "count"]),
            dirtied: vec![Keys::Todos.key(), Keys::TodoList.key()],
            change: nothing,
            primary: &["list"],
            expect: &[
                ("list", "in-body"),
                ("row-1", "in-body"),
                ("row-2", "in-body"),
                ("count", "swap"),
            ],
            loads: &["count"],
        },
    ];
    for case in &cases {
        run(case);
    }
}

#[test]
fn output_follows_manifest_order() {
    let case = Case {
        name: "reverse document order",
        entries: &["count", "row-3", "row-2", "row-1"],
        report: Report::Stale(&["count", "row-3", "row-2", "row-1"]),
        dirtied: vec![Keys::Todos.key()],
        change: nothing,
        primary: &[],
        expect: &[
            ("count", "swap"),
            ("row-3", "swap"),
            ("row-2", "swap"),
            ("row-1", "swap"),
        ],
        loads: &["count", "row(3)", "row(2)", "row(1)"],
    };
    run(&case);
}

#[test]
fn fan_out_happens_once_per_request() {
    let world = World::new();
    let html = page(&world);
    let all = manifest_from_html(&html);
    let manifest = Manifest::from_entries(all.entries().map(|e| Mounted { hash: None, ..e }));
    let scope = Scope::builder()
        .engine(engine())
        .manifest(manifest)
        .load_cx(LoadCx::new().with(Arc::clone(&world)))
        .build();
    scope.record([Keys::Todos]);
    let first = futures_lite_block_on(pjx::reply(&scope, String::new()));
    assert_eq!(first.walk.sent(), ["row-1", "row-2", "row-3", "count"]);
    let second = futures_lite_block_on(pjx::reply(&scope, "<p>again</p>".into()));
    assert_eq!(second.walk.regions().len(), 0);
    assert_eq!(second.body, "<p>again</p>");
}

#[test]
fn the_request_cache_answers_repeated_loads() {
    let world = World::new();
    let scope = Scope::builder()
        .engine(engine())
        .load_cx(LoadCx::new().with(Arc::clone(&world)))
        .build();
    futures_lite_block_on(async {
        scope.load::<Count>(pjx::NoKey).await.unwrap();
        scope.load::<Count>(pjx::NoKey).await.unwrap();
        scope.load::<Row>(1).await.unwrap();
        scope.load::<Row>(1).await.unwrap();
        assert_eq!(world.loads(), ["count", "row(1)"]);
        // A mutation evicts what it concerns (and only that) from the request tier: row 1
        // and the count of all rows, not row 2…
        scope.load::<Row>(2).await.unwrap();
        scope.record([Keys::Todos.at(1)]);
        scope.load::<Count>(pjx::NoKey).await.unwrap();
        scope.load::<Row>(1).await.unwrap();
        scope.load::<Row>(2).await.unwrap();
        assert_eq!(
            world.loads(),
            ["count", "row(1)", "row(2)", "count", "row(1)"]
        );
        // …so a region loaded before a mutation is reloaded by the walk.
        scope.record([Keys::Todos]);
        scope.load::<Count>(pjx::NoKey).await.unwrap();
        assert_eq!(
            world.loads(),
            ["count", "row(1)", "row(2)", "count", "row(1)", "count"]
        );
    });
}

#[test]
fn the_shared_cache_spans_requests_until_invalidated() {
    let world = World::new();
    let engine = Engine::builder()
        .registry(Registry::of(&[ReactiveType::of::<Row>(), ReactiveType::of::<Count>()]).unwrap())
        .invalidation(Arc::new(InProcess))
        .build();
    let request = || {
        Scope::builder()
            .engine(Arc::clone(&engine))
            .load_cx(LoadCx::new().with(Arc::clone(&world)))
            .build()
    };
    futures_lite_block_on(async {
        let first = request();
        let row = first.load::<Row>(2).await.unwrap();
        first.load::<Row>(3).await.unwrap();
        first.load::<Count>(pjx::NoKey).await.unwrap();
        let second = request();
        let again = second.load::<Row>(2).await.unwrap();
        second.load::<Count>(pjx::NoKey).await.unwrap();
        assert_eq!(world.loads(), ["row(2)", "row(3)", "count"]);
        // Both requests share one immutable value.
        assert!(Arc::ptr_eq(&row, &again));

        // A keyed mutation evicts that row and the aggregates, not the other rows.
        let third = request();
        third.run_sync(|| pjx::record_mutation([Keys::Todos.at(2)]));
        let cache = engine.shared_cache().unwrap();
        assert!(!cache.contains(&EntryKey::new("row", "2")));
        assert!(!cache.contains(&EntryKey::new("count", "")));
        assert!(cache.contains(&EntryKey::new("row", "3")));
        // A whole-key mutation evicts the rest.
        third.record([Keys::Todos]);
        assert!(cache.is_empty());
        cache.check_indexes().unwrap();

        let fourth = request();
        fourth.load::<Row>(2).await.unwrap();
        assert_eq!(world.loads(), ["row(2)", "row(3)", "count", "row(2)"]);
    });
}

/// A key type whose text form (`to_wire`) is not its `Display`.
#[derive(Clone, Debug, PartialEq)]
struct UserId(u64);

impl std::fmt::Display for UserId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "user #{}", self.0)
    }
}

impl pjx::LoadKey for UserId {
    fn to_wire(&self) -> String {
        format!("u{}", self.0)
    }
    fn from_wire(wire: &str) -> Option<Self> {
        wire.strip_prefix('u')?.parse().ok().map(UserId)
    }
}

#[derive(MutationKey)]
enum UserKeys {
    Users,
}

static VISITS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

#[reactive(react = [UserKeys::Users], source = "<p>{{ visits }}</p>")]
#[derive(Serialize)]
struct Profile {
    #[pjx_key]
    user: UserId,
    visits: u32,
}

#[reactive]
impl Profile {
    fn load(user: UserId) -> Result<Self, LoadError> {
        Ok(Profile {
            user,
            visits: VISITS.load(std::sync::atomic::Ordering::SeqCst),
        })
    }
}

impl Serialize for UserId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(self.0)
    }
}

#[test]
fn a_keyed_key_names_its_instance_as_regions_stamp_it() {
    futures_lite_block_on(async {
        let mut page = pjx::testing::PageTest::render::<Profile>(UserId(7)).await;
        assert!(
            page.html().contains(r#"data-pjx-load="u7""#),
            "{}",
            page.html()
        );
        let run = page
            .run(async {
                VISITS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                pjx::record_mutation([UserKeys::Users.at(UserId(7))]);
            })
            .await;
        assert_eq!(run.dirtied, ["users:u7"]);
        assert_eq!(run.swapped(), ["profile-u7"]);
    });
}

/// A guarded singleton whose `load` reads who asks.
#[reactive(react = [UserKeys::Users], permissions = [IsAuthenticated], source = "<p>{{ me }}</p>")]
#[derive(Serialize)]
struct Inbox {
    me: String,
}

#[reactive]
impl Inbox {
    fn load(cx: &LoadCx) -> Result<Self, LoadError> {
        Ok(Inbox {
            me: cx.identity().map(|i| i.id.clone()).unwrap_or_default(),
        })
    }
}

#[test]
fn the_shared_cache_keeps_a_guarded_types_loads_per_user() {
    let engine = Engine::builder()
        .registry(Registry::of(&[ReactiveType::of::<Inbox>()]).unwrap())
        .invalidation(Arc::new(InProcess))
        .build();
    let load_as = |who: &str| {
        let scope = Scope::builder()
            .engine(Arc::clone(&engine))
            .load_cx(LoadCx::new().with(pjx::Identity::user(who)))
            .build();
        futures_lite_block_on(scope.load::<Inbox>(pjx::NoKey))
            .unwrap()
            .me
            .clone()
    };
    assert_eq!(load_as("ann"), "ann");
    // Bob is not served Ann's cached inbox; each is cached for its own user.
    assert_eq!(load_as("bob"), "bob");
    assert_eq!(load_as("ann"), "ann");
    assert_eq!(engine.shared_cache().unwrap().len(), 2);
}
