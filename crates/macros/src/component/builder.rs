//! The typed builder of a component with slots: `Card::builder().header(…).body(…).build()`.
//!
//! Each required field (a required slot, or any field that is not an optional slot) is a type
//! parameter of the builder, `Missing` until its setter is called and `Filled` after; `build`
//! requires every one `Filled` through a trait of its own whose
//! `#[diagnostic::on_unimplemented]` message names the field. So a missing required slot fails
//! the build at `.build()`, with one error per missing slot, each naming it.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use super::model::{FieldRef, Model, Shape};
use crate::grammar::unraw;
use heck::ToUpperCamelCase;

pub fn expand_builder(model: &Model) -> TokenStream {
    if model.shape != Shape::Named
        || !model.item.generics.params.is_empty()
        || !model.fields.iter().any(|f| f.slot.is_some())
    {
        return TokenStream::new();
    }
    let ident = &model.item.ident;
    let vis = &model.item.vis;
    let shown = unraw(ident);
    let builder = format_ident!("{}Builder", shown);
    let fields: Vec<_> = model
        .fields
        .iter()
        .map(|f| {
            let FieldRef::Named(name) = &f.member else {
                unreachable!("named struct")
            };
            let optional = f.slot.as_ref().is_some_and(|s| !s.required);
            (f, name.clone(), optional)
        })
        .collect();
    // The type parameters: one per required field.
    let required: Vec<usize> = fields
        .iter()
        .enumerate()
        .filter(|(_, (_, _, optional))| !optional)
        .map(|(i, _)| i)
        .collect();
    let params: Vec<_> = (0..required.len())
        .map(|i| format_ident!("__PjxS{}", i))
        .collect();
    let missing = required.iter().map(|_| quote!(::pjx::__private::Missing));
    let storage = fields.iter().map(|(f, name, optional)| {
        let ty = &f.ty;
        if *optional {
            quote!(#name: #ty)
        } else {
            quote!(#name: ::core::option::Option<#ty>)
        }
    });
    let empty = fields
        .iter()
        .map(|(_, name, _)| quote!(#name: ::core::option::Option::None));
    let moves = |except: &syn::Ident| {
        let moved = fields
            .iter()
            .filter(|(_, name, _)| name != except)
            .map(|(_, name, _)| quote!(#name: self.#name));
        quote!(#(#moved,)*)
    };
    let mut setters = Vec::new();
    let mut checks = Vec::new();
    let mut traits = Vec::new();
    let mut unwraps = Vec::new();
    for (index, (field, name, optional)) in fields.iter().enumerate() {
        let ty = &field.ty;
        let wire = unraw(name);
        let what = if field.slot.is_some() {
            "slot"
        } else {
            "field"
        };
        if *optional {
            let slot_ty = &field.slot.as_ref().expect("optional is a slot").slot_ty;
            let doc = format!("Fills the optional slot `{wire}` (else its default shows).");
            setters.push(quote! {
                #[doc = #doc]
                #vis fn #name(mut self, content: impl ::core::convert::Into<#slot_ty>) -> Self {
                    self.#name = ::core::option::Option::Some(content.into());
                    self
                }
            });
            unwraps.push(quote!(#name: self.#name));
            continue;
        }
        let position = required.iter().position(|&r| r == index).expect("required");
        let after = params.iter().enumerate().map(|(i, p)| {
            if i == position {
                quote!(::pjx::__private::Filled)
            } else {
                quote!(#p)
            }
        });
        let moved = moves(name);
        let doc = format!("Fills the required {what} `{wire}`.");
        setters.push(quote! {
            #[doc = #doc]
            #vis fn #name(self, value: impl ::core::convert::Into<#ty>) -> #builder<#(#after),*> {
                #builder {
                    #name: ::core::option::Option::Some(value.into()),
                    #moved
                    __pjx_filled: ::pjx::__private::PhantomData,
                }
            }
        });
        let check = format_ident!("__Pjx{}Fills{}", shown, wire.to_upper_camel_case());
        let message = format!("the required {what} `{wire}` of `{shown}` is not filled");
        let label = format!("`{shown}` needs its {what} `{wire}`");
        let note = format!("call `.{wire}(…)` before `.build()`");
        let param = &params[position];
        traits.push(quote_spanned! {name.span()=>
            #[diagnostic::on_unimplemented(message = #message, label = #label, note = #note)]
            #[doc(hidden)]
            pub trait #check {}
            impl #check for ::pjx::__private::Filled {}
        });
        checks.push(quote!(#param: #check));
        let unreachable = format!("`{wire}` is filled (the builder's type says so)");
        unwraps.push(quote_spanned! {ty.span()=>
            #name: match self.#name {
                ::core::option::Option::Some(value) => value,
                ::core::option::Option::None => ::core::unreachable!(#unreachable),
            }
        });
    }
    let builder_doc = format!(
        "Builds a [`{shown}`] field by field: `{shown}::builder()`, a call per field, then `.build()`, which exists once every required slot and field is filled. Generated by pjx for a component with slots."
    );
    let start_doc = format!(
        "Starts a [`{builder}`]: fill the slots and fields by name, then `.build()`. A required slot left unfilled fails the build, naming it."
    );
    let build_doc = format!("The [`{shown}`], once every required slot and field is filled.");
    quote! {
        #[doc = #builder_doc]
        #[must_use]
        #vis struct #builder<#(#params = ::pjx::__private::Missing),*> {
            #(#storage,)*
            __pjx_filled: ::pjx::__private::PhantomData<(#(#params,)*)>,
        }

        const _: () = {
            #(#traits)*

            #[automatically_derived]
            impl #ident {
                #[doc = #start_doc]
                #vis fn builder() -> #builder<#(#missing),*> {
                    #builder {
                        #(#empty,)*
                        __pjx_filled: ::pjx::__private::PhantomData,
                    }
                }
            }

            #[automatically_derived]
            impl<#(#params),*> #builder<#(#params),*> {
                #(#setters)*

                #[doc = #build_doc]
                #vis fn build(self) -> #ident
                where
                    #(#checks,)*
                {
                    #ident { #(#unwraps,)* }
                }
            }
        };
    }
}
