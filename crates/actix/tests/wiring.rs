//! What an app no longer wires by hand: app data in the load context, errors with their
//! statuses, fragment-or-redirect answers, settings checked where they are given, and
//! warnings that reach the user without a `tracing` subscriber.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

use actix_web::{App, HttpResponse, web};
use pjx::prelude::*;
use pjx::{DevMode, Engine, Limits, StateKey, StateKeys};
use pjx_actix::prelude::*;
use pjx_testkit::http::{Response, request};
use pjx_testkit::server::serve;

#[derive(MutationKey)]
enum Keys {
    Count,
}

/// The app's store: given to actix as `web::Data<Counter>`, read by `load` as `Counter`.
struct Counter(AtomicU32);

impl Counter {
    #[mutates(Keys::Count)]
    fn bump(&self) -> u32 {
        self.0.fetch_add(1, Ordering::SeqCst) + 1
    }
}

#[reactive(react = [Keys::Count], source = "<b class=\"n\">{{ n }}</b>", name = "count")]
struct Count {
    n: u32,
}

#[reactive]
impl Count {
    async fn load(cx: &LoadCx) -> Result<Self, LoadError> {
        Ok(Count {
            n: cx.require::<Counter>()?.0.load(Ordering::SeqCst),
        })
    }
}

#[reactive(react = [Keys::Count], source = "<li>{{ id }}</li>", name = "row")]
struct Row {
    #[pjx_key]
    id: u32,
}

#[reactive]
impl Row {
    fn load(id: u32) -> Result<Self, LoadError> {
        match id {
            0 => Err(LoadError::NotFound),
            id => Ok(Row { id }),
        }
    }
}

/// Only for signed-in users.
#[component(permissions = [IsAuthenticated], source = "<p>the secret is 42</p>")]
struct Secret {}

const MOUNTED: &str = r#"[{"id":"count","type":"count","hash":"stale"}]"#;

fn counter() -> web::Data<Counter> {
    web::Data::new(Counter(AtomicU32::new(0)))
}

fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/count",
        web::get().to(|scope: RequestScope| async move {
            Ok::<_, actix_web::Error>(Html(Count::load(scope.load_cx()).await?))
        }),
    )
    .route(
        "/rows/{id}",
        web::post().to(|c: web::Data<Counter>, id: web::Path<u32>| async move {
            c.bump();
            Ok::<_, actix_web::Error>(Row::render(id.into_inner()).await?.or_redirect("/"))
        }),
    )
    .route(
        "/bump",
        web::post().to(|c: web::Data<Counter>| async move {
            c.bump();
            swaps_or_redirect("/")
        }),
    )
    .route(
        "/missing",
        web::get().to(|| async {
            let found: Result<Count, LoadError> = Err(LoadError::NotFound);
            Ok::<_, actix_web::Error>(Html(found?))
        }),
    )
    .route(
        "/failed",
        web::get().to(|| async {
            let failed: Result<Count, LoadError> = Err(LoadError::msg("db password is hunter2"));
            Ok::<_, actix_web::Error>(Html(failed?))
        }),
    )
    .route(
        "/forbidden",
        web::get().to(|| async {
            Err::<HttpResponse, _>(EventError::Forbidden)?;
            Ok::<_, actix_web::Error>(HttpResponse::Ok().finish())
        }),
    )
    .route("/secret", web::get().to(|| async { Html(Secret {}) }));
}

/// The app as an app would be wired: the store as app data, pjx reading it.
fn app() -> std::net::SocketAddr {
    serve(|| {
        App::new()
            .app_data(counter())
            .wrap(Pjx::new().data::<Counter>())
            .configure(routes)
    })
}

fn get(addr: std::net::SocketAddr, path: &str) -> Response {
    request(addr, "GET", path, &[], "")
}

const HTMX: [(&str, &str); 2] = [("HX-Request", "true"), ("X-PJX-Mounted", MOUNTED)];

