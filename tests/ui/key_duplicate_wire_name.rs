use pjx::MutationKey;

#[derive(MutationKey)]
pub enum Keys {
    TodoList,
    #[pjx(rename = "todo-list")]
    List,
}

fn main() {}
