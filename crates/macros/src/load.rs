//! `#[reactive]` on an `impl` block: find `load`, check its shape (rule 2), and adapt it to
//! the runtime's `Load` trait.
//!
//! What the macro can see (a receiver, two keys, a missing return type) it reports itself.
//! What only the type checker knows (whether the struct is keyed, and by which type) is
//! checked by one spanned trait assertion per fact, whose message is pjx's.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{FnArg, ImplItem, ImplItemFn, ItemImpl, ReturnType, Type};

use crate::ctxt::Ctxt;

const LOAD_SHAPE: &str = "async fn load(cx: &LoadCx) -> Result<Self, LoadError>";

/// What `load` looks like.
struct LoadSig {
    /// Whether the impl also defines `depends_on(&self)`.
    depends_on: bool,
    is_async: bool,
    /// The key parameter's type, when `load` takes one.
    key: Option<Type>,
    /// Whether `load` takes the context.
    takes_cx: bool,
    /// Where a missing key would go (the parameter list).
    params_span: Span,
    /// The declared return type.
    output: Type,
}

pub fn expand_impl(args: TokenStream, item: ItemImpl) -> TokenStream {
    let mut cx = Ctxt::new();
    if !args.is_empty() {
        cx.error_spanned_by(
            &args,
            "`#[reactive]` on an impl block takes no options: they go on the struct, `#[reactive(react = [...], template = \"…\")]`",
        );
    }
    if let Some((path, _)) = &item.trait_ {
        cx.error_spanned_by(
            path,
            "`#[reactive]` goes on the component's own `impl` block (the one holding `load`), not on a trait impl",
        );
    }
    if !item.generics.params.is_empty() {
        cx.error_spanned_by(
            &item.generics,
            "a reactive component cannot be generic: each one is registered under one concrete type",
        );
    }
    let load = item.items.iter().find_map(|i| match i {
        ImplItem::Fn(f) if f.sig.ident == "load" => Some(f),
        _ => None,
    });
    let depends_on = item.items.iter().find_map(|i| match i {
        ImplItem::Fn(f) if f.sig.ident == "depends_on" => Some(f),
        _ => None,
    });
    if let Some(f) = depends_on
        && !matches!(f.sig.inputs.first(), Some(FnArg::Receiver(r)) if r.mutability.is_none() && matches!(r.kind, syn::ReceiverKind::Reference(_, _, None)) && f.sig.inputs.len() == 1)
    {
        cx.error_spanned_by(
            &f.sig,
            "`depends_on` narrows a loaded component's keys: write `fn depends_on(&self) -> Vec<Keys>` (any iterable of keys), returning keys from its `react` set",
        );
    }
    let sig = match load {
        Some(load) => parse_load(&mut cx, load).map(|mut sig| {
            sig.depends_on = depends_on.is_some();
            sig
        }),
        None => {
            cx.error_spanned_by(
                &item.self_ty,
                format!(
                    "this `#[reactive]` impl has no `load`: add `{LOAD_SHAPE} {{ … }}`; a keyed component's `load` takes its `#[pjx_key]` value first"
                ),
            );
            None
        }
    };
    let errors = cx.into_compile_errors();
    // Like tokio-macros: the user's impl is always returned unchanged, errors or not; like
    // thiserror: when `load` is unusable, a stand-in adapter keeps the struct's "has no
    // `load`" check quiet, so the user sees only the error above.
    let adapter = match (sig, item.trait_.is_none()) {
        (Some(sig), true) => expand_load(&item.self_ty, &sig),
        (None, true) => expand_fallback(&item.self_ty),
        (_, false) => TokenStream::new(),
    };
    quote! {
        #errors
        #item
        #adapter
    }
}

