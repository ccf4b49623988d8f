//! The component model: what `#[reactive(...)]` and `#[component(...)]` mean, parsed from the
//! attribute and the struct, then validated. Expansion reads only this model.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::parse::{Parse, ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, Fields, Ident, ItemStruct, LitStr, Token, Type};

use heck::ToKebabCase;

use crate::ctxt::Ctxt;
use crate::naming::{kebab, snake, unraw, valid_type_name};

/// Which macro is declaring the component.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Reactive,
    Plain,
}

impl Kind {
    fn attr(self) -> &'static str {
        match self {
            Kind::Reactive => "#[reactive]",
            Kind::Plain => "#[component]",
        }
    }

    fn options(self) -> &'static str {
        match self {
            Kind::Reactive => "react, template, source, extends, css, js, name, permissions",
            Kind::Plain => {
                "template, source, extends, css, js, name, permissions, rate_limit, cache, react (with cache)"
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
    /// `rate_limit = "10/min"`: (count, window seconds).
    pub rate_limit: Option<(u32, u64)>,
    /// `cache = "60s"`: seconds.
    pub cache_ttl: Option<u64>,
    /// Where `rate_limit` or `cache` was written: both need the component to have events.
    pub policy_span: Option<Span>,
}

impl Model {
    pub fn key_field(&self) -> Option<&FieldModel> {
        self.fields.iter().find(|f| f.is_key)
    }

    pub fn id_field(&self) -> Option<&FieldModel> {
        self.fields.iter().find(|f| f.is_region_id())
    }
}

/// The raw options of the attribute, before validation.
#[derive(Default)]
struct Options {
    react: Option<(Span, Punctuated<Expr, Token![,]>)>,
    sources: Vec<(Ident, RawSource)>,
    assets: Vec<AssetModel>,
    name: Option<LitStr>,
    permissions: Vec<syn::Path>,
    rate_limit: Option<(Ident, (u32, u64))>,
    cache: Option<(Ident, u64)>,
}

enum RawSource {
    File(LitStr),
    Inline(LitStr),
    Extends(Box<Type>),
}

fn parse_options(cx: &mut Ctxt, kind: Kind, args: TokenStream) -> Options {
    let mut options = Options::default();
    let parser = syn::meta::parser(|meta| {
        let Some(ident) = meta.path.get_ident().cloned() else {
            cx.syn_error(meta.error(format!(
                "unknown {} option; expected one of: {}",
                kind.attr(),
                kind.options()
            )));
            return skip_value(&meta);
        };
        match ident.to_string().as_str() {
            "react" => {
                let value = meta.value()?;
                let list = if value.peek(syn::token::Bracket) {
                    let content;
                    let bracket = syn::bracketed!(content in value);
                    let elems = content.parse_terminated(Expr::parse, Token![,])?;
                    (bracket.span.join(), elems)
                } else {
                    let expr: Expr = value.parse()?;
                    let span = expr.span();
                    (span, std::iter::once(expr).collect())
                };
                if options.react.is_some() {
                    cx.error_spanned_by(
                        &ident,
                        "`react` is given twice: list every key in one `react = [...]`",
                    );
                } else {
                    options.react = Some(list);
                }
            }
            "template" => {
                let lit: LitStr = meta.value()?.parse()?;
                options.sources.push((ident, RawSource::File(lit)));
            }
            "source" => {
                let lit: LitStr = meta.value()?.parse()?;
                options.sources.push((ident, RawSource::Inline(lit)));
            }
            "extends" => {
                let ty: Type = meta.value()?.parse()?;
                options
                    .sources
                    .push((ident, RawSource::Extends(Box::new(ty))));
            }
            "css" | "js" => {
                let css = ident == "css";
                for value in parse_str_list(meta.value()?)? {
                    let text = value.value();
                    let is_url = text.starts_with('/')
                        || text.starts_with("http://")
                        || text.starts_with("https://");
                    options.assets.push(AssetModel { css, value, is_url });
                }
            }
            "name" => {
                let lit: LitStr = meta.value()?.parse()?;
                if !valid_type_name(&lit.value()) {
                    cx.error_spanned_by(
                        &lit,
                        "a component name uses only ASCII letters, digits, `_` and `-`, e.g. `name = \"todo_counter\"`",
                    );
                } else if options.name.is_some() {
                    cx.error_spanned_by(&lit, "`name` is given twice");
                } else {
                    options.name = Some(lit);
                }
            }
            "permissions" => {
                let value = meta.value()?;
                let content;
                syn::bracketed!(content in value);
                let list = content.parse_terminated(syn::Path::parse, Token![,])?;
                options.permissions.extend(list);
            }
            "rate_limit" if kind == Kind::Plain => {
                let lit: LitStr = meta.value()?.parse()?;
                match parse_rate_limit(&lit.value()) {
                    _ if options.rate_limit.is_some() => {
                        cx.error_spanned_by(&lit, "`rate_limit` is given twice")
                    }
                    Ok(limit) => options.rate_limit = Some((ident, limit)),
                    Err(message) => cx.error_spanned_by(&lit, message),
                }
            }
            "cache" if kind == Kind::Plain => {
                let lit: LitStr = meta.value()?.parse()?;
                match parse_duration(&lit.value()) {
                    _ if options.cache.is_some() => {
                        cx.error_spanned_by(&lit, "`cache` is given twice")
                    }
                    Some(0) => cx.error_spanned_by(
                        &lit,
                        "a cache lifetime of zero caches nothing: give a positive one, e.g. `cache = \"60s\"`, or remove `cache`",
                    ),
                    Some(secs) => options.cache = Some((ident, secs)),
                    None => cx.error_spanned_by(
                        &lit,
                        "a cache lifetime is a number and a unit (s, m, h, d): e.g. `cache = \"60s\"` or `cache = \"5m\"`",
                    ),
                }
            }
            "id" => {
                cx.syn_error(meta.error(
                    "the region id is not an option: a field named `id` sets it; without one, a singleton's id is its kebab-case type name and a keyed region's is `<kebab-name>-<key>`",
                ));
                skip_value(&meta)?;
            }
            other => {
                // Reported, then skipped, so the options after it are still read.
                cx.syn_error(meta.error(format!(
                    "unknown {} option `{other}`; expected one of: {}",
                    kind.attr(),
                    kind.options()
                )));
                skip_value(&meta)?;
            }
        }
        Ok(())
    });
    if let Err(e) = parser.parse2(args) {
        cx.syn_error(e);
    }
    options
}

/// Skips `= <expr>` after an option that was reported as wrong.
fn skip_value(meta: &syn::meta::ParseNestedMeta) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        meta.value()?.parse::<Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        let content;
        syn::parenthesized!(content in meta.input);
        content.parse::<TokenStream>()?;
    }
    Ok(())
}

