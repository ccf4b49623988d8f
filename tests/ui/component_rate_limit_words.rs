// A rate limit is written `"<count>/<unit>"`.
use pjx::prelude::*;

#[component(source = "<b>{{ count }}</b>", rate_limit = "ten per minute")]
pub struct Counter {
    count: i64,
}

fn main() {}
