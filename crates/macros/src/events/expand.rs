//! Step 3 of `#[component] impl`: the runtime's `Stateful` trait and the type's registration.
//! Each parameter is passed by its type: `&LoadCx` (however it is named) receives the
//! context; every other is read from the mount parameters or the event payload.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::Type;
use syn::spanned::Spanned;

use heck::ToUpperCamelCase;

use super::check::{Handler, Model, Named, Optimistic, Param, event_enum_name};

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
    let event_enum = event_enum_name(self_ty);
    let typed = expand_typed(self_ty, event_enum.as_ref(), optimistic, handlers);
    let events: Vec<&String> = handlers.iter().map(|h| &h.event).collect();
    let streams = handlers.iter().filter(|h| h.streams).map(|h| &h.event);
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
                Param::Named(Named { key, ty, .. }) => quote_spanned! {ty.span()=>
                    let #var: #ty = (&&::pjx::__private::Param::<#ty>::NEW)
                        .event_arg(&mut payload, #key, cx)?;
                },
                Param::Unnamed(ty) => quote_spanned! {ty.span()=>
                    let #var: #ty = <#ty as ::pjx::__private::UnnamedParamIsContext<'_>>::context(cx);
                },
                Param::Frames(ty) => quote_spanned! {ty.span()=>
                    let #var: #ty = ::pjx::__private::frames_arg(frames);
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
    let optimistic_body = match (optimistic, &event_enum) {
        (Optimistic::ByName, _) => quote! { <#self_ty>::optimistic(self, event, payload) },
        // A trigger written by name (`self.on("add_item").with(…)`) reaches a typed
        // `optimistic` too: its arguments are read back from the payload.
        (Optimistic::Typed, Some(event_enum)) => {
            let arms = handlers.iter().map(|h| {
                let variant = variant_ident(h);
                let event = &h.event;
                let args = render_args(h);
                let reads = args.iter().enumerate().map(|(i, a)| {
                    let (ty, key) = (&a.ty, &a.key);
                    let var = format_ident!("__pjx_arg{i}");
                    quote! {
                        let #var: #ty = (&&::pjx::__private::Decode::<#ty>::NEW)
                            .optimistic_arg(&mut __pjx_payload, #key)?;
                    }
                });
                let fields = args.iter().enumerate().map(|(i, a)| {
                    let (ident, var) = (&a.ident, format_ident!("__pjx_arg{i}"));
                    quote!(#ident: &#var)
                });
                let value = if args.is_empty() {
                    quote!(#event_enum::#variant)
                } else {
                    quote!(#event_enum::#variant { #(#fields),* })
                };
                quote! {
                    #event => {
                        #(#reads)*
                        ::pjx::__private::OptimisticOutcome::into_patch(
                            <#self_ty>::optimistic(self, #value),
                        )
                    }
                }
            });
            quote! {
                #[allow(unused_mut, unused_variables)]
                let mut __pjx_payload = payload.clone();
                match event {
                    #(#arms)*
                    _ => ::core::option::Option::None,
                }
            }
        }
        _ => quote! {
            let _ = (event, payload);
            ::core::option::Option::None
        },
    };
    let assert_state = quote_spanned! {self_ty.span()=>
        struct __PjxStateCheck(::pjx::__private::StateCheck<#self_ty>);
    };
    quote! {
        #typed
        const _: () = {
            #[allow(unused_imports)]
            use ::pjx::__private::{ContextParam as _, ValueParam as _, DecodeArg as _, SkipArg as _};
            #assert_state

            ::pjx::__private::inventory::submit! {
                ::pjx::__private::EventsType::of::<#self_ty>()
            }

            #[automatically_derived]
            impl ::pjx::__private::Stateful for #self_ty {
                const EVENTS: &'static [&'static str] = &[#(#events),*];
                const CAN_MOUNT: bool = #can_mount;
                const STREAMS: &'static [&'static str] = &[#(#streams),*];

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
                    frames: &'__pjx ::pjx::__private::Frames,
                ) -> impl ::pjx::__private::Future<
                    Output = ::core::result::Result<(), ::pjx::__private::EventError>,
                > + '__pjx {
                    async move {
                        let _ = (&payload, &cx, &frames);
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

/// `add_item` → `AddItem`.
fn variant_ident(h: &Handler) -> syn::Ident {
    syn::Ident::new(&h.event.to_upper_camel_case(), h.method.span())
}

/// A handler's render-time arguments, in order.
fn render_args(h: &Handler) -> Vec<&Named> {
    h.params
        .iter()
        .filter_map(|p| match p {
            Param::Named(named) if named.renders() => Some(named),
            _ => None,
        })
        .collect()
}

/// The typed side of the events: a trigger builder per event, `<event>_event(…)`, taking the
/// render-time arguments; and, for a typed `optimistic`, the enum it receives, `<Type>Event`.
fn expand_typed(
    self_ty: &Type,
    event_enum: Option<&syn::Ident>,
    optimistic: Optimistic,
    handlers: &[Handler],
) -> TokenStream {
    let builders = handlers.iter().map(|h| {
        let event = &h.event;
        let method = &h.method;
        let name = format_ident!("{}_event", event, span = h.method.span());
        let args = render_args(h);
        let params = args.iter().map(|a| {
            let (ident, ty) = (&a.ident, &a.view);
            quote_spanned! {ty.span()=> #ident: impl ::pjx::__private::RenderArg<#ty> }
        });
        let adds = args.iter().map(|a| {
            let (ident, ty, key) = (&a.ident, &a.view, &a.key);
            quote! {
                let __pjx_trigger = ::pjx::__private::trigger_arg(
                    __pjx_trigger,
                    #key,
                    ::pjx::__private::RenderArg::<#ty>::to_json(&#ident),
                );
            }
        });
        let patch = match (optimistic, event_enum) {
            (Optimistic::Typed, Some(event_enum)) => {
                let variant = variant_ident(h);
                let fields = args.iter().map(|a| {
                    let (ident, ty) = (&a.ident, &a.view);
                    quote!(#ident: ::pjx::__private::RenderArg::<#ty>::arg(&#ident))
                });
                let value = if args.is_empty() {
                    quote!(#event_enum::#variant)
                } else {
                    quote!(#event_enum::#variant { #(#fields),* })
                };
                quote! {
                    let __pjx_trigger = ::pjx::__private::trigger_patch(
                        __pjx_trigger,
                        ::pjx::__private::OptimisticOutcome::into_patch(
                            <#self_ty>::optimistic(self, #value),
                        ),
                    );
                }
            }
            _ => TokenStream::new(),
        };
        let form: Vec<String> = h
            .params
            .iter()
            .filter_map(|p| match p {
                Param::Named(n) if n.source == super::check::Source::Form => {
                    Some(format!("`{}`", n.key))
                }
                _ => None,
            })
            .collect();
        let form_doc = if form.is_empty() {
            String::new()
        } else {
            format!(
                " The browser sends {} from the enclosing form when the event fires.",
                form.join(", ")
            )
        };
        let doc = format!(
            "The attributes of an element that sends the event `{event}` (handled by `{}`), with its render-time arguments: `{{{{ self.{name}(…) }}}}` in the template.{form_doc} Generated by `#[component] impl`.",
            crate::grammar::unraw(method),
        );
        quote! {
            #[doc = #doc]
            pub fn #name<'__pjx>(
                &'__pjx self,
                #(#params),*
            ) -> ::pjx::__private::Trigger<'__pjx, Self> {
                let __pjx_trigger = ::pjx::__private::trigger(self, #event);
                #(#adds)*
                #patch
                __pjx_trigger
            }
        }
    });
    let event_enum = match (optimistic, event_enum) {
        (Optimistic::Typed, Some(event_enum)) => {
            let shown = quote::ToTokens::to_token_stream(self_ty).to_string();
            let any_fields = handlers.iter().any(|h| !render_args(h).is_empty());
            let variants = handlers.iter().map(|h| {
                let variant = variant_ident(h);
                let doc = format!(
                    "The event `{}` (`{}`), with its render-time arguments.",
                    h.event,
                    crate::grammar::unraw(&h.method)
                );
                let args = render_args(h);
                if args.is_empty() {
                    return quote! { #[doc = #doc] #variant };
                }
                let fields = args.iter().map(|a| {
                    let (ident, ty) = (&a.ident, &a.view);
                    let doc = format!("`{}`, as the trigger was given it.", a.key);
                    quote! { #[doc = #doc] #ident: &'a #ty }
                });
                quote! { #[doc = #doc] #variant { #(#fields),* } }
            });
            // The lifetime must be used; an uninhabited variant never needs a match arm.
            let never = (!any_fields).then(|| {
                quote! {
                    #[doc(hidden)]
                    __PjxNever(
                        ::pjx::__private::PhantomData<&'a ()>,
                        ::pjx::__private::Infallible,
                    ),
                }
            });
            let doc = format!(
                "The events of [`{shown}`] with their render-time arguments, as its `optimistic` receives them: one variant per `on_<event>` handler. Generated by `#[component] impl`."
            );
            quote! {
                #[doc = #doc]
                #[derive(Clone, Copy)]
                pub enum #event_enum<'a> {
                    #(#variants,)*
                    #never
                }
            }
        }
        _ => TokenStream::new(),
    };
    quote! {
        #event_enum

        const _: () = {
            impl #self_ty {
                #(#builders)*
            }
        };
    }
}