/// `"a.css"` or `["a.css", "b.css"]`.
fn parse_str_list(input: ParseStream) -> syn::Result<Vec<LitStr>> {
    if input.peek(syn::token::Bracket) {
        let content;
        syn::bracketed!(content in input);
        Ok(content
            .parse_terminated(<LitStr as Parse>::parse, Token![,])?
            .into_iter()
            .collect())
    } else {
        Ok(vec![input.parse()?])
    }
}

/// Parses and validates. Errors go to `cx`; the model is always complete, with a fallback
/// wherever an option was wrong, so the expansion next to the errors causes no cascade.
pub fn parse(cx: &mut Ctxt, kind: Kind, args: TokenStream, item: &mut ItemStruct) -> Model {
    let options = parse_options(cx, kind, args);

    if !item.generics.params.is_empty() && kind == Kind::Reactive {
        cx.error_spanned_by(
            &item.generics,
            "a reactive component cannot be generic: each one is registered under one concrete type",
        );
    }

    if kind == Kind::Plain && options.react.is_some() && options.cache.is_none() {
        let (span, _) = options
            .react
            .as_ref()
            .map(|(s, l)| (*s, l.len()))
            .unwrap_or((Span::call_site(), 0));
        cx.syn_error(syn::Error::new(
            span,
            "on a `#[component]`, `react` names the keys whose mutation drops its cached renders, so it needs `cache = \"…\"`; a component that re-renders when keys change is `#[reactive(react = [...], ...)]`",
        ));
    }
    let react = match kind {
        Kind::Reactive => validate_react(cx, kind, options.react),
        Kind::Plain => options
            .react
            .map(|(_, list)| validate_react(cx, Kind::Reactive, Some((Span::call_site(), list))))
            .unwrap_or_default(),
    };
    let assets = validate_assets(cx, options.assets);
    let serde_derived = derives_serde(item);
    let (fields, shape) = parse_fields(cx, kind, &mut item.fields, serde_derived);
    let template = validate_template(cx, kind, options.sources, &fields, item);

    // A `name` sets the default region id too: `name = "list"` gives the region `list`.
    let (type_name, kebab) = match options.name {
        Some(name) => (name.value(), name.value().to_kebab_case()),
        None => (snake(&item.ident), kebab(&item.ident)),
    };
    Model {
        kind,
        type_name,
        kebab,
        react,
        template: template.unwrap_or_else(|| {
            TemplateSource::Inline(LitStr::new("<div></div>", Span::call_site()))
        }),
        assets,
        fields,
        shape,
        permissions: options.permissions,
        policy_span: options
            .rate_limit
            .as_ref()
            .map(|(ident, _)| ident.span())
            .or(options.cache.as_ref().map(|(ident, _)| ident.span())),
        rate_limit: options.rate_limit.map(|(_, limit)| limit),
        cache_ttl: options.cache.map(|(_, secs)| secs),
        item: item.clone(),
    }
}

