// A small todo app in the todo example's shape (`examples/todo`): the store's writes record
// the keys they change, each component declares the keys it depends on, and the page loads
// itself (`#[derive(LoadPage)]`). `docs/testing.md` includes it in its snippets.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use pjx::prelude::*;
use serde::Serialize;

#[derive(MutationKey)]
pub enum Keys {
    /// Any todo's text or done flag (and so every count).
    Todos,
    /// Which todos exist, and in what order.
    TodoList,
}

#[derive(Clone)]
pub struct Todo {
    pub id: i64,
    pub text: String,
    pub done: bool,
}

#[derive(Default)]
pub struct Store {
    todos: Mutex<BTreeMap<i64, Todo>>,
}

impl Store {
    pub fn with(texts: &[&str]) -> Store {
        let store = Store::default();
        for text in texts {
            store.insert(text);
        }
        store
    }

    fn insert(&self, text: &str) -> Todo {
        let mut todos = self.todos.lock().unwrap();
        let id = todos.keys().last().map_or(1, |id| id + 1);
        let todo = Todo {
            id,
            text: text.to_owned(),
            done: false,
        };
        todos.insert(id, todo.clone());
        todo
    }

    /// The new row reaches the page as the route's answer (appended to the list): only the
    /// new todo's key is dirtied, which reaches the counts, not the list.
    pub fn add(&self, text: &str) -> Result<Todo, String> {
        if text.trim().is_empty() {
            return Err("a todo needs some text".into());
        }
        let todo = self.insert(text.trim());
        pjx::record_mutation([Keys::Todos.at(todo.id)]);
        Ok(todo)
    }

    #[mutates(Keys::Todos.at(id))]
    pub fn toggle(&self, id: i64) -> Result<Todo, String> {
        let mut todos = self.todos.lock().unwrap();
        let todo = todos.get_mut(&id).ok_or(format!("there is no todo {id}"))?;
        todo.done = !todo.done;
        Ok(todo.clone())
    }

    #[mutates(Keys::Todos, Keys::TodoList)]
    pub fn clear_completed(&self) -> Result<(), String> {
        self.todos.lock().unwrap().retain(|_, todo| !todo.done);
        Ok(())
    }

    pub fn get(&self, id: i64) -> Option<Todo> {
        self.todos.lock().unwrap().get(&id).cloned()
    }

    pub fn all(&self) -> Vec<Todo> {
        self.todos.lock().unwrap().values().cloned().collect()
    }
}


/// One todo: a keyed region per row, `row-<id>`.
#[reactive(react = [Keys::Todos], template = "item_row.html")]
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
        let todo = cx.require::<Store>()?.get(todo_id).ok_or(LoadError::NotFound)?;
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

/// The list of rows: adding or clearing todos changes which rows exist.
#[reactive(react = [Keys::TodoList], template = "todo_list.html", name = "list")]
pub struct TodoList {
    rows: Vec<ItemRow>,
}

#[reactive]
impl TodoList {
    async fn load(cx: &LoadCx) -> Result<Self, LoadError> {
        Ok(TodoList {
            rows: cx.require::<Store>()?.all().iter().map(ItemRow::from).collect(),
        })
    }
}

/// "N left".
#[reactive(react = [Keys::Todos], source = "<span>{{ remaining }} left</span>")]
pub struct Counter {
    remaining: usize,
}

#[reactive]
impl Counter {
    async fn load(cx: &LoadCx) -> Result<Self, LoadError> {
        Ok(Counter {
            remaining: cx.require::<Store>()?.all().iter().filter(|t| !t.done).count(),
        })
    }
}

/// "N total".
#[reactive(react = [Keys::Todos], source = "<span>{{ total }} total</span>")]
pub struct Total {
    total: usize,
}

#[reactive]
impl Total {
    async fn load(cx: &LoadCx) -> Result<Self, LoadError> {
        Ok(Total {
            total: cx.require::<Store>()?.all().len(),
        })
    }
}

/// "Clear completed (N)".
#[reactive(react = [Keys::Todos], source = "<button>Clear completed ({{ completed }})</button>", name = "clear")]
pub struct ClearButton {
    completed: usize,
}

#[reactive]
impl ClearButton {
    async fn load(cx: &LoadCx) -> Result<Self, LoadError> {
        Ok(ClearButton {
            completed: cx.require::<Store>()?.all().iter().filter(|t| t.done).count(),
        })
    }
}

/// The whole page: a plain component holding the reactive regions, each loading itself.
#[component(source = "<main><p>{{ counter }} · {{ total }}</p>{{ list }}</main>")]
#[derive(LoadPage)]
pub struct Page {
    pub counter: Counter,
    pub total: Total,
    pub list: TodoList,
}
