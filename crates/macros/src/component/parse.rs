//! Step 1 of `#[reactive(...)]` / `#[component(...)]` on a struct: read the attribute's options
//! and the fields' attributes into darling models. Nothing is judged here beyond the shape of
//! each value; [`super::check`] applies the rules.
//!
//! Every option is `multiple` (see [`Given`]), so repeats and bad values are reported by the
//! check in pjx's words. Options later issues add (a model binding, a batch load) are new
//! fields here.

use darling::ast::NestedMeta;
use darling::util::{Flag, Override, SpannedValue};
use darling::{FromField, FromMeta};
use proc_macro2::{Span, TokenStream};
use syn::spanned::Spanned;
use syn::{Attribute, Expr, ExprArray, ItemStruct, LitStr, Type};

use crate::ctxt::{Ctxt, Given};
use crate::grammar::{RateLimit, Ttl, TypeName};

use super::model::Kind;

/// Options both macros take.
#[derive(FromMeta, Default)]
pub struct CommonOptions {
    #[darling(multiple)]
    pub template: Given<LitStr>,
    #[darling(multiple)]
    pub source: Given<LitStr>,
    #[darling(multiple)]
    pub extends: Given<BaseType>,
    #[darling(multiple)]
    pub css: Given<StrList>,
    #[darling(multiple)]
    pub js: Given<StrList>,
    #[darling(multiple)]
    pub name: Given<TypeName>,
    #[darling(multiple)]
    pub permissions: Given<PathList>,
    /// Not an option: read so that its message can say where the region id comes from.
    #[darling(multiple)]
    pub id: Given<RegionIdOption>,
}

/// `#[reactive(...)]`.
#[derive(FromMeta)]
struct ReactiveOptions {
    #[darling(multiple)]
    react: Given<KeyList>,
    /// `morph = false`: updates replace the region instead of morphing it.
    #[darling(multiple)]
    morph: Given<SpannedValue<Morph>>,
    #[darling(flatten)]
    common: CommonOptions,
}

/// `#[component(...)]`: a component with events also takes a rate limit and a render cache
/// (with the keys that drop it).
#[derive(FromMeta)]
struct ComponentOptions {
    #[darling(multiple)]
    react: Given<KeyList>,
    #[darling(multiple)]
    rate_limit: Given<SpannedValue<RateLimit>>,
    #[darling(multiple)]
    cache: Given<SpannedValue<Ttl>>,
    #[darling(multiple)]
    binds: Given<BindList>,
    #[darling(flatten)]
    common: CommonOptions,
}

/// `morph = true | false`.
pub struct Morph(pub bool);

impl FromMeta for Morph {
    fn from_value(value: &syn::Lit) -> darling::Result<Self> {
        match value {
            syn::Lit::Bool(b) => Ok(Morph(b.value)),
            _ => Err(darling::Error::custom(
                "`morph` is `true` (the default) or `false`: `morph = false` makes updates replace this region instead of morphing it",
            )
            .with_span(value)),
        }
    }
}

/// The attribute's options, as written.
#[derive(Default)]
pub struct Options {
    /// An option was not recognised (reported): a "missing" option may be that one, so the
    /// check does not also report it missing.
    pub unknown: bool,
    pub react: Given<KeyList>,
    pub rate_limit: Given<SpannedValue<RateLimit>>,
    pub cache: Given<SpannedValue<Ttl>>,
    pub binds: Given<BindList>,
    pub morph: Given<SpannedValue<Morph>>,
    pub common: CommonOptions,
}

/// A field's pjx attributes: `#[pjx(ephemeral)]`, `#[pjx(locked)]`, `#[pjx(slot)]` /
/// `#[pjx(slot(default = "…"))]`, and `#[pjx_key]` (forwarded, since it is a word attribute
/// of its own).
#[derive(FromField)]
#[darling(attributes(pjx), forward_attrs(pjx_key))]
pub struct FieldOptions {
    pub attrs: Vec<Attribute>,
    pub ephemeral: Flag,
    pub locked: Flag,
    #[darling(default)]
    pub slot: Option<SpannedValue<Override<SlotOptions>>>,
}

/// `#[pjx(slot(default = "…"))]`: an optional slot's default content (trusted HTML, as a
/// template is).
#[derive(FromMeta, Default, Clone)]
pub struct SlotOptions {
    #[darling(default)]
    pub default: Option<LitStr>,
}

