//! Differential property test of the walk: generated sequences of mutations over a small todo
//! app. After each request, the page the client holds (the previous page with the reply
//! applied as htmx would) must be exactly the page a full re-render gives.
//!
//! The page shows the first todo twice — as its row in the list and again, under the id
//! `pinned`, in a box of its own — so one record is mounted under two ids; mutations dirty
//! whole keys or keyed keys (`todos:7`, which also reach the counters); the applying `Dom`
//! refuses a fragment whose target is gone (htmx would drop it) or whose root carries another
//! id than its selector names.
//!
//! proptest generates the first page (0–5 todos) and the requests, and shrinks a failure to
//! the smallest page and sequence that show it; the failing seed is kept in
//! `differential.proptest-regressions` beside this file and tried first on the next run.
//! `PROPTEST_CASES=5000 cargo test -p pjx-tests --test differential` searches longer.
//!
//! The page is built from slots and composites (`Page`, `Counts`): regions inside slots are
//! stamped, walked and nested like any other.
//!
//! Region hashes are compared separately: a region holding other regions keeps the hash it
//! was rendered with while its children swap on their own, so its reported hash can lag
//! (which only ever causes an extra swap later, never a missed one). Every region holding no
//! other region must report exactly its current hash.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use pjx::cache::InProcess;
use pjx::component::registry::ReactiveType;
use pjx::prelude::*;
use pjx::testing::{ClientManifest, Dom, PrimarySwap};
use pjx::{Engine, Key, Registry, Scope};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::{
    Config, FileFailurePersistence, TestCaseError, TestRunner, contextualize_config,
};
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

/// A composite: the counts, named and typed.
#[component(source = "<header>{{ counter }} · {{ total }}</header>")]
struct Counts {
    #[pjx(slot)]
    counter: Slot<Counter>,
    #[pjx(slot)]
    total: Slot<Total>,
}

/// The page is built from slots: the counts (a composite) in one, the pinned box (typed) and
/// the list (any markup: a component) in others, the clear button in an optional slot whose
/// default would show without it.
#[component(
    source = "<main>\n{{ header }}\n{{ pinned }}\n{{ list }}\n<footer>{{ footer }}</footer>\n</main>"
)]
struct Page {
    #[pjx(slot)]
    header: Slot<Counts>,
    #[pjx(slot)]
    pinned: Slot<PinnedBox>,
    #[pjx(slot)]
    list: Slot,
    #[pjx(slot(default = "<i>nothing to clear</i>"))]
    footer: Option<Slot>,
}

fn full_page(cx: &LoadCx) -> String {
    Page::builder()
        .header(
            Counts::builder()
                .counter(Counter::load(cx).unwrap())
                .total(Total::load(cx).unwrap())
                .build(),
        )
        .pinned(PinnedBox::load(cx).unwrap())
        .list(List::load(cx).unwrap())
        .footer(Clear::load(cx).unwrap())
        .build()
        .to_html()
        .unwrap()
}

/// One request as generated: rows are named by position among the current rows (taken modulo
/// their number), so that a shrunk sequence stays valid whichever steps shrinking removed.
#[derive(Debug, Clone)]
enum Action {
    /// Declares a change without making one: everything should be skipped as unchanged.
    Touch,
    Add(String),
    Toggle {
        row: u8,
        /// The toggled row is the primary (else the response has none).
        row_primary: bool,
        /// Dirties `todos:<id>` rather than the whole key.
        keyed: bool,
    },
    Rename {
        row: u8,
        title: String,
    },
    Delete {
        row: u8,
    },
    ClearCompleted,
}

/// One request as run: the action with its row resolved to a todo id.
#[derive(Debug)]
enum Step {
    Touch,
    Add(String),
    Toggle {
        id: i64,
        row_primary: bool,
        keyed: bool,
    },
    Rename(i64, String),
    Delete(i64),
    ClearCompleted,
}

