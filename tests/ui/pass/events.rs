//! A component with events using every part of the declaration, then driven once.

use pjx::prelude::*;
use pjx::testing::ComponentTest;
use serde::{Deserialize, Serialize};

#[derive(MutationKey)]
pub enum Keys {
    Counters,
}

/// Only the counter's owner may act on it.
pub struct OwnsCounter;

impl Permission<Counter> for OwnsCounter {
    fn has_object_permission(cx: &LoadCx, counter: &Counter) -> bool {
        cx.identity().is_some_and(|me| me.id == counter.owner)
    }
}

#[component(
    name = "counter",
    permissions = [IsAuthenticated, OwnsCounter],
    rate_limit = "10/min",
    cache = "60s",
    react = [Keys::Counters],
    source = "<div><b data-pjx-bind=\"count\">{{ count }}</b><button {{ self.on(\"add\").with(\"by\", 1) }}>+</button></div>"
)]
#[derive(Serialize, Deserialize)]
pub struct Counter {
    count: i64,
    owner: String,
    #[pjx(locked)]
    secret: String,
}

#[derive(Deserialize)]
pub struct Params {
    start: i64,
}

#[component]
impl Counter {
    fn mount(params: Params, cx: &LoadCx) -> Result<Counter, EventError> {
        let owner = cx.identity().ok_or_else(EventError::forbidden)?.id.clone();
        Ok(Counter { count: params.start, owner, secret: "server only".into() })
    }

    fn restore(&mut self, cx: &LoadCx) {
        let _ = cx;
        self.secret = "server only".into();
    }

    fn on_add(&mut self, by: i64) {
        self.count += by;
    }

    async fn on_later(&mut self, by: i64, note: Option<String>, cx: &LoadCx) -> Result<(), EventError> {
        if cx.identity().is_none() {
            return Err(EventError::forbidden());
        }
        self.count += by;
        if let Some(note) = note {
            self.secret = note;
        }
        Ok(())
    }

    fn optimistic(&self, event: &str, payload: &Payload) -> Option<Patch> {
        let by = payload.get("by").and_then(|v| v.as_i64()).unwrap_or(1);
        (event == "add").then(|| Patch::new().set("count", self.count + by))
    }

    /// Other items in the impl are left alone.
    pub fn count(&self) -> i64 {
        self.count
    }
}

// The smallest component with events: one handler, no mount.
#[component(source = "<i>{{ on }}</i>")]
#[derive(Serialize, Deserialize)]
pub struct Switch {
    on: bool,
}

#[component]
impl Switch {
    fn on_flip(&mut self) {
        self.on = !self.on;
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    runtime.block_on(async {
        let mut t = ComponentTest::<Counter>::new();
        assert_eq!(t.mount(serde_json::json!({ "start": 1 })).await.unwrap_err().status(), 401);
        t.sign_in(Some(Identity::user("ann")));
        t.mount(serde_json::json!({ "start": 1 })).await.unwrap();
        assert!(t.html().contains("data-pjx-optimistic"));
        t.dispatch("add", serde_json::json!({ "by": 2 })).await.unwrap();
        t.dispatch("later", serde_json::json!({ "by": 3, "note": "hi" })).await.unwrap();
        assert_eq!((t.state().count(), t.state().secret.as_str()), (6, "hi"));
        assert_eq!(t.client_state().secret, "");
        t.sign_in(Some(Identity::user("bob")));
        assert_eq!(t.dispatch("add", serde_json::json!({})).await.unwrap_err().status(), 403);

        let mut s = ComponentTest::<Switch>::new();
        s.set_state(Switch { on: false });
        s.dispatch("flip", serde_json::json!({})).await.unwrap();
        assert!(s.state().on);
    });
}
