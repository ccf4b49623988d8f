//! Step 1 of `#[reactive] impl`: the block's preamble, and `load` and `depends_on` as written.

use proc_macro2::{Span, TokenStream};
use syn::{ImplItemFn, ItemImpl, Type};

use crate::ctxt::Ctxt;
use crate::preamble::{self, ImplMacro};

pub const LOAD_SHAPE: &str = "async fn load(cx: &LoadCx) -> Result<Self, LoadError>";

const REACTIVE_IMPL: ImplMacro = ImplMacro {
    attr: "#[reactive]",
    options_go: "#[reactive(react = [...], template = \"…\")]",
    holds: "the one holding `load`",
    not_generic: "a reactive component cannot be generic: each one is registered under one concrete type",
};

pub struct Input<'a> {
    /// Whether an adapter can be expanded at all (the type's own, non-generic impl).
    pub usable: bool,
    pub self_ty: &'a Type,
    pub load: Option<&'a ImplItemFn>,
    pub depends_on: Option<&'a ImplItemFn>,
}

pub fn parse<'a>(cx: &mut Ctxt, args: &TokenStream, item: &'a ItemImpl) -> Input<'a> {
    let usable = preamble::check(cx, &REACTIVE_IMPL, args, item);
    let find = |name: &str| preamble::functions(item).find_map(|(n, f)| (n == name).then_some(f));
    Input {
        usable,
        self_ty: &item.self_ty,
        load: find("load"),
        depends_on: find("depends_on"),
    }
}

/// `load` as the expansion calls it.
pub struct LoadSig {
    /// Whether the impl also defines `depends_on(&self)`.
    pub depends_on: bool,
    pub is_async: bool,
    /// The parameters' types, at most two: a key and the context, told apart by type in the
    /// expansion (so `LoadCx` may be imported under any name).
    pub params: Vec<Type>,
    /// Where a missing key would go (the parameter list).
    pub params_span: Span,
    /// The declared return type.
    pub output: Type,
}
