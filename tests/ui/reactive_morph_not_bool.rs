// `morph` on a reactive component is `true` (the default) or `false`.
use pjx::prelude::*;

#[derive(MutationKey)]
pub enum Keys {
    Todos,
}

#[reactive(react = [Keys::Todos], morph = "no", source = "<b>{{ n }}</b>")]
pub struct Counter {
    n: u8,
}

#[reactive]
impl Counter {
    fn load() -> Result<Self, LoadError> {
        Ok(Counter { n: 0 })
    }
}

fn main() {}
