// `on_<event>` names the event: `on_` alone names none.
use pjx::prelude::*;
use serde::{Deserialize, Serialize};

#[component(source = "<b>{{ count }}</b>")]
#[derive(Serialize, Deserialize)]
pub struct Counter {
    count: i64,
}

#[component]
impl Counter {
    fn on_(&mut self) {
        self.count += 1;
    }
}

fn main() {}
