use pjx::MutationKey;

#[derive(MutationKey)]
pub enum Keys {
    Todos,
    Todo(i64),
}

fn main() {}
