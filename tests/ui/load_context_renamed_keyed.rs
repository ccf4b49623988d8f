// The context is recognised by its type, whatever it is called: a keyed component whose `load`
// takes only the (renamed) context is still missing its key.
use pjx::LoadCx as Ctx;
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
    async fn load(cx: &Ctx) -> Result<Self, LoadError> {
        let _ = cx;
        Err(LoadError::NotFound)
    }
}

fn main() {}