/// Whether the struct derives serde's traits (after the pjx attribute, so visible here).
fn derives_serde(item: &ItemStruct) -> bool {
    item.attrs.iter().any(|attr| {
        attr.path().is_ident("derive")
            && attr.meta.to_token_stream().into_iter().any(|t| {
                t.to_string().contains("Serialize") || t.to_string().contains("Deserialize")
            })
    })
}

/// `"10/min"` → (10, 60); the error names the rule and what to write.
fn parse_rate_limit(text: &str) -> Result<(u32, u64), &'static str> {
    const SHAPE: &str = "a rate limit is `\"<count>/<unit>\"`, the unit one of s, min, hour, day: e.g. `rate_limit = \"10/min\"`";
    let (count, unit) = text.split_once('/').ok_or(SHAPE)?;
    let count: u32 = count.trim().parse().map_err(|_| SHAPE)?;
    let secs = match unit.trim() {
        "s" | "sec" | "second" => 1,
        "m" | "min" | "minute" => 60,
        "h" | "hour" => 3_600,
        "d" | "day" => 86_400,
        _ => return Err(SHAPE),
    };
    if count == 0 {
        return Err(
            "a rate limit of 0 would refuse every request: allow at least one per window, e.g. `rate_limit = \"10/min\"`, or remove `rate_limit`",
        );
    }
    Ok((count, secs))
}

/// `"60s"`, `"5m"`, `"1h"`, `"2d"` → seconds.
fn parse_duration(text: &str) -> Option<u64> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit())?;
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().ok()?;
    let factor = match unit.trim() {
        "s" | "sec" => 1,
        "m" | "min" => 60,
        "h" => 3_600,
        "d" => 86_400,
        _ => return None,
    };
    number.checked_mul(factor)
}

/// Rule 1: `react` is required, non-empty, without duplicates, and lists key paths.
fn validate_react(
    cx: &mut Ctxt,
    kind: Kind,
    react: Option<(Span, Punctuated<Expr, Token![,]>)>,
) -> Vec<Expr> {
    if kind == Kind::Plain {
        return Vec::new();
    }
    let Some((span, elems)) = react else {
        cx.syn_error(syn::Error::new(
            Span::call_site(),
            "`react` is required: list the state keys this component depends on, e.g. `#[reactive(react = [Keys::Todos], template = \"counter.html\")]`",
        ));
        return Vec::new();
    };
    if elems.is_empty() {
        cx.syn_error(syn::Error::new(
            span,
            "`react` is empty: a reactive component depends on at least one key, e.g. `react = [Keys::Todos]`; a component that depends on nothing is a plain `#[component]`",
        ));
    }
    let mut seen: Vec<String> = Vec::new();
    let mut keys = Vec::new();
    for expr in elems {
        match &expr {
            Expr::Lit(lit) if matches!(lit.lit, syn::Lit::Str(_)) => {
                cx.error_spanned_by(
                    &expr,
                    "`react` takes MutationKey variants, not strings: write a variant of an enum that derives `MutationKey`, e.g. `react = [Keys::Todos]`",
                );
                continue;
            }
            Expr::Path(_) => {}
            Expr::MethodCall(call) if call.method == "at" => {
                cx.error_spanned_by(
                    &expr,
                    "`react` lists whole keys such as `Keys::Todos`: a keyed region already reacts to its own instance (`todos:7` reaches only the region loaded with 7); `.at(...)` belongs in `#[mutates]`",
                );
                continue;
            }
            _ => {
                cx.error_spanned_by(
                    &expr,
                    "`react` lists MutationKey variants by path, e.g. `react = [Keys::Todos, Keys::TodoList]`",
                );
                continue;
            }
        }
        let text = expr.to_token_stream().to_string().replace(' ', "");
        if seen.contains(&text) {
            cx.error_spanned_by(
                &expr,
                format!("`{text}` is listed twice in `react`: list each key once"),
            );
            continue;
        }
        seen.push(text);
        keys.push(expr);
    }
    keys
}

