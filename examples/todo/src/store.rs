//! The todo store, on SQLite. Its writes are `#[mutates]`: each records the keys it changed in
//! the current request's scope, which is how the page knows what to re-render.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use pjx::mutates;
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use crate::components::Keys;

/// One todo.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Todo {
    /// Its id (1, 2, 3, … in creation order).
    pub id: i64,
    /// What to do.
    pub text: String,
    /// Whether it is done.
    pub done: bool,
}

/// Why a store operation failed.
#[derive(Debug)]
pub enum StoreError {
    /// No todo has this id.
    NotFound(i64),
    /// The text is missing or blank.
    Blank,
    /// The text is longer than [`MAX_TEXT`] characters.
    TooLong,
    /// The database failed.
    Db(rusqlite::Error),
}

/// The longest todo text accepted, in characters.
pub const MAX_TEXT: usize = 200;

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::NotFound(id) => write!(f, "there is no todo {id}"),
            StoreError::Blank => f.write_str("a todo needs some text"),
            StoreError::TooLong => write!(f, "a todo is at most {MAX_TEXT} characters"),
            StoreError::Db(e) => write!(f, "database error: {e}"),
        }
    }
}

impl std::error::Error for StoreError {}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Db(e)
    }
}

/// The three todos a fresh store starts with.
pub const SEED: [&str; 3] = ["Write the docs", "Ship reactivity", "Touch grass"];

/// Todos in a SQLite database.
pub struct Store {
    conn: Mutex<Connection>,
}

