// An event handler changes the state: it takes `&mut self`.
use pjx::prelude::*;
use serde::{Deserialize, Serialize};

#[component(source = "<b>{{ count }}</b>")]
#[derive(Serialize, Deserialize)]
pub struct Counter {
    count: i64,
}

#[component]
impl Counter {
    fn on_add(&self) {
        let _ = self.count;
    }
}

fn main() {}
