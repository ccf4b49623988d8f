//! `#[component]` on an `impl` block: a component's events. Finds `mount`, `restore`,
//! `optimistic` and every `on_<event>`, checks their shapes, and implements the runtime's
//! `Stateful` trait, which deserializes each event's named arguments from the payload.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{FnArg, ImplItem, ImplItemFn, ItemImpl, Pat, Type};

use crate::ctxt::Ctxt;
use crate::load::is_load_cx;

/// How a handler is called.
struct Handler {
    /// `on_add_item` → `add_item`.
    event: String,
    method: syn::Ident,
    is_async: bool,
    /// In order: a named argument (name, type) or the context.
    args: Vec<Arg>,
    /// Where a return type that is not an `EventOutcome` is reported.
    output_span: Span,
}

enum Arg {
    Named(syn::Ident, Box<Type>),
    Cx,
}

struct Mount {
    is_async: bool,
    params: Option<Box<Type>>,
    takes_cx: bool,
    output: Box<Type>,
}

struct Restore {
    is_async: bool,
    takes_cx: bool,
    output_span: Span,
}

pub fn expand_impl(args: TokenStream, item: ItemImpl) -> TokenStream {
    let mut cx = Ctxt::new();
    if !args.is_empty() {
        cx.error_spanned_by(
            &args,
            "`#[component]` on an impl block takes no options: they go on the struct, `#[component(name = \"…\", …)]`",
        );
    }
    if let Some((path, _)) = &item.trait_ {
        cx.error_spanned_by(
            path,
            "`#[component]` goes on the component's own `impl` block (its `mount` and `on_<event>` handlers), not on a trait impl",
        );
    }
    if !item.generics.params.is_empty() {
        cx.error_spanned_by(
            &item.generics,
            "a component with events cannot be generic: it is registered under one name and its state is read back into one type; remove the type parameters from the struct and from this impl",
        );
    }
    let mut handlers = Vec::new();
    let mut mount = None;
    let mut restore = None;
    let mut optimistic = false;
    for impl_item in &item.items {
        let ImplItem::Fn(f) = impl_item else { continue };
        let name = f.sig.ident.to_string();
        if name == "mount" {
            mount = parse_mount(&mut cx, f);
        } else if name == "restore" {
            restore = parse_restore(&mut cx, f);
        } else if name == "optimistic" {
            optimistic = true;
        } else if let Some(event) = name.strip_prefix("on_")
            && let Some(handler) = parse_handler(&mut cx, f, event)
        {
            handlers.push(handler);
        }
    }
    if handlers.is_empty() && mount.is_none() && cx_is_clean(&cx) {
        cx.error_spanned_by(
            &item.self_ty,
            "this `#[component]` impl has no `mount` and no `on_<event>` handler: add e.g. `fn on_increment(&mut self) { … }`",
        );
    }
    let errors = cx.into_compile_errors();
    if item.trait_.is_some() || !item.generics.params.is_empty() {
        return quote! { #errors #item };
    }
    let stateful = expand_stateful(
        &item.self_ty,
        mount.as_ref(),
        restore.as_ref(),
        optimistic,
        &handlers,
    );
    quote! {
        #errors
        #item
        #stateful
    }
}

fn cx_is_clean(cx: &Ctxt) -> bool {
    !cx.has_errors()
}

/// The named arguments and context parameter of a handler-like function.
fn parse_args(cx: &mut Ctxt, f: &ImplItemFn, what: &str) -> Option<Vec<Arg>> {
    let mut args = Vec::new();
    let mut ok = true;
    for arg in f.sig.inputs.iter() {
        let FnArg::Typed(pat) = arg else { continue };
        if is_load_cx(&pat.ty) {
            args.push(Arg::Cx);
            continue;
        }
        match &*pat.pat {
            Pat::Ident(ident) => args.push(Arg::Named(ident.ident.clone(), pat.ty.clone())),
            other => {
                cx.error_spanned_by(
                    other,
                    format!(
                        "{what} arguments are read from the payload by name: write `name: Type`"
                    ),
                );
                ok = false;
            }
        }
    }
    ok.then_some(args)
}

/// Whether `f` takes `&mut self`.
fn takes_mut_self(f: &ImplItemFn) -> bool {
    matches!(
        f.sig.receiver(),
        Some(r) if matches!(r.kind, syn::ReceiverKind::Reference(_, _, Some(_)))
    )
}

fn parse_handler(cx: &mut Ctxt, f: &ImplItemFn, event: &str) -> Option<Handler> {
    if !takes_mut_self(f) {
        cx.error_spanned_by(
            &f.sig.ident,
            format!("an event handler changes the component's state: write `fn on_{event}(&mut self, …)`"),
        );
        return None;
    }
    if event.is_empty() {
        cx.error_spanned_by(
            &f.sig.ident,
            "`on_` names no event: a handler is `on_<event>`, e.g. `fn on_increment(&mut self)` handles the event `increment`",
        );
        return None;
    }
    const NOT_GENERIC: &str = "an event handler cannot be generic: its arguments are read from the JSON payload into concrete types; write e.g. `by: i64` or `item: NewItem` (a `Deserialize` type)";
    if !f.sig.generics.params.is_empty() {
        cx.error_spanned_by(&f.sig.generics, NOT_GENERIC);
        return None;
    }
    if let Some(ty) = f.sig.inputs.iter().find_map(|arg| match arg {
        FnArg::Typed(pat) if matches!(*pat.ty, Type::ImplTrait(_)) => Some(&pat.ty),
        _ => None,
    }) {
        cx.error_spanned_by(ty, NOT_GENERIC);
        return None;
    }
    let args = parse_args(cx, f, "event")?;
    Some(Handler {
        event: event.to_owned(),
        method: f.sig.ident.clone(),
        is_async: f.sig.asyncness.is_some(),
        args,
        output_span: output_span(f),
    })
}

/// The declared return type's span (the function's name when it returns `()`).
fn output_span(f: &ImplItemFn) -> Span {
    match &f.sig.output {
        syn::ReturnType::Default => f.sig.ident.span(),
        syn::ReturnType::Type(_, ty) => ty.span(),
    }
}

fn parse_mount(cx: &mut Ctxt, f: &ImplItemFn) -> Option<Mount> {
    if let Some(receiver) = f.sig.receiver() {
        cx.error_spanned_by(
            receiver,
            "`mount` builds the component's first state, so it takes no `self`: write `fn mount(params: Params, cx: &LoadCx) -> Result<Self, EventError>`",
        );
        return None;
    }
    let args = parse_args(cx, f, "mount")?;
    let mut params = None;
    let mut takes_cx = false;
    for arg in args {
        match arg {
            Arg::Cx => takes_cx = true,
            Arg::Named(name, ty) => {
                if params.is_some() {
                    cx.error_spanned_by(
                        name,
                        "`mount` takes its parameters as one struct (`params: Params`, a `Deserialize` type), then `cx: &LoadCx`",
                    );
                    return None;
                }
                params = Some(ty);
            }
        }
    }
    let output = match &f.sig.output {
        syn::ReturnType::Default => {
            cx.error_spanned_by(
                &f.sig.ident,
                "`mount` returns the component's first state: write `fn mount(params: Params, cx: &LoadCx) -> Result<Self, EventError>` (or `-> Self`)",
            );
            return None;
        }
        syn::ReturnType::Type(_, ty) => ty.clone(),
    };
    Some(Mount {
        is_async: f.sig.asyncness.is_some(),
        params,
        takes_cx,
        output,
    })
}

fn parse_restore(cx: &mut Ctxt, f: &ImplItemFn) -> Option<Restore> {
    if !takes_mut_self(f) {
        cx.error_spanned_by(
            &f.sig.ident,
            "`restore` fills the fields the state token does not carry: write `fn restore(&mut self, cx: &LoadCx)`",
        );
        return None;
    }
    // Anything but the context: `restore` gets nothing from the client.
    let named = f.sig.inputs.iter().find(|arg| match arg {
        FnArg::Typed(pat) => !is_load_cx(&pat.ty),
        FnArg::Receiver(_) => false,
    });
    if let Some(arg) = named {
        cx.error_spanned_by(
            arg,
            "`restore` takes only the request context, never values from the client: write `fn restore(&mut self, cx: &LoadCx)` and read what it needs through `cx`",
        );
        return None;
    }
    let args = parse_args(cx, f, "restore")?;
    Some(Restore {
        is_async: f.sig.asyncness.is_some(),
        takes_cx: !args.is_empty(),
        output_span: output_span(f),
    })
}

fn maybe_await(call: TokenStream, is_async: bool) -> TokenStream {
    if is_async { quote!(#call.await) } else { call }
}

fn expand_stateful(
    self_ty: &Type,
    mount: Option<&Mount>,
    restore: Option<&Restore>,
    optimistic: bool,
    handlers: &[Handler],
) -> TokenStream {
    let events: Vec<&String> = handlers.iter().map(|h| &h.event).collect();
    let can_mount = mount.is_some();
    let mount_body = match mount {
        Some(m) => {
            let read_params = match &m.params {
                Some(ty) => quote_spanned! {ty.span()=>
                    let __pjx_params: #ty = ::pjx::__private::mount_parameters::<#ty>(params)?;
                },
                None => quote! { let _ = params; },
            };
            let mut call_args = Vec::new();
            if m.params.is_some() {
                call_args.push(quote!(__pjx_params));
            }
            if m.takes_cx {
                call_args.push(quote!(cx));
            }
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
            let args = if r.takes_cx {
                quote!(self, cx)
            } else {
                quote!(self)
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
        for (i, arg) in h.args.iter().enumerate() {
            match arg {
                Arg::Cx => call_args.push(quote!(cx)),
                Arg::Named(name, ty) => {
                    let var = format_ident!("__pjx_arg{i}");
                    let key = name.to_string();
                    let key = key.strip_prefix("r#").unwrap_or(&key).to_owned();
                    reads.push(quote_spanned! {ty.span()=>
                        let #var: #ty = ::pjx::__private::event_argument::<#ty>(&mut payload, #key)?;
                    });
                    call_args.push(quote!(#var));
                }
            }
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
            #assert_state

            ::pjx::__private::inventory::submit! {
                ::pjx::__private::StatefulType::of::<#self_ty>()
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