impl Action {
    /// The step this action is on `db` as it stands; `None` when it names a row and there is
    /// none.
    fn resolve(&self, db: &Db) -> Option<Step> {
        let ids: Vec<i64> = db.todos.lock().unwrap().keys().copied().collect();
        let id = |row: &u8| (!ids.is_empty()).then(|| ids[usize::from(*row) % ids.len()]);
        Some(match self {
            Action::Touch => Step::Touch,
            Action::Add(title) => Step::Add(title.clone()),
            Action::Toggle {
                row,
                row_primary,
                keyed,
            } => Step::Toggle {
                id: id(row)?,
                row_primary: *row_primary,
                keyed: *keyed,
            },
            Action::Rename { row, title } => Step::Rename(id(row)?, title.clone()),
            Action::Delete { row } => Step::Delete(id(row)?),
            Action::ClearCompleted => Step::ClearCompleted,
        })
    }
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

/// One generated run: the page to start from, how the server caches and the client reports,
/// and the requests.
#[derive(Debug, Clone)]
struct Case {
    /// The todos on the page first rendered: (title, done).
    todos: Vec<(String, bool)>,
    shared_cache: bool,
    report: Report,
    actions: Vec<Action>,
}

fn title(prefix: &'static str) -> impl Strategy<Value = String> {
    (0u16..1000).prop_map(move |n| format!("{prefix} {n}"))
}

/// Earlier alternatives are what shrinking moves towards; the weights are the old generator's.
fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        1 => Just(Action::Touch),
        3 => title("todo").prop_map(Action::Add),
        4 => (any::<u8>(), any::<bool>(), any::<bool>()).prop_map(|(row, row_primary, keyed)| {
            Action::Toggle { row, row_primary, keyed }
        }),
        1 => (any::<u8>(), title("renamed")).prop_map(|(row, title)| Action::Rename { row, title }),
        1 => any::<u8>().prop_map(|row| Action::Delete { row }),
        2 => Just(Action::ClearCompleted),
    ]
}

fn case(report: impl Strategy<Value = Report>) -> impl Strategy<Value = Case> {
    (
        vec((title("todo"), any::<bool>()), 0..=5),
        any::<bool>(),
        report,
        vec(action(), 1..=30),
    )
        .prop_map(|(todos, shared_cache, report, actions)| Case {
            todos,
            shared_cache,
            report,
            actions,
        })
}

/// Performs the step's change on the database and returns the keys it dirties.
fn perform(step: &Step, db: &Db) -> Vec<Key> {
    let mut todos = db.todos.lock().unwrap();
    match step {
        Step::Add(title) => {
            let mut next = db.next.lock().unwrap();
            *next += 1;
            todos.insert(*next, (title.clone(), false));
            vec![Keys::Todos.key(), Keys::TodoList.key()]
        }
        Step::Toggle { id, keyed, .. } => {
            let todo = todos.get_mut(id).unwrap();
            todo.1 = !todo.1;
            if *keyed {
                vec![Keys::Todos.at(*id).into()]
            } else {
                vec![Keys::Todos.key()]
            }
        }
        Step::Rename(id, title) => {
            todos.get_mut(id).unwrap().0 = title.clone();
            // Only this row's text changed: a keyed key reaches it alone.
            vec![Keys::Todos.at(id).into()]
        }
        Step::Delete(id) => {
            todos.remove(id);
            // The removed row's own key: the counters follow by the keyed-key rule.
            vec![Keys::Todos.at(*id).into(), Keys::TodoList.key()]
        }
        Step::ClearCompleted => {
            todos.retain(|_, t| !t.1);
            vec![Keys::Todos.key(), Keys::TodoList.key()]
        }
        Step::Touch => vec![Keys::Todos.key()],
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
            pjx::html::stamp::stamped_ids(region).count() == 1
        })
        .map(|e| (e.id.to_owned(), e.hash.map(str::to_owned)))
        .collect()
}

/// What the runs of one test did, to check that they really exercised the walk.
#[derive(Default)]
struct Tally {
    steps: Cell<usize>,
    fragments: Cell<usize>,
    syncs: Cell<usize>,
}

impl Tally {
    fn add(cell: &Cell<usize>, n: usize) {
        cell.set(cell.get() + n);
    }
}

