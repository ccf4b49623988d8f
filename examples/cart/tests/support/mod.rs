//! The real cart app on a loopback port, and helpers to talk to it as htmx would.

#![allow(dead_code)] // each test binary uses part of this

use std::net::SocketAddr;
use std::time::SystemTime;

use actix_identity::IdentityMiddleware;
use actix_web::{App, HttpServer, web};
use cart::{Secrets, Store};
use pjx::security::state::Clock;
#[allow(unused_imports)]
pub use pjx_testkit::browser;
#[allow(unused_imports)] // not every test binary injects faults
pub use pjx_testkit::faults::{Rule, Rules};
pub use pjx_testkit::http::*;
use serde_json::Value;

/// The cart app, exactly as `main` builds it, plus the rules and a clock the test moves, on
/// 127.0.0.1:<random>.
pub struct TestApp {
    pub addr: SocketAddr,
    pub rules: Rules,
    pub store: web::Data<Store>,
    /// What state tokens are issued and checked by: advance it to make them expire.
    pub clock: Clock,
}

/// The secrets every test app uses unless a test says otherwise.
pub fn secrets() -> Secrets {
    Secrets::from_secret("cart tests")
}

impl TestApp {
    pub fn start() -> TestApp {
        Self::with_secrets(secrets())
    }

    pub fn with_secrets(secrets: Secrets) -> TestApp {
        let store = web::Data::new(Store::open(None).unwrap());
        let rules = Rules::default();
        let clock = Clock::manual(SystemTime::now());
        let (tx, rx) = std::sync::mpsc::channel();
        let (app_store, app_rules, app_clock) = (store.clone(), rules.clone(), clock.clone());
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let pjx = cart::pjx(&secrets)
                    .clock(app_clock)
                    .htmx(browser::htmx_line().parse().unwrap());
                let server = HttpServer::new(move || {
                    let rules = app_rules.clone();
                    App::new()
                        .wrap(pjx.clone())
                        .wrap(IdentityMiddleware::default())
                        .wrap(cart::session(&secrets))
                        .wrap_fn(move |req, srv| rules.apply(req, srv))
                        .configure(cart::configure(app_store.clone()))
                })
                .workers(2)
                .bind(("127.0.0.1", 0))
                .unwrap();
                tx.send(server.addrs()[0]).unwrap();
                server.run().await.unwrap();
            });
        });
        let addr = rx.recv().unwrap();
        TestApp {
            addr,
            rules,
            store,
            clock,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// A browser-like client (it keeps the session cookie).
    pub fn client(&self) -> Shopper {
        Shopper {
            http: Client::new(self.addr),
        }
    }
}

/// Someone using the shop, with their session.
pub struct Shopper {
    pub http: Client,
}

impl Shopper {
    /// The page, and the manifest header the client runtime would send for it.
    pub fn page(&mut self) -> (String, String) {
        let page = self.http.get("/");
        assert_eq!(page.status, 200, "{}", page.body);
        let manifest = pjx::testing::manifest_from_html(&page.body);
        (page.body, pjx::testing::compact_mounted_header(&manifest))
    }

    /// Signs in as `name`.
    pub fn sign_in(&mut self, name: &str) {
        let res = self.http.request(
            "POST",
            "/login",
            &[("Content-Type", "application/x-www-form-urlencoded")],
            &form("username", name),
        );
        assert_eq!(res.status, 303, "{}", res.body);
    }

    /// An event (or, with `event` empty, a mount) as htmx posts it: a form with the state,
    /// the event, the payload as JSON text, and `extra` fields (the enclosing form's inputs).
    pub fn htmx(
        &mut self,
        component: &str,
        event: &str,
        payload: &str,
        state: &str,
        extra: &[(&str, &str)],
        mounted: &str,
    ) -> Response {
        let mut fields = vec![];
        if !event.is_empty() {
            fields.push(("event", event));
        }
        if !payload.is_empty() {
            fields.push(("payload", payload));
        }
        if !state.is_empty() {
            fields.push(("state", state));
        }
        fields.extend_from_slice(extra);
        let mut headers = vec![
            ("HX-Request", "true"),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ];
        if !mounted.is_empty() {
            headers.push(("X-PJX-Mounted", mounted));
        }
        self.http.request(
            "POST",
            &format!("/components/{component}"),
            &headers,
            &form_body(&fields),
        )
    }

    /// A JSON request to the dispatch route (as a non-htmx client sends it).
    pub fn json(&mut self, component: &str, body: &Value) -> Response {
        self.http.request(
            "POST",
            &format!("/components/{component}"),
            &[("Content-Type", "application/json")],
            &body.to_string(),
        )
    }
}

/// The state token of the component `name` rendered in `html`.
pub fn state_of(html: &str, name: &str) -> String {
    let at = html
        .find(&format!("data-pjx-component=\"{name}\""))
        .unwrap_or_else(|| panic!("no component {name} in {html}"));
    let rest = &html[at..];
    const NEEDLE: &str = "hx-vals=\"{&quot;state&quot;:&quot;";
    let start = rest.find(NEEDLE).unwrap() + NEEDLE.len();
    let end = rest[start..].find("&quot;").unwrap();
    rest[start..start + end].to_owned()
}

/// The JSON error of a response, checked to have the one shape.
pub fn error_of(res: &Response) -> Value {
    assert_eq!(
        res.header("content-type"),
        Some("application/json"),
        "{}: {}",
        res.status,
        res.body
    );
    let body: Value = serde_json::from_str(&res.body).unwrap();
    let error = body["error"].clone();
    assert_eq!(error["status"], res.status, "{}", res.body);
    assert!(
        error["code"].is_string() && error["message"].is_string(),
        "{}",
        res.body
    );
    assert_eq!(body.as_object().unwrap().len(), 1, "{}", res.body);
    error
}
