//! Step 3 of `#[reactive] impl`: the `Load` adapter, which also registers the type.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote, quote_spanned};
use syn::Type;
use syn::spanned::Spanned;

use super::parse::LoadSig;

pub fn expand(self_ty: &Type, sig: &Option<LoadSig>) -> TokenStream {
    match sig {
        Some(sig) => expand_load(self_ty, sig),
        None => expand_fallback(self_ty),
    }
}

fn expand_load(self_ty: &Type, sig: &LoadSig) -> TokenStream {
    // Each argument from the key and the context, by the parameter's type: one parameter is
    // the context if its type is `&LoadCx` (however it is named) and the key otherwise; of two,
    // the first is the key and the last the context.
    let key_arg = |ty: &Type| {
        quote_spanned! {ty.span()=>
            <Self as ::pjx::__private::KeyedBy<#ty>>::load_key(__pjx_key)
        }
    };
    let cx_arg = |ty: &Type| {
        quote_spanned! {ty.span()=>
            <#ty as ::pjx::__private::LastParamIsContext<'_>>::context(__pjx_cx)
        }
    };
    let (prepare, args) = match sig.params.as_slice() {
        [] => (
            quote_spanned! {sig.params_span=>
                ::pjx::__private::assert_singleton::<Self>();
                let _ = __pjx_key;
            },
            Vec::new(),
        ),
        [one] => (
            quote_spanned! {one.span()=>
                #[allow(unused_imports)]
                use ::pjx::__private::{ContextParam as _, ValueParam as _};
                let __pjx_arg0: #one = (&&::pjx::__private::Param::<#one>::NEW)
                    .load_arg(::pjx::__private::PhantomData::<Self>, __pjx_key, __pjx_cx);
            },
            vec![quote!(__pjx_arg0)],
        ),
        [key, cx, ..] => {
            let (key_arg, cx_arg) = (key_arg(key), cx_arg(cx));
            (
                quote! {
                    let __pjx_arg0: #key = #key_arg;
                    let __pjx_arg1: #cx = #cx_arg;
                },
                vec![quote!(__pjx_arg0), quote!(__pjx_arg1)],
            )
        }
    };
    let call = quote! { <#self_ty>::load(#(#args),*) };
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
                #prepare
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
