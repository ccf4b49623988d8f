use pjx::prelude::*;
use serde::{Deserialize, Serialize};

#[component(source = "<p>{{ n }}</p>")]
#[derive(Serialize, Deserialize)]
pub struct Counter {
    n: u32,
}

#[component]
impl Counter {
    fn on_add(&mut self, by: u32) {
        self.n += by;
    }

    fn optimistic(&self) -> Option<Patch> {
        None
    }
}

fn main() {}
