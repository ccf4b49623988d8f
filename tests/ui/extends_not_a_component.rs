use pjx::prelude::*;

#[derive(MutationKey)]
pub enum Keys {
    Todos,
}

#[reactive(react = [Keys::Todos], extends = String)]
pub struct Label {
    text: String,
}

#[reactive]
impl Label {
    async fn load() -> Result<Self, LoadError> {
        Ok(Label { text: String::new() })
    }
}

fn main() {}
