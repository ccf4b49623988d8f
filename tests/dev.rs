//! Dev mode, the dependency graph, registry errors, and `depends_on` narrowing.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use pjx::cache::{EntryKey, InProcess};
use pjx::component::registry::ReactiveType;
use pjx::prelude::*;
use pjx::{DevMode, Engine, Registry, Scope};

#[derive(MutationKey)]
enum Keys {
    Todos,
    TodoList,
    User,
    Settings,
    Unused,
}

#[reactive(react = [Keys::Todos], source = "<b>{{ n }}</b>")]
struct Counter {
    n: u32,
}

#[reactive]
impl Counter {
    fn load() -> Result<Self, LoadError> {
        Ok(Counter { n: 1 })
    }
}

#[reactive(react = [Keys::Todos, Keys::TodoList], source = "<ul></ul>", name = "list")]
struct TodoList {
    n: u32,
}

#[reactive]
impl TodoList {
    fn load() -> Result<Self, LoadError> {
        Ok(TodoList { n: 0 })
    }
}

/// The seed's example: admins depend on the user and the settings, others on the settings.
#[reactive(react = [Keys::User, Keys::Settings], source = "<aside>{{ is_admin }}</aside>")]
struct AdminPanel {
    is_admin: bool,
}

#[reactive]
impl AdminPanel {
    fn load(cx: &LoadCx) -> Result<Self, LoadError> {
        Ok(AdminPanel {
            is_admin: *cx.require::<bool>()?,
        })
    }

    fn depends_on(&self) -> Vec<Keys> {
        if self.is_admin {
            vec![Keys::User, Keys::Settings]
        } else {
            vec![Keys::Settings]
        }
    }
}

/// A `depends_on` naming a key outside `react`: what dev mode catches.
#[reactive(react = [Keys::Settings], source = "<i>{{ n }}</i>")]
struct Sloppy {
    n: u32,
}

#[reactive]
impl Sloppy {
    fn load() -> Result<Self, LoadError> {
        Ok(Sloppy { n: 0 })
    }

    fn depends_on(&self) -> [Keys; 2] {
        [Keys::Settings, Keys::Todos]
    }
}

fn registry() -> Registry {
    Registry::of(&[
        ReactiveType::of::<Counter>(),
        ReactiveType::of::<TodoList>(),
        ReactiveType::of::<AdminPanel>(),
        ReactiveType::of::<Sloppy>(),
    ])
    .unwrap()
    .with_keys::<Keys>()
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(f)
}

fn panic_message(f: impl FnOnce()) -> Option<String> {
    catch_unwind(AssertUnwindSafe(f)).err().map(|e| {
        e.downcast_ref::<String>()
            .cloned()
            .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default()
    })
}

#[test]
fn dependency_graph_as_text_and_mermaid() {
    let graph = registry().dependency_graph();
    assert_eq!(
        graph.to_string(),
        "settings → admin_panel, sloppy\ntodo-list → list\ntodos → counter, list\nunused → (nothing)\nuser → admin_panel\n"
    );
    assert_eq!(graph.dependents("todos"), ["counter", "list"]);
    let mermaid = graph.mermaid();
    assert!(mermaid.starts_with("flowchart LR\n"));
    assert!(mermaid.contains("  k0[\"settings\"]\n"));
    assert!(mermaid.contains("  c0([\"admin_panel\"])\n"));
    // settings → admin_panel and sloppy; unused has no edge.
    assert!(mermaid.contains("  k0 --> c0\n") && mermaid.contains("  k0 --> c3\n"));
    assert_eq!(mermaid.matches("-->").count(), 6);
}

