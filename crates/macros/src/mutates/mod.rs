//! `#[mutates(Keys::A, …)]`: record keys in the request scope when a function succeeds.
//! [`parse`] the keys and the function, [`check`] what the syntax shows, [`expand`].
//!
//! The keys are evaluated on entry (so `Keys::Todos.at(id)` can use an argument the body
//! moves), the body runs as a closure (sync) or an `async` block, so that `return` and `?`
//! inside it come back here, and the keys are recorded only if the result is a success:
//! `Ok` for a `Result`, anything for other types. A panic records nothing.

mod check;
mod expand;
mod parse;

use proc_macro2::TokenStream;
use quote::quote;

use crate::ctxt::Ctxt;

pub fn expand(args: TokenStream, input: TokenStream) -> TokenStream {
    let mut cx = Ctxt::new();
    let parsed = parse::parse(&mut cx, args, &input);
    match check::check(&mut cx, parsed) {
        Some(model) if !cx.has_errors() => expand::expand(&model.keys, model.item),
        // Return the item untouched (or as written) so the rest of the crate still
        // type-checks and IDEs keep working.
        model => {
            let errors = cx.into_compile_errors();
            match model {
                Some(model) => {
                    let item = model.item;
                    quote! { #errors #item }
                }
                None => quote! { #errors #input },
            }
        }
    }
}
