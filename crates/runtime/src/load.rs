//! Loading reactive components: the load context, load errors, and load keys.

use std::any::{Any, TypeId, type_name};
use std::collections::HashMap;
use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;

/// Request-scoped dependencies for `load`: a database handle, the current user, …
///
/// Values are looked up by type. A value given as an `Arc<T>` (what actix-web's
/// `web::Data<T>` holds, and what `pjx_actix::Pjx::data::<T>()` puts here) is found both as
/// `Arc<T>` and as `T`, so `cx.require::<Store>()?` reads the store however the app shared it.
/// The context is not part of a load's cache identity: a cached value is shared by every
/// request that loads the same component with the same key.
///
/// ```
/// use std::sync::Arc;
/// use pjx::LoadCx;
///
/// #[derive(Clone)]
/// struct Db(&'static str);
/// struct Store;
///
/// let cx = LoadCx::new().with(Db("todo.db")).with(Arc::new(Store));
/// assert_eq!(cx.get::<Db>().unwrap().0, "todo.db");
/// assert!(cx.get::<String>().is_none());
/// // Given as `Arc<Store>`: found as either.
/// assert!(cx.require::<Store>().is_ok());
/// assert!(cx.require::<Arc<Store>>().is_ok());
/// ```
#[derive(Clone, Default)]
pub struct LoadCx {
    values: HashMap<TypeId, Entry>,
}

#[derive(Clone)]
struct Entry {
    name: &'static str,
    value: Arc<dyn Any + Send + Sync>,
}

impl LoadCx {
    /// An empty context.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) the value of type `T`. An `Arc<T>` is also found as `T`.
    ///
    /// ```
    /// let mut cx = pjx::LoadCx::new();
    /// cx.insert(7u32);
    /// assert_eq!(cx.get::<u32>(), Some(&7));
    /// ```
    pub fn insert<T: Send + Sync + 'static>(&mut self, value: T) {
        self.values.insert(
            TypeId::of::<T>(),
            Entry {
                name: type_name::<T>(),
                value: Arc::new(value),
            },
        );
    }

    /// Builder form of [`insert`](Self::insert).
    ///
    /// ```
    /// let cx = pjx::LoadCx::new().with("hello");
    /// assert_eq!(cx.get::<&str>(), Some(&"hello"));
    /// ```
    pub fn with<T: Send + Sync + 'static>(mut self, value: T) -> Self {
        self.insert(value);
        self
    }

    /// Removes the value of type `T`; whether there was one.
    ///
    /// ```
    /// let mut cx = pjx::LoadCx::new().with(1u8);
    /// assert!(cx.remove::<u8>());
    /// assert!(!cx.remove::<u8>());
    /// ```
    pub fn remove<T: Send + Sync + 'static>(&mut self) -> bool {
        self.values.remove(&TypeId::of::<T>()).is_some()
    }

    /// The value of type `T`, if present: given as `T`, or as an `Arc<T>`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let cx = pjx::LoadCx::new().with(Arc::new(5u64));
    /// assert_eq!(cx.get::<u64>(), Some(&5));
    /// assert_eq!(cx.get::<Arc<u64>>().map(|n| **n), Some(5));
    /// ```
    pub fn get<T: Send + Sync + 'static>(&self) -> Option<&T> {
        if let Some(entry) = self.values.get(&TypeId::of::<T>()) {
            return entry.value.downcast_ref::<T>();
        }
        self.values
            .get(&TypeId::of::<Arc<T>>())
            .and_then(|entry| entry.value.downcast_ref::<Arc<T>>())
            .map(|shared| &**shared)
    }

    /// The value of type `T` (given as `T` or as an `Arc<T>`), or a [`LoadError`] naming the
    /// missing type and the types the context does hold (use with `?`).
    ///
    /// ```
    /// let cx = pjx::LoadCx::new().with(1u8);
    /// assert_eq!(*cx.require::<u8>().unwrap(), 1);
    /// let missing = cx.require::<String>().unwrap_err().to_string();
    /// assert!(missing.contains("alloc::string::String"), "{missing}");
    /// assert!(missing.contains("`u8`"), "{missing}");
    /// ```
    pub fn require<T: Send + Sync + 'static>(&self) -> Result<&T, LoadError> {
        self.get::<T>().ok_or_else(|| {
            let mut held = self.type_names();
            held.sort_unstable();
            let held = match held.is_empty() {
                true => "nothing".to_owned(),
                false => held
                    .iter()
                    .map(|name| format!("`{name}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
            };
            LoadError::msg(format!(
                "the load context has no `{}` (it holds {held}); with pjx-actix, share it with \
                 `Pjx::new().data::<T>()` and `App::app_data(web::Data::new(value))`",
                type_name::<T>()
            ))
        })
    }

    /// The type names of the values the context holds, in no particular order.
    ///
    /// ```
    /// let cx = pjx::LoadCx::new().with(1u8);
    /// assert_eq!(cx.type_names(), vec!["u8"]);
    /// ```
    pub fn type_names(&self) -> Vec<&'static str> {
        self.values.values().map(|entry| entry.name).collect()
    }
}

impl fmt::Debug for LoadCx {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names = self.type_names();
        names.sort_unstable();
        f.debug_struct("LoadCx").field("values", &names).finish()
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
    fn a_shared_value_is_found_as_itself_and_as_its_arc() {
        struct Store(u32);
        let cx = LoadCx::new().with(Arc::new(Store(3)));
        assert_eq!(cx.require::<Store>().unwrap().0, 3);
        assert_eq!(cx.require::<Arc<Store>>().unwrap().0, 3);
        // A value given as itself is not found as an Arc (there is none to hand out).
        let cx = LoadCx::new().with(Store(4));
        assert_eq!(cx.require::<Store>().unwrap().0, 4);
        assert!(cx.get::<Arc<Store>>().is_none());
    }

    #[test]
    fn a_missing_value_names_what_the_context_holds() {
        struct Store;
        let cx = LoadCx::new().with(7u32).with(Arc::new(Store));
        let message = cx.require::<String>().unwrap_err().to_string();
        assert!(message.contains("no `alloc::string::String`"), "{message}");
        assert!(message.contains("`u32`"), "{message}");
        assert!(message.contains("Arc<pjx::load::tests::"), "{message}");
        assert!(message.contains("Pjx::new().data::<T>()"), "{message}");
        let empty = LoadCx::new().require::<u8>().unwrap_err().to_string();
        assert!(empty.contains("it holds nothing"), "{empty}");
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
