//! `#[derive(MutationKey)]`: [`parse`] the variants' options with darling, [`check`] the rules
//! into a list of keys, [`expand`] it.

mod check;
mod expand;
mod parse;

use proc_macro2::TokenStream;
use quote::quote;
use syn::DeriveInput;

use crate::ctxt::Ctxt;

pub fn derive(input: DeriveInput) -> TokenStream {
    let mut cx = Ctxt::new();
    let parsed = parse::parse(&mut cx, &input);
    let model = check::check(&mut cx, &input, parsed);
    let errors = cx.into_compile_errors();
    match model {
        // Like thiserror: when the enum's shape is fine, still emit the impls next to any
        // error, so uses of the enum elsewhere do not cascade into more errors.
        Some(model) => {
            let expanded = expand::expand(&model);
            quote! { #errors #expanded }
        }
        None => errors,
    }
}
