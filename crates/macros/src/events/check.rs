//! Step 2 of `#[component] impl`: the shapes of `mount`, `restore` and each handler, as far as
//! the syntax shows them. Which parameter is the context is told by type in the expansion.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{ImplItemFn, Pat, Type};

use crate::ctxt::Ctxt;
use crate::grammar::unraw;
use crate::preamble::typed_params;

use super::parse::{Forms, Input};

/// A handler's parameter: named ones are read from the payload by name unless their type is
/// the context; an unnamed one (a pattern) must be the context.
pub enum Param {
    Named(Named),
    Unnamed(Box<Type>),
    /// `frames: &Frames`: the handler streams (written `&Frames`, whatever its path).
    Frames(Box<Type>),
}

/// A named handler parameter.
pub struct Named {
    /// The payload key (`r#type` → `type`).
    pub key: String,
    /// As written, for the typed trigger's parameter and the event enum's field.
    pub ident: syn::Ident,
    pub ty: Box<Type>,
    /// The type typed code borrows it as: `str` for a `String`, the type itself otherwise
    /// (a typed trigger takes `&T` or `T`; `&str`, `String` or `&String` for a `String`).
    pub view: Box<Type>,
    /// Where the value comes from when the event fires.
    pub source: Source,
}

/// Where a named argument's value comes from.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Passed to the typed trigger when the template renders, sent in its payload.
    Render,
    /// `#[form]`: sent by the browser when the event fires (a form input).
    Form,
    /// A type holding a reference or a lifetime: the request context (`cx: &LoadCx`), told
    /// apart by type in the expansion. Payload arguments are owned (`DeserializeOwned`), so
    /// no argument the client sends has such a type.
    Context,
}

impl Named {
    /// A render-time argument: a parameter of the typed trigger, a field of the event enum.
    pub fn renders(&self) -> bool {
        self.source == Source::Render
    }
}

/// Which `optimistic` the block declares.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Optimistic {
    None,
    /// `fn optimistic(&self, event: CartEvent<'_>)`: the typed events.
    Typed,
    /// `fn optimistic(&self, event: &str, payload: &Payload)`: by name.
    ByName,
}

/// `String` is seen as `str` by typed code; any other type as itself.
fn view_of(ty: &Type) -> Box<Type> {
    if let Type::Path(path) = ty
        && path.qself.is_none()
        && let Some(last) = path.path.segments.last()
        && last.ident == "String"
        && last.arguments.is_empty()
    {
        return Box::new(syn::parse_quote_spanned!(last.ident.span()=> str));
    }
    Box::new(ty.clone())
}

/// Whether a type holds a reference or a lifetime anywhere (`&LoadCx`, `Cx<'_>`).
fn borrows(ty: &Type) -> bool {
    fn scan(tokens: proc_macro2::TokenStream) -> bool {
        tokens.into_iter().any(|t| match t {
            proc_macro2::TokenTree::Punct(p) => p.as_char() == '&' || p.as_char() == '\'',
            proc_macro2::TokenTree::Group(g) => scan(g.stream()),
            _ => false,
        })
    }
    scan(quote::ToTokens::to_token_stream(ty))
}

/// Whether a type is written `&Frames` (or `&pjx::stateful::Frames`, …): a streaming
/// handler's frames. Told by spelling, as the trigger must know at expansion that the event
/// streams; the expansion then passes pjx's `&Frames`, so another `Frames` fails to compile.
fn is_frames(ty: &Type) -> bool {
    let Type::Reference(r) = ty else { return false };
    r.mutability.is_none()
        && matches!(&*r.elem, Type::Path(p) if p.qself.is_none()
            && p.path.segments.last().is_some_and(|s| s.ident == "Frames" && s.arguments.is_empty()))
}

/// How a handler is called.
pub struct Handler {
    /// `on_add_item` → `add_item`.
    pub event: String,
    pub method: syn::Ident,
    pub is_async: bool,
    pub params: Vec<Param>,
    /// Whether it takes `frames: &Frames` (it streams).
    pub streams: bool,
    /// Where a return type that is not an `EventOutcome` is reported.
    pub output_span: Span,
}

