//! `#[reactive]` on an `impl` block: [`parse`] `load` (and `depends_on`) into a model,
//! [`check`] rule 2's shape, [`expand`] an adapter to the runtime's `Load` trait.
//!
//! What the macro can see (a receiver, three parameters, a missing return type) it reports
//! itself. What only the type checker knows (which parameter is the context, whether the
//! struct is keyed and by which type) is asserted in the expansion, one spanned trait
//! assertion per fact, in pjx's words.

mod check;
mod expand;
mod parse;

use proc_macro2::TokenStream;
use quote::quote;
use syn::ItemImpl;

use crate::ctxt::Ctxt;

pub fn expand_impl(args: TokenStream, item: ItemImpl) -> TokenStream {
    let mut cx = Ctxt::new();
    let input = parse::parse(&mut cx, &args, &item);
    let model = check::check(&mut cx, input);
    let errors = cx.into_compile_errors();
    // Like tokio-macros: the user's impl is always returned unchanged, errors or not; like
    // thiserror: when `load` is unusable, a stand-in adapter keeps the struct's "has no
    // `load`" check quiet, so the user sees only the error above.
    let adapter = model.map(|model| expand::expand(&item.self_ty, &model));
    quote! {
        #errors
        #item
        #adapter
    }
}
