//! The page's components. Each reactive one names the state keys it depends on; the rules
//! behind these declarations are checked when the crate compiles (see `docs/declaring.md`).

use pjx::prelude::*;
use serde::Serialize;

use crate::store::{Store, Todo};

/// The pieces of state the page depends on.
#[derive(MutationKey)]
pub enum Keys {
    /// Any todo's text or done flag (and so every count).
    Todos,
    /// Which todos exist, and in what order.
    TodoList,
}

/// Every todo, from the store (`Pjx::new().data::<Store>()` puts it in the load context).
fn todos(cx: &LoadCx) -> Result<Vec<Todo>, LoadError> {
    Ok(cx.require::<Store>()?.all()?)
}

/// One todo: a keyed region per row, `row-<id>`.
#[reactive(react = [Keys::Todos], template = "item_row.html", css = "item_row.css")]
#[derive(Serialize)]
pub struct ItemRow {
    id: String,
    #[pjx_key]
    todo_id: i64,
    title: String,
    done: bool,
}

#[reactive]
impl ItemRow {
    async fn load(todo_id: i64, cx: &LoadCx) -> Result<Self, LoadError> {
        let todo = cx
            .require::<Store>()?
            .get(todo_id)?
            .ok_or(LoadError::NotFound)?;
        Ok(Self::from(&todo))
    }
}

impl From<&Todo> for ItemRow {
    fn from(todo: &Todo) -> Self {
        ItemRow {
            id: format!("row-{}", todo.id),
            todo_id: todo.id,
            title: todo.text.clone(),
            done: todo.done,
        }
    }
}

/// The list of rows. Adding or clearing todos changes which rows exist.
#[reactive(react = [Keys::TodoList], template = "todo_list.html", name = "list")]
pub struct TodoList {
    rows: Vec<ItemRow>,
}

#[reactive]
impl TodoList {
    async fn load(cx: &LoadCx) -> Result<Self, LoadError> {
        Ok(TodoList {
            rows: todos(cx)?.iter().map(ItemRow::from).collect(),
        })
    }
}

/// "N left".
#[reactive(react = [Keys::Todos], template = "counter.html")]
pub struct Counter {
    remaining: usize,
}

#[reactive]
impl Counter {
    async fn load(cx: &LoadCx) -> Result<Self, LoadError> {
        let (remaining, _) = cx.require::<Store>()?.counts()?;
        Ok(Counter { remaining })
    }
}

/// "N total".
#[reactive(react = [Keys::Todos], template = "total.html")]
pub struct Total {
    total: usize,
}

#[reactive]
impl Total {
    async fn load(cx: &LoadCx) -> Result<Self, LoadError> {
        let (open, done) = cx.require::<Store>()?.counts()?;
        Ok(Total { total: open + done })
    }
}

/// "Clear completed (N)".
#[reactive(react = [Keys::Todos], template = "clear_button.html", name = "clear")]
pub struct ClearButton {
    completed: usize,
}

#[reactive]
impl ClearButton {
    async fn load(cx: &LoadCx) -> Result<Self, LoadError> {
        let (_, completed) = cx.require::<Store>()?.counts()?;
        Ok(ClearButton { completed })
    }
}

/// The whole page: a plain component holding the reactive regions, each loading itself.
#[component(template = "page.html", css = "app.css")]
#[derive(LoadPage)]
pub struct Page {
    /// The list of rows.
    pub list: TodoList,
    /// "N left".
    pub counter: Counter,
    /// "N total".
    pub total: Total,
    /// "Clear completed (N)".
    pub clear: ClearButton,
}

impl Page {
    /// The longest todo text accepted (the form's `maxlength`).
    pub fn max_text(&self) -> usize {
        crate::store::MAX_TEXT
    }
}