/// Rule 3 (and field options): at most one `#[pjx_key]`, only in reactive components;
/// `#[pjx(ephemeral)]`. pjx's field attributes are removed from the item.
fn parse_fields(
    cx: &mut Ctxt,
    kind: Kind,
    fields: &mut Fields,
    serde_derived: bool,
) -> (Vec<FieldModel>, Shape) {
    let shape = match fields {
        Fields::Named(_) => Shape::Named,
        Fields::Unnamed(_) => Shape::Tuple,
        Fields::Unit => Shape::Unit,
    };
    let mut models = Vec::new();
    let mut key_seen = false;
    for (index, field) in fields.iter_mut().enumerate() {
        let mut is_key = false;
        let mut ephemeral = false;
        let mut locked = false;
        let mut errors = Vec::new();
        field.attrs.retain(|attr| {
            if attr.path().is_ident("pjx_key") {
                if !matches!(attr.meta, syn::Meta::Path(_)) {
                    errors.push(syn::Error::new_spanned(
                        attr,
                        "`#[pjx_key]` takes no arguments: write `#[pjx_key]`",
                    ));
                } else if kind == Kind::Plain {
                    errors.push(syn::Error::new_spanned(
                        attr,
                        "`#[pjx_key]` marks the load key of a keyed reactive component, and a `#[component]` is not reactive: remove it, or declare the struct with `#[reactive(react = [...], ...)]`",
                    ));
                } else if key_seen {
                    errors.push(syn::Error::new_spanned(
                        attr,
                        "a reactive component has at most one `#[pjx_key]` field: its instances are told apart by one key, the argument of `load`; remove this one",
                    ));
                } else {
                    key_seen = true;
                    is_key = true;
                }
                return false;
            }
            if attr.path().is_ident("pjx") {
                let parsed = attr.parse_nested_meta(|meta| {
                    if meta.path.is_ident("ephemeral") {
                        ephemeral = true;
                        Ok(())
                    } else if meta.path.is_ident("locked") {
                        locked = true;
                        Ok(())
                    } else {
                        Err(meta.error(
                            "unknown pjx field option; expected `#[pjx(ephemeral)]` (leave the field out of the state hash) or `#[pjx(locked)]` (keep it out of the signed state)",
                        ))
                    }
                });
                if let Err(e) = parsed {
                    errors.push(e);
                }
                return false;
            }
            true
        });
        for e in errors {
            cx.syn_error(e);
        }
        if locked && kind == Kind::Reactive {
            cx.error_spanned_by(
                &field.ty,
                "`#[pjx(locked)]` keeps a field out of the signed state of a component with events; a reactive component has none (`load` rebuilds it): remove it, or `#[pjx(ephemeral)]` to leave the field out of the state hash",
            );
        } else if locked {
            if serde_derived {
                // Locked fields never leave the server: serde skips them, `restore` re-derives.
                field.attrs.push(syn::parse_quote!(#[serde(skip)]));
            } else {
                cx.error_spanned_by(
                    &field.ty,
                    "`#[pjx(locked)]` keeps a field out of a component's signed state, which is its serde form: derive `Serialize` and `Deserialize` after `#[component(...)]`",
                );
            }
        }
        if is_key && ephemeral {
            cx.error_spanned_by(
                &field.ty,
                "the `#[pjx_key]` field identifies the instance, so it cannot be `#[pjx(ephemeral)]`",
            );
        }
        let (member, name) = match &field.ident {
            Some(ident) => (FieldRef::Named(ident.clone()), Some(unraw(ident))),
            None => (FieldRef::Index(syn::Index::from(index)), None),
        };
        models.push(FieldModel {
            member,
            name,
            ty: field.ty.clone(),
            ephemeral,
            is_key,
        });
    }
    (models, shape)
}

/// Rule 4: exactly one of `template`, `source`, `extends`.
fn validate_template(
    cx: &mut Ctxt,
    kind: Kind,
    sources: Vec<(Ident, RawSource)>,
    fields: &[FieldModel],
    item: &ItemStruct,
) -> Option<TemplateSource> {
    let mut sources = sources.into_iter();
    let Some((_, first)) = sources.next() else {
        cx.syn_error(syn::Error::new(
            Span::call_site(),
            format!(
                "{} needs a template: add exactly one of `template = \"{}.html\"` (a file under templates/), `source = \"<div>…</div>\"` or `extends = Other` (reuse another component's template)",
                kind.attr(),
                snake(&item.ident)
            ),
        ));
        return None;
    };
    let mut ok = true;
    for (ident, _) in sources {
        cx.error_spanned_by(
            &ident,
            "two templates is no template: give exactly one of `template = \"…\"`, `source = \"…\"` or `extends = Other`",
        );
        // Expand with the fallback template: either source may be the wrong one.
        ok = false;
    }
    let source = match first {
        RawSource::File(lit) => {
            check_template_file(cx, &lit);
            TemplateSource::File(lit)
        }
        RawSource::Inline(lit) => TemplateSource::Inline(lit),
        RawSource::Extends(base) => {
            if !item.generics.params.is_empty() {
                cx.error_spanned_by(
                    &item.generics,
                    "a component declared with `extends` cannot be generic",
                );
                ok = false;
            }
            let field = find_base_field(cx, &base, fields)?;
            TemplateSource::Extends { base, field }
        }
    };
    ok.then_some(source)
}

/// Asset files are embedded with `include_str!`; a missing one is reported here, in pjx's
/// words, and left out of the expansion.
fn validate_assets(cx: &mut Ctxt, assets: Vec<AssetModel>) -> Vec<AssetModel> {
    let Some(dir) = std::env::var_os("CARGO_MANIFEST_DIR") else {
        return assets;
    };
    let templates = std::path::Path::new(&dir).join("templates");
    assets
        .into_iter()
        .filter(|asset| {
            if asset.is_url {
                return true;
            }
            let name = asset.value.value();
            let kind = if asset.css { "css" } else { "js" };
            if name.is_empty() || name.contains("..") {
                cx.error_spanned_by(
                    &asset.value,
                    format!("`{kind}` names a file under the crate's templates/ directory (e.g. `{kind} = \"counter.{kind}\"`) or a URL starting with `/` or `http`"),
                );
                return false;
            }
            if !templates.join(&name).is_file() {
                cx.error_spanned_by(
                    &asset.value,
                    format!("{kind} file `templates/{name}` not found: asset paths are relative to the crate's templates/ directory (a URL starting with `/` or `http` is linked instead of embedded)"),
                );
                return false;
            }
            true
        })
        .collect()
}

fn check_template_file(cx: &mut Ctxt, lit: &LitStr) {
    let value = lit.value();
    if value.is_empty() || value.starts_with('/') || value.contains("..") {
        cx.error_spanned_by(
            lit,
            "`template` names a file relative to the crate's templates/ directory, e.g. `template = \"item_row.html\"`",
        );
    }
}

/// `extends = Base` renders `Base`'s template with `Base`'s data, held in a field of that type.
fn find_base_field(cx: &mut Ctxt, base: &Type, fields: &[FieldModel]) -> Option<FieldRef> {
    let base_name = last_segment(base);
    let matches: Vec<&FieldModel> = fields
        .iter()
        .filter(|f| base_name.is_some() && last_segment(&f.ty) == base_name)
        .collect();
    match matches.as_slice() {
        [one] => Some(one.member.clone()),
        [] => {
            let shown = base.to_token_stream().to_string();
            cx.error_spanned_by(
                base,
                format!(
                    "`extends = {shown}` renders {shown}'s template with a `{shown}` value: add a field of type `{shown}` holding it, e.g. `base: {shown}`"
                ),
            );
            None
        }
        [..] => {
            let shown = base.to_token_stream().to_string();
            cx.error_spanned_by(
                base,
                format!("`extends = {shown}` needs exactly one field of type `{shown}`, and there are several"),
            );
            None
        }
    }
}

fn last_segment(ty: &Type) -> Option<String> {
    match ty {
        Type::Path(p) if p.qself.is_none() => p
            .path
            .segments
            .last()
            .map(|s| s.to_token_stream().to_string()),
        _ => None,
    }
}