pub struct Mount {
    pub is_async: bool,
    /// At most two: the parameters struct and the context, told apart by type.
    pub params: Vec<Type>,
    pub output: Box<Type>,
}

pub struct Restore {
    pub is_async: bool,
    /// The context, if taken.
    pub param: Option<Type>,
    pub output_span: Span,
}

pub struct Model {
    pub mount: Option<Mount>,
    pub restore: Option<Restore>,
    pub optimistic: Optimistic,
    pub handlers: Vec<Handler>,
}

/// The model, or `None` when the block can have no `Stateful` impl (a trait impl, a generic
/// one: already reported).
pub fn check(cx: &mut Ctxt, input: Input<'_>) -> Option<Model> {
    let mount = input.mount.and_then(|f| check_mount(cx, f));
    let restore = input.restore.and_then(|f| check_restore(cx, f));
    let handlers: Vec<Handler> = input
        .handlers
        .iter()
        .filter_map(|(event, f)| check_handler(cx, f, event, &input.forms))
        .collect();
    let optimistic = input
        .optimistic
        .map_or(Optimistic::None, |f| check_optimistic(cx, f, input.self_ty));
    if input.handlers.is_empty() && input.mount.is_none() && !cx.has_errors() {
        cx.error_spanned_by(
            input.self_ty,
            "this `#[component]` impl has no `mount` and no `on_<event>` handler: add e.g. `fn on_increment(&mut self) { … }`",
        );
    }
    input.usable.then_some(Model {
        mount,
        restore,
        optimistic,
        handlers,
    })
}

/// Whether `f` takes `&mut self`.
fn takes_mut_self(f: &ImplItemFn) -> bool {
    matches!(
        f.sig.receiver(),
        Some(r) if matches!(r.kind, syn::ReceiverKind::Reference(_, _, Some(_)))
    )
}

/// The declared return type's span (the function's name when it returns `()`).
fn output_span(f: &ImplItemFn) -> Span {
    match &f.sig.output {
        syn::ReturnType::Default => f.sig.ident.span(),
        syn::ReturnType::Type(_, ty) => ty.span(),
    }
}

/// `optimistic` takes the typed event (one parameter) or, by name, the event and its payload.
fn check_optimistic(cx: &mut Ctxt, f: &ImplItemFn, self_ty: &Type) -> Optimistic {
    match typed_params(f).count() {
        1 => Optimistic::Typed,
        2 => Optimistic::ByName,
        _ => {
            let event = event_enum_name(self_ty).map_or_else(
                || "the component's event enum".to_owned(),
                |e| format!("`{e}<'_>`"),
            );
            cx.error_spanned_by(
                &f.sig.inputs,
                format!("`optimistic` takes the event about to be sent, with its typed arguments: write `fn optimistic(&self, event: {}) -> Option<Patch>` and match its variants", event.trim_matches('`')),
            );
            // The block then has no `optimistic` to call.
            Optimistic::None
        }
    }
}

/// `Cart` → `CartEvent`: the enum a typed `optimistic` receives (`None` when the type is not
/// a plain path; the preamble reports what such a block may be).
pub fn event_enum_name(self_ty: &Type) -> Option<syn::Ident> {
    let Type::Path(path) = self_ty else {
        return None;
    };
    let last = path.path.segments.last()?;
    Some(syn::Ident::new(
        &format!("{}Event", unraw(&last.ident)),
        last.ident.span(),
    ))
}

