//! Step 2 of `#[reactive] impl`: rule 2 as far as the syntax shows it.

use syn::{FnArg, ImplItemFn, ReturnType};

use crate::ctxt::Ctxt;

use super::parse::{Input, LOAD_SHAPE, LoadSig};

/// What the expansion needs: `Some(Some(sig))` for an adapter, `Some(None)` for the stand-in
/// of an unusable `load` (already reported), `None` for no expansion at all.
pub fn check(cx: &mut Ctxt, input: Input<'_>) -> Option<Option<LoadSig>> {
    if let Some(f) = input.depends_on
        && !matches!(f.sig.inputs.first(), Some(FnArg::Receiver(r)) if r.mutability.is_none() && matches!(r.kind, syn::ReceiverKind::Reference(_, _, None)) && f.sig.inputs.len() == 1)
    {
        cx.error_spanned_by(
            &f.sig,
            "`depends_on` narrows a loaded component's keys: write `fn depends_on(&self) -> Vec<Keys>` (any iterable of keys), returning keys from its `react` set",
        );
    }
    let sig = match input.load {
        Some(load) => check_load(cx, load).map(|mut sig| {
            sig.depends_on = input.depends_on.is_some();
            sig
        }),
        None => {
            cx.error_spanned_by(
                input.self_ty,
                format!(
                    "this `#[reactive]` impl has no `load`: add `{LOAD_SHAPE} {{ … }}`; a keyed component's `load` takes its `#[pjx_key]` value first"
                ),
            );
            None
        }
    };
    input.usable.then_some(sig)
}

fn check_load(cx: &mut Ctxt, load: &ImplItemFn) -> Option<LoadSig> {
    let sig = &load.sig;
    let mut ok = true;
    if !sig.generics.params.is_empty() {
        cx.error_spanned_by(
            &sig.generics,
            format!("`load` cannot be generic: write `{LOAD_SHAPE}`"),
        );
        ok = false;
    }
    let mut params = Vec::new();
    for arg in &sig.inputs {
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
            FnArg::Typed(pat) => params.push(pat),
        }
    }
    // A key, then the context: with more, the ones between the first and the last are too
    // many, whatever their types.
    if params.len() > 2 {
        for extra in &params[1..params.len() - 1] {
            cx.error_spanned_by(
                extra,
                "`load` takes at most one key (the value of the `#[pjx_key]` field) and then `cx: &LoadCx`; remove this parameter",
            );
        }
        ok = false;
    }
    let params = params.into_iter().map(|p| (*p.ty).clone()).collect();
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
        params,
        params_span: sig.paren_token.span.join(),
        output,
    })
}
