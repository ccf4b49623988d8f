// An event handler changes the state: it takes `&mut self`, even when it ignores it.
use pjx::prelude::*;
use serde::{Deserialize, Serialize};

#[component(source = "<b>{{ count }}</b>")]
#[derive(Serialize, Deserialize)]
pub struct Counter {
    count: i64,
}

#[component]
impl Counter {
    fn on_add(by: i64) {
        let _ = by;
    }
}

fn main() {}