/// Whether `meta` is one of `kind`'s options (so a darling error about it is about its value).
fn is_option(kind: Kind, meta: &NestedMeta) -> bool {
    let NestedMeta::Meta(meta) = meta else {
        return false;
    };
    let common = [
        "template",
        "source",
        "extends",
        "css",
        "js",
        "name",
        "permissions",
        "id",
    ];
    let own: &[&str] = match kind {
        Kind::Reactive => &["react", "morph"],
        Kind::Plain => &["react", "rate_limit", "cache", "binds"],
    };
    meta.path()
        .get_ident()
        .is_some_and(|ident| common.iter().chain(own).any(|o| ident == o))
}

impl Options {
    fn extend(&mut self, other: Options) {
        self.react.extend(other.react);
        self.rate_limit.extend(other.rate_limit);
        self.cache.extend(other.cache);
        self.binds.extend(other.binds);
        self.morph.extend(other.morph);
        let (mine, theirs) = (&mut self.common, other.common);
        mine.template.extend(theirs.template);
        mine.source.extend(theirs.source);
        mine.extends.extend(theirs.extends);
        mine.css.extend(theirs.css);
        mine.js.extend(theirs.js);
        mine.name.extend(theirs.name);
        mine.permissions.extend(theirs.permissions);
        mine.id.extend(theirs.id);
    }
}

/// The struct as the macro reads it.
pub struct Input {
    pub kind: Kind,
    /// The struct, with pjx's field attributes removed (they are not real attributes).
    pub item: ItemStruct,
    pub options: Options,
    /// One per field, in order; `None` where its attributes could not be read (reported).
    pub fields: Vec<Option<FieldOptions>>,
}

pub fn parse(cx: &mut Ctxt, kind: Kind, args: TokenStream, mut item: ItemStruct) -> Input {
    let attr = kind.attr();
    let mut options = Options::default();
    match NestedMeta::parse_meta_list(args) {
        // One option at a time, so that an unknown one is reported without losing the others
        // (a lost `template` would add a "needs a template" error of our own making).
        Ok(list) => {
            for meta in &list {
                let one = std::slice::from_ref(meta);
                let read = match kind {
                    Kind::Reactive => ReactiveOptions::from_list(one).map(|o| Options {
                        react: o.react,
                        morph: o.morph,
                        common: o.common,
                        ..Options::default()
                    }),
                    Kind::Plain => ComponentOptions::from_list(one).map(|o| Options {
                        react: o.react,
                        rate_limit: o.rate_limit,
                        cache: o.cache,
                        binds: o.binds,
                        common: o.common,
                        ..Options::default()
                    }),
                };
                match read {
                    Ok(read) => options.extend(read),
                    // darling's "Unknown field" (with its "did you mean") says nothing of the
                    // other options when there are many: list them.
                    Err(e) if !is_option(kind, meta) => {
                        options.unknown = true;
                        for e in e.flatten() {
                            let message = format!("{attr}: {e} (its options: {})", kind.options());
                            cx.syn_error(syn::Error::new(e.span(), message));
                        }
                    }
                    Err(e) => cx.darling(e, Some(attr)),
                }
            }
        }
        Err(e) => cx.syn_error(e),
    }
    let fields = item
        .fields
        .iter()
        .map(|field| {
            cx.handle(
                FieldOptions::from_field(field),
                Some("#[pjx(...)] on a field"),
            )
        })
        .collect();
    for field in item.fields.iter_mut() {
        field
            .attrs
            .retain(|a| !a.path().is_ident("pjx") && !a.path().is_ident("pjx_key"));
    }
    Input {
        kind,
        item,
        options,
        fields,
    }
}

/// `react = [Keys::A, Keys::B]` (or one key without brackets). Elements are kept as written;
/// the check says what each must be.
pub struct KeyList {
    pub span: Span,
    pub keys: Vec<Expr>,
}

impl FromMeta for KeyList {
    fn from_expr(expr: &Expr) -> darling::Result<Self> {
        Ok(match expr {
            Expr::Array(ExprArray {
                bracket_token,
                elems,
                ..
            }) => KeyList {
                span: bracket_token.span.join(),
                keys: elems.iter().cloned().collect(),
            },
            Expr::Group(group) => return Self::from_expr(&group.expr),
            other => KeyList {
                span: other.span(),
                keys: vec![other.clone()],
            },
        })
    }
}

