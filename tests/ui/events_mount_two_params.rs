// `mount` takes its parameters as one `Deserialize` struct (and optionally `cx: &LoadCx`).
use pjx::prelude::*;
use serde::{Deserialize, Serialize};

#[component(source = "<b>{{ count }}</b>")]
#[derive(Serialize, Deserialize)]
pub struct Counter {
    count: i64,
}

#[component]
impl Counter {
    fn mount(start: i64, step: i64) -> Counter {
        Counter { count: start * step }
    }
}

fn main() {}
