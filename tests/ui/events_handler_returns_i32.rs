// An event handler returns `()` or `Result<(), E>`.
use pjx::prelude::*;
use serde::{Deserialize, Serialize};

#[component(source = "<b>{{ count }}</b>")]
#[derive(Serialize, Deserialize)]
pub struct Counter {
    count: i64,
}

#[component]
impl Counter {
    fn on_add(&mut self) -> i32 {
        self.count += 1;
        0
    }
}

fn main() {}
