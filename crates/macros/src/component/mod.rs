//! `#[reactive(...)]` and `#[component(...)]` on a struct: parse into a [`model::Model`],
//! validate, expand.

mod expand;
mod model;

pub use model::Kind;

use proc_macro2::TokenStream;
use quote::quote;
use syn::ItemStruct;

use crate::ctxt::Ctxt;

pub fn expand_struct(kind: Kind, args: TokenStream, mut item: ItemStruct) -> TokenStream {
    let mut cx = Ctxt::new();
    let model = model::parse(&mut cx, kind, args, &mut item);
    let errors = cx.into_compile_errors();
    if kind == Kind::Reactive && !item.generics.params.is_empty() {
        // No expansion can stand in for a generic reactive component; return the struct.
        return quote! { #errors #item };
    }
    let expanded = expand::expand(&model);
    quote! { #errors #expanded }
}
