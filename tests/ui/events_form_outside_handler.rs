use pjx::prelude::*;
use serde::{Deserialize, Serialize};

#[component(source = "<p>{{ n }}</p>")]
#[derive(Serialize, Deserialize)]
pub struct Search {
    n: u32,
}

#[derive(Deserialize)]
pub struct Params {
    n: u32,
}

#[component]
impl Search {
    fn mount(#[form] params: Params) -> Search {
        Search { n: params.n }
    }
}

fn main() {}
