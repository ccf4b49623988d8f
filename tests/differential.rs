//! Differential property test of the walk: random sequences of mutations over a small todo
//! app. After each request, the page the client holds (the previous page with the reply
//! applied as htmx would) must be exactly the page a full re-render gives.
//!
//! The page shows the first todo twice — as its row in the list and again, under the id
//! `pinned`, in a box of its own — so one record is mounted under two ids; mutations dirty
//! whole keys or keyed keys (`todos:7`, which also reach the counters); the applying `Dom`
//! refuses a fragment whose target is gone (htmx would drop it) or whose root carries another
//! id than its selector names.
//!
//! Region hashes are compared separately: a region holding other regions keeps the hash it
//! was rendered with while its children swap on their own, so its reported hash can lag
//! (which only ever causes an extra swap later, never a missed one). Every region holding no
//! other region must report exactly its current hash.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use pjx::cache::InProcess;
use pjx::prelude::*;
use pjx::registry::ReactiveType;
use pjx::testing::{ClientManifest, Dom, PrimarySwap};
use pjx::{Engine, Key, Registry, Scope};
use serde::Serialize;

#[derive(MutationKey)]
enum Keys {
    Todos,
    TodoList,
}

#[derive(Default)]
struct Db {
    todos: Mutex<BTreeMap<i64, (String, bool)>>,
    next: Mutex<i64>,
}

fn db(cx: &LoadCx) -> Result<&Db, LoadError> {
    cx.require::<Arc<Db>>().map(|d| &**d)
}

#[reactive(react = [Keys::Todos], source = "<li class=\"todo{% if done %} done{% endif %}\">{{ title }}</li>")]
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
    fn load(todo_id: i64, cx: &LoadCx) -> Result<Self, LoadError> {
        let (title, done) = db(cx)?
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

#[reactive(react = [Keys::TodoList], source = "<ul>{% for row in rows %}{{ row }}{% endfor %}{% if rows.is_empty() %}<li>empty</li>{% endif %}</ul>", name = "list")]
struct List {
    rows: Vec<Row>,
}

#[reactive]
impl List {
    fn load(cx: &LoadCx) -> Result<Self, LoadError> {
        let ids: Vec<i64> = db(cx)?.todos.lock().unwrap().keys().copied().collect();
        Ok(List {
            rows: ids
                .into_iter()
                .map(|id| Row::load(id, cx))
                .collect::<Result<_, _>>()?,
        })
    }
}

/// The first todo, pinned: the same record as its row, mounted under another id.
#[reactive(react = [Keys::TodoList], source = "<aside>{% if let Some(row) = row %}{{ row }}{% else %}nothing pinned{% endif %}</aside>", name = "pinned_box")]
struct PinnedBox {
    row: Option<Row>,
}

#[reactive]
impl PinnedBox {
    fn load(cx: &LoadCx) -> Result<Self, LoadError> {
        let first = db(cx)?.todos.lock().unwrap().keys().next().copied();
        let row = match first {
            Some(id) => Some(Row {
                id: "pinned".into(),
                ..Row::load(id, cx)?
            }),
            None => None,
        };
        Ok(PinnedBox { row })
    }
}

#[reactive(react = [Keys::Todos], source = "<span>{{ n }} left</span>")]
struct Counter {
    n: usize,
}

#[reactive]
impl Counter {
    fn load(cx: &LoadCx) -> Result<Self, LoadError> {
        let n = db(cx)?
            .todos
            .lock()
            .unwrap()
            .values()
            .filter(|t| !t.1)
            .count();
        Ok(Counter { n })
    }
}

#[reactive(react = [Keys::Todos], source = "<span>{{ n }} total</span>")]
struct Total {
    n: usize,
}

#[reactive]
impl Total {
    fn load(cx: &LoadCx) -> Result<Self, LoadError> {
        Ok(Total {
            n: db(cx)?.todos.lock().unwrap().len(),
        })
    }
}

#[reactive(react = [Keys::Todos], source = "<button>Clear completed ({{ n }})</button>", name = "clear")]
struct Clear {
    n: usize,
}

#[reactive]
impl Clear {
    fn load(cx: &LoadCx) -> Result<Self, LoadError> {
        let n = db(cx)?
            .todos
            .lock()
            .unwrap()
            .values()
            .filter(|t| t.1)
            .count();
        Ok(Clear { n })
    }
}

#[component(
    source = "<main>\n<header>{{ counter }} · {{ total }}</header>\n{{ pinned }}\n{{ list }}\n<footer>{{ clear }}</footer>\n</main>"
)]
struct Page {
    pinned: PinnedBox,
    list: List,
    counter: Counter,
    total: Total,
    clear: Clear,
}

fn full_page(cx: &LoadCx) -> String {
    Page {
        pinned: PinnedBox::load(cx).unwrap(),
        list: List::load(cx).unwrap(),
        counter: Counter::load(cx).unwrap(),
        total: Total::load(cx).unwrap(),
        clear: Clear::load(cx).unwrap(),
    }
    .to_html()
    .unwrap()
}

