use pjx::prelude::*;
use serde::{Deserialize, Serialize};

#[component(binds = [count], source = "<p {{ self.bind_total() }}>{{ n }}</p>")]
#[derive(Serialize, Deserialize)]
pub struct Counter {
    n: u32,
}

fn main() {}
