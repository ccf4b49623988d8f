//! Collects errors so one expansion reports every problem it finds (as serde_derive does).

use std::fmt::Display;

use proc_macro2::TokenStream;
use quote::ToTokens;

/// Every occurrence of a `multiple` option, each read or why not: a repeated option reaches
/// the check (which says what to write) rather than darling's bare "Duplicate field", and a
/// bad value is reported in pjx's words without darling's "at <field>" suffix.
pub type Given<T> = Vec<darling::Result<T>>;

/// Errors found while parsing and checking one macro input.
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

    /// Records darling's errors, each at its own span. Those about an attribute's options are
    /// prefixed with the attribute (`in`): darling's words ("Unknown field: `tempalte`. Did you
    /// mean `template`?") do not say which one. Values pjx reads itself carry pjx's message.
    pub fn darling(&mut self, error: darling::Error, within: Option<&str>) {
        for error in error.flatten() {
            let message = match within {
                Some(attr) => format!("{attr}: {error}"),
                None => error.to_string(),
            };
            self.errors.push(syn::Error::new(error.span(), message));
        }
    }

    /// Keeps the value of a darling result, recording its error (see [`Ctxt::darling`]).
    pub fn handle<T>(&mut self, result: darling::Result<T>, within: Option<&str>) -> Option<T> {
        result.map_err(|e| self.darling(e, within)).ok()
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
