//! What every macro on an `impl` block (`#[reactive] impl`, `#[component] impl`) checks first,
//! and how it finds its functions: one place, so both say the same thing the same way.

use proc_macro2::TokenStream;
use syn::{FnArg, ImplItem, ImplItemFn, ItemImpl, PatType};

use crate::ctxt::Ctxt;
use crate::grammar::unraw;

/// What the macro on an impl block is for, in its own messages.
pub struct ImplMacro {
    /// `#[reactive]`.
    pub attr: &'static str,
    /// Where its options go instead, e.g. `#[reactive(react = [...], template = "…")]`.
    pub options_go: &'static str,
    /// What the impl block holds, e.g. "the one holding `load`".
    pub holds: &'static str,
    /// Why it cannot be generic.
    pub not_generic: &'static str,
}

/// Checks the block itself: no options, the type's own impl, no type parameters. Returns
/// whether an expansion can follow (a trait impl or a generic one has none).
pub fn check(cx: &mut Ctxt, what: &ImplMacro, args: &TokenStream, item: &ItemImpl) -> bool {
    if !args.is_empty() {
        cx.error_spanned_by(
            args,
            format!(
                "`{}` on an impl block takes no options: they go on the struct, `{}`",
                what.attr, what.options_go
            ),
        );
    }
    if let Some((path, _)) = &item.trait_ {
        cx.error_spanned_by(
            path,
            format!(
                "`{}` goes on the component's own `impl` block ({}), not on a trait impl",
                what.attr, what.holds
            ),
        );
    }
    if !item.generics.params.is_empty() {
        cx.error_spanned_by(&item.generics, what.not_generic);
    }
    item.trait_.is_none() && item.generics.params.is_empty()
}

/// The block's functions with their names as written (`r#type` → `type`).
pub fn functions(item: &ItemImpl) -> impl Iterator<Item = (String, &ImplItemFn)> {
    item.items.iter().filter_map(|i| match i {
        ImplItem::Fn(f) => Some((unraw(&f.sig.ident), f)),
        _ => None,
    })
}

/// A function's typed parameters (everything but `self`).
pub fn typed_params(f: &ImplItemFn) -> impl Iterator<Item = &PatType> {
    f.sig.inputs.iter().filter_map(|arg| match arg {
        FnArg::Typed(pat) => Some(pat),
        FnArg::Receiver(_) => None,
    })
}
