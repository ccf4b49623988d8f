//! Step 1 of `#[derive(LoadPage)]`: the fields (the derive has no options).

use syn::{Data, DeriveInput, Fields, Ident, Type};

/// A field the page loads.
pub struct PageField {
    pub ident: Ident,
    pub ty: Type,
}

/// What the input is, as far as the rules care.
pub enum Parsed {
    /// A struct with named fields.
    Named(Vec<PageField>),
    /// A struct of another shape (tuple or unit), or not a struct.
    Other,
}

pub fn parse(input: &DeriveInput) -> Parsed {
    match &input.data {
        Data::Struct(data) => match &data.fields {
            Fields::Named(fields) => Parsed::Named(
                fields
                    .named
                    .iter()
                    .filter_map(|f| {
                        Some(PageField {
                            ident: f.ident.clone()?,
                            ty: f.ty.clone(),
                        })
                    })
                    .collect(),
            ),
            _ => Parsed::Other,
        },
        _ => Parsed::Other,
    }
}
