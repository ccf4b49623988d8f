//! `#[reactive(...)]` and `#[component(...)]` on a struct: [`parse`] the attribute and the
//! fields into darling models, [`check`] the rules into a [`model::Model`], [`expand`] it.

mod builder;
mod check;
mod expand;
mod model;
mod parse;

pub use model::Kind;

use proc_macro2::TokenStream;
use quote::quote;
use syn::ItemStruct;

use crate::ctxt::Ctxt;

pub fn expand_struct(kind: Kind, args: TokenStream, item: ItemStruct) -> TokenStream {
    let mut cx = Ctxt::new();
    let input = parse::parse(&mut cx, kind, args, item);
    let model = check::check(&mut cx, input);
    let errors = cx.into_compile_errors();
    if kind == Kind::Reactive && !model.item.generics.params.is_empty() {
        // No expansion can stand in for a generic reactive component; return the struct.
        let item = &model.item;
        return quote! { #errors #item };
    }
    let expanded = expand::expand(&model);
    quote! { #errors #expanded }
}
