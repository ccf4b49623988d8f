use pjx::prelude::*;

#[derive(MutationKey)]
pub enum Keys {
    Todos,
}

#[reactive(react = [Keys::Todos], source = "<span>{{ remaining }}</span>")]
pub struct Counter {
    remaining: usize,
}

#[reactive]
impl Counter {
    async fn load() {}
}

fn main() {}
