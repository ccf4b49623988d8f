//! `#[derive(LoadPage)]`: [`parse`] the struct's fields, [`check`] the shape, [`expand`] a
//! `load_page` that loads each field.

mod check;
mod expand;
mod parse;

use proc_macro2::TokenStream;
use quote::quote;
use syn::DeriveInput;

use crate::ctxt::Ctxt;

pub fn derive(input: DeriveInput) -> TokenStream {
    let mut cx = Ctxt::new();
    let parsed = parse::parse(&input);
    let model = check::check(&mut cx, &input, parsed);
    let errors = cx.into_compile_errors();
    // Like thiserror: the impl is emitted even next to an error when the shape allows, so
    // uses of the page elsewhere do not cascade.
    let expanded = expand::expand(&input, model.as_ref());
    quote! { #errors #expanded }
}
