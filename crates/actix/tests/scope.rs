//! The middleware against a real actix-web server on loopback: every request gets its own
//! scope, `#[mutates]` deep in a store records into it, and nothing leaks between requests.

use std::net::SocketAddr;

use actix_web::{App, HttpResponse, HttpServer, web};
use pjx::{MutationKey, Scope, mutates};
use pjx_actix::{Pjx, RequestScope};

#[derive(MutationKey)]
enum Keys {
    Todos,
}

struct Store;

impl Store {
    #[mutates(Keys::Todos.at(id))]
    fn toggle(&self, id: i64) -> Result<i64, String> {
        if id > 0 { Ok(id) } else { Err("bad id".into()) }
    }
}

async fn toggle(path: web::Path<i64>, scope: RequestScope) -> HttpResponse {
    let id = path.into_inner();
    // Across an await point, the task-local scope is still the request's.
    tokio::task::yield_now().await;
    let _ = Store.toggle(id);
    let current = Scope::current().expect("a scope is current inside the handler");
    assert!(current.same_as(&scope));
    HttpResponse::Ok().body(scope.dirtied_names().join(" "))
}

async fn no_scope() -> HttpResponse {
    HttpResponse::Ok().body(Scope::current().is_some().to_string())
}

/// One HTTP/1.1 request over a fresh connection; returns (status, body).
fn request(addr: SocketAddr, method: &str, path: &str) -> (u16, String) {
    let res = pjx_testkit::http::request(addr, method, path, &[], "");
    (res.status, res.body)
}

#[actix_web::test]
async fn each_request_runs_in_its_own_scope() {
    let server = HttpServer::new(|| {
        App::new()
            .service(
                web::scope("/pjx")
                    .wrap(Pjx::new())
                    .route("/toggle/{id}", web::post().to(toggle)),
            )
            .route("/plain/toggle/{id}", web::post().to(toggle))
            .route("/plain/scope", web::get().to(no_scope))
    })
    .workers(1)
    .bind(("127.0.0.1", 0))
    .unwrap();
    let addr = server.addrs()[0];
    let server = server.run();
    let handle = server.handle();
    actix_web::rt::spawn(server);

    let results = web::block(move || {
        vec![
            request(addr, "POST", "/pjx/toggle/7"),
            request(addr, "POST", "/pjx/toggle/8"),
            request(addr, "POST", "/pjx/toggle/-1"),
            request(addr, "POST", "/plain/toggle/7"),
            request(addr, "GET", "/plain/scope"),
        ]
    })
    .await
    .unwrap();
    handle.stop(true).await;

    // Each request sees only its own mutation; a failed one records nothing.
    assert_eq!(results[0], (200, "todos:7".into()));
    assert_eq!(results[1], (200, "todos:8".into()));
    assert_eq!(results[2], (200, String::new()));
    // Without the middleware the extractor explains what is missing, and no scope is open.
    assert_eq!(results[3].0, 500);
    assert!(
        results[3].1.contains("pjx_actix::Pjx::new()"),
        "{}",
        results[3].1
    );
    assert_eq!(results[4], (200, "false".into()));
}