fn check_handler(cx: &mut Ctxt, f: &ImplItemFn, event: &str, forms: &Forms) -> Option<Handler> {
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
    if let Some(pat) = typed_params(f).find(|pat| matches!(*pat.ty, Type::ImplTrait(_))) {
        cx.error_spanned_by(&pat.ty, NOT_GENERIC);
        return None;
    }
    let name = unraw(&f.sig.ident);
    let mut params = Vec::new();
    for (index, pat) in typed_params(f).enumerate() {
        let form = forms.contains(&(name.clone(), index));
        if is_frames(&pat.ty) {
            if form {
                cx.error_spanned_by(
                    &pat.ty,
                    "`#[form]` reads an argument from the form the browser sends, and a stream's frames are not one: remove `#[form]` here",
                );
            }
            if params.iter().any(|p| matches!(p, Param::Frames(_))) {
                cx.error_spanned_by(
                    &pat.ty,
                    "a streaming handler takes its frames once: remove this second `&Frames` parameter",
                );
            }
            params.push(Param::Frames(pat.ty.clone()));
            continue;
        }
        params.push(match &*pat.pat {
            Pat::Ident(ident) => {
                let source = match (form, borrows(&pat.ty)) {
                    (true, true) => {
                        cx.error_spanned_by(
                            &pat.ty,
                            "`#[form]` reads an argument from the form the browser sends, and the request context is not one: remove `#[form]` here",
                        );
                        Source::Context
                    }
                    (false, true) => Source::Context,
                    (true, false) => Source::Form,
                    (false, false) => Source::Render,
                };
                Param::Named(Named {
                    key: unraw(&ident.ident),
                    ident: ident.ident.clone(),
                    view: view_of(&pat.ty),
                    ty: pat.ty.clone(),
                    source,
                })
            }
            _ => {
                if form {
                    cx.error_spanned_by(
                        &pat.pat,
                        "`#[form]` reads the form input named like the parameter: write `#[form] name: Type`",
                    );
                }
                Param::Unnamed(pat.ty.clone())
            }
        });
    }
    let streams = params.iter().any(|p| matches!(p, Param::Frames(_)));
    if streams && f.sig.asyncness.is_none() {
        cx.error_spanned_by(
            &f.sig.ident,
            format!("a streaming handler waits while its frames are sent: write `async fn on_{event}(&mut self, …, frames: &Frames)` and `frames.render(self).await?`"),
        );
    }
    Some(Handler {
        event: event.to_owned(),
        method: f.sig.ident.clone(),
        is_async: f.sig.asyncness.is_some(),
        params,
        streams,
        output_span: output_span(f),
    })
}

fn check_mount(cx: &mut Ctxt, f: &ImplItemFn) -> Option<Mount> {
    if let Some(receiver) = f.sig.receiver() {
        cx.error_spanned_by(
            receiver,
            "`mount` builds the component's first state, so it takes no `self`: write `fn mount(params: Params, cx: &LoadCx) -> Result<Self, EventError>`",
        );
        return None;
    }
    let params: Vec<_> = typed_params(f).collect();
    // The parameters struct, then the context: with more, those between are too many.
    if params.len() > 2 {
        for extra in &params[1..params.len() - 1] {
            cx.error_spanned_by(
                &extra.pat,
                "`mount` takes its parameters as one struct (`params: Params`, a `Deserialize` type), then `cx: &LoadCx`",
            );
        }
        return None;
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
        params: params.into_iter().map(|p| (*p.ty).clone()).collect(),
        output,
    })
}

fn check_restore(cx: &mut Ctxt, f: &ImplItemFn) -> Option<Restore> {
    if !takes_mut_self(f) {
        cx.error_spanned_by(
            &f.sig.ident,
            "`restore` fills the fields the state token does not carry: write `fn restore(&mut self, cx: &LoadCx)`",
        );
        return None;
    }
    let mut params = typed_params(f);
    let param = params.next().map(|p| (*p.ty).clone());
    if let Some(extra) = params.next() {
        cx.error_spanned_by(
            extra,
            "`restore` takes only the request context, never values from the client: write `fn restore(&mut self, cx: &LoadCx)` and read what it needs through `cx`",
        );
        return None;
    }
    Some(Restore {
        is_async: f.sig.asyncness.is_some(),
        param,
        output_span: output_span(f),
    })
}
