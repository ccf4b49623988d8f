// A rate limit allows at least one request per window.
use pjx::prelude::*;

#[component(source = "<b>{{ count }}</b>", rate_limit = "0/min")]
pub struct Counter {
    count: i64,
}

fn main() {}
