use pjx::prelude::*;

#[derive(MutationKey)]
pub enum Keys {
    Todos,
}

#[reactive(react = [Keys::Todos], source = "<li>{{ title }}</li>")]
pub struct ItemRow {
    #[pjx_key]
    todo_id: i64,
    title: String,
}

#[reactive]
impl ItemRow {
    async fn load(todo_id: String, cx: &LoadCx) -> Result<Self, LoadError> {
        let _ = (todo_id, cx);
        Err(LoadError::NotFound)
    }
}

fn main() {}