#[test]
fn app_data_reaches_load_without_a_context_factory() {
    let res = get(app(), "/count");
    assert_eq!(res.status, 200, "{}", res.body);
    assert!(
        res.body.contains(r#"<b class="n" data-pjx-id="count""#),
        "{}",
        res.body
    );
}

#[test]
fn data_registered_through_configure_is_found_too() {
    let addr = serve(|| {
        App::new()
            .wrap(Pjx::new().data::<Counter>())
            .configure(|cfg| {
                cfg.app_data(counter());
                routes(cfg);
            })
    });
    assert_eq!(get(addr, "/count").status, 200);
}

#[test]
fn data_the_app_never_gave_actix_is_a_500_at_the_first_request() {
    let addr = serve(|| {
        App::new()
            .wrap(Pjx::new().data::<Counter>())
            .configure(routes)
    });
    let res = get(addr, "/count");
    assert_eq!(res.status, 500);
    // Nothing about the app's setup goes to the client; the log says it (see the child test).
    assert!(!res.body.contains("Counter"), "{}", res.body);
}

#[test]
fn pjx_errors_answer_with_their_status_through_question_mark() {
    let addr = app();
    for (path, status) in [("/missing", 404), ("/failed", 500), ("/forbidden", 403)] {
        let res = get(addr, path);
        assert_eq!(res.status, status, "{path}");
        assert!(res.body.starts_with(r#"{"error":"#), "{path}: {}", res.body);
        assert!(!res.body.contains("hunter2"), "{path}: {}", res.body);
    }
    // A key that does not exist: 404 from `Row::render`, whatever the client.
    let res = request(addr, "POST", "/rows/0", &[("HX-Request", "true")], "");
    assert_eq!(res.status, 404);
}

#[test]
fn a_fragment_goes_to_htmx_and_a_redirect_to_everyone_else() {
    let addr = app();
    let res = request(addr, "POST", "/rows/7", &HTMX, "");
    assert_eq!(res.status, 200);
    assert!(res.header("location").is_none());
    assert!(
        res.body.starts_with("<li data-pjx-id=\"row-7\""),
        "{}",
        res.body
    );
    // What changed rides along, as with any htmx answer.
    assert!(res.body.contains("hx-swap-oob"), "{}", res.body);

    let res = request(addr, "POST", "/rows/7", &[], "");
    assert_eq!(res.status, 303);
    assert_eq!(res.header("location"), Some("/"));
    assert!(res.body.is_empty());
}

#[test]
fn swaps_only_to_htmx_and_a_redirect_to_everyone_else() {
    let addr = app();
    let res = request(addr, "POST", "/bump", &HTMX, "");
    assert_eq!(res.status, 200);
    assert_eq!(res.header("hx-reswap"), Some("none"));
    assert!(
        res.body.starts_with("<b class=\"n\" data-pjx-id=\"count\"")
            && res.body.contains("hx-swap-oob"),
        "{}",
        res.body
    );

    let res = request(addr, "POST", "/bump", &[], "");
    assert_eq!(res.status, 303);
    assert_eq!(res.header("location"), Some("/"));
}

#[test]
fn html_outside_a_pjx_scope_fails_closed() {
    // No `.wrap(Pjx::new())`: no requester to check the permissions of.
    let res = get(serve(|| App::new().configure(routes)), "/secret");
    assert_eq!(res.status, 500);
    assert!(!res.body.contains("42"), "{}", res.body);
    // Inside one, the permissions answer.
    let res = get(
        serve(|| App::new().wrap(Pjx::new()).configure(routes)),
        "/secret",
    );
    assert_eq!(res.status, 401);
}

#[test]
fn the_missing_scope_error_names_the_middleware() {
    let message = pjx_actix::Error::NoScope.to_string();
    assert!(
        message.contains(".wrap(pjx_actix::Pjx::new())"),
        "{message}"
    );
}

/// The panic message of `f`.
fn panic_of(f: impl FnOnce() -> Pjx) -> String {
    let err = catch_unwind(AssertUnwindSafe(f)).expect_err("a startup error");
    err.downcast_ref::<String>()
        .cloned()
        .or_else(|| err.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap()
}

#[test]
fn a_setting_given_twice_is_a_startup_error() {
    let keys = || StateKeys::new([StateKey::from_secret("k")]);
    type Build = Box<dyn FnOnce() -> Pjx>;
    let cases: [(&str, Build); 6] = [
        (
            "`Pjx::dev_mode` is given twice",
            Box::new(|| Pjx::new().dev_mode(DevMode::Warn).dev_mode(DevMode::Off)),
        ),
        (
            "`Pjx::state_keys` is given twice",
            Box::new(move || Pjx::new().state_keys(keys()).state_keys(keys())),
        ),
        (
            "`Pjx::data::<wiring::Counter>()` is given twice",
            Box::new(|| Pjx::new().data::<Counter>().data::<u8>().data::<Counter>()),
        ),
        (
            "`Pjx::limits` is given twice",
            Box::new(|| {
                Pjx::new()
                    .limits(Limits::default())
                    .limits(Limits::default())
            }),
        ),
        (
            "`Pjx::identity` is given twice",
            Box::new(|| Pjx::new().identity(|_| None).identity(|_| None)),
        ),
        (
            "`Pjx::engine` is given twice",
            Box::new(|| {
                Pjx::new()
                    .engine(Engine::builder().build())
                    .engine(Engine::builder().build())
            }),
        ),
    ];
    for (expected, build) in cases {
        let message = panic_of(build);
        assert!(message.contains(expected), "{message}");
    }
    // Different data types, and one of each setting, are fine.
    let _ = Pjx::new()
        .data::<Counter>()
        .data::<u8>()
        .dev_mode(DevMode::Warn)
        .state_keys(keys());
}

#[test]
fn settings_of_the_engine_next_to_pjx_engine_are_a_startup_error_either_way() {
    let engine = || Engine::builder().build();
    let after = panic_of(|| Pjx::new().engine(engine()).dev_mode(DevMode::Warn));
    assert!(
        after.contains("`Pjx::dev_mode` next to `Pjx::engine` would be ignored"),
        "{after}"
    );
    let before = panic_of(|| {
        Pjx::new()
            .limits(Limits::default())
            .invalidation(std::sync::Arc::new(pjx::cache::InProcess))
            .engine(engine())
    });
    assert!(
        before.contains("`Pjx::invalidation`, `Pjx::limits` next to `Pjx::engine`"),
        "{before}"
    );
    // What pjx does per request combines with an engine.
    let _ = Pjx::new()
        .engine(engine())
        .data::<Counter>()
        .identity(|_| None)
        .event_body_limit(1024)
        .without_runtime_injection();
}

/// Runs the test `name` of this binary in a child process with no `tracing` subscriber, and
/// returns what it printed on standard error.
fn stderr_of_child(name: &str) -> String {
    let out = Command::new(std::env::current_exe().unwrap())
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env("PJX_WIRING_CHILD", "1")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stderr).unwrap()
}

fn in_child() -> bool {
    std::env::var_os("PJX_WIRING_CHILD").is_some()
}

#[test]
fn child_missing_data_and_missing_scope() {
    if !in_child() {
        return;
    }
    let addr = serve(|| {
        App::new()
            .wrap(Pjx::new().data::<Counter>())
            .configure(routes)
    });
    get(addr, "/count");
    get(serve(|| App::new().configure(routes)), "/secret");
}

#[test]
fn child_dev_mode_warning() {
    if !in_child() {
        return;
    }
    DevMode::Warn.report("a mutation with nothing to ride along");
}

#[test]
fn errors_and_warnings_reach_stderr_without_a_tracing_subscriber() {
    let err = stderr_of_child("child_missing_data_and_missing_scope");
    assert!(
        err.contains("`Pjx::data::<wiring::Counter>()` is configured, but the app has no `web::Data<wiring::Counter>`"),
        "{err}"
    );
    assert!(
        err.contains("App::new().app_data(web::Data::new(value))"),
        "{err}"
    );
    assert!(
        err.contains("`App::new().wrap(pjx_actix::Pjx::new())`"),
        "{err}"
    );
    let warn = stderr_of_child("child_dev_mode_warning");
    assert!(
        warn.contains("pjx dev mode: warning: a mutation with nothing to ride along"),
        "{warn}"
    );
}
