// `rate_limit` and `cache` act on the dispatch route: a component without events has no use for them.
use pjx::prelude::*;

#[component(source = "<b>{{ count }}</b>", cache = "60s")]
pub struct Counter {
    count: i64,
}

fn main() {}
