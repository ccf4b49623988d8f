//! The real todo app on a loopback port, a raw HTTP client, and a Chromium session.

#![allow(dead_code)] // each test binary uses part of this

#[allow(unused_imports)] // the http tests do not drive a browser
pub use pjx_testkit::browser;
#[allow(unused_imports)] // not every test binary injects faults
pub use pjx_testkit::faults::{Rule, Rules};
pub use pjx_testkit::http::*;

use std::net::SocketAddr;

use actix_web::{App, HttpServer, web};
use todo::Store;

/// The todo app, exactly as `main` builds it, plus the rules, on 127.0.0.1:<random>.
pub struct TestApp {
    pub addr: SocketAddr,
    pub rules: Rules,
    pub store: web::Data<Store>,
}

impl TestApp {
    pub fn start() -> TestApp {
        Self::with_store(Store::open(None).unwrap())
    }

    pub fn with_store(store: Store) -> TestApp {
        let store = web::Data::new(store);
        let rules = Rules::default();
        let (tx, rx) = std::sync::mpsc::channel();
        let (app_store, app_rules) = (store.clone(), rules.clone());
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let pjx = todo::pjx().htmx(browser::htmx_line().parse().unwrap());
                let server = HttpServer::new(move || {
                    let rules = app_rules.clone();
                    App::new()
                        .wrap(pjx.clone())
                        .wrap_fn(move |req, srv| rules.apply(req, srv))
                        .configure(todo::configure(app_store.clone()))
                })
                .workers(2)
                .bind(("127.0.0.1", 0))
                .unwrap();
                tx.send(server.addrs()[0]).unwrap();
                server.run().await.unwrap();
            });
        });
        let addr = rx.recv().unwrap();
        TestApp { addr, rules, store }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// One request over a fresh connection.
    pub fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> Response {
        request(self.addr, method, path, headers, body)
    }

    /// The page, and the compact manifest header the client runtime would send for it.
    pub fn page(&self) -> (String, String) {
        let page = self.request("GET", "/", &[], "");
        assert_eq!(page.status, 200);
        let manifest = pjx::testing::manifest_from_html(&page.body);
        (page.body, pjx::testing::compact_mounted_header(&manifest))
    }
}
