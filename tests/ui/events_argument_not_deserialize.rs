// Event arguments are read from the JSON payload, so their types implement `Deserialize`.
use pjx::prelude::*;
use serde::{Deserialize, Serialize};

pub struct Amount(i64);

#[component(source = "<b>{{ count }}</b>")]
#[derive(Serialize, Deserialize)]
pub struct Counter {
    count: i64,
}

#[component]
impl Counter {
    fn on_add(&mut self, by: Amount) {
        self.count += by.0;
    }
}

fn main() {}
