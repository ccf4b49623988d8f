//! Step 2 of `#[reactive(...)]` / `#[component(...)]` on a struct: apply the declaration rules
//! to the parsed [`Input`] and build the checked [`Model`]. Every error goes to the context;
//! the model is always complete, with a fallback wherever something was wrong, so the
//! expansion next to the errors causes no cascade.
//!
//! What only the type checker knows (that a `react` element is a key, that two elements are
//! the same key, that `load` takes the key field's type) is asserted in the expansion instead.

use heck::ToKebabCase;
use proc_macro2::Span;
use quote::ToTokens;
use syn::{Expr, Fields, ItemStruct, LitStr, Type};

use crate::ctxt::{Ctxt, Given};
use crate::grammar::{kebab, snake, unraw};

use super::model::{
    AssetModel, FieldModel, FieldRef, Kind, Model, Shape, SlotModel, TemplateSource,
};
use super::parse::{FieldOptions, Input, KeyList, SlotOptions};

pub fn check(cx: &mut Ctxt, input: Input) -> Model {
    let Input {
        kind,
        item,
        options,
        fields,
    } = input;
    let common = options.common;
    let unknown = options.unknown;

    if !item.generics.params.is_empty() && kind == Kind::Reactive {
        cx.error_spanned_by(
            &item.generics,
            "a reactive component cannot be generic: each one is registered under one concrete type",
        );
    }
    let react = once(
        cx,
        options.react,
        "react",
        "list every key in one `react = [...]`",
    );
    let rate_limit = once(cx, options.rate_limit, "rate_limit", "keep one");
    let cache = once(cx, options.cache, "cache", "keep one");
    let name = once(cx, common.name, "name", "keep one");
    let binds = once(
        cx,
        options.binds,
        "binds",
        "list every target in one `binds = [...]`",
    );
    let binds = check_binds(cx, binds);
    let morph = once(cx, options.morph, "morph", "keep one").is_none_or(|m| m.0);
    for id in common.id {
        if let Err(e) = id {
            cx.darling(e, None);
        }
    }
    if kind == Kind::Plain
        && let Some(list) = &react
        && cache.is_none()
    {
        cx.syn_error(syn::Error::new(
            list.span,
            "on a `#[component]`, `react` names the keys whose mutation drops its cached renders, so it needs `cache = \"…\"`; a component that re-renders when keys change is `#[reactive(react = [...], ...)]`",
        ));
    }
    let react = check_react(cx, kind, react, unknown);
    let permissions = all(cx, common.permissions)
        .into_iter()
        .flat_map(|list| list.0)
        .collect();
    let css = all(cx, common.css).into_iter().map(|l| (true, l));
    let js = all(cx, common.js).into_iter().map(|l| (false, l));
    let assets = check_assets(cx, css.chain(js).collect());
    let (fields, shape) = check_fields(cx, kind, &item, fields);
    let sources = TemplateChoice {
        template: all(cx, common.template),
        source: all(cx, common.source),
        extends: all(cx, common.extends).into_iter().map(|b| *b.0).collect(),
    };
    let template = check_template(cx, kind, sources, &fields, &item, unknown);

    // A `name` sets the default region id too: `name = "list"` gives the region `list`.
    let (type_name, kebab) = match name {
        Some(name) => (name.0.value(), name.0.value().to_kebab_case()),
        None => (snake(&item.ident), kebab(&item.ident)),
    };
    Model {
        kind,
        morph,
        type_name,
        kebab,
        react,
        template: template.unwrap_or_else(|| {
            TemplateSource::Inline(LitStr::new("<div></div>", Span::call_site()))
        }),
        assets,
        fields,
        shape,
        permissions,
        policy_span: rate_limit
            .as_ref()
            .map(|r| r.span())
            .or(cache.as_ref().map(|c| c.span())),
        rate_limit: rate_limit.map(|r| r.into_inner()),
        cache_ttl: cache.map(|c| c.into_inner().secs),
        binds,
        item,
    }
}

