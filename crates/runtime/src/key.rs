//! Mutation keys: the names of pieces of state that components depend on.
//!
//! A key is declared as a variant of a fieldless enum deriving [`MutationKey`](derive@crate::MutationKey).
//! Its *wire name* is the kebab-case of the variant (`TodoList` → `todo-list`) unless renamed,
//! and it is what appears in `data-pjx-reacts` and in the dirtied set. A *keyed* key narrows a
//! key to one instance: `Keys::Todos.at(7)` has the wire form `todos:7` and only concerns the
//! region loaded with key `7`.
//!
//! Keys of different enum types are erased into one [`Key`] value, compared by wire name: two
//! enums that both name a key `todos` name the same piece of state.

use std::fmt;
use std::hash::Hash;

/// A type whose values name pieces of state. Implemented by `#[derive(MutationKey)]`.
///
/// The derive also implements `Clone`, `Copy`, `PartialEq`, `Eq`, `Hash`, `Debug` and
/// `Display` (the wire name), so do not derive those yourself.
///
/// ```
/// use pjx::MutationKey;
///
/// #[derive(MutationKey)]
/// pub enum Keys {
///     Todos,
///     TodoList,
///     #[pjx(rename = "user.settings")]
///     Settings,
/// }
///
/// assert_eq!(Keys::TodoList.wire_name(), "todo-list");
/// assert_eq!(Keys::Settings.to_string(), "user.settings");
/// assert_eq!(Keys::Todos.at(7).to_string(), "todos:7");
/// assert_eq!(<Keys as MutationKey>::ALL.len(), 3);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a pjx mutation key",
    label = "not a variant of an enum that derives `MutationKey`",
    note = "keys are variants of a fieldless enum declared with `#[derive(pjx::MutationKey)]`, e.g. `Keys::Todos`; strings and other types are not keys"
)]
pub trait MutationKey:
    Copy + Eq + Hash + fmt::Debug + fmt::Display + Send + Sync + 'static
{
    /// Every variant, in declaration order (for the dependency graph).
    const ALL: &'static [Self];

    /// Each variant's discriminant (`as isize`) and wire name, so generated code can name a
    /// key at compile time (`react = [...]` is checked for repeats by wire name).
    #[doc(hidden)]
    const WIRE_NAMES: &'static [(isize, &'static str)] = &[];

    /// The wire name of this key, e.g. `todo-list`.
    fn wire_name(self) -> &'static str;

    /// This key narrowed to one instance: `Keys::Todos.at(7)` is `todos:7`. The instance is
    /// written as the keyed regions it concerns stamp their load key
    /// ([`LoadKey::to_wire`](crate::LoadKey::to_wire)), so the two always match.
    fn at(self, instance: impl Instance) -> Keyed<Self> {
        Keyed::new(self, instance)
    }

    /// This key, erased to a [`Key`].
    fn key(self) -> Key {
        Key::new(self.wire_name())
    }
}

/// A key narrowed to one instance, e.g. `todos:7`. Made with [`MutationKey::at`].
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Keyed<K> {
    key: K,
    instance: Box<str>,
}

impl<K: MutationKey> Keyed<K> {
    /// Narrows `key` to the instance whose load key is `instance`.
    pub fn new(key: K, instance: impl Instance) -> Self {
        Keyed {
            key,
            instance: instance.to_instance().into_boxed_str(),
        }
    }

    /// The key this narrows.
    pub fn key(&self) -> K {
        self.key
    }

    /// The instance, in the same form as the region's `data-pjx-load`.
    pub fn instance(&self) -> &str {
        &self.instance
    }
}

impl<K: MutationKey> fmt::Display for Keyed<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.key.wire_name(), self.instance)
    }
}

