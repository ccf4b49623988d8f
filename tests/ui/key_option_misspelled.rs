// A misspelled key option is named with a suggestion; the enum still works elsewhere.
use pjx::MutationKey;

#[derive(MutationKey)]
pub enum Keys {
    #[pjx(renam = "todo-items")]
    Todos,
}

fn main() {
    let _ = Keys::Todos.wire_name();
}
