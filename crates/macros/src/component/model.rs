//! The checked component model: what `#[reactive(...)]` and `#[component(...)]` mean once the
//! rules hold. [`super::check`] builds it; [`super::expand`] reads only this.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::{Expr, Ident, ItemStruct, LitStr, Type};

use crate::grammar::RateLimit;

/// Which macro is declaring the component.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Reactive,
    Plain,
}

impl Kind {
    pub fn attr(self) -> &'static str {
        match self {
            Kind::Reactive => "#[reactive]",
            Kind::Plain => "#[component]",
        }
    }

    /// The options, as an error lists them.
    pub fn options(self) -> &'static str {
        match self {
            Kind::Reactive => "react, template, source, extends, css, js, name, permissions, morph",
            Kind::Plain => {
                "template, source, extends, css, js, name, permissions, rate_limit, cache, react (with cache), binds"
            }
        }
    }
}

/// Where the component's markup comes from (rule 4: exactly one).
pub enum TemplateSource {
    /// `template = "file.html"`: a file under the crate's `templates/`.
    File(LitStr),
    /// `source = "…"`: inline askama source.
    Inline(LitStr),
    /// `extends = Other`: another component's template, rendered with the field holding
    /// `Other`'s data.
    Extends { base: Box<Type>, field: FieldRef },
}

/// How generated code names a field: `self.name` or `self.0`.
#[derive(Clone)]
pub enum FieldRef {
    Named(Ident),
    Index(syn::Index),
}

impl ToTokens for FieldRef {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        match self {
            FieldRef::Named(ident) => ident.to_tokens(tokens),
            FieldRef::Index(index) => index.to_tokens(tokens),
        }
    }
}

/// A field, with pjx's view of it.
pub struct FieldModel {
    pub member: FieldRef,
    /// The JSON key in the state hash (named fields).
    pub name: Option<String>,
    pub ty: Type,
    pub ephemeral: bool,
    pub is_key: bool,
    /// `#[pjx(locked)]`: never leaves the server (serde skips it).
    pub locked: bool,
    /// `#[pjx(slot)]`: a slot, filled where the component is built.
    pub slot: Option<SlotModel>,
}

/// A slot field: `Slot<T>` (required) or `Option<Slot<T>>` (optional, with default content).
pub struct SlotModel {
    pub required: bool,
    /// The default content of an optional slot (trusted HTML); empty when none.
    pub default: String,
    /// The `Slot<T>` type (inside the `Option` for an optional slot).
    pub slot_ty: Type,
}

impl FieldModel {
    /// Whether this is the region id: a field named `id` that is not the load key (a key field
    /// named `id` is just the key).
    pub fn is_region_id(&self) -> bool {
        !self.is_key && self.name.as_deref() == Some("id")
    }

    /// Whether the field is part of the state hash: not the region id, not ephemeral.
    pub fn hashed(&self) -> bool {
        !self.ephemeral && !self.is_region_id()
    }
}

/// How the struct's fields are laid out (for the state hash's JSON shape).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Named,
    Tuple,
    Unit,
}

/// An asset option value.
pub struct AssetModel {
    pub css: bool,
    pub value: LitStr,
    /// Linked by URL (starts with `/` or `http`), rather than a file embedded in the binary.
    pub is_url: bool,
}

pub struct Model {
    pub kind: Kind,
    pub item: ItemStruct,
    /// The registered type name (`data-pjx-type`).
    pub type_name: String,
    /// The default region id of a singleton, and the prefix of a keyed region's.
    pub kebab: String,
    pub react: Vec<Expr>,
    pub template: TemplateSource,
    pub assets: Vec<AssetModel>,
    pub fields: Vec<FieldModel>,
    pub shape: Shape,
    /// `permissions = [A, B]`.
    pub permissions: Vec<syn::Path>,
    /// `rate_limit = "10/min"`.
    pub rate_limit: Option<RateLimit>,
    /// `cache = "60s"`: seconds.
    pub cache_ttl: Option<u64>,
    /// Where `rate_limit` or `cache` was written: both need the component to have events.
    pub policy_span: Option<Span>,
    /// `binds = [count, total]`: the optimistic patch's targets, each once.
    pub binds: Vec<Ident>,
    /// `morph = false` on a reactive component: its updates replace it instead of morphing.
    pub morph: bool,
}

impl Model {
    pub fn key_field(&self) -> Option<&FieldModel> {
        self.fields.iter().find(|f| f.is_key)
    }

    pub fn id_field(&self) -> Option<&FieldModel> {
        self.fields.iter().find(|f| f.is_region_id())
    }
}
