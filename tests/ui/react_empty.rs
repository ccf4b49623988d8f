use pjx::prelude::*;

#[reactive(react = [], source = "<span>{{ remaining }}</span>")]
pub struct Counter {
    remaining: usize,
}

#[reactive]
impl Counter {
    async fn load() -> Result<Self, LoadError> {
        Ok(Counter { remaining: 0 })
    }
}

fn main() {}
