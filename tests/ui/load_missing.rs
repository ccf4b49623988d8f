use pjx::prelude::*;

#[derive(MutationKey)]
pub enum Keys {
    Todos,
}

#[reactive(react = [Keys::Todos], source = "<span>{{ remaining }}</span>")]
pub struct Counter {
    remaining: usize,
}

impl Counter {
    // A `load` outside a `#[reactive]` impl block is just a function.
    #[allow(dead_code)]
    async fn load() -> Result<Self, LoadError> {
        Ok(Counter { remaining: 0 })
    }
}

fn main() {}
