//! The todo store. Its writes are `#[mutates]`: each records the keys it changed in the
//! current request's scope, which is how the page knows what to re-render.

use std::sync::Mutex;

use pjx::mutates;
use serde::Serialize;

use crate::components::Keys;

/// One todo.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Todo {
    pub id: i64,
    pub text: String,
    pub done: bool,
}

/// Why a write was refused.
#[derive(Debug, PartialEq)]
pub enum StoreError {
    NotFound(i64),
    Blank,
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::NotFound(id) => write!(f, "there is no todo {id}"),
            StoreError::Blank => f.write_str("a todo needs some text"),
        }
    }
}

impl std::error::Error for StoreError {}

/// Todos in memory, in insertion order.
#[derive(Default)]
pub struct Store {
    todos: Mutex<Vec<Todo>>,
}

impl Store {
    /// The three todos every fresh app starts with.
    pub fn seeded() -> Self {
        let store = Store::default();
        for text in ["Write the docs", "Ship reactivity", "Touch grass"] {
            store.insert(text);
        }
        store
    }

    fn insert(&self, text: &str) -> Todo {
        let mut todos = self.lock();
        let id = todos.iter().map(|t| t.id).max().unwrap_or(0) + 1;
        let todo = Todo {
            id,
            text: text.trim().to_owned(),
            done: false,
        };
        todos.push(todo.clone());
        todo
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Todo>> {
        // A panic while holding the lock cannot leave a half-written todo behind (every
        // write is a single push, flip or retain), so a poisoned lock is still usable.
        self.todos.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// All todos.
    pub fn all(&self) -> Vec<Todo> {
        self.lock().clone()
    }

    /// One todo.
    pub fn get(&self, id: i64) -> Option<Todo> {
        self.lock().iter().find(|t| t.id == id).cloned()
    }

    /// Adds a todo.
    #[mutates(Keys::Todos, Keys::TodoList)]
    pub fn add(&self, text: &str) -> Result<Todo, StoreError> {
        if text.trim().is_empty() {
            return Err(StoreError::Blank);
        }
        Ok(self.insert(text))
    }

    /// Flips a todo between open and done.
    #[mutates(Keys::Todos)]
    pub fn toggle(&self, id: i64) -> Result<Todo, StoreError> {
        let mut todos = self.lock();
        let todo = todos
            .iter_mut()
            .find(|t| t.id == id)
            .ok_or(StoreError::NotFound(id))?;
        todo.done = !todo.done;
        Ok(todo.clone())
    }

    /// Removes every done todo; returns their ids.
    #[mutates(Keys::Todos, Keys::TodoList)]
    pub fn clear_completed(&self) -> Vec<i64> {
        let mut todos = self.lock();
        let removed = todos.iter().filter(|t| t.done).map(|t| t.id).collect();
        todos.retain(|t| !t.done);
        removed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pjx::Scope;

    #[test]
    fn writes_record_their_keys() {
        let store = Store::seeded();
        let scope = Scope::new();
        scope.run_sync(|| {
            store.toggle(2).unwrap();
        });
        assert_eq!(scope.dirtied_names(), ["todos"]);

        let scope = Scope::new();
        scope.run_sync(|| {
            assert_eq!(store.add(" "), Err(StoreError::Blank));
            assert_eq!(store.toggle(99), Err(StoreError::NotFound(99)));
        });
        assert!(!scope.is_dirty());

        let scope = Scope::new();
        scope.run_sync(|| assert_eq!(store.clear_completed(), [2]));
        assert_eq!(scope.dirtied_names(), ["todo-list", "todos"]);
        assert_eq!(store.all().len(), 2);
    }
}
