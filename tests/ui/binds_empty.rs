use pjx::prelude::*;
use serde::{Deserialize, Serialize};

#[component(binds = [], source = "<p>{{ n }}</p>")]
#[derive(Serialize, Deserialize)]
pub struct Counter {
    n: u32,
}

fn main() {}
