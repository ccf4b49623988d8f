//! Step 3 of `#[mutates]`: the function, recording its keys when it succeeds.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Expr, ItemFn, ReturnType, Type};

fn contains_impl_trait(ty: &Type) -> bool {
    ty.to_token_stream()
        .into_iter()
        .any(|t| matches!(&t, proc_macro2::TokenTree::Ident(i) if i == "impl"))
}

pub fn expand(keys: &[Expr], item: ItemFn) -> TokenStream {
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
