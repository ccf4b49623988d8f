// On a `#[component]`, `react` drops cached renders, so it needs `cache`.
use pjx::prelude::*;

#[derive(MutationKey)]
pub enum Keys {
    Catalog,
}

#[component(source = "<b>{{ count }}</b>", react = [Keys::Catalog])]
pub struct Counter {
    count: i64,
}

fn main() {}
