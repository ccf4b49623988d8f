//! Step 1 of `#[component] impl`: the block's preamble and its functions by role.

use proc_macro2::TokenStream;
use syn::{ImplItemFn, ItemImpl, Type};

use crate::ctxt::Ctxt;
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
    pub optimistic: bool,
    /// `on_<event>` functions, with the event's name.
    pub handlers: Vec<(String, &'a ImplItemFn)>,
}

pub fn parse<'a>(cx: &mut Ctxt, args: &TokenStream, item: &'a ItemImpl) -> Input<'a> {
    let usable = preamble::check(cx, &COMPONENT_IMPL, args, item);
    let mut input = Input {
        usable,
        self_ty: &item.self_ty,
        mount: None,
        restore: None,
        optimistic: false,
        handlers: Vec::new(),
    };
    for (name, f) in preamble::functions(item) {
        match name.as_str() {
            "mount" => input.mount = Some(f),
            "restore" => input.restore = Some(f),
            "optimistic" => input.optimistic = true,
            _ => {
                if let Some(event) = name.strip_prefix("on_") {
                    input.handlers.push((event.to_owned(), f));
                }
            }
        }
    }
    input
}
