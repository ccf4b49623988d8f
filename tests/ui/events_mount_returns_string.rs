// `mount` returns the component, or `Result<Self, E>`.
use pjx::prelude::*;
use serde::{Deserialize, Serialize};

#[component(source = "<b>{{ count }}</b>")]
#[derive(Serialize, Deserialize)]
pub struct Counter {
    count: i64,
}

#[component]
impl Counter {
    fn mount() -> String {
        String::from("0")
    }
}

fn main() {}
