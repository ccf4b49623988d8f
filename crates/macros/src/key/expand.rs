//! Step 3 of `#[derive(MutationKey)]`: the trait, the wire names, `at`, and the standard
//! traits the derive implements itself.

use proc_macro2::TokenStream;
use quote::quote;

use crate::grammar::unraw;

use super::check::Model;

pub fn expand(model: &Model) -> TokenStream {
    let ident = &model.ident;
    let variant_idents: Vec<_> = model.variants.iter().map(|v| &v.ident).collect();
    let wires: Vec<_> = model.variants.iter().map(|v| &v.wire).collect();
    let debug_names: Vec<_> = model
        .variants
        .iter()
        .map(|v| format!("{}::{}", unraw(ident), unraw(&v.ident)))
        .collect();
    let unless_derived = |name: &str, tokens: TokenStream| {
        if model.derived.iter().any(|d| d == name) {
            TokenStream::new()
        } else {
            tokens
        }
    };
    let clone = unless_derived(
        "Clone",
        quote! {
            #[automatically_derived]
            impl ::core::clone::Clone for #ident {
                #[inline]
                fn clone(&self) -> Self {
                    *self
                }
            }
        },
    );
    let copy = unless_derived(
        "Copy",
        quote! {
            #[automatically_derived]
            impl ::core::marker::Copy for #ident {}
        },
    );
    let partial_eq = unless_derived(
        "PartialEq",
        quote! {
            #[automatically_derived]
            impl ::core::cmp::PartialEq for #ident {
                #[inline]
                fn eq(&self, other: &Self) -> bool {
                    ::core::mem::discriminant(self) == ::core::mem::discriminant(other)
                }
            }
        },
    );
    let eq = unless_derived(
        "Eq",
        quote! {
            #[automatically_derived]
            impl ::core::cmp::Eq for #ident {}
        },
    );
    let hash = unless_derived(
        "Hash",
        quote! {
            #[automatically_derived]
            impl ::core::hash::Hash for #ident {
                #[inline]
                fn hash<H: ::core::hash::Hasher>(&self, state: &mut H) {
                    ::core::hash::Hash::hash(&::core::mem::discriminant(self), state)
                }
            }
        },
    );
    let debug = unless_derived(
        "Debug",
        quote! {
            #[automatically_derived]
            impl ::core::fmt::Debug for #ident {
                fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    f.write_str(match self {
                        #(Self::#variant_idents => #debug_names,)*
                    })
                }
            }
        },
    );
    let enum_name = unraw(ident);
    quote! {
        ::pjx::__private::inventory::submit! {
            ::pjx::__private::KeySet {
                enum_name: #enum_name,
                names: &[#(#wires),*],
            }
        }

        #[automatically_derived]
        impl ::pjx::__private::MutationKey for #ident {
            const ALL: &'static [Self] = &[#(Self::#variant_idents),*];
            const WIRE_NAMES: &'static [(isize, &'static str)] =
                &[#((Self::#variant_idents as isize, #wires)),*];
            #[inline]
            fn wire_name(self) -> &'static str {
                #ident::wire_name(self)
            }
        }

        #[automatically_derived]
        impl #ident {
            /// The wire name of this key.
            #[inline]
            pub const fn wire_name(self) -> &'static str {
                match self {
                    #(Self::#variant_idents => #wires,)*
                }
            }

            /// This key narrowed to one instance, e.g. `todos:7`: the load key of the keyed
            /// regions it concerns, written as they stamp it.
            #[inline]
            pub fn at(
                self,
                instance: impl ::pjx::__private::Instance,
            ) -> ::pjx::__private::Keyed<Self> {
                ::pjx::__private::Keyed::new(self, instance)
            }
        }

        #clone
        #copy
        #partial_eq
        #eq
        #hash
        #debug

        #[automatically_derived]
        impl ::core::fmt::Display for #ident {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.wire_name())
            }
        }
    }
}