/// `binds = [...]`: not empty, each name once.
fn check_binds(cx: &mut Ctxt, binds: Option<super::parse::BindList>) -> Vec<syn::Ident> {
    let Some(list) = binds else {
        return Vec::new();
    };
    if list.names.is_empty() {
        cx.syn_error(syn::Error::new(
            list.span,
            "`binds` is empty: list the names optimistic patches set (e.g. `binds = [count]`), or remove it",
        ));
    }
    let mut names: Vec<syn::Ident> = Vec::new();
    for name in list.names {
        if names.iter().any(|n| unraw(n) == unraw(&name)) {
            cx.error_spanned_by(
                &name,
                format!(
                    "`{}` is listed twice in `binds`: list each target once",
                    unraw(&name)
                ),
            );
        } else {
            names.push(name);
        }
    }
    names
}

/// Every occurrence that was read; the others are reported.
fn all<T>(cx: &mut Ctxt, given: Given<T>) -> Vec<T> {
    given
        .into_iter()
        .filter_map(|value| cx.handle(value, None))
        .collect()
}

/// The one occurrence of an option that may be given once; a repeat is reported at itself.
fn once<T: OptionSpan>(cx: &mut Ctxt, given: Given<T>, option: &str, fix: &str) -> Option<T> {
    let mut first = None;
    for value in given {
        match value {
            Err(e) => cx.darling(e, None),
            Ok(value) if first.is_some() => cx.syn_error(syn::Error::new(
                value.option_span(),
                format!("`{option}` is given twice: {fix}"),
            )),
            Ok(value) => first = Some(value),
        }
    }
    first
}

/// Where an option's value was written.
trait OptionSpan {
    fn option_span(&self) -> Span;
}

impl<T> OptionSpan for darling::util::SpannedValue<T> {
    fn option_span(&self) -> Span {
        self.span()
    }
}

impl OptionSpan for KeyList {
    fn option_span(&self) -> Span {
        self.span
    }
}

impl OptionSpan for super::parse::BindList {
    fn option_span(&self) -> Span {
        self.span
    }
}

impl OptionSpan for crate::grammar::TypeName {
    fn option_span(&self) -> Span {
        self.0.span()
    }
}

/// Rule 1: `react` is required, non-empty, lists key paths, each once. That each is a key, and
/// that no two spellings name one key, is asserted in the expansion, where types are known.
fn check_react(cx: &mut Ctxt, kind: Kind, react: Option<KeyList>, unknown: bool) -> Vec<Expr> {
    let Some(KeyList { span, keys }) = react else {
        if kind == Kind::Reactive && !unknown {
            cx.syn_error(syn::Error::new(
                Span::call_site(),
                "`react` is required: list the state keys this component depends on, e.g. `#[reactive(react = [Keys::Todos], template = \"counter.html\")]`",
            ));
        }
        return Vec::new();
    };
    if keys.is_empty() && kind == Kind::Reactive {
        cx.syn_error(syn::Error::new(
            span,
            "`react` is empty: a reactive component depends on at least one key, e.g. `react = [Keys::Todos]`; a component that depends on nothing is a plain `#[component]`",
        ));
    }
    // A repeat as written is reported here, at the whole path; a repeat under another spelling
    // (an alias, another enum's key of the same wire name) only the expansion can see.
    let mut seen: Vec<String> = Vec::new();
    for expr in &keys {
        let text = expr.to_token_stream().to_string().replace(' ', "");
        if seen.contains(&text) {
            cx.error_spanned_by(
                expr,
                format!("`{text}` is listed twice in `react`: list each key once"),
            );
        } else {
            seen.push(text);
        }
    }
    keys.into_iter()
        .filter(|expr| match expr {
            Expr::Path(_) => true,
            Expr::Lit(lit) if matches!(lit.lit, syn::Lit::Str(_)) => {
                cx.error_spanned_by(
                    expr,
                    "`react` takes MutationKey variants, not strings: write a variant of an enum that derives `MutationKey`, e.g. `react = [Keys::Todos]`",
                );
                false
            }
            Expr::MethodCall(call) if unraw(&call.method) == "at" => {
                let key = call.receiver.to_token_stream().to_string().replace(' ', "");
                cx.error_spanned_by(
                    expr,
                    format!("`react` lists whole keys such as `{key}`: a keyed region already reacts to its own instance (`{key}.at(7)` reaches only the region loaded with 7); `.at(...)` belongs in `#[mutates]`"),
                );
                false
            }
            _ => {
                cx.error_spanned_by(
                    expr,
                    "`react` lists MutationKey variants by path, e.g. `react = [Keys::Todos, Keys::TodoList]`",
                );
                false
            }
        })
        .collect()
}

