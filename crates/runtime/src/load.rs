//! Loading reactive components: the load context, load errors, and load keys.

use std::any::{Any, TypeId, type_name};
use std::collections::HashMap;
use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;

/// Request-scoped dependencies for `load`: a database handle, the current user, …
///
/// Values are looked up by type. The context is not part of a load's cache identity: a
/// cached value is shared by every request that loads the same component with the same key.
///
/// ```
/// use pjx::LoadCx;
///
/// #[derive(Clone)]
/// struct Db(&'static str);
///
/// let cx = LoadCx::new().with(Db("todo.db"));
/// assert_eq!(cx.get::<Db>().unwrap().0, "todo.db");
/// assert!(cx.get::<String>().is_none());
/// ```
#[derive(Clone, Default)]
pub struct LoadCx {
    values: HashMap<TypeId, Arc<dyn Any + Send + Sync>>,
}

impl LoadCx {
    /// An empty context.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) the value of type `T`.
    pub fn insert<T: Send + Sync + 'static>(&mut self, value: T) {
        self.values.insert(TypeId::of::<T>(), Arc::new(value));
    }

    /// Builder form of [`insert`](Self::insert).
    pub fn with<T: Send + Sync + 'static>(mut self, value: T) -> Self {
        self.insert(value);
        self
    }

    /// Removes the value of type `T`; whether there was one.
    pub fn remove<T: Send + Sync + 'static>(&mut self) -> bool {
        self.values.remove(&TypeId::of::<T>()).is_some()
    }

    /// The value of type `T`, if present.
    pub fn get<T: Send + Sync + 'static>(&self) -> Option<&T> {
        self.values
            .get(&TypeId::of::<T>())
            .and_then(|v| v.downcast_ref::<T>())
    }

    /// The value of type `T`, or a [`LoadError`] naming the missing type (use with `?`).
    pub fn require<T: Send + Sync + 'static>(&self) -> Result<&T, LoadError> {
        self.get::<T>().ok_or_else(|| {
            LoadError::msg(format!(
                "the load context has no `{}`; add it in the context factory",
                type_name::<T>()
            ))
        })
    }
}

impl fmt::Debug for LoadCx {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoadCx")
            .field("values", &self.values.len())
            .finish()
    }
}

/// Why a `load` produced no component.
///
/// [`NotFound`](LoadError::NotFound) means the instance no longer exists: the walk answers it
/// with a delete swap. Any other error is logged and leaves the region alone. Any error type
/// converts with `?`.
///
/// ```
/// use pjx::LoadError;
///
/// fn find(id: i64) -> Result<&'static str, LoadError> {
///     let n: i64 = "12".parse()?; // any std error converts
///     if id == n { Ok("found") } else { Err(LoadError::NotFound) }
/// }
/// assert!(find(1).unwrap_err().is_not_found());
/// ```
pub enum LoadError {
    /// The instance does not exist (any more).
    NotFound,
    /// Loading failed.
    Failed(Box<dyn StdError + Send + Sync>),
}

impl LoadError {
    /// A failure with a message.
    pub fn msg(message: impl Into<String>) -> Self {
        LoadError::Failed(message.into().into())
    }

    /// Whether this is [`LoadError::NotFound`].
    pub fn is_not_found(&self) -> bool {
        matches!(self, LoadError::NotFound)
    }
}

impl<E: StdError + Send + Sync + 'static> From<E> for LoadError {
    fn from(error: E) -> Self {
        LoadError::Failed(Box::new(error))
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::NotFound => f.write_str("not found"),
            LoadError::Failed(e) => fmt::Display::fmt(e, f),
        }
    }
}

impl fmt::Debug for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::NotFound => f.write_str("NotFound"),
            LoadError::Failed(e) => f.debug_tuple("Failed").field(e).finish(),
        }
    }
}

/// A type usable as a keyed component's `#[pjx_key]`: it travels to the client in
/// `data-pjx-load` and comes back in the manifest, so it has a text form.
///
/// Implemented for integers, `bool`, `char`, `String`, `Box<str>` and `Arc<str>`. Implement it
/// for your own id types (usually by delegating to their `Display` and `FromStr`).
///
/// ```
/// use pjx::LoadKey;
/// assert_eq!(7i64.to_wire(), "7");
/// assert_eq!(i64::from_wire("7"), Some(7));
/// assert_eq!(i64::from_wire("seven"), None);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a `#[pjx_key]`",
    label = "the key of a keyed reactive component must implement `pjx::LoadKey`",
    note = "the key travels through `data-pjx-load` as text: use an integer or a string, or implement `pjx::LoadKey` (to_wire/from_wire) for this type"
)]
pub trait LoadKey: Sized + Clone + Send + Sync + 'static {
    /// The text form stamped into `data-pjx-load`.
    fn to_wire(&self) -> String;
    /// Parses the text form; `None` when it is not a valid key.
    fn from_wire(wire: &str) -> Option<Self>;
}

macro_rules! load_key_via_str {
    ($($ty:ty),*) => {$(
        impl LoadKey for $ty {
            fn to_wire(&self) -> String {
                self.to_string()
            }
            fn from_wire(wire: &str) -> Option<Self> {
                wire.parse().ok()
            }
        }
    )*};
}

load_key_via_str!(
    i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize, bool, char, String
);

impl LoadKey for Box<str> {
    fn to_wire(&self) -> String {
        self.to_string()
    }
    fn from_wire(wire: &str) -> Option<Self> {
        Some(wire.into())
    }
}

impl LoadKey for Arc<str> {
    fn to_wire(&self) -> String {
        self.to_string()
    }
    fn from_wire(wire: &str) -> Option<Self> {
        Some(wire.into())
    }
}

/// The key type of a singleton reactive component: it has none.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct NoKey;

impl LoadKey for NoKey {
    fn to_wire(&self) -> String {
        String::new()
    }
    fn from_wire(_: &str) -> Option<Self> {
        Some(NoKey)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_values_are_found_by_type() {
        #[derive(Debug, PartialEq)]
        struct User(u32);
        let mut cx = LoadCx::new();
        cx.insert(User(1));
        cx.insert(User(2));
        assert_eq!(cx.get::<User>(), Some(&User(2)));
        assert!(cx.require::<u8>().unwrap_err().to_string().contains("u8"));
    }

    #[test]
    fn errors_convert_with_question_mark() {
        fn parse(s: &str) -> Result<i64, LoadError> {
            Ok(s.parse::<i64>()?)
        }
        let err = parse("x").unwrap_err();
        assert!(!err.is_not_found());
        assert!(err.to_string().contains("invalid digit"));
        assert_eq!(LoadError::NotFound.to_string(), "not found");
    }

    #[test]
    fn load_keys_round_trip_through_text() {
        assert_eq!(i64::from_wire(&(-3i64).to_wire()), Some(-3));
        assert_eq!(String::from_wire("a b"), Some("a b".to_owned()));
        assert_eq!(u8::from_wire("300"), None);
        assert_eq!(Box::<str>::from_wire("x").as_deref(), Some("x"));
    }
}
