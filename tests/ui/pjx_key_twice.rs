use pjx::prelude::*;

#[derive(MutationKey)]
pub enum Keys {
    Todos,
}

#[reactive(react = [Keys::Todos], source = "<li>{{ title }}</li>")]
pub struct ItemRow {
    #[pjx_key]
    todo_id: i64,
    #[pjx_key]
    list_id: i64,
    title: String,
}

#[reactive]
impl ItemRow {
    async fn load(todo_id: i64) -> Result<Self, LoadError> {
        Ok(ItemRow { todo_id, list_id: 0, title: String::new() })
    }
}

fn main() {}
