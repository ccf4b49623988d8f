// `permissions = [...]` lists types implementing `pjx::Permission`.
use pjx::prelude::*;

#[component(source = "<b>{{ count }}</b>", permissions = [IsAuthenticated, String])]
pub struct Counter {
    count: i64,
}

fn main() {}
