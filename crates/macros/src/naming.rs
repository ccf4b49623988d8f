//! How pjx names things derived from Rust identifiers.

use heck::{ToKebabCase, ToSnakeCase};
use syn::Ident;

/// The identifier as written, without any `r#` prefix.
pub fn unraw(ident: &Ident) -> String {
    let s = ident.to_string();
    s.strip_prefix("r#").map(str::to_owned).unwrap_or(s)
}

/// `TodoList` → `todo-list` (wire names of keys, default region ids).
pub fn kebab(ident: &Ident) -> String {
    unraw(ident).to_kebab_case()
}

/// `TodoCounter` → `todo_counter` (registered type names).
pub fn snake(ident: &Ident) -> String {
    unraw(ident).to_snake_case()
}

/// Whether `name` is usable as a key's wire name: it goes into space-separated attribute
/// values and `name:instance` forms, so no whitespace, `:` or quotes.
pub fn valid_wire_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// Whether `name` is usable as a registered type name (`data-pjx-type`, routes).
pub fn valid_type_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proc_macro2::Span;

    fn id(s: &str) -> Ident {
        Ident::new(s, Span::call_site())
    }

    #[test]
    fn cases() {
        assert_eq!(kebab(&id("TodoList")), "todo-list");
        assert_eq!(kebab(&id("TodoCounter")), "todo-counter");
        assert_eq!(snake(&id("TodoCounter")), "todo_counter");
        assert_eq!(snake(&id("ItemRow")), "item_row");
        assert_eq!(kebab(&Ident::new_raw("type", Span::call_site())), "type");
    }

    #[test]
    fn wire_names() {
        assert!(valid_wire_name("user.settings"));
        assert!(valid_wire_name("todo-list"));
        assert!(!valid_wire_name("todos:1"));
        assert!(!valid_wire_name("a b"));
        assert!(!valid_wire_name(""));
    }
}
