use pjx::prelude::*;

#[derive(MutationKey)]
pub enum Keys {
    Todos,
}

#[reactive(react = [Keys::Todos.at(1)], source = "<span>{{ remaining }}</span>")]
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
