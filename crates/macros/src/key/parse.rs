//! Step 1 of `#[derive(MutationKey)]`: each variant's `#[pjx(...)]` options, read by darling.
//! Variants are read one by one so that a mistake in one keeps the others (and the expansion
//! that stops uses of the enum from cascading into more errors).

use darling::FromVariant;
use syn::{Data, DeriveInput, Ident};

use crate::ctxt::{Ctxt, Given};
use crate::grammar::WireName;

/// A variant and its options; options later issues add are new fields here.
#[derive(FromVariant)]
#[darling(attributes(pjx))]
pub struct KeyVariant {
    pub ident: Ident,
    /// `#[pjx(rename = "wire-name")]`.
    #[darling(multiple)]
    pub rename: Given<WireName>,
}

/// The enum's variants, or `None` when the input is not an enum.
pub fn parse(cx: &mut Ctxt, input: &DeriveInput) -> Option<Vec<Option<KeyVariant>>> {
    let Data::Enum(data) = &input.data else {
        return None;
    };
    Some(
        data.variants
            .iter()
            .map(|v| cx.handle(KeyVariant::from_variant(v), Some("#[pjx(...)] on a key")))
            .collect(),
    )
}
