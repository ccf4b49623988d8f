//! `#[mutates(Keys::A, …)]`: record keys in the request scope when a function succeeds.
//!
//! The keys are evaluated on entry (so `Keys::Todos.at(id)` can use an argument the body
//! moves), the body runs as a closure (sync) or an `async` block, so that `return` and `?`
//! inside it come back here, and the keys are recorded only if the result is a success:
//! `Ok` for a `Result`, anything for other types. A panic records nothing.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote, quote_spanned};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, ItemFn, ReturnType, Token, Type};

use crate::ctxt::Ctxt;

pub fn expand(args: TokenStream, input: TokenStream) -> TokenStream {
    let mut cx = Ctxt::new();
    let keys = parse_keys(&mut cx, args);
    let item = match syn::parse2::<ItemFn>(input.clone()) {
        Ok(item) => item,
        Err(_) => {
            cx.syn_error(not_a_function(&input));
            let errors = cx.into_compile_errors();
            // Return the item untouched so the rest of the crate still type-checks.
            return quote! { #errors #input };
        }
    };
    if let Some(constness) = &item.sig.constness {
        cx.error_spanned_by(
            constness,
            "#[mutates] cannot go on a `const fn`: recording into the request scope happens at run time",
        );
    }
    if cx.has_errors() {
        let errors = cx.into_compile_errors();
        return quote! { #errors #item };
    }
    expand_fn(&keys, item)
}

fn parse_keys(cx: &mut Ctxt, args: TokenStream) -> Vec<Expr> {
    let args_span = args.span();
    let parsed = match Punctuated::<Expr, Token![,]>::parse_terminated.parse2(args) {
        Ok(parsed) => parsed,
        Err(e) => {
            cx.syn_error(e);
            return Vec::new();
        }
    };
    if parsed.is_empty() {
        cx.syn_error(syn::Error::new(
            args_span,
            "#[mutates] needs the keys this function changes, e.g. `#[mutates(Keys::Todos)]`",
        ));
    }
    let mut keys = Vec::new();
    for expr in parsed {
        if let Expr::Lit(lit) = &expr
            && matches!(lit.lit, syn::Lit::Str(_))
        {
            cx.error_spanned_by(
                &expr,
                "#[mutates] takes MutationKey values, not strings: write a variant of an enum that derives `MutationKey`, e.g. `#[mutates(Keys::Todos)]` or `#[mutates(Keys::Todos.at(id))]`",
            );
            continue;
        }
        keys.push(expr);
    }
    keys
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

fn contains_impl_trait(ty: &Type) -> bool {
    ty.to_token_stream()
        .into_iter()
        .any(|t| matches!(&t, proc_macro2::TokenTree::Ident(i) if i == "impl"))
}

fn expand_fn(keys: &[Expr], item: ItemFn) -> TokenStream {
    let ItemFn {
        attrs,
        vis,
        sig,
        block,
        ..
    } = item;
    let keys = keys
        .iter()
        .map(|key| quote_spanned! {key.span()=> ::pjx::__private::mutation_key(#key) });

    // The annotation drives inference of `?` inside the body and lets the outcome check see
    // the type; `impl Trait` cannot be named, so such results always count as success.
    let (annotation, check) = match &sig.output {
        ReturnType::Type(_, ty) if contains_impl_trait(ty) => (quote!(), quote!(true)),
        ReturnType::Type(_, ty) => (
            quote!(: #ty),
            quote! {{
                #[allow(unused_imports)]
                use ::pjx::__private::{AnyOutcome as _, ResultOutcome as _};
                (&::pjx::__private::Outcome(&__pjx_result)).pjx_succeeded()
            }},
        ),
        ReturnType::Default => (quote!(: ()), quote!(true)),
    };
    let run = if sig.asyncness.is_some() {
        quote! { async move #block.await }
    } else {
        quote! { (move || #block)() }
    };
    quote! {
        #(#attrs)*
        #vis #sig {
            let __pjx_keys = [#(#keys),*];
            #[allow(clippy::redundant_closure_call)]
            let __pjx_result #annotation = #run;
            if #check {
                ::pjx::__private::record_mutation(__pjx_keys);
            }
            __pjx_result
        }
    }
}
