use pjx::prelude::*;
use serde::{Deserialize, Serialize};

#[component(binds = [count], source = "<p {{ self.bind_count() }}>{{ n }}</p>")]
#[derive(Serialize, Deserialize)]
pub struct Counter {
    n: u32,
}

#[component]
impl Counter {
    fn on_add(&mut self, by: u32) {
        self.n += by;
    }

    fn optimistic(&self, event: CounterEvent<'_>) -> Option<CounterPatch> {
        let CounterEvent::Add { by } = event;
        Some(self.patch().total(self.n + by))
    }
}

fn main() {}
