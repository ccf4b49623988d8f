//! Step 3 of `#[derive(LoadPage)]`: `LoadPage::load_page`, loading each field in order.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::DeriveInput;
use syn::spanned::Spanned;

use super::parse::PageField;

pub fn expand(input: &DeriveInput, fields: Option<&Vec<PageField>>) -> TokenStream {
    let ident = &input.ident;
    let Some(fields) = fields else {
        // The shape is wrong (already reported): a fallback impl, so uses of the page do not
        // add errors of their own.
        if !input.generics.params.is_empty() {
            return TokenStream::new();
        }
        return quote! {
            #[automatically_derived]
            impl ::pjx::__private::LoadPage for #ident {
                #[allow(clippy::manual_async_fn)]
                fn load_page(
                    _: &::pjx::__private::LoadCx,
                ) -> impl ::pjx::__private::Future<
                    Output = ::core::result::Result<Self, ::pjx::__private::LoadError>,
                > {
                    async { ::core::result::Result::Err(::pjx::__private::LoadError::NotFound) }
                }
            }
        };
    };
    let loads = fields.iter().map(|f| {
        let name = &f.ident;
        let ty = &f.ty;
        // Spanned at the field's type: a field that cannot load itself is reported there.
        let load = quote_spanned! {ty.span()=>
            <#ty as ::pjx::__private::PageField>::load_field(__pjx_cx).await?
        };
        quote! { #name: #load }
    });
    quote! {
        #[automatically_derived]
        impl ::pjx::__private::LoadPage for #ident {
            #[allow(clippy::manual_async_fn)]
            fn load_page(
                __pjx_cx: &::pjx::__private::LoadCx,
            ) -> impl ::pjx::__private::Future<
                Output = ::core::result::Result<Self, ::pjx::__private::LoadError>,
            > {
                async move { ::core::result::Result::Ok(#ident { #(#loads),* }) }
            }
        }
    }
}
