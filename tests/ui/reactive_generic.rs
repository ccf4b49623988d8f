use pjx::prelude::*;

#[derive(MutationKey)]
pub enum Keys {
    Todos,
}

#[reactive(react = [Keys::Todos], source = "<span>{{ value }}</span>")]
pub struct Cell<T> {
    value: T,
}

fn main() {}