/// What names one instance of a key: a load key (`#[pjx_key]` type), written as keyed regions
/// stamp it in `data-pjx-load` ([`LoadKey::to_wire`](crate::LoadKey::to_wire)). A custom key
/// type therefore implements [`LoadKey`](crate::LoadKey), and `Keys::X.at(id)` matches the
/// regions loaded with `id` whatever its `Display` says.
///
/// ```
/// use pjx::{LoadKey, MutationKey};
/// # #[derive(MutationKey)] enum Keys { Users }
/// #[derive(Clone)]
/// struct UserId(u64);
/// impl std::fmt::Display for UserId {
///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { write!(f, "user #{}", self.0) }
/// }
/// impl LoadKey for UserId {
///     fn to_wire(&self) -> String { format!("u{}", self.0) }
///     fn from_wire(wire: &str) -> Option<Self> { wire.strip_prefix('u')?.parse().ok().map(UserId) }
/// }
/// assert_eq!(Keys::Users.at(UserId(7)).to_string(), "users:u7");
/// assert_eq!(Keys::Users.at("ann").to_string(), "users:ann");
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot name an instance of a key",
    label = "not a load key",
    note = "`Keys::X.at(…)` takes the load key of the keyed regions it concerns: an integer, a string, or a type implementing `pjx::LoadKey`"
)]
pub trait Instance {
    /// The instance's text: the load key as stamped.
    fn to_instance(&self) -> String;
}

impl<T: crate::LoadKey> Instance for T {
    fn to_instance(&self) -> String {
        self.to_wire()
    }
}

impl Instance for &str {
    fn to_instance(&self) -> String {
        (*self).to_owned()
    }
}

// References to the built-in load keys (a blanket `&T` would overlap the impl above); for a
// reference to a key type of your own, pass it by value (`.at(id.clone())`).
macro_rules! instance_by_ref {
    ($($ty:ty),*) => {$(
        impl Instance for &$ty {
            fn to_instance(&self) -> String {
                crate::LoadKey::to_wire(*self)
            }
        }
    )*};
}

instance_by_ref!(
    i8,
    i16,
    i32,
    i64,
    i128,
    isize,
    u8,
    u16,
    u32,
    u64,
    u128,
    usize,
    bool,
    char,
    String,
    Box<str>,
    std::sync::Arc<str>
);

/// A key of any [`MutationKey`] type, possibly narrowed to one instance.
///
/// Ordering and equality follow the wire form.
///
/// ```
/// use pjx::{Key, MutationKey};
/// # #[derive(MutationKey)] enum Keys { Todos }
/// let all = Key::from(Keys::Todos);
/// let seven = Key::from(Keys::Todos.at(7));
/// assert_eq!(seven.to_string(), "todos:7");
/// assert_eq!(seven.name(), "todos");
/// assert_eq!(seven.instance(), Some("7"));
/// assert_eq!(seven.base(), all);
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    name: &'static str,
    instance: Option<Box<str>>,
}

impl Key {
    /// A key naming all instances of `name`.
    pub const fn new(name: &'static str) -> Self {
        Key {
            name,
            instance: None,
        }
    }

    /// A key naming one instance of `name`.
    pub fn with_instance(name: &'static str, instance: impl Into<Box<str>>) -> Self {
        Key {
            name,
            instance: Some(instance.into()),
        }
    }

    /// The wire name, without any instance.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The instance this key is narrowed to, if any.
    pub fn instance(&self) -> Option<&str> {
        self.instance.as_deref()
    }

    /// This key without its instance.
    pub fn base(&self) -> Key {
        Key::new(self.name)
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.instance {
            None => f.write_str(self.name),
            Some(instance) => write!(f, "{}:{}", self.name, instance),
        }
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Key({self})")
    }
}

/// Anything usable where a key is: a [`MutationKey`] variant, a [`Keyed`] key, or a [`Key`].
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a pjx mutation key",
    label = "expected a key such as `Keys::Todos` or `Keys::Todos.at(id)`",
    note = "keys are variants of a fieldless enum declared with `#[derive(pjx::MutationKey)]`; strings and other types are not keys"
)]
pub trait IntoKey {
    /// Erases this key into a [`Key`].
    fn into_key(self) -> Key;
}

impl<K: MutationKey> IntoKey for K {
    fn into_key(self) -> Key {
        self.key()
    }
}

impl<K: MutationKey> IntoKey for Keyed<K> {
    fn into_key(self) -> Key {
        Key {
            name: self.key.wire_name(),
            instance: Some(self.instance),
        }
    }
}

impl<K: MutationKey> IntoKey for &Keyed<K> {
    fn into_key(self) -> Key {
        self.clone().into_key()
    }
}

impl IntoKey for Key {
    fn into_key(self) -> Key {
        self
    }
}

