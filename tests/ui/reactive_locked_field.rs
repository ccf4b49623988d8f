// `#[pjx(locked)]` is for the signed state of components with events; a reactive component has none.
use pjx::prelude::*;

#[derive(MutationKey)]
pub enum Keys {
    Todos,
}

#[reactive(react = [Keys::Todos], source = "<b>{{ count }}</b>")]
#[derive(serde::Serialize)]
pub struct Counter {
    count: i64,
    #[pjx(locked)]
    secret: String,
}

#[reactive]
impl Counter {
    fn load() -> Result<Self, LoadError> {
        Ok(Counter { count: 0, secret: String::new() })
    }
}

fn main() {}
