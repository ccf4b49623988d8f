//! The walk over 50 and 5,000 mounted rows with 0 %, 1 % and 100 % of them dirtied (and
//! changed), from the raw `X-PJX-Mounted` header to the finished body. The baseline renders
//! the same changed rows directly, as a hand-written handler would, with no manifest, no
//! matching, no hashing and no cache.

use std::hint::black_box;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use pjx::component::registry::ReactiveType;
use pjx::prelude::*;
use pjx::{Engine, Key, Registry, Scope};
use serde::Serialize;

#[derive(MutationKey)]
enum Keys {
    Todos,
    Stats,
}

struct Db {
    todos: RwLock<Vec<(String, bool)>>,
}

#[reactive(react = [Keys::Todos], source = r#"<li class="todo{% if done %} todo--done{% endif %}" data-pjx-loading="skeleton">
  <form class="todo__toggle" method="post" action="/rows/{{ todo_id }}/toggle">
    <button class="todo__check" type="submit" aria-pressed="{{ done }}" hx-post="/rows/{{ todo_id }}/toggle" hx-target="this" hx-swap="outerHTML"></button>
  </form>
  <span class="todo__title">{{ title }}</span>
</li>"#)]
#[derive(Serialize)]
struct Row {
    id: String,
    #[pjx_key]
    todo_id: usize,
    title: String,
    done: bool,
}

impl Row {
    fn fetch(todo_id: usize, db: &Db) -> Option<Row> {
        let todos = db.todos.read().unwrap();
        let (title, done) = todos.get(todo_id)?.clone();
        Some(Row {
            id: format!("row-{todo_id}"),
            todo_id,
            title,
            done,
        })
    }
}

#[reactive]
impl Row {
    fn load(todo_id: usize, cx: &LoadCx) -> Result<Self, LoadError> {
        Row::fetch(todo_id, cx.require::<Arc<Db>>()?).ok_or(LoadError::NotFound)
    }
}

struct Setup {
    engine: Arc<Engine>,
    cx: LoadCx,
    db: Arc<Db>,
    header: String,
    dirtied: Vec<Key>,
    changed: Vec<usize>,
}

fn setup(regions: usize, percent: usize) -> Setup {
    let db = Arc::new(Db {
        todos: RwLock::new(
            (0..regions)
                .map(|i| {
                    (
                        format!("Todo number {i} with a realistic title"),
                        i % 3 == 0,
                    )
                })
                .collect(),
        ),
    });
    // The page as the client holds it, and its manifest header.
    let mut page = String::from("<ul>");
    for id in 0..regions {
        page.push_str(&Row::fetch(id, &db).unwrap().to_html().unwrap());
    }
    page.push_str("</ul>");
    let header = pjx::testing::mounted_header(&pjx::testing::manifest_from_html(&page));
    // Then the dirtied rows change.
    let changed: Vec<usize> = match percent {
        0 => Vec::new(),
        100 => (0..regions).collect(),
        p => (0..regions.div_ceil(100) * p)
            .map(|i| i * 100 / p)
            .collect(),
    };
    for &id in &changed {
        let mut todos = db.todos.write().unwrap();
        todos[id].1 = !todos[id].1;
    }
    let dirtied = match percent {
        0 => vec![Keys::Stats.key()],
        100 => vec![Keys::Todos.key()],
        _ => changed
            .iter()
            .map(|&id| Keys::Todos.at(id).into())
            .collect(),
    };
    // The walk itself over the whole manifest, whatever carries it (a 5,000-row page reports
    // it partly in the header and the rest in a sync request's body): limits out of the way.
    let engine = Engine::builder()
        .registry(Registry::of(&[ReactiveType::of::<Row>()]).unwrap())
        .limits(pjx::Limits {
            max_header_bytes: 1 << 24,
            walk_budget: usize::MAX,
            ..Default::default()
        })
        .build();
    Setup {
        engine,
        cx: LoadCx::new().with(Arc::clone(&db)),
        db,
        header,
        dirtied,
        changed,
    }
}

/// One request through pjx: parse the header, record the mutation, walk, build the body.
fn walk_once(s: &Setup, runtime: &tokio::runtime::Runtime) -> usize {
    let scope = Scope::builder()
        .engine(Arc::clone(&s.engine))
        .mounted_header(s.header.as_str())
        .load_cx(s.cx.clone())
        .build();
    scope.record(s.dirtied.iter().cloned());
    let reply = runtime.block_on(pjx::reply(&scope, String::new()));
    assert_eq!(reply.walk.sent().len(), s.changed.len());
    reply.body.len()
}

/// The same changed rows, rendered by hand.
fn baseline_once(s: &Setup) -> usize {
    let mut body = String::new();
    for &id in &s.changed {
        let row = Row::fetch(id, &s.db).unwrap();
        body.push_str(&row.to_html().unwrap());
    }
    body.len()
}

/// Median time per call, over enough calls to fill `budget`.
pub(crate) fn measure(budget: Duration, mut f: impl FnMut() -> usize) -> Duration {
    for _ in 0..3 {
        black_box(f());
    }
    let mut samples = Vec::new();
    let start = Instant::now();
    while start.elapsed() < budget || samples.len() < 5 {
        let t = Instant::now();
        black_box(f());
        samples.push(t.elapsed());
    }
    samples.sort();
    samples[samples.len() / 2]
}

pub(crate) fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

pub fn run() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    println!("walk: from the X-PJX-Mounted header to the finished body, median per request");
    println!(
        "{:>8} {:>8} {:>8} {:>12} {:>12} {:>8}",
        "regions", "dirtied", "swapped", "walk µs", "baseline µs", "ratio"
    );
    for regions in [50, 5_000] {
        for percent in [0, 1, 100] {
            let s = setup(regions, percent);
            let budget = Duration::from_millis(if regions > 1_000 { 1_500 } else { 400 });
            let walk = measure(budget, || walk_once(&s, &runtime));
            let baseline = measure(budget, || baseline_once(&s));
            let ratio = if baseline > Duration::from_nanos(100) {
                format!("{:.2}×", walk.as_secs_f64() / baseline.as_secs_f64())
            } else {
                "—".to_owned()
            };
            println!(
                "{regions:>8} {:>7}% {:>8} {:>12.1} {:>12.1} {ratio:>8}",
                percent,
                s.changed.len(),
                micros(walk),
                micros(baseline)
            );
        }
    }
    println!(
        "(baseline: the same changed rows loaded and rendered by hand; at 0 % it renders nothing, so the walk's figure is its whole cost)"
    );
}
