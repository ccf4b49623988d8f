use pjx::MutationKey;

#[derive(MutationKey)]
pub struct Keys {
    todos: bool,
}

fn main() {}
