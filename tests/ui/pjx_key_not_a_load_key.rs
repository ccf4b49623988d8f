use pjx::prelude::*;

#[derive(MutationKey)]
pub enum Keys {
    Todos,
}

/// Serializable, but not a `LoadKey`.
#[derive(Clone, serde::Serialize)]
pub struct TodoId(i64);

#[reactive(react = [Keys::Todos], source = "<li>{{ title }}</li>")]
pub struct ItemRow {
    #[pjx_key]
    todo_id: TodoId,
    title: String,
}

#[reactive]
impl ItemRow {
    async fn load(todo_id: TodoId) -> Result<Self, LoadError> {
        Ok(ItemRow { todo_id, title: String::new() })
    }
}

fn main() {}
