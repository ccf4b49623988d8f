// Event arguments are read from the payload by name: each is `name: Type`, not a pattern.
use pjx::prelude::*;
use serde::{Deserialize, Serialize};

#[component(source = "<b>{{ count }}</b>")]
#[derive(Serialize, Deserialize)]
pub struct Counter {
    count: i64,
}

#[component]
impl Counter {
    fn on_add(&mut self, (a, b): (i64, i64)) {
        self.count += a + b;
    }
}

fn main() {}
