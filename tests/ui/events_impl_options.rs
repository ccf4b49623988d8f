// `#[component]` on an impl block takes no options: they go on the struct.
use pjx::prelude::*;
use serde::{Deserialize, Serialize};

#[component(source = "<b>{{ count }}</b>")]
#[derive(Serialize, Deserialize)]
pub struct Counter {
    count: i64,
}

#[component(name = "x")]
impl Counter {
    fn on_add(&mut self) {
        self.count += 1;
    }
}

fn main() {}
