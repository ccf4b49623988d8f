use pjx::{MutationKey, mutates};

#[derive(MutationKey)]
pub enum Keys {
    Todos,
}

#[mutates(Keys::Todos)]
pub struct Store {
    pub todos: Vec<String>,
}

fn main() {
    let _ = Store { todos: Vec::new() }.todos;
}
