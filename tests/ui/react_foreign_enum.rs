use pjx::prelude::*;

/// An enum that does not derive `MutationKey`.
#[derive(Clone, Copy)]
pub enum Topics {
    Todos,
}

#[reactive(react = [Topics::Todos], source = "<span>{{ remaining }}</span>")]
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
