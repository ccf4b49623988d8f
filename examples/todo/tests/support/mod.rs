//! The real todo app on a loopback port, a raw HTTP client, and a Chromium session.

#![allow(dead_code)] // each test binary uses part of this

pub mod browser;

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::{App, HttpResponse, HttpServer, web};
use todo::Store;

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

    fn get(&self, path: &str) -> Option<Rule> {
        self.0.lock().unwrap().get(path).copied()
    }
}

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
                let pjx = todo::pjx();
                let server = HttpServer::new(move || {
                    let rules = app_rules.clone();
                    App::new()
                        .wrap(pjx.clone())
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

fn fail(req: ServiceRequest, code: u16) -> ServiceResponse {
    let status = actix_web::http::StatusCode::from_u16(code).unwrap();
    req.into_response(HttpResponse::build(status).body("injected failure"))
}

/// An HTTP response, headers lowercased.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A raw HTTP/1.1 request (the test controls every header byte).
pub fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Response {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if !body.is_empty() || method == "POST" {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body.as_bytes()).unwrap();
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    parse_response(&raw)
}

pub fn parse_response(raw: &[u8]) -> Response {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines.next().unwrap_or_default()[9..12].parse().unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let body = if headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"))
    {
        dechunk(body)
    } else {
        body.to_owned()
    };
    Response {
        status,
        headers,
        body,
    }
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.push_str(&rest[..size]);
        body = &rest[size + 2..];
    }
    out
}

/// Form-encodes one field.
pub fn form(name: &str, value: &str) -> String {
    let mut out = format!("{name}=");
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The headers of an htmx request from a page whose manifest is `mounted`.
pub fn htmx_headers<'a>(mounted: &'a str, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut headers = vec![("HX-Request", "true"), ("X-PJX-Mounted", mounted)];
    headers.extend_from_slice(extra);
    headers
}
