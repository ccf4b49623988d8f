// An event handler cannot be generic: its arguments are read from JSON into concrete types.
use pjx::prelude::*;
use serde::{Deserialize, Serialize};

#[component(source = "<b>{{ count }}</b>")]
#[derive(Serialize, Deserialize)]
pub struct Counter {
    count: i64,
}

#[component]
impl Counter {
    fn on_add<T: Into<i64>>(&mut self, by: T) {
        self.count += by.into();
    }
}

fn main() {}
