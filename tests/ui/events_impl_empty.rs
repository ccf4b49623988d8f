// A `#[component]` impl declares events: at least a `mount` or one `on_<event>`.
use pjx::prelude::*;
use serde::{Deserialize, Serialize};

#[component(source = "<b>{{ count }}</b>")]
#[derive(Serialize, Deserialize)]
pub struct Counter {
    count: i64,
}

#[component]
impl Counter {
    pub fn add(&mut self) {
        self.count += 1;
    }
}

fn main() {}
