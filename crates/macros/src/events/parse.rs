//! Step 1 of `#[component] impl`: the block's preamble and its functions by role.

use std::collections::HashSet;

use proc_macro2::TokenStream;
use syn::{FnArg, ImplItem, ImplItemFn, ItemImpl, Type};

use crate::ctxt::Ctxt;
use crate::grammar::unraw;
use crate::preamble::{self, ImplMacro};

const COMPONENT_IMPL: ImplMacro = ImplMacro {
    attr: "#[component]",
    options_go: "#[component(name = \"…\", …)]",
    holds: "its `mount` and `on_<event>` handlers",
    not_generic: "a component with events cannot be generic: it is registered under one name and its state is read back into one type; remove the type parameters from the struct and from this impl",
};

pub struct Input<'a> {
    /// Whether `Stateful` can be implemented at all (the type's own, non-generic impl).
    pub usable: bool,
    pub self_ty: &'a Type,
    pub mount: Option<&'a ImplItemFn>,
    pub restore: Option<&'a ImplItemFn>,
    pub optimistic: Option<&'a ImplItemFn>,
    /// `on_<event>` functions, with the event's name.
    pub handlers: Vec<(String, &'a ImplItemFn)>,
    /// Handler parameters marked `#[form]`: (the function's name, the parameter's position
    /// among the typed ones).
    pub forms: Forms,
}

/// Where `#[form]` was written: (function name as written, typed parameter index).
pub type Forms = HashSet<(String, usize)>;

/// `#[form]` marks a handler argument the browser sends when the event fires (a form input):
/// it is read at dispatch like any other, but it is not a parameter of the typed trigger. The
/// attribute is not a real one, so it is removed from every parameter here, and reported
/// wherever it does not belong.
pub fn take_form_attrs(cx: &mut Ctxt, item: &mut ItemImpl) -> Forms {
    let mut forms = Forms::new();
    for impl_item in &mut item.items {
        let ImplItem::Fn(f) = impl_item else { continue };
        let name = unraw(&f.sig.ident);
        let handler = name.strip_prefix("on_").is_some_and(|e| !e.is_empty());
        let typed = f.sig.inputs.iter_mut().filter_map(|arg| match arg {
            FnArg::Typed(pat) => Some(pat),
            FnArg::Receiver(_) => None,
        });
        for (index, pat) in typed.enumerate() {
            let (form, others): (Vec<_>, Vec<_>) = std::mem::take(&mut pat.attrs)
                .into_iter()
                .partition(|a| a.path().is_ident("form"));
            pat.attrs = others;
            for attr in &form {
                if !matches!(attr.meta, syn::Meta::Path(_)) {
                    cx.error_spanned_by(
                        attr,
                        "`#[form]` takes no arguments: the input's name is the parameter's, e.g. `#[form] size: String` reads the input named `size`",
                    );
                } else if !handler {
                    cx.error_spanned_by(
                        attr,
                        format!("`#[form]` marks an event argument the browser sends (a form input), so it goes on a parameter of an `on_<event>` handler, not of `{name}`"),
                    );
                }
            }
            if handler && !form.is_empty() {
                forms.insert((name.clone(), index));
            }
        }
    }
    forms
}

pub fn parse<'a>(cx: &mut Ctxt, args: &TokenStream, item: &'a ItemImpl, forms: Forms) -> Input<'a> {
    let usable = preamble::check(cx, &COMPONENT_IMPL, args, item);
    let mut input = Input {
        usable,
        self_ty: &item.self_ty,
        mount: None,
        restore: None,
        optimistic: None,
        handlers: Vec::new(),
        forms,
    };
    for (name, f) in preamble::functions(item) {
        match name.as_str() {
            "mount" => input.mount = Some(f),
            "restore" => input.restore = Some(f),
            "optimistic" => input.optimistic = Some(f),
            _ => {
                if let Some(event) = name.strip_prefix("on_") {
                    input.handlers.push((event.to_owned(), f));
                }
            }
        }
    }
    input
}
