//! Step 2 of `#[derive(LoadPage)]`: a page is a struct with named fields and no generics.
//! Whether each field can load itself is the type checker's (`PageField`, spanned at the
//! field's type).

use syn::DeriveInput;

use super::parse::{PageField, Parsed};
use crate::ctxt::Ctxt;

pub fn check(cx: &mut Ctxt, input: &DeriveInput, parsed: Parsed) -> Option<Vec<PageField>> {
    if !input.generics.params.is_empty() {
        cx.error_spanned_by(
            &input.generics,
            "`#[derive(LoadPage)]` loads a concrete page: remove the generic parameters, or write its `load` by hand",
        );
    }
    match parsed {
        Parsed::Named(fields) if !cx.has_errors() => Some(fields),
        Parsed::Named(_) => None,
        Parsed::Other => {
            cx.error_spanned_by(
                &input.ident,
                "`#[derive(LoadPage)]` goes on a struct with named fields, one per region: `struct Page { list: TodoList, counter: Counter }`",
            );
            None
        }
    }
}