/// xorshift64*: small, seeded, good enough to pick actions.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// One request: what it changes, which keys its `#[mutates]` record, and its primary.
#[derive(Debug)]
enum Action {
    Add(String),
    Toggle {
        id: i64,
        row_primary: bool,
        /// Dirties `todos:<id>` rather than the whole key.
        keyed: bool,
    },
    Rename(i64, String),
    Delete(i64),
    ClearCompleted,
    /// Declares a change without making one: everything should be skipped as unchanged.
    Touch,
}

fn pick(rng: &mut Rng, db: &Db) -> Action {
    let ids: Vec<i64> = db.todos.lock().unwrap().keys().copied().collect();
    let any_id = |rng: &mut Rng| -> Option<i64> {
        (!ids.is_empty()).then(|| ids[rng.below(ids.len() as u64) as usize])
    };
    loop {
        let action = match rng.below(12) {
            0..=2 => Some(Action::Add(format!("todo {}", rng.below(1000)))),
            3..=6 => any_id(rng).map(|id| Action::Toggle {
                id,
                row_primary: rng.below(2) == 0,
                keyed: rng.below(2) == 0,
            }),
            7 => any_id(rng).map(|id| Action::Rename(id, format!("renamed {}", rng.below(50)))),
            8 => any_id(rng).map(Action::Delete),
            9 | 10 => Some(Action::ClearCompleted),
            _ => Some(Action::Touch),
        };
        if let Some(action) = action {
            return action;
        }
    }
}

/// Performs the action's change on the database and returns the keys it dirties.
fn perform(action: &Action, db: &Db) -> Vec<Key> {
    let mut todos = db.todos.lock().unwrap();
    match action {
        Action::Add(title) => {
            let mut next = db.next.lock().unwrap();
            *next += 1;
            todos.insert(*next, (title.clone(), false));
            vec![Keys::Todos.key(), Keys::TodoList.key()]
        }
        Action::Toggle { id, keyed, .. } => {
            let todo = todos.get_mut(id).unwrap();
            todo.1 = !todo.1;
            if *keyed {
                vec![Keys::Todos.at(*id).into()]
            } else {
                vec![Keys::Todos.key()]
            }
        }
        Action::Rename(id, title) => {
            todos.get_mut(id).unwrap().0 = title.clone();
            // Only this row's text changed: a keyed key reaches it alone.
            vec![Keys::Todos.at(id).into()]
        }
        Action::Delete(id) => {
            todos.remove(id);
            // The removed row's own key: the counters follow by the keyed-key rule.
            vec![Keys::Todos.at(*id).into(), Keys::TodoList.key()]
        }
        Action::ClearCompleted => {
            todos.retain(|_, t| !t.1);
            vec![Keys::Todos.key(), Keys::TodoList.key()]
        }
        Action::Touch => vec![Keys::Todos.key()],
    }
}

fn masked_hashes(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find(" data-pjx-hash=\"") {
        let value = at + " data-pjx-hash=\"".len();
        out.push_str(&rest[..value]);
        out.push('#');
        let end = rest[value..].find('"').unwrap();
        rest = &rest[value + end..];
    }
    out.push_str(rest);
    out
}

/// The regions holding no other region, with their hashes, in document order.
fn leaf_hashes(html: &str) -> Vec<(String, Option<String>)> {
    let manifest = Dom::new(html).manifest();
    let dom = Dom::new(html);
    manifest
        .entries()
        .filter(|e| {
            let region = dom.region(e.id).unwrap();
            pjx::stamp::stamped_ids(region).count() == 1
        })
        .map(|e| (e.id.to_owned(), e.hash.map(str::to_owned)))
        .collect()
}

/// How the client reports the page.
#[derive(Debug, Clone, Copy)]
enum Report {
    /// Every region, as on a page that fits the header.
    Whole,
    /// As pjx.js does on a page too large for its header (here: one of this many bytes):
    /// part of the regions, then a sync request for those left out that need it.
    Partial(usize),
}