#[test]
fn two_components_with_one_name_fail_fast_naming_both() {
    #[reactive(react = [Keys::Todos], source = "<b></b>", name = "counter")]
    struct Impostor {
        n: u8,
    }
    #[reactive]
    impl Impostor {
        fn load() -> Result<Self, LoadError> {
            Ok(Impostor { n: 0 })
        }
    }
    let err = Registry::of(&[
        ReactiveType::of::<Counter>(),
        ReactiveType::of::<Impostor>(),
    ])
    .unwrap_err()
    .to_string();
    assert!(err.contains("registered as `counter`"), "{err}");
    assert!(
        err.contains("dev::Counter") && err.contains("Impostor"),
        "{err}"
    );
    // Registering the same type twice is not a clash.
    assert!(Registry::of(&[ReactiveType::of::<Counter>(), ReactiveType::of::<Counter>()]).is_ok());
}

fn strict() -> Arc<Engine> {
    Engine::builder()
        .registry(registry())
        .dev_mode(DevMode::Strict)
        .build()
}

#[test]
fn strict_dev_mode_catches_mutations_that_update_nothing() {
    // Mutations in an htmx request that never renders a reactive response.
    let scope = Scope::builder()
        .engine(strict())
        .htmx_request(true)
        .mounted_header("[]")
        .build();
    scope.record([Keys::Todos]);
    let message = panic_message(|| scope.finish()).expect("strict mode panics");
    assert!(message.contains("recorded mutations [todos]"), "{message}");

    // Answered by a reply: fine.
    let scope = Scope::builder()
        .engine(strict())
        .htmx_request(true)
        .mounted_header("[]")
        .build();
    scope.record([Keys::Todos]);
    block_on(pjx::reply(&scope, String::new()));
    scope.finish();

    // A plain (non-htmx) request, e.g. a form post answered by a redirect: fine.
    let scope = Scope::builder().engine(strict()).build();
    scope.record([Keys::Todos]);
    scope.finish();
}

#[test]
fn strict_dev_mode_catches_a_missing_manifest() {
    let scope = Scope::builder().engine(strict()).htmx_request(true).build();
    scope.record([Keys::Todos]);
    let message =
        panic_message(|| drop(block_on(pjx::reply(&scope, String::new())))).expect("panics");
    assert!(message.contains("no X-PJX-Mounted manifest"), "{message}");
}

#[test]
fn strict_dev_mode_catches_depends_on_outside_react() {
    let scope = Scope::builder().engine(strict()).build();
    let message = panic_message(|| {
        block_on(scope.load::<Sloppy>(pjx::NoKey)).ok();
    })
    .expect("panics");
    assert!(
        message.contains(
            "`sloppy`'s depends_on() returned `todos`, which is not in its react set [settings]"
        ),
        "{message}"
    );
    // Off (the default) says nothing.
    let quiet = Scope::builder()
        .engine(Engine::builder().registry(registry()).build())
        .build();
    assert!(block_on(quiet.load::<Sloppy>(pjx::NoKey)).is_ok());
}

#[test]
fn depends_on_narrows_what_the_shared_cache_indexes() {
    let engine = Engine::builder()
        .registry(registry())
        .invalidation(Arc::new(InProcess))
        .build();
    let cache = || engine.shared_cache().unwrap();
    let load_as = |admin: bool| {
        let scope = Scope::builder()
            .engine(Arc::clone(&engine))
            .load_cx(LoadCx::new().with(admin))
            .build();
        block_on(scope.load::<AdminPanel>(pjx::NoKey)).unwrap();
        scope
    };
    let entry = EntryKey::new("admin_panel", "");

    // Loaded as a non-admin, the panel depends on `settings` only…
    let scope = load_as(false);
    assert!(cache().contains(&entry));
    scope.record([Keys::User]);
    assert!(
        cache().contains(&entry),
        "a user change does not concern it"
    );
    scope.record([Keys::Settings]);
    assert!(!cache().contains(&entry));

    // …loaded as an admin, on both.
    let scope = load_as(true);
    scope.record([Keys::User]);
    assert!(!cache().contains(&entry));
    cache().check_indexes().unwrap();
}
