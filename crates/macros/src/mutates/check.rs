//! Step 2 of `#[mutates]` (rule 5 as far as the syntax shows it): keys are values, not
//! strings, and the attribute decorates a function with a body. That each key is a
//! `MutationKey` value is asserted in the expansion.

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::{Expr, ItemFn};

use crate::ctxt::Ctxt;

use super::parse::Input;

pub struct Model {
    pub keys: Vec<Expr>,
    pub item: ItemFn,
}

/// The model, or `None` when the input is not a function (reported).
pub fn check(cx: &mut Ctxt, input: Input) -> Option<Model> {
    let Input {
        keys,
        keys_span,
        item,
    } = input;
    if keys.is_empty() && !cx.has_errors() {
        cx.syn_error(syn::Error::new(
            keys_span,
            "#[mutates] needs the keys this function changes, e.g. `#[mutates(Keys::Todos)]`",
        ));
    }
    let keys = keys
        .into_iter()
        .filter(|expr| {
            let is_str = matches!(expr, Expr::Lit(lit) if matches!(lit.lit, syn::Lit::Str(_)));
            if is_str {
                cx.error_spanned_by(
                    expr,
                    "#[mutates] takes MutationKey values, not strings: write a variant of an enum that derives `MutationKey`, e.g. `#[mutates(Keys::Todos)]` or `#[mutates(Keys::Todos.at(id))]`",
                );
            }
            !is_str
        })
        .collect();
    let item = match item {
        Ok(item) => item,
        Err(input) => {
            cx.syn_error(not_a_function(&input));
            return None;
        }
    };
    if let Some(constness) = &item.sig.constness {
        cx.error_spanned_by(
            constness,
            "#[mutates] cannot go on a `const fn`: recording into the request scope happens at run time",
        );
    }
    Some(Model { keys, item })
}

fn not_a_function(input: &TokenStream) -> syn::Error {
    let what = match syn::parse2::<syn::Item>(input.clone()) {
        Ok(syn::Item::Struct(s)) => Some(("a struct", s.ident.to_token_stream())),
        Ok(syn::Item::Enum(e)) => Some(("an enum", e.ident.to_token_stream())),
        Ok(syn::Item::Impl(i)) => Some(("an impl block", i.self_ty.to_token_stream())),
        Ok(syn::Item::Trait(t)) => Some(("a trait", t.ident.to_token_stream())),
        Ok(syn::Item::Mod(m)) => Some(("a module", m.ident.to_token_stream())),
        _ => None,
    };
    let body_missing = syn::parse2::<syn::TraitItemFn>(input.clone())
        .ok()
        .filter(|f| f.default.is_none());
    if let Some(decl) = body_missing {
        return syn::Error::new_spanned(
            &decl.sig,
            "#[mutates] goes on a function with a body: put it on the method's implementation, not on the trait's declaration",
        );
    }
    let message = "#[mutates] decorates the functions and methods that change state, e.g. `#[mutates(Keys::Todos)] fn toggle(&self, id: i64)`";
    match what {
        Some((kind, name)) => {
            syn::Error::new_spanned(name, format!("{message}; it cannot go on {kind}"))
        }
        None => syn::Error::new_spanned(input, message),
    }
}
