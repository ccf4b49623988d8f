//! Step 1 of `#[mutates]`: the keys, as expressions, and the function.

use proc_macro2::TokenStream;
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, ItemFn, Token};

use crate::ctxt::Ctxt;

pub struct Input {
    pub keys: Vec<Expr>,
    /// Where the keys were written (the attribute's arguments).
    pub keys_span: proc_macro2::Span,
    /// The function, or what it was instead.
    pub item: Result<ItemFn, TokenStream>,
}

pub fn parse(cx: &mut Ctxt, args: TokenStream, input: &TokenStream) -> Input {
    let keys_span = args.span();
    let keys = match Punctuated::<Expr, Token![,]>::parse_terminated.parse2(args) {
        Ok(parsed) => parsed.into_iter().collect(),
        Err(e) => {
            cx.syn_error(e);
            Vec::new()
        }
    };
    Input {
        keys,
        keys_span,
        item: syn::parse2::<ItemFn>(input.clone()).map_err(|_| input.clone()),
    }
}
