//! Procedural macros of [pjx](https://docs.rs/pjx). Depend on `pjx`, which re-exports them
//! with documentation; generated code names the runtime only through `::pjx::__private`.
//!
//! Each macro parses its input into its own model, validates it (collecting every error, each
//! naming the rule and what to write instead, at the user's tokens), then expands. On error
//! the user's item is still emitted, with a fallback expansion where possible, so one mistake
//! produces one error rather than a cascade.

mod component;
mod ctxt;
mod events;
mod grammar;
mod key;
mod load;
mod mutates;
mod page;
mod preamble;

use proc_macro::TokenStream;
use quote::quote;
use syn::{DeriveInput, Item, parse_macro_input};

use component::Kind;

/// Derives `pjx::MutationKey` for a fieldless enum. See `pjx::MutationKey`.
#[proc_macro_derive(MutationKey, attributes(pjx))]
pub fn derive_mutation_key(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    key::derive(input).into()
}

/// Derives `pjx::LoadPage`: a page whose fields are all reactive regions, loaded in one call.
/// See `pjx::LoadPage`.
#[proc_macro_derive(LoadPage)]
pub fn derive_load_page(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    page::derive(input).into()
}

/// Declares a reactive component (on a struct) or holds its `load` (on its impl block).
/// See `pjx::reactive`.
#[proc_macro_attribute]
pub fn reactive(args: TokenStream, input: TokenStream) -> TokenStream {
    let args = proc_macro2::TokenStream::from(args);
    match syn::parse::<Item>(input.clone()) {
        Ok(Item::Struct(item)) => component::expand_struct(Kind::Reactive, args, item).into(),
        Ok(Item::Impl(item)) => load::expand_impl(args, item).into(),
        _ => misplaced("#[reactive]", input),
    }
}

/// Declares a component (on a struct) or its events (on its impl block). See
/// `pjx::component`.
#[proc_macro_attribute]
pub fn component(args: TokenStream, input: TokenStream) -> TokenStream {
    let args = proc_macro2::TokenStream::from(args);
    match syn::parse::<Item>(input.clone()) {
        Ok(Item::Struct(item)) => component::expand_struct(Kind::Plain, args, item).into(),
        Ok(Item::Impl(item)) => events::expand_impl(args, item).into(),
        _ => misplaced("#[component]", input),
    }
}

/// Records mutation keys when a function succeeds. See `pjx::mutates`.
#[proc_macro_attribute]
pub fn mutates(args: TokenStream, input: TokenStream) -> TokenStream {
    mutates::expand(args.into(), input.into()).into()
}

fn misplaced(attr: &str, input: TokenStream) -> TokenStream {
    let input = proc_macro2::TokenStream::from(input);
    let message = if attr == "#[reactive]" {
        "#[reactive(react = [...], template = \"…\")] goes on a struct (the component), and `#[reactive]` on that struct's impl block (its `load`)"
    } else {
        "#[component(template = \"…\")] goes on a struct (the component), and `#[component]` on that struct's impl block (its events)"
    };
    let target = input
        .clone()
        .into_iter()
        .find(|t| matches!(t, proc_macro2::TokenTree::Ident(i) if i != "pub"))
        .map(proc_macro2::TokenStream::from)
        .unwrap_or_else(|| input.clone());
    let error = syn::Error::new_spanned(target, message).into_compile_error();
    quote! { #error #input }.into()
}