/// Runs a case, failing at the first step after which the page differs from a full render.
fn run_case(case: &Case, tally: &Tally) -> Result<(), TestCaseError> {
    let db = Arc::new(Db::default());
    for (title, done) in &case.todos {
        perform(&Step::Add(title.clone()), &db);
        let next = *db.next.lock().unwrap();
        db.todos.lock().unwrap().get_mut(&next).unwrap().1 = *done;
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
    if case.shared_cache {
        builder = builder.invalidation(Arc::new(InProcess));
    }
    let engine = builder.build();
    let registry = Arc::clone(engine.registry());
    let cx = LoadCx::new().with(Arc::clone(&db));
    let mut dom = Dom::new(full_page(&cx));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    // The steps run so far, resolved: what a failure message shows.
    let mut trace = Vec::new();
    for action in &case.actions {
        let Some(step) = action.resolve(&db) else {
            continue;
        };
        trace.push(format!("{step:?}"));
        let trace = || trace.join("\n");
        Tally::add(&tally.steps, 1);
        let trigger = match &step {
            Step::Toggle { id, .. } | Step::Rename(id, _) | Step::Delete(id) => {
                Some(format!("row-{id}"))
            }
            _ => None,
        };
        let sent = match case.report {
            Report::Whole => ClientManifest::within(&dom, trigger.as_deref(), usize::MAX),
            Report::Partial(budget) => ClientManifest::within(&dom, trigger.as_deref(), budget),
        };
        let scope = Scope::builder()
            .engine(Arc::clone(&engine))
            .mounted_header(sent.header.clone())
            .load_cx(cx.clone())
            .htmx_request(true)
            .build();
        let (reply, target) = runtime.block_on(scope.run(async {
            let keys = perform(&step, &db);
            scope.record(keys);
            let (primary, target) = match &step {
                Step::Toggle {
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
        Tally::add(&tally.fragments, reply.walk.sent().len());
        scope.finish();
        dom.apply(&reply, target)
            .map_err(|e| TestCaseError::fail(format!("{e}\nsteps:\n{}", trace())))?;
        // The client's sync request for the regions it left out, walked with the same keys.
        let dirtied: Vec<String> = reply
            .walk
            .dirtied_for_client
            .iter()
            .map(Key::to_string)
            .collect();
        let dirtied = (!dirtied.is_empty()).then(|| serde_json::to_string(&dirtied).unwrap());
        if let Some(sync) = sent.sync(&dom, dirtied.as_deref()) {
            Tally::add(&tally.syncs, 1);
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
            Tally::add(&tally.fragments, reply.walk.sent().len());
            dom.apply(&reply, PrimarySwap::None)
                .map_err(|e| TestCaseError::fail(format!("(sync) {e}\nsteps:\n{}", trace())))?;
        }
        let expected = full_page(&cx);
        prop_assert_eq!(
            masked_hashes(dom.html()),
            masked_hashes(&expected),
            "the page differs from a full render\nsteps:\n{}\nwalk:\n{}",
            trace(),
            reply.walk
        );
        prop_assert_eq!(
            leaf_hashes(dom.html()),
            leaf_hashes(&expected),
            "a leaf region reports a stale hash\nsteps:\n{}",
            trace()
        );
        if matches!(step, Step::Touch) && matches!(case.report, Report::Whole) {
            prop_assert!(
                reply.walk.sent().is_empty(),
                "a touch changed nothing, yet {:?} were sent\nsteps:\n{}",
                reply.walk.sent(),
                trace()
            );
        }
    }
    Ok(())
}

/// Runs `cases` cases (unless `PROPTEST_CASES` says otherwise) and panics with the smallest
/// failing one; returns what the passing runs did.
fn check(cases: u32, strategy: impl Strategy<Value = Case>) -> Tally {
    let config = contextualize_config(Config {
        // Failures found are kept beside this file and tried first on the next run.
        source_file: Some(file!()),
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource(
            "proptest-regressions",
        ))),
        ..Config::with_cases(cases)
    });
    let tally = Tally::default();
    if let Err(e) = TestRunner::new(config).run(&strategy, |case| run_case(&case, &tally)) {
        panic!("{e}");
    }
    tally
}

/// Fewer steps than this say too little about how much the walk was exercised (a small
/// `PROPTEST_CASES`): the tallies are then not checked.
const STEPS_TO_JUDGE: usize = 500;

#[test]
fn applying_replies_gives_the_page_a_full_render_gives() {
    let tally = check(384, case(Just(Report::Whole)));
    let (steps, sent) = (tally.steps.get(), tally.fragments.get());
    // The sequences really exercised the walk.
    assert!(
        steps < STEPS_TO_JUDGE || sent > steps,
        "only {sent} fragments sent in {steps} steps"
    );
}

#[test]
fn partial_manifests_and_sync_requests_give_the_same_page() {
    // Budgets from "a few regions" to "most of the page".
    let tally = check(96, case((250usize..650).prop_map(Report::Partial)));
    let (steps, sent, syncs) = (tally.steps.get(), tally.fragments.get(), tally.syncs.get());
    assert!(
        steps < STEPS_TO_JUDGE || (sent > steps && syncs * 10 > steps),
        "only {sent} fragments, {syncs} syncs in {steps} steps"
    );
}
