//! Step 2 of `#[derive(MutationKey)]`: a fieldless, non-generic enum with at least one variant,
//! unique wire names, and none of the traits the derive implements derived again.

use syn::{DeriveInput, Ident};

use crate::ctxt::Ctxt;
use crate::grammar::kebab;

use super::parse::KeyVariant as Parsed;

/// Traits the derive implements itself; deriving them as well would conflict. Compared by the
/// name written in `#[derive(...)]`: the rule is about what is written next to our derive,
/// and a renamed import of one of these still gets rustc's "conflicting implementations".
const IMPLIED: [&str; 6] = ["Clone", "Copy", "PartialEq", "Eq", "Hash", "Debug"];

pub struct KeyVariant {
    pub ident: Ident,
    pub wire: String,
}

pub struct Model {
    pub ident: Ident,
    pub variants: Vec<KeyVariant>,
    /// Implied traits the user derived as well (reported, and not implemented twice).
    pub derived: Vec<String>,
}

/// The checked keys, or `None` when the enum's shape leaves nothing to expand.
pub fn check(
    cx: &mut Ctxt,
    input: &DeriveInput,
    parsed: Option<Vec<Option<Parsed>>>,
) -> Option<Model> {
    let (Some(variants), syn::Data::Enum(syn_enum)) = (parsed, &input.data) else {
        cx.error_spanned_by(
            &input.ident,
            "#[derive(MutationKey)] goes on a fieldless enum whose variants name pieces of state, e.g. `enum Keys { Todos, TodoList }`",
        );
        return None;
    };
    let mut shape_ok = true;
    if !input.generics.params.is_empty() {
        cx.error_spanned_by(
            &input.generics,
            "a MutationKey enum cannot be generic: remove the generic parameters",
        );
        shape_ok = false;
    }
    let mut derived = Vec::new();
    for attr in &input.attrs {
        if attr.path().is_ident("pjx") {
            cx.error_spanned_by(
                attr,
                "#[pjx(...)] on a MutationKey enum has no options; to rename one key put `#[pjx(rename = \"...\")]` on its variant",
            );
        }
        if attr.path().is_ident("derive") {
            let _ = attr.parse_nested_meta(|meta| {
                if let Some(last) = meta.path.segments.last()
                    && IMPLIED.iter().any(|t| last.ident == t)
                {
                    cx.error_spanned_by(
                        &meta.path,
                        format!(
                            "#[derive(MutationKey)] already implements `{}`: remove it from this derive",
                            last.ident
                        ),
                    );
                    derived.push(last.ident.to_string());
                }
                Ok(())
            });
        }
    }
    if variants.is_empty() {
        cx.error_spanned_by(
            &input.ident,
            "a MutationKey enum needs at least one variant, e.g. `enum Keys { Todos }`",
        );
    }
    let mut keys: Vec<KeyVariant> = Vec::new();
    for (variant, written) in variants.into_iter().zip(&syn_enum.variants) {
        // Options that could not be read are reported; the key keeps its default name.
        let variant = variant.unwrap_or_else(|| Parsed {
            ident: written.ident.clone(),
            rename: Vec::new(),
        });
        if !matches!(written.fields, syn::Fields::Unit) {
            let name = crate::grammar::unraw(&variant.ident);
            cx.error_spanned_by(
                &written.fields,
                format!(
                    "MutationKey variants have no fields: write `{name}`; use `{}::{name}.at(id)` to name one instance",
                    input.ident
                ),
            );
            shape_ok = false;
        }
        let mut wire = kebab(&variant.ident);
        let mut renamed = false;
        for rename in variant.rename {
            match rename {
                Err(e) => cx.darling(e, None),
                Ok(name) if renamed => {
                    cx.error_spanned_by(&name.0, "`rename` is given twice: a key has one wire name")
                }
                Ok(name) => {
                    wire = name.0.value();
                    renamed = true;
                }
            }
        }
        if let Some(first) = keys.iter().find(|v| v.wire == wire) {
            cx.error_spanned_by(
                &variant.ident,
                format!(
                    "two keys have the wire name `{wire}` (`{}` and `{}`): rename one with #[pjx(rename = \"...\")]",
                    first.ident, variant.ident
                ),
            );
        }
        keys.push(KeyVariant {
            ident: variant.ident,
            wire,
        });
    }
    shape_ok.then(|| Model {
        ident: input.ident.clone(),
        variants: keys,
        derived,
    })
}
