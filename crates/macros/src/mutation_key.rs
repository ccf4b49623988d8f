//! `#[derive(MutationKey)]`: parse the enum into a list of keys, validate, expand.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Data, DeriveInput, Fields, Ident, LitStr};

use crate::ctxt::Ctxt;
use crate::naming::{kebab, valid_wire_name};

/// Traits the derive implements itself; deriving them as well would conflict.
const IMPLIED: [&str; 6] = ["Clone", "Copy", "PartialEq", "Eq", "Hash", "Debug"];

struct KeyVariant {
    ident: Ident,
    wire: String,
}

struct Model {
    ident: Ident,
    variants: Vec<KeyVariant>,
    /// Implied traits the user derived as well (reported, and not implemented twice).
    derived: Vec<String>,
}

pub fn derive(input: DeriveInput) -> TokenStream {
    let mut cx = Ctxt::new();
    let model = parse(&mut cx, &input);
    let errors = cx.into_compile_errors();
    match model {
        // Like thiserror: when the enum's shape is fine, still emit the impls next to any
        // error, so uses of the enum elsewhere do not cascade into more errors.
        Some(model) => {
            let expanded = expand(&model);
            quote! { #errors #expanded }
        }
        None => errors,
    }
}

fn parse(cx: &mut Ctxt, input: &DeriveInput) -> Option<Model> {
    let Data::Enum(data) = &input.data else {
        cx.error_spanned_by(
            &input.ident,
            "#[derive(MutationKey)] goes on a fieldless enum whose variants name pieces of state, e.g. `enum Keys { Todos, TodoList }`",
        );
        return None;
    };
    let mut shape_ok = true;
    if !input.generics.params.is_empty() {
        cx.error_spanned_by(
            &input.generics,
            "a MutationKey enum cannot be generic: remove the generic parameters",
        );
        shape_ok = false;
    }
    let mut derived = Vec::new();
    for attr in &input.attrs {
        if attr.path().is_ident("pjx") {
            cx.error_spanned_by(
                attr,
                "#[pjx(...)] on a MutationKey enum has no options; to rename one key put `#[pjx(rename = \"...\")]` on its variant",
            );
        }
        if attr.path().is_ident("derive") {
            let _ = attr.parse_nested_meta(|meta| {
                if let Some(last) = meta.path.segments.last()
                    && IMPLIED.iter().any(|t| last.ident == t)
                {
                    cx.error_spanned_by(
                        &meta.path,
                        format!(
                            "#[derive(MutationKey)] already implements `{}`: remove it from this derive",
                            last.ident
                        ),
                    );
                    derived.push(last.ident.to_string());
                }
                Ok(())
            });
        }
    }
    if data.variants.is_empty() {
        cx.error_spanned_by(
            &input.ident,
            "a MutationKey enum needs at least one variant, e.g. `enum Keys { Todos }`",
        );
    }

    let mut variants: Vec<KeyVariant> = Vec::new();
    for variant in &data.variants {
        if !matches!(variant.fields, Fields::Unit) {
            cx.error_spanned_by(
                &variant.fields,
                format!(
                    "MutationKey variants have no fields: write `{}`; use `Keys::{}.at(id)` to name one instance",
                    variant.ident, variant.ident
                ),
            );
            shape_ok = false;
        }
        let mut wire = kebab(&variant.ident);
        for attr in variant.attrs.iter().filter(|a| a.path().is_ident("pjx")) {
            let parsed = attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("rename") {
                    let lit: LitStr = meta.value()?.parse()?;
                    let name = lit.value();
                    if valid_wire_name(&name) {
                        wire = name;
                    } else {
                        cx.error_spanned_by(
                            &lit,
                            "a key's wire name uses only ASCII letters, digits, `-`, `_` and `.` (no spaces or `:`), e.g. `rename = \"todo-items\"`",
                        );
                    }
                    Ok(())
                } else {
                    Err(meta.error("unknown MutationKey option; the only one is `rename = \"wire-name\"`"))
                }
            });
            if let Err(e) = parsed {
                cx.syn_error(e);
            }
        }
        if let Some(first) = variants.iter().find(|v| v.wire == wire) {
            cx.error_spanned_by(
                &variant.ident,
                format!(
                    "two keys have the wire name `{wire}` (`{}` and `{}`): rename one with #[pjx(rename = \"...\")]",
                    first.ident, variant.ident
                ),
            );
        }
        variants.push(KeyVariant {
            ident: variant.ident.clone(),
            wire,
        });
    }
    shape_ok.then(|| Model {
        ident: input.ident.clone(),
        variants,
        derived,
    })
}

fn expand(model: &Model) -> TokenStream {
    let ident = &model.ident;
    let variant_idents: Vec<_> = model.variants.iter().map(|v| &v.ident).collect();
    let wires: Vec<_> = model.variants.iter().map(|v| &v.wire).collect();
    let debug_names: Vec<_> = model
        .variants
        .iter()
        .map(|v| format!("{}::{}", ident, v.ident))
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
    let enum_name = ident.to_string();
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
