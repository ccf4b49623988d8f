use pjx::prelude::*;

#[derive(MutationKey)]
pub enum Keys {
    Todos,
    TodoList,
}

#[reactive(react = [Keys::Todos, Keys::TodoList, Keys::Todos], source = "<span>{{ remaining }}</span>")]
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
