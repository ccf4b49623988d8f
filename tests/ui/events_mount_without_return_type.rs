// `mount` returns the component's first state.
use pjx::prelude::*;
use serde::{Deserialize, Serialize};

#[component(source = "<b>{{ count }}</b>")]
#[derive(Serialize, Deserialize)]
pub struct Counter {
    count: i64,
}

#[component]
impl Counter {
    fn mount() {}
}

fn main() {}