fn parse_load(cx: &mut Ctxt, load: &ImplItemFn) -> Option<LoadSig> {
    let sig = &load.sig;
    let mut ok = true;
    if !sig.generics.params.is_empty() {
        cx.error_spanned_by(
            &sig.generics,
            format!("`load` cannot be generic: write `{LOAD_SHAPE}`"),
        );
        ok = false;
    }
    let mut key = None;
    let mut takes_cx = false;
    for (index, arg) in sig.inputs.iter().enumerate() {
        match arg {
            FnArg::Receiver(receiver) => {
                cx.error_spanned_by(
                    receiver,
                    format!(
                        "`load` builds the component, so it takes no `self`: write `{LOAD_SHAPE}`"
                    ),
                );
                ok = false;
            }
            FnArg::Typed(pat) => {
                if is_load_cx(&pat.ty) {
                    if index + 1 != sig.inputs.len() {
                        cx.error_spanned_by(
                            pat,
                            "the load context comes last: `async fn load(key: K, cx: &LoadCx)`",
                        );
                        ok = false;
                    }
                    takes_cx = true;
                } else if key.is_some() {
                    cx.error_spanned_by(
                        pat,
                        "`load` takes at most one key (the value of the `#[pjx_key]` field) and then `cx: &LoadCx`; remove this parameter",
                    );
                    ok = false;
                } else {
                    key = Some((*pat.ty).clone());
                }
            }
        }
    }
    let output = match &sig.output {
        ReturnType::Default => {
            cx.error_spanned_by(
                sig.ident.clone(),
                format!("`load` returns the component or why it could not: write `{LOAD_SHAPE}`"),
            );
            return None;
        }
        ReturnType::Type(_, ty) => (**ty).clone(),
    };
    ok.then(|| LoadSig {
        depends_on: false,
        is_async: sig.asyncness.is_some(),
        key,
        takes_cx,
        params_span: sig.paren_token.span.join(),
        output,
    })
}

/// `&LoadCx`, `&pjx::LoadCx`, `&'a LoadCx`, …
pub(crate) fn is_load_cx(ty: &Type) -> bool {
    match ty {
        Type::Reference(r) => match &*r.elem {
            Type::Path(p) => p.path.segments.last().is_some_and(|s| s.ident == "LoadCx"),
            _ => false,
        },
        _ => false,
    }
}

fn expand_load(self_ty: &Type, sig: &LoadSig) -> TokenStream {
    let (key_check, key_arg) = match &sig.key {
        // The one place the load key's type meets the `#[pjx_key]` field's type.
        Some(ty) => (
            quote_spanned! {ty.span()=>
                let __pjx_load_key: #ty =
                    <Self as ::pjx::__private::KeyedBy<#ty>>::load_key(__pjx_key);
            },
            quote!(__pjx_load_key,),
        ),
        None => (
            quote_spanned! {sig.params_span=>
                ::pjx::__private::assert_singleton::<Self>();
                let _ = __pjx_key;
            },
            TokenStream::new(),
        ),
    };
    let cx_arg = if sig.takes_cx {
        quote!(__pjx_cx)
    } else {
        quote!()
    };
    let call = quote! { <#self_ty>::load(#key_arg #cx_arg) };
    let call = if sig.is_async {
        quote! { #call.await }
    } else {
        call
    };
    // Checked through the user's own return type, so a wrong one is what the error shows.
    let output = &sig.output;
    let result = quote_spanned! {output.span()=>
        <#output as ::pjx::__private::LoadResult<Self>>::into_load_result(__pjx_loaded)
    };
    let self_tokens = self_ty.to_token_stream();
    let depends_on = if sig.depends_on {
        quote! {
            fn depends_on(&self) -> ::core::option::Option<::pjx::__private::Vec<::pjx::__private::Key>> {
                ::core::option::Option::Some(
                    ::core::iter::IntoIterator::into_iter(<#self_ty>::depends_on(self))
                        .map(::pjx::__private::IntoKey::into_key)
                        .collect(),
                )
            }
        }
    } else {
        TokenStream::new()
    };
    quote! {
        ::pjx::__private::inventory::submit! {
            ::pjx::__private::ReactiveType::of::<#self_tokens>()
        }

        #[automatically_derived]
        impl ::pjx::__private::Load for #self_tokens {
            #depends_on

            #[allow(clippy::manual_async_fn)]
            fn load(
                __pjx_key: <Self as ::pjx::__private::Reactive>::Key,
                __pjx_cx: &::pjx::__private::LoadCx,
            ) -> impl ::pjx::__private::Future<
                Output = ::core::result::Result<Self, ::pjx::__private::LoadError>,
            > {
                #key_check
                let _ = &__pjx_cx;
                async move {
                    let __pjx_loaded = #call;
                    #result
                }
            }
        }
    }
}

/// Stands in for an adapter whose `load` has errors (already reported); never runs.
fn expand_fallback(self_ty: &Type) -> TokenStream {
    quote! {
        #[automatically_derived]
        impl ::pjx::__private::Load for #self_ty {
            #[allow(clippy::manual_async_fn)]
            fn load(
                _: <Self as ::pjx::__private::Reactive>::Key,
                _: &::pjx::__private::LoadCx,
            ) -> impl ::pjx::__private::Future<
                Output = ::core::result::Result<Self, ::pjx::__private::LoadError>,
            > {
                async { ::core::result::Result::Err(::pjx::__private::LoadError::NotFound) }
            }
        }
    }
}
