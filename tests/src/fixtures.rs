//! A todo domain: keys, a store whose writes are `#[mutates]`, and every kind of component.

use std::collections::BTreeMap;
use std::sync::Mutex;

use pjx::prelude::*;
use serde::Serialize;

/// The state keys of the todo domain.
#[derive(MutationKey)]
pub enum Keys {
    /// Any todo's text or done flag.
    Todos,
    /// Which todos exist, in order.
    TodoList,
}

/// One todo.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Todo {
    /// Its id.
    pub id: i64,
    /// What to do.
    pub text: String,
    /// Whether it is done.
    pub done: bool,
}

/// Why a store write failed.
#[derive(Debug, PartialEq)]
pub enum StoreError {
    /// No todo has this id.
    NotFound(i64),
    /// The text is blank.
    Blank,
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::NotFound(id) => write!(f, "no todo {id}"),
            StoreError::Blank => f.write_str("blank text"),
        }
    }
}

impl std::error::Error for StoreError {}

/// An in-memory store.
#[derive(Default)]
pub struct Store {
    todos: Mutex<BTreeMap<i64, Todo>>,
}

impl Store {
    /// A store holding `texts` as todos 1, 2, …
    pub fn with(texts: &[&str]) -> Self {
        let store = Store::default();
        for text in texts {
            store.insert(text);
        }
        store
    }

    fn insert(&self, text: &str) -> Todo {
        let mut todos = self.todos.lock().unwrap();
        let id = todos.keys().last().map_or(1, |k| k + 1);
        let todo = Todo {
            id,
            text: text.to_owned(),
            done: false,
        };
        todos.insert(id, todo.clone());
        todo
    }

    /// Adds a todo.
    #[mutates(Keys::Todos, Keys::TodoList)]
    pub fn add(&self, text: &str) -> Result<Todo, StoreError> {
        if text.trim().is_empty() {
            return Err(StoreError::Blank);
        }
        Ok(self.insert(text))
    }

    /// Flips a todo's done flag.
    #[mutates(Keys::Todos.at(id))]
    pub fn toggle(&self, id: i64) -> Result<Todo, StoreError> {
        let mut todos = self.todos.lock().unwrap();
        let todo = todos.get_mut(&id).ok_or(StoreError::NotFound(id))?;
        todo.done = !todo.done;
        Ok(todo.clone())
    }

    /// One todo.
    pub fn get(&self, id: i64) -> Option<Todo> {
        self.todos.lock().unwrap().get(&id).cloned()
    }

    /// All todos, by id.
    pub fn all(&self) -> Vec<Todo> {
        self.todos.lock().unwrap().values().cloned().collect()
    }
}

/// One row of the list: a keyed reactive region.
#[reactive(react = [Keys::Todos], template = "item_row.html")]
#[derive(Debug, Serialize)]
pub struct ItemRow {
    /// The todo's id: the load key.
    #[pjx_key]
    pub todo_id: i64,
    /// Its text.
    pub title: String,
    /// Whether it is done.
    pub done: bool,
}

#[reactive]
impl ItemRow {
    async fn load(todo_id: i64, cx: &LoadCx) -> Result<Self, LoadError> {
        let store = cx.require::<std::sync::Arc<Store>>()?;
        let todo = store.get(todo_id).ok_or(LoadError::NotFound)?;
        Ok(Self::from(&todo))
    }
}

impl From<&Todo> for ItemRow {
    fn from(todo: &Todo) -> Self {
        ItemRow {
            todo_id: todo.id,
            title: todo.text.clone(),
            done: todo.done,
        }
    }
}

/// "N left": a singleton reactive region.
#[reactive(react = [Keys::Todos], source = "<span class=\"counter\">{{ remaining }} left</span>")]
#[derive(Debug)]
pub struct Counter {
    /// How many todos are not done.
    pub remaining: usize,
}

#[reactive]
impl Counter {
    fn load(cx: &LoadCx) -> Result<Self, LoadError> {
        let store = cx.require::<std::sync::Arc<Store>>()?;
        Ok(Counter {
            remaining: store.all().iter().filter(|t| !t.done).count(),
        })
    }
}

/// The whole list: a reactive region containing reactive rows.
#[reactive(react = [Keys::TodoList], template = "todo_list.html", name = "list")]
pub struct TodoList {
    /// The rows, each its own region.
    pub rows: Vec<ItemRow>,
}

#[reactive]
impl TodoList {
    async fn load(cx: &LoadCx) -> Result<Self, LoadError> {
        let store = cx.require::<std::sync::Arc<Store>>()?;
        Ok(TodoList {
            rows: store.all().iter().map(ItemRow::from).collect(),
        })
    }
}

/// A plain component with a stylesheet.
#[component(template = "badge.html", css = "badge.css")]
#[derive(Serialize)]
pub struct Badge {
    /// The text.
    pub label: String,
    /// A color name.
    pub tone: &'static str,
}

/// A reactive component reusing `Badge`'s template and stylesheet.
#[reactive(react = [Keys::Todos], extends = Badge, js = "/static/live.js")]
pub struct LiveBadge {
    /// The badge's data.
    pub badge: Badge,
}

#[reactive]
impl LiveBadge {
    async fn load(cx: &LoadCx) -> Result<Self, LoadError> {
        let store = cx.require::<std::sync::Arc<Store>>()?;
        Ok(LiveBadge {
            badge: Badge {
                label: format!("{} open", store.all().iter().filter(|t| !t.done).count()),
                tone: "brand",
            },
        })
    }
}

/// A plain page section holding reactive regions, with an explicit id.
#[component(
    source = "<section id=\"{{ id }}\"><h1>{{ title }}</h1>{{ counter }}{{ list }}</section>"
)]
pub struct Section {
    /// The region id.
    pub id: String,
    /// The heading.
    pub title: String,
    /// The counter region.
    pub counter: Counter,
    /// The list region.
    pub list: TodoList,
}
