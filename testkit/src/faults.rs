//! Faults for a test server, per path: delay a route (to look at the page while a request is in
//! flight), or answer it with a status without running it (to see how failures are handled).
//!
//! ```no_run
//! use actix_web::App;
//! use pjx_testkit::faults::{Rule, Rules};
//!
//! let rules = Rules::default();
//! let app_rules = rules.clone();
//! let app = App::new().wrap_fn(move |req, srv| app_rules.apply(req, srv));
//! rules.set("/rows/1/toggle", Rule::fail(500, std::time::Duration::from_millis(500)));
//! # let _ = app;
//! ```

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use actix_web::HttpResponse;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse};

/// How the test server treats one path: wait, then answer normally or with a status.
#[derive(Clone, Copy, Debug, Default)]
pub struct Rule {
    /// How long to wait before answering.
    pub delay: Duration,
    /// Answer with this status (body `injected failure`) instead of running the route.
    pub fail: Option<u16>,
}

impl Rule {
    /// Answer normally, after `delay`.
    pub fn delay(delay: Duration) -> Rule {
        Rule { delay, fail: None }
    }

    /// Answer with `status` without running the route, after `delay`.
    pub fn fail(status: u16, delay: Duration) -> Rule {
        Rule {
            delay,
            fail: Some(status),
        }
    }
}

/// Per-path rules, changeable while the server runs.
#[derive(Clone, Default)]
pub struct Rules(Arc<Mutex<HashMap<String, Rule>>>);

impl Rules {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, Rule>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Sets the rule for `path`.
    pub fn set(&self, path: &str, rule: Rule) {
        self.lock().insert(path.to_owned(), rule);
    }

    /// Removes every rule.
    pub fn clear(&self) {
        self.lock().clear();
    }

    /// What `App::wrap_fn` calls: applies the rule of the request's path, if any.
    pub fn apply<S, B>(
        &self,
        req: ServiceRequest,
        srv: &S,
    ) -> impl Future<Output = Result<ServiceResponse<BoxBody>, actix_web::Error>> + use<S, B>
    where
        S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
        S::Future: 'static,
        B: MessageBody + 'static,
    {
        let rule = self.lock().get(req.path()).copied().unwrap_or_default();
        // A failing rule answers without running the handler at all.
        let outcome = match rule.fail {
            Some(code) => Err(fail(req, code)),
            None => Ok(srv.call(req)),
        };
        async move {
            if !rule.delay.is_zero() {
                actix_web::rt::time::sleep(rule.delay).await;
            }
            match outcome {
                Err(failed) => Ok(failed),
                Ok(call) => Ok(call.await?.map_into_boxed_body()),
            }
        }
    }
}

fn fail(req: ServiceRequest, code: u16) -> ServiceResponse<BoxBody> {
    let status = actix_web::http::StatusCode::from_u16(code)
        .unwrap_or(actix_web::http::StatusCode::INTERNAL_SERVER_ERROR);
    req.into_response(HttpResponse::build(status).body("injected failure"))
}
