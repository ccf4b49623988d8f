// Each option is given once.
use pjx::prelude::*;
use serde::{Deserialize, Serialize};

#[component(source = "<b>{{ count }}</b>", rate_limit = "10/min", rate_limit = "5/s")]
#[derive(Serialize, Deserialize)]
pub struct Counter {
    count: i64,
}

#[component]
impl Counter {
    fn on_add(&mut self) {
        self.count += 1;
    }
}

fn main() {}