/// Runs a sequence; returns how many fragments were sent and how many sync requests made.
fn run_sequence(seed: u64, steps: usize, shared_cache: bool, report: Report) -> (usize, usize) {
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let db = Arc::new(Db::default());
    for title in ["Write the docs", "Ship reactivity", "Touch grass"] {
        perform(&Action::Add(title.into()), &db);
    }
    let registry = Registry::of(&[
        ReactiveType::of::<Row>(),
        ReactiveType::of::<List>(),
        ReactiveType::of::<PinnedBox>(),
        ReactiveType::of::<Counter>(),
        ReactiveType::of::<Total>(),
        ReactiveType::of::<Clear>(),
    ])
    .unwrap();
    let mut builder = Engine::builder().registry(registry);
    if shared_cache {
        builder = builder.invalidation(Arc::new(InProcess));
    }
    let engine = builder.build();
    let registry = Arc::clone(engine.registry());
    let cx = LoadCx::new().with(Arc::clone(&db));
    let mut dom = Dom::new(full_page(&cx));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let mut trace = Vec::new();
    let (mut fragments, mut syncs) = (0, 0);
    for step in 0..steps {
        let action = pick(&mut rng, &db);
        trace.push(format!("{action:?}"));
        let trigger = match &action {
            Action::Toggle { id, .. } | Action::Rename(id, _) | Action::Delete(id) => {
                Some(format!("row-{id}"))
            }
            _ => None,
        };
        let sent = match report {
            Report::Whole => ClientManifest::within(&dom, trigger.as_deref(), usize::MAX),
            Report::Partial(budget) => ClientManifest::within(&dom, trigger.as_deref(), budget),
        };
        let scope = Scope::builder()
            .engine(Arc::clone(&engine))
            .mounted_header(sent.header.clone())
            .load_cx(cx.clone())
            .htmx_request(true)
            .build();
        let reply = runtime.block_on(scope.run(async {
            let keys = perform(&action, &db);
            scope.record(keys);
            let (primary, target) = match &action {
                Action::Toggle {
                    id,
                    row_primary: true,
                    ..
                } => {
                    let row = scope.load::<Row>(*id).await.unwrap();
                    (
                        row.to_html().unwrap(),
                        PrimarySwap::OuterHtml(format!("row-{id}")),
                    )
                }
                _ => (String::new(), PrimarySwap::None),
            };
            (pjx::reply(&scope, primary).await, target)
        }));
        let (reply, target) = reply;
        fragments += reply.walk.sent().len();
        scope.finish();
        dom.apply(&reply, target)
            .unwrap_or_else(|e| panic!("seed {seed} step {step}: {e}\n{}", trace.join("\n")));
        // The client's sync request for the regions it left out, walked with the same keys.
        let dirtied: Vec<String> = reply
            .walk
            .dirtied_for_client
            .iter()
            .map(Key::to_string)
            .collect();
        let dirtied = (!dirtied.is_empty()).then(|| serde_json::to_string(&dirtied).unwrap());
        if let Some(sync) = sent.sync(&dom, dirtied.as_deref()) {
            syncs += 1;
            let keys = sync.keys.iter().map(|wire| match wire.split_once(':') {
                Some((name, instance)) => {
                    Key::with_instance(registry.key_name(name).unwrap(), instance)
                }
                None => Key::new(registry.key_name(wire).unwrap()),
            });
            let scope = Scope::builder()
                .engine(Arc::clone(&engine))
                .mounted_header(sync.mounted.clone())
                .dirtied(keys)
                .load_cx(cx.clone())
                .htmx_request(true)
                .build();
            let reply = runtime.block_on(scope.run(pjx::reply(&scope, String::new())));
            fragments += reply.walk.sent().len();
            dom.apply(&reply, PrimarySwap::None).unwrap_or_else(|e| {
                panic!("seed {seed} step {step} (sync): {e}\n{}", trace.join("\n"))
            });
        }
        let expected = full_page(&cx);
        assert_eq!(
            masked_hashes(dom.html()),
            masked_hashes(&expected),
            "seed {seed}, step {step}, shared cache {shared_cache}\nactions:\n{}\nwalk:\n{}",
            trace.join("\n"),
            reply.walk
        );
        assert_eq!(
            leaf_hashes(dom.html()),
            leaf_hashes(&expected),
            "seed {seed}, step {step}: a leaf region reports a stale hash\nactions:\n{}",
            trace.join("\n")
        );
        if matches!(action, Action::Touch) && matches!(report, Report::Whole) {
            assert!(
                reply.walk.sent().is_empty(),
                "seed {seed}: a touch changed nothing, yet {:?} were sent",
                reply.walk.sent()
            );
        }
    }
    (fragments, syncs)
}

#[test]
fn applying_replies_gives_the_page_a_full_render_gives() {
    let mut sent = 0;
    for seed in 1..=120 {
        sent += run_sequence(seed, 25, false, Report::Whole).0;
        sent += run_sequence(seed, 25, true, Report::Whole).0;
    }
    // The sequences really exercised the walk.
    assert!(sent > 2_000, "only {sent} fragments sent");
}

#[test]
fn partial_manifests_and_sync_requests_give_the_same_page() {
    let (mut sent, mut syncs) = (0, 0);
    for seed in 1..=60 {
        // Budgets from "a few regions" to "most of the page".
        let budget = 250 + (seed as usize * 37) % 400;
        let (s, n) = run_sequence(seed, 25, seed % 2 == 0, Report::Partial(budget));
        sent += s;
        syncs += n;
    }
    assert!(
        sent > 1_000 && syncs > 100,
        "only {sent} fragments, {syncs} syncs"
    );
}