impl Store {
    /// Opens the database file at `path` (or an in-memory database), creating the table and
    /// seeding [`SEED`] when it is empty.
    pub fn open(path: Option<&Path>) -> Result<Store, StoreError> {
        let conn = match path {
            Some(path) => Connection::open(path)?,
            None => Connection::open_in_memory()?,
        };
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             CREATE TABLE IF NOT EXISTS todos (
                 id   INTEGER PRIMARY KEY AUTOINCREMENT,
                 text TEXT    NOT NULL,
                 done INTEGER NOT NULL DEFAULT 0
             );",
        )?;
        let count: i64 = conn.query_row("SELECT COUNT(*) FROM todos", [], |r| r.get(0))?;
        if count == 0 {
            for text in SEED {
                conn.execute("INSERT INTO todos (text) VALUES (?1)", params![text])?;
            }
        }
        Ok(Store {
            conn: Mutex::new(conn),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // Every write is one statement, so a panic elsewhere cannot leave it half done.
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// All todos, oldest first.
    pub fn all(&self) -> Result<Vec<Todo>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached("SELECT id, text, done FROM todos ORDER BY id")?;
        let todos = stmt
            .query_map([], |r| {
                Ok(Todo {
                    id: r.get(0)?,
                    text: r.get(1)?,
                    done: r.get(2)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(todos)
    }

    /// How many todos there are: `(open, done)`.
    pub fn counts(&self) -> Result<(usize, usize), StoreError> {
        let conn = self.lock();
        let (open, done): (i64, i64) = conn
            .prepare_cached(
                "SELECT COUNT(*) - COALESCE(SUM(done), 0), COALESCE(SUM(done), 0) FROM todos",
            )?
            .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok((open as usize, done as usize))
    }

    /// One todo.
    pub fn get(&self, id: i64) -> Result<Option<Todo>, StoreError> {
        let conn = self.lock();
        let todo = conn
            .prepare_cached("SELECT id, text, done FROM todos WHERE id = ?1")?
            .query_row(params![id], |r| {
                Ok(Todo {
                    id: r.get(0)?,
                    text: r.get(1)?,
                    done: r.get(2)?,
                })
            })
            .optional()?;
        Ok(todo)
    }

    /// Adds a todo. The new row reaches the page as the response itself (appended to the
    /// list), so only the new todo's key is dirtied — which reaches the counts — not
    /// `todo-list`.
    pub fn add(&self, text: &str) -> Result<Todo, StoreError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(StoreError::Blank);
        }
        if text.chars().count() > MAX_TEXT {
            return Err(StoreError::TooLong);
        }
        let conn = self.lock();
        conn.execute("INSERT INTO todos (text) VALUES (?1)", params![text])?;
        let id = conn.last_insert_rowid();
        // The key names the new row, known only now: recorded by hand rather than by
        // `#[mutates]`, which evaluates its keys on entry.
        pjx::record_mutation([Keys::Todos.at(id)]);
        Ok(Todo {
            id,
            text: text.to_owned(),
            done: false,
        })
    }

    /// Flips a todo between open and done: its own key, which reaches its row (wherever it is
    /// shown) and the counts, not the other rows.
    #[mutates(Keys::Todos.at(id))]
    pub fn toggle(&self, id: i64) -> Result<Todo, StoreError> {
        let conn = self.lock();
        let todo = conn
            .prepare_cached(
                "UPDATE todos SET done = 1 - done WHERE id = ?1 RETURNING id, text, done",
            )?
            .query_row(params![id], |r| {
                Ok(Todo {
                    id: r.get(0)?,
                    text: r.get(1)?,
                    done: r.get(2)?,
                })
            })
            .optional()?;
        todo.ok_or(StoreError::NotFound(id))
    }

    /// Marks every todo done; returns how many changed.
    #[mutates(Keys::Todos)]
    pub fn complete_all(&self) -> Result<usize, StoreError> {
        let conn = self.lock();
        Ok(conn.execute("UPDATE todos SET done = 1 WHERE done = 0", [])?)
    }

    /// Removes every done todo; returns their ids.
    #[mutates(Keys::Todos, Keys::TodoList)]
    pub fn clear_completed(&self) -> Result<Vec<i64>, StoreError> {
        let conn = self.lock();
        let ids = conn
            .prepare_cached("DELETE FROM todos WHERE done = 1 RETURNING id")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(ids)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pjx::Scope;

    #[test]
    fn seeded_when_empty_and_persistent_across_opens() {
        let dir = std::env::temp_dir().join(format!("pjx-todo-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("todo.db");
        let _ = std::fs::remove_file(&file);
        {
            let store = Store::open(Some(&file)).unwrap();
            let texts: Vec<_> = store.all().unwrap().into_iter().map(|t| t.text).collect();
            assert_eq!(texts, SEED);
            store.toggle(2).unwrap();
        }
        let store = Store::open(Some(&file)).unwrap();
        assert_eq!(store.all().unwrap().len(), 3, "not seeded twice");
        assert!(store.get(2).unwrap().unwrap().done);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn writes_record_their_keys() {
        let store = Store::open(None).unwrap();
        let scope = Scope::new();
        scope.run_sync(|| {
            store.toggle(2).unwrap();
        });
        assert_eq!(scope.dirtied_names(), ["todos:2"]);

        let scope = Scope::new();
        scope.run_sync(|| {
            assert!(matches!(store.add(" "), Err(StoreError::Blank)));
            assert!(matches!(
                store.add(&"x".repeat(201)),
                Err(StoreError::TooLong)
            ));
            assert!(matches!(store.toggle(99), Err(StoreError::NotFound(99))));
        });
        assert!(!scope.is_dirty());

        assert_eq!(store.counts().unwrap(), (2, 1));
        let scope = Scope::new();
        scope.run_sync(|| assert_eq!(store.clear_completed().unwrap(), [2]));
        assert_eq!(scope.dirtied_names(), ["todo-list", "todos"]);
        assert_eq!(store.all().unwrap().len(), 2);
        let scope = Scope::new();
        let added = scope.run_sync(|| store.add("  milk ").unwrap());
        assert_eq!(added.text, "milk");
        assert_eq!(scope.dirtied_names(), [format!("todos:{}", added.id)]);
        let scope = Scope::new();
        assert_eq!(scope.run_sync(|| store.complete_all().unwrap()), 3);
        assert_eq!(scope.dirtied_names(), ["todos"]);
        assert_eq!(store.counts().unwrap(), (0, 3));
    }
}
