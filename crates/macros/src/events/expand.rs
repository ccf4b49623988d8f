//! Step 3 of `#[component] impl`: the runtime's `Stateful` trait and the type's registration.
//! Each parameter is passed by its type: `&LoadCx` (however it is named) receives the
//! context; every other is read from the mount parameters or the event payload.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::Type;
use syn::spanned::Spanned;

use super::check::{Model, Param};

fn maybe_await(call: TokenStream, is_async: bool) -> TokenStream {
    if is_async { quote!(#call.await) } else { call }
}

pub fn expand(self_ty: &Type, model: &Model) -> TokenStream {
    let Model {
        mount,
        restore,
        optimistic,
        handlers,
    } = model;
    let optimistic = *optimistic;
    let events: Vec<&String> = handlers.iter().map(|h| &h.event).collect();
    let can_mount = mount.is_some();
    let mount_body = match mount {
        Some(m) => {
            // One parameter: the context or the parameters, by type; two: both, in order.
            let (read_params, call_args) = match m.params.as_slice() {
                [] => (quote! { let _ = params; }, Vec::new()),
                [one] => (
                    quote_spanned! {one.span()=>
                        let __pjx_arg0: #one = (&&::pjx::__private::Param::<#one>::NEW)
                            .mount_arg(params, cx)?;
                    },
                    vec![quote!(__pjx_arg0)],
                ),
                [params_ty, cx_ty, ..] => (
                    quote! {
                        let __pjx_arg0: #params_ty = ::pjx::__private::mount_parameters::<#params_ty>(params)?;
                        let __pjx_arg1: #cx_ty = <#cx_ty as ::pjx::__private::LastParamIsContext<'_>>::context(cx);
                    },
                    vec![quote!(__pjx_arg0), quote!(__pjx_arg1)],
                ),
            };
            let call = maybe_await(quote!(<#self_ty>::mount(#(#call_args),*)), m.is_async);
            let convert = quote_spanned! {m.output.span()=>
                ::pjx::__private::MountOutcome::<Self>::into_mount_result(__pjx_mounted)
            };
            quote! {
                #read_params
                let _ = &cx;
                let __pjx_mounted = #call;
                #convert
            }
        }
        None => quote! {
            let _ = (params, cx);
            ::core::result::Result::Err(::pjx::__private::EventError::UnknownEvent("mount".into()))
        },
    };
    let restore_body = match restore {
        Some(r) => {
            let args = match &r.param {
                Some(ty) => quote_spanned! {ty.span()=>
                    self, <#ty as ::pjx::__private::RestoreParamIsContext<'_>>::context(cx)
                },
                None => quote!(self),
            };
            let call = maybe_await(quote!(<#self_ty>::restore(#args)), r.is_async);
            let convert = quote_spanned! {r.output_span=>
                ::pjx::__private::EventOutcome::into_event_result(__pjx_restored)
            };
            quote! {
                let _ = &cx;
                let __pjx_restored = #call;
                #convert
            }
        }
        None => quote! {
            let _ = (self, cx);
            ::core::result::Result::Ok(())
        },
    };
    let arms = handlers.iter().map(|h| {
        let event = &h.event;
        let method = &h.method;
        let mut reads = Vec::new();
        let mut call_args = Vec::new();
        for (i, param) in h.params.iter().enumerate() {
            let var = format_ident!("__pjx_arg{i}");
            reads.push(match param {
                Param::Named(key, ty) => quote_spanned! {ty.span()=>
                    let #var: #ty = (&&::pjx::__private::Param::<#ty>::NEW)
                        .event_arg(&mut payload, #key, cx)?;
                },
                Param::Unnamed(ty) => quote_spanned! {ty.span()=>
                    let #var: #ty = <#ty as ::pjx::__private::UnnamedParamIsContext<'_>>::context(cx);
                },
            });
            call_args.push(quote!(#var));
        }
        let call = maybe_await(
            quote!(<#self_ty>::#method(self, #(#call_args),*)),
            h.is_async,
        );
        let convert = quote_spanned! {h.output_span=>
            ::pjx::__private::EventOutcome::into_event_result(__pjx_outcome)
        };
        quote! {
            #event => {
                #(#reads)*
                let __pjx_outcome = #call;
                #convert
            }
        }
    });
    let optimistic_body = if optimistic {
        quote! { <#self_ty>::optimistic(self, event, payload) }
    } else {
        quote! {
            let _ = (event, payload);
            ::core::option::Option::None
        }
    };
    let assert_state = quote_spanned! {self_ty.span()=>
        struct __PjxStateCheck(::pjx::__private::StateCheck<#self_ty>);
    };
    quote! {
        const _: () = {
            #[allow(unused_imports)]
            use ::pjx::__private::{ContextParam as _, ValueParam as _};
            #assert_state

            ::pjx::__private::inventory::submit! {
                ::pjx::__private::EventsType::of::<#self_ty>()
            }

            #[automatically_derived]
            impl ::pjx::__private::Stateful for #self_ty {
                const EVENTS: &'static [&'static str] = &[#(#events),*];
                const CAN_MOUNT: bool = #can_mount;

                #[allow(clippy::manual_async_fn)]
                fn mount(
                    params: ::pjx::__private::JsonValue,
                    cx: &::pjx::__private::LoadCx,
                ) -> impl ::pjx::__private::Future<
                    Output = ::core::result::Result<Self, ::pjx::__private::EventError>,
                > {
                    async move { #mount_body }
                }

                #[allow(clippy::manual_async_fn)]
                fn restore(
                    &mut self,
                    cx: &::pjx::__private::LoadCx,
                ) -> impl ::pjx::__private::Future<
                    Output = ::core::result::Result<(), ::pjx::__private::EventError>,
                > {
                    async move { #restore_body }
                }

                #[allow(clippy::manual_async_fn, unused_mut)]
                fn handle<'__pjx>(
                    &'__pjx mut self,
                    event: &'__pjx str,
                    mut payload: ::pjx::__private::Payload,
                    cx: &'__pjx ::pjx::__private::LoadCx,
                ) -> impl ::pjx::__private::Future<
                    Output = ::core::result::Result<(), ::pjx::__private::EventError>,
                > + '__pjx {
                    async move {
                        let _ = (&payload, &cx);
                        match event {
                            #(#arms)*
                            _ => ::core::result::Result::Err(
                                ::pjx::__private::EventError::UnknownEvent(event.into()),
                            ),
                        }
                    }
                }

                fn optimistic(
                    &self,
                    event: &str,
                    payload: &::pjx::__private::Payload,
                ) -> ::core::option::Option<::pjx::__private::Patch> {
                    #optimistic_body
                }
            }
        };
    }
}
