//! Collects errors so one expansion reports every problem it finds (as serde_derive does).

use std::fmt::Display;

use proc_macro2::TokenStream;
use quote::ToTokens;

/// Errors found while parsing and validating one macro input.
#[derive(Default)]
pub struct Ctxt {
    errors: Vec<syn::Error>,
}

impl Ctxt {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records an error pointing at `tokens`.
    pub fn error_spanned_by(&mut self, tokens: impl ToTokens, message: impl Display) {
        self.errors.push(syn::Error::new_spanned(tokens, message));
    }

    /// Records a parse error.
    pub fn syn_error(&mut self, error: syn::Error) {
        self.errors.push(error);
    }

    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }

    /// All recorded errors as `compile_error!` invocations (empty when there are none).
    pub fn into_compile_errors(self) -> TokenStream {
        self.errors
            .into_iter()
            .map(syn::Error::into_compile_error)
            .collect()
    }
}
