// An event argument has a concrete type: `impl Trait` makes the handler generic.
use pjx::prelude::*;
use serde::{Deserialize, Serialize};

#[component(source = "<b>{{ count }}</b>")]
#[derive(Serialize, Deserialize)]
pub struct Counter {
    count: i64,
}

#[component]
impl Counter {
    fn on_add(&mut self, by: impl Into<i64>) {
        self.count += by.into();
    }
}

fn main() {}
