//! `#[component]` on an `impl` block, a component's events: [`parse`] `mount`, `restore`,
//! `optimistic` and every `on_<event>` into a model, [`check`] their shapes, [`expand`] the
//! runtime's `Stateful` trait, which reads each event's named arguments from the payload.

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
    // The user's impl is always returned, errors or not (tokio-macros); `Stateful` is
    // implemented whenever the block is the type's own, with the handlers that were usable.
    let stateful = model.map(|model| expand::expand(&item.self_ty, &model));
    quote! {
        #errors
        #item
        #stateful
    }
}
