// A cache lifetime is a number and a unit: `"60s"`, `"5m"`.
use pjx::prelude::*;

#[component(source = "<b>{{ count }}</b>", cache = "soon")]
pub struct Counter {
    count: i64,
}

fn main() {}
