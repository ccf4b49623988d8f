//! The real cart app on a loopback port, and helpers to talk to it as htmx would.

#![allow(dead_code)] // each test binary uses part of this

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_identity::IdentityMiddleware;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::{App, HttpResponse, HttpServer, web};
use cart::{Secrets, Store};
#[allow(unused_imports)]
pub use pjx_testkit::browser;
pub use pjx_testkit::http::*;
use serde_json::Value;

/// How the test server treats one path: wait, then answer normally or with a status.
#[derive(Clone, Copy, Debug, Default)]
pub struct Rule {
    pub delay: Duration,
    pub fail: Option<u16>,
}

/// Per-path rules, changeable while the server runs.
#[derive(Clone, Default)]
pub struct Rules(Arc<Mutex<HashMap<String, Rule>>>);

impl Rules {
    pub fn set(&self, path: &str, rule: Rule) {
        self.0.lock().unwrap().insert(path.to_owned(), rule);
    }

    pub fn clear(&self) {
        self.0.lock().unwrap().clear();
    }

    fn get(&self, path: &str) -> Option<Rule> {
        self.0.lock().unwrap().get(path).copied()
    }
}

/// The cart app, exactly as `main` builds it, plus the rules, on 127.0.0.1:<random>.
pub struct TestApp {
    pub addr: SocketAddr,
    pub rules: Rules,
    pub store: web::Data<Store>,
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
        let (tx, rx) = std::sync::mpsc::channel();
        let (app_store, app_rules) = (store.clone(), rules.clone());
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let pjx = cart::pjx(&secrets);
                let server = HttpServer::new(move || {
                    let rules = app_rules.clone();
                    App::new()
                        .wrap(pjx.clone())
                        .wrap(IdentityMiddleware::default())
                        .wrap(cart::session(&secrets))
                        .wrap_fn(move |req: ServiceRequest, srv| {
                            let rule = rules.get(req.path()).unwrap_or_default();
                            // A failing rule answers without running the handler at all.
                            let outcome = match rule.fail {
                                Some(code) => Err(fail(req, code)),
                                None => Ok(actix_web::dev::Service::call(srv, req)),
                            };
                            async move {
                                if !rule.delay.is_zero() {
                                    actix_web::rt::time::sleep(rule.delay).await;
                                }
                                match outcome {
                                    Err(failed) => Ok(failed),
                                    Ok(call) => {
                                        let res: ServiceResponse<_> = call.await?;
                                        Ok(res.map_into_boxed_body())
                                    }
                                }
                            }
                        })
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
        TestApp { addr, rules, store }
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

fn fail(req: ServiceRequest, code: u16) -> ServiceResponse {
    let status = actix_web::http::StatusCode::from_u16(code).unwrap();
    req.into_response(HttpResponse::build(status).body("injected failure"))
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