/// Rule 3 (and field options): at most one `#[pjx_key]`, only in reactive components;
/// `#[pjx(ephemeral)]`, `#[pjx(locked)]`.
fn check_fields(
    cx: &mut Ctxt,
    kind: Kind,
    item: &ItemStruct,
    options: Vec<Option<FieldOptions>>,
) -> (Vec<FieldModel>, Shape) {
    let shape = match item.fields {
        Fields::Named(_) => Shape::Named,
        Fields::Unnamed(_) => Shape::Tuple,
        Fields::Unit => Shape::Unit,
    };
    let serde = may_derive_serde(item);
    let mut key_seen = false;
    let mut models = Vec::new();
    for (index, (field, options)) in item.fields.iter().zip(options).enumerate() {
        let (mut is_key, mut ephemeral, mut locked) = (false, false, false);
        let mut slot = None;
        if let Some(options) = options {
            ephemeral = options.ephemeral.is_present();
            locked = options.locked.is_present();
            if let Some(given) = &options.slot {
                slot = check_slot(cx, field, given);
            }
            for attr in &options.attrs {
                if !matches!(attr.meta, syn::Meta::Path(_)) {
                    cx.error_spanned_by(
                        attr,
                        "`#[pjx_key]` takes no arguments: write `#[pjx_key]`",
                    );
                } else if kind == Kind::Plain {
                    cx.error_spanned_by(
                        attr,
                        "`#[pjx_key]` marks the load key of a keyed reactive component, and a `#[component]` is not reactive: remove it, or declare the struct with `#[reactive(react = [...], ...)]`",
                    );
                } else if key_seen {
                    cx.error_spanned_by(
                        attr,
                        "a reactive component has at most one `#[pjx_key]` field: its instances are told apart by one key, the argument of `load`; remove this one",
                    );
                } else {
                    key_seen = true;
                    is_key = true;
                }
            }
        }
        if locked && kind == Kind::Reactive {
            cx.error_spanned_by(
                &field.ty,
                "`#[pjx(locked)]` keeps a field out of the signed state of a component with events; a reactive component has none (`load` rebuilds it): remove it, or `#[pjx(ephemeral)]` to leave the field out of the state hash",
            );
            locked = false;
        } else if locked && !serde {
            cx.error_spanned_by(
                &field.ty,
                "`#[pjx(locked)]` keeps a field out of a component's signed state, which is its serde form: derive `Serialize` and `Deserialize` after `#[component(...)]`",
            );
            locked = false;
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
        if slot.is_some() && is_key {
            cx.error_spanned_by(
                &field.ty,
                "a slot is filled where the component is built, so it cannot be the `#[pjx_key]` that `load` takes: remove one of the two",
            );
        }
        models.push(FieldModel {
            member,
            name,
            ty: field.ty.clone(),
            ephemeral,
            is_key,
            locked,
            slot,
        });
    }
    (models, shape)
}

/// Whether a derive after the attribute may be serde's, whose `#[serde(skip)]` then keeps
/// locked fields out of the state. Derive names are not resolved here, so the test is the
/// safe way round: only a struct whose derives are all the standard library's (or that has
/// none) certainly lacks serde, and is told so; anything else (`Serialize`, a renamed import
/// of it) gets `#[serde(skip)]`.
fn may_derive_serde(item: &ItemStruct) -> bool {
    const STD: [&str; 9] = [
        "Clone",
        "Copy",
        "Debug",
        "Default",
        "PartialEq",
        "Eq",
        "PartialOrd",
        "Ord",
        "Hash",
    ];
    let mut derives = Vec::new();
    for attr in item.attrs.iter().filter(|a| a.path().is_ident("derive")) {
        let _ = attr.parse_nested_meta(|meta| {
            derives.push(meta.path);
            Ok(())
        });
    }
    derives.iter().any(|path| {
        path.segments
            .last()
            .is_none_or(|last| !STD.iter().any(|std| last.ident == std))
    })
}

/// `template = "…"`, `source = "…"`, `extends = Other`, as given.
struct TemplateChoice {
    template: Vec<LitStr>,
    source: Vec<LitStr>,
    extends: Vec<Type>,
}

/// Rule 4: exactly one of `template`, `source`, `extends`.
fn check_template(
    cx: &mut Ctxt,
    kind: Kind,
    choice: TemplateChoice,
    fields: &[FieldModel],
    item: &ItemStruct,
    unknown: bool,
) -> Option<TemplateSource> {
    let mut given: Vec<(Span, TemplateSource)> = Vec::new();
    for lit in choice.template {
        given.push((lit.span(), TemplateSource::File(lit)));
    }
    for lit in choice.source {
        given.push((lit.span(), TemplateSource::Inline(lit)));
    }
    for base in choice.extends {
        let span = syn::spanned::Spanned::span(&base);
        given.push((
            span,
            TemplateSource::Extends {
                base: Box::new(base),
                field: FieldRef::Index(syn::Index::from(0)),
            },
        ));
    }
    let mut given = given.into_iter();
    let Some((_, first)) = given.next() else {
        if unknown {
            return None;
        }
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
    for (span, _) in given {
        cx.syn_error(syn::Error::new(
            span,
            "two templates is no template: give exactly one of `template = \"…\"`, `source = \"…\"` or `extends = Other`",
        ));
        // Expand with the fallback template: either source may be the wrong one.
        ok = false;
    }
    let source = match first {
        TemplateSource::File(lit) => {
            let value = lit.value();
            if value.is_empty() || value.starts_with('/') || value.contains("..") {
                cx.error_spanned_by(
                    &lit,
                    "`template` names a file relative to the crate's templates/ directory, e.g. `template = \"item_row.html\"`",
                );
            }
            TemplateSource::File(lit)
        }
        TemplateSource::Extends { base, .. } => {
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
        inline => inline,
    };
    ok.then_some(source)
}

/// Asset files are embedded with `include_str!`; a missing one is reported here, in pjx's
/// words, and left out of the expansion.
fn check_assets(cx: &mut Ctxt, lists: Vec<(bool, super::parse::StrList)>) -> Vec<AssetModel> {
    let templates = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(|dir| std::path::Path::new(&dir).join("templates"));
    let mut assets = Vec::new();
    for (css, list) in lists {
        for value in list.0 {
            let name = value.value();
            let is_url = name.starts_with('/')
                || name.starts_with("http://")
                || name.starts_with("https://");
            let kind = if css { "css" } else { "js" };
            if !is_url && (name.is_empty() || name.contains("..")) {
                cx.error_spanned_by(
                    &value,
                    format!("`{kind}` names a file under the crate's templates/ directory (e.g. `{kind} = \"counter.{kind}\"`) or a URL starting with `/` or `http`"),
                );
                continue;
            }
            if !is_url
                && let Some(templates) = &templates
                && !templates.join(&name).is_file()
            {
                cx.error_spanned_by(
                    &value,
                    format!("{kind} file `templates/{name}` not found: asset paths are relative to the crate's templates/ directory (a URL starting with `/` or `http` is linked instead of embedded)"),
                );
                continue;
            }
            assets.push(AssetModel { css, value, is_url });
        }
    }
    assets
}

/// `extends = Base` renders `Base`'s template with `Base`'s data, held in a field of that type.
/// The field is found by the type as written (its last path segment); the expansion then
/// asserts that the field's type really is `Base`, so a wrong match is a type error, not a
/// silent one.
fn find_base_field(cx: &mut Ctxt, base: &Type, fields: &[FieldModel]) -> Option<FieldRef> {
    let base_name = last_segment(base);
    let matches: Vec<&FieldModel> = fields
        .iter()
        .filter(|f| base_name.is_some() && last_segment(&f.ty) == base_name)
        .collect();
    let shown = base.to_token_stream().to_string();
    match matches.as_slice() {
        [one] => Some(one.member.clone()),
        [] => {
            cx.error_spanned_by(
                base,
                format!(
                    "`extends = {shown}` renders {shown}'s template with a `{shown}` value: add a field of type `{shown}` holding it, e.g. `base: {shown}`"
                ),
            );
            None
        }
        [..] => {
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

/// `#[pjx(slot)]` / `#[pjx(slot(default = "…"))]`: a named field of type `Slot<T>` (required)
/// or `Option<Slot<T>>` (optional); only an optional slot has default content.
fn check_slot(
    cx: &mut Ctxt,
    field: &syn::Field,
    given: &darling::util::SpannedValue<darling::util::Override<SlotOptions>>,
) -> Option<SlotModel> {
    let options = (**given).clone().unwrap_or_default();
    if field.ident.is_none() {
        cx.syn_error(syn::Error::new(
            given.span(),
            "a slot is a named field (its name is how the template places it and the builder fills it): name this field",
        ));
        return None;
    }
    let name = field.ident.as_ref().map(unraw).unwrap_or_default();
    let (required, slot_ty) = if last_segment_ident(&field.ty).as_deref() == Some("Slot") {
        (true, field.ty.clone())
    } else if let Some(inner) = option_inner(&field.ty)
        && last_segment_ident(inner).as_deref() == Some("Slot")
    {
        (false, inner.clone())
    } else {
        cx.error_spanned_by(
            &field.ty,
            format!(
                "the slot `{name}` has the type `Slot` (a required slot), `Option<Slot>` (an optional one), or `Slot<Child>` / `Option<Slot<Child>>` for a child component: write e.g. `{name}: Slot`"
            ),
        );
        return None;
    };
    if required && let Some(default) = &options.default {
        cx.error_spanned_by(
            default,
            format!(
                "the slot `{name}` is required, so its default would never show: make it optional (`{name}: Option<Slot>`) to give it default content, or remove `default`"
            ),
        );
    }
    Some(SlotModel {
        required,
        default: options.default.map(|d| d.value()).unwrap_or_default(),
        slot_ty,
    })
}

/// The last path segment's name of a path type (`pjx::Slot<T>` → `Slot`).
fn last_segment_ident(ty: &Type) -> Option<String> {
    match ty {
        Type::Path(p) if p.qself.is_none() => p.path.segments.last().map(|s| unraw(&s.ident)),
        Type::Group(g) => last_segment_ident(&g.elem),
        _ => None,
    }
}

/// `T` of `Option<T>` (or `std::option::Option<T>`).
fn option_inner(ty: &Type) -> Option<&Type> {
    let Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != "Option" {
        return None;
    }
    match &last.arguments {
        syn::PathArguments::AngleBracketed(args) if args.args.len() == 1 => match &args.args[0] {
            syn::GenericArgument::Type(inner) => Some(inner),
            _ => None,
        },
        _ => None,
    }
}