impl IntoKey for &Key {
    fn into_key(self) -> Key {
        self.clone()
    }
}

impl<K: MutationKey> From<K> for Key {
    fn from(key: K) -> Key {
        key.key()
    }
}

impl<K: MutationKey> From<Keyed<K>> for Key {
    fn from(key: Keyed<K>) -> Key {
        key.into_key()
    }
}

/// The static set of keys a reactive component reacts to, with its `data-pjx-reacts` form.
#[derive(Debug)]
pub struct ReactSet {
    keys: Box<[Key]>,
    attr: Box<str>,
}

impl ReactSet {
    /// Builds the set; duplicates (by wire name) are dropped, order is kept.
    pub fn new(keys: impl IntoIterator<Item = Key>) -> Self {
        let mut unique: Vec<Key> = Vec::new();
        for key in keys {
            if !unique.contains(&key) {
                unique.push(key);
            }
        }
        let attr = unique
            .iter()
            .map(|k| k.to_string())
            .collect::<Vec<_>>()
            .join(" ");
        ReactSet {
            keys: unique.into_boxed_slice(),
            attr: attr.into_boxed_str(),
        }
    }

    /// The keys, in declaration order.
    pub fn keys(&self) -> &[Key] {
        &self.keys
    }

    /// Space-separated wire names, as stamped into `data-pjx-reacts`.
    pub fn attr(&self) -> &str {
        &self.attr
    }

    /// Whether `name` is one of the keys.
    pub fn contains(&self, name: &str) -> bool {
        self.keys.iter().any(|k| k.name() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(crate::MutationKey)]
    enum Keys {
        Todos,
        TodoList,
        #[pjx(rename = "user.settings")]
        Settings,
        HTTPStatus,
    }

    #[derive(crate::MutationKey)]
    enum Other {
        Todos,
    }

    #[test]
    fn wire_names_are_kebab_case_unless_renamed() {
        assert_eq!(Keys::Todos.wire_name(), "todos");
        assert_eq!(Keys::TodoList.wire_name(), "todo-list");
        assert_eq!(Keys::Settings.wire_name(), "user.settings");
        assert_eq!(Keys::HTTPStatus.wire_name(), "http-status");
        assert_eq!(Keys::TodoList.to_string(), "todo-list");
        assert_eq!(format!("{:?}", Keys::TodoList), "Keys::TodoList");
    }

    #[test]
    fn all_lists_every_variant_in_order() {
        let names: Vec<_> = Keys::ALL.iter().map(|k| k.wire_name()).collect();
        assert_eq!(
            names,
            ["todos", "todo-list", "user.settings", "http-status"]
        );
    }

    #[test]
    fn derive_provides_copy_eq_hash() {
        use std::collections::HashSet;
        let a = Keys::Todos;
        let b = a; // Copy
        assert_eq!(a, b);
        assert_ne!(Keys::Todos, Keys::TodoList);
        let set: HashSet<Keys> = [Keys::Todos, Keys::Todos, Keys::TodoList].into();
        assert_eq!(set.len(), 2);
    }

    #[test]
    fn keyed_keys_have_a_wire_form() {
        let k = Keys::Todos.at(7);
        assert_eq!(k.to_string(), "todos:7");
        assert_eq!(k.instance(), "7");
        let erased = Key::from(k);
        assert_eq!(erased.to_string(), "todos:7");
        assert_eq!(erased.name(), "todos");
        assert_eq!(erased.instance(), Some("7"));
        assert_eq!(erased.base(), Key::from(Keys::Todos));
    }

    #[test]
    fn erased_keys_compare_by_wire_name() {
        assert_eq!(Key::from(Keys::Todos), Key::from(Other::Todos));
        assert_ne!(Key::from(Keys::Todos), Key::from(Keys::Todos.at(1)));
        assert_eq!(Keys::Todos.into_key(), Key::new("todos"));
    }

    #[test]
    fn react_sets_drop_duplicates_and_render_their_attribute() {
        let set = ReactSet::new([Keys::Todos.key(), Keys::TodoList.key(), Other::Todos.key()]);
        assert_eq!(set.keys().len(), 2);
        assert_eq!(set.attr(), "todos todo-list");
        assert!(set.contains("todo-list"));
        assert!(!set.contains("todos:1"));
    }
}