/// `css = "a.css"` or `css = ["a.css", "b.css"]`.
pub struct StrList(pub Vec<LitStr>);

impl FromMeta for StrList {
    fn from_expr(expr: &Expr) -> darling::Result<Self> {
        let one = |e: &Expr| {
            match e {
            Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(lit),
                ..
            }) => Ok(lit.clone()),
            other => Err(darling::Error::custom(
                "an asset is a string: a file under the crate's templates/ directory or a URL, e.g. `css = \"counter.css\"`",
            )
            .with_span(other)),
        }
        };
        match expr {
            Expr::Array(array) => array.elems.iter().map(one).collect(),
            Expr::Group(group) => return Self::from_expr(&group.expr),
            other => one(other).map(|v| vec![v]),
        }
        .map(StrList)
    }
}

/// `extends = Card`: the component whose template and assets are reused.
pub struct BaseType(pub Box<Type>);

impl FromMeta for BaseType {
    fn from_expr(expr: &Expr) -> darling::Result<Self> {
        match expr {
            Expr::Path(path) if path.attrs.is_empty() => {
                Ok(BaseType(Box::new(Type::Path(syn::TypePath {
                    attrs: Vec::new(),
                    qself: path.qself.clone(),
                    path: path.path.clone(),
                }))))
            }
            Expr::Group(group) => Self::from_expr(&group.expr),
            other => Err(darling::Error::custom(
                "`extends` names another component's type, e.g. `extends = Card`",
            )
            .with_span(other)),
        }
    }
}

/// `permissions = [IsAuthenticated, IsStaff]` (or one path without brackets).
pub struct PathList(pub Vec<syn::Path>);

impl FromMeta for PathList {
    fn from_expr(expr: &Expr) -> darling::Result<Self> {
        let one = |e: &Expr| match e {
            Expr::Path(path) if path.qself.is_none() => Ok(path.path.clone()),
            other => Err(darling::Error::custom(
                "`permissions` lists permission types, e.g. `permissions = [IsAuthenticated]`",
            )
            .with_span(other)),
        };
        match expr {
            Expr::Array(array) => array.elems.iter().map(one).collect(),
            Expr::Group(group) => return Self::from_expr(&group.expr),
            other => one(other).map(|v| vec![v]),
        }
        .map(PathList)
    }
}

/// `id = …`, which is never valid: the message says where a region's id comes from.
pub struct RegionIdOption;

impl FromMeta for RegionIdOption {
    fn from_meta(item: &syn::Meta) -> darling::Result<Self> {
        Err(darling::Error::custom(
            "the region id is not an option: a field named `id` sets it; without one, a singleton's id is its kebab-case type name and a keyed region's is `<kebab-name>-<key>`",
        )
        .with_span(&item.path()))
    }
}

/// `binds = [count, total]`: the names optimistic patches may set, each the target of
/// `data-pjx-bind` elements. Names, not strings, so that a typo is a compile error.
pub struct BindList {
    pub span: Span,
    pub names: Vec<syn::Ident>,
}

impl FromMeta for BindList {
    fn from_expr(expr: &Expr) -> darling::Result<Self> {
        let one = |e: &Expr| {
            match e {
            Expr::Path(path) if path.qself.is_none() && path.attrs.is_empty() => {
                path.path.get_ident().cloned().ok_or_else(|| {
                    darling::Error::custom(
                        "`binds` lists plain names (what `data-pjx-bind` names), not paths: write e.g. `binds = [count, total]`",
                    )
                    .with_span(e)
                })
            }
            Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(lit),
                ..
            }) => Err(darling::Error::custom(format!(
                "`binds` lists names, not strings, so that a renamed target breaks the build: write `binds = [{}]`",
                lit.value()
            ))
            .with_span(e)),
            other => Err(darling::Error::custom(
                "`binds` lists the names optimistic patches set, e.g. `binds = [count, total]`",
            )
            .with_span(other)),
        }
        };
        match expr {
            Expr::Array(array) => Ok(BindList {
                span: array.bracket_token.span.join(),
                names: array
                    .elems
                    .iter()
                    .map(one)
                    .collect::<darling::Result<_>>()?,
            }),
            Expr::Group(group) => Self::from_expr(&group.expr),
            other => Ok(BindList {
                span: other.span(),
                names: vec![one(other)?],
            }),
        }
    }
}
