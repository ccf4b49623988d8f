//! `#[component]` on an `impl` block, a component's events: [`parse`] `mount`, `restore`,
//! `optimistic` and every `on_<event>` into a model (taking `#[form]` off handler
//! parameters), [`check`] their shapes, [`expand`] the runtime's `Stateful` trait, which reads
//! each event's named arguments from the payload, and the typed side templates and
//! `optimistic` use: a trigger builder per event (`<event>_event(…)`) and, for a typed
//! `optimistic`, the enum of the events (`<Type>Event<'a>`).

mod check;
mod expand;
mod parse;

use proc_macro2::TokenStream;
use quote::quote;
use syn::ItemImpl;

use crate::ctxt::Ctxt;

pub fn expand_impl(args: TokenStream, mut item: ItemImpl) -> TokenStream {
    let mut cx = Ctxt::new();
    let forms = parse::take_form_attrs(&mut cx, &mut item);
    let input = parse::parse(&mut cx, &args, &item, forms);
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
