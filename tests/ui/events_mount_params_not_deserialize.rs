// `mount`'s parameters are read from JSON, so their type implements `Deserialize`.
use pjx::prelude::*;
use serde::{Deserialize, Serialize};

pub struct Start {
    count: i64,
}

#[component(source = "<b>{{ count }}</b>")]
#[derive(Serialize, Deserialize)]
pub struct Counter {
    count: i64,
}

#[component]
impl Counter {
    fn mount(params: Start) -> Counter {
        Counter { count: params.count }
    }
}

fn main() {}
