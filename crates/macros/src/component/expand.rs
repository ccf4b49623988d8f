//! Expansion of a validated component [`Model`].

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{GenericParam, Lifetime, LifetimeParam};

use super::model::{AssetModel, Kind, Model, Shape, TemplateSource};
use crate::grammar::RateLimit;

/// The struct as emitted: locked fields never leave the server, so serde skips them (the
/// check made sure a serde derive may follow).
fn with_locked_fields_skipped(model: &Model) -> syn::ItemStruct {
    let mut item = model.item.clone();
    for (field, pjx) in item.fields.iter_mut().zip(&model.fields) {
        if pjx.locked {
            field.attrs.push(syn::parse_quote!(#[serde(skip)]));
        }
    }
    item
}

pub fn expand(model: &Model) -> TokenStream {
    let item = with_locked_fields_skipped(model);
    let view = expand_view(model);
    let component = expand_component(model);
    let display = expand_display(model);
    let reactive = match model.kind {
        Kind::Reactive => {
            let hash = expand_hash_state(model);
            let reactive = expand_reactive(model);
            quote! { #hash #reactive }
        }
        Kind::Plain => TokenStream::new(),
    };
    let policy = expand_policy(model);
    let react_names = expand_react_names(model);
    quote! {
        #item
        const _: () = {
            #react_names
            // `{{ self.on("event") }}` in templates of components with events.
            #[allow(unused_imports)]
            use ::pjx::__private::Triggers as _;
            #view
            #component
            #reactive
            #policy
            #display
        };
    }
}

/// `react = [...]` as wire names, computed at compile time: the one check that each element is
/// a key (`MutationKey`'s message, at the element), and a check that no key is listed twice,
/// compared by wire name so that `K::Todos` (an alias) or `Other::Todos` (another enum's key of
/// the same name) is caught as well as a repeat as written.
fn expand_react_names(model: &Model) -> TokenStream {
    if model.react.is_empty() {
        return TokenStream::new();
    }
    let names = model.react.iter().map(|expr| {
        quote_spanned! {expr.span()=>
            ::pjx::__private::react_key_name(&#expr, #expr as isize)
        }
    });
    let text = |expr: &syn::Expr| {
        quote::ToTokens::to_token_stream(expr)
            .to_string()
            .replace(' ', "")
    };
    let mut repeats = Vec::new();
    for (j, later) in model.react.iter().enumerate() {
        for (i, earlier) in model.react.iter().enumerate().take(j) {
            let (a, b) = (text(earlier), text(later));
            if a == b {
                // A repeat as written: the check reported it, at the whole path.
                continue;
            }
            let message = format!(
                "`{b}` is the same key as `{a}` (one wire name): list each key once in `react`"
            );
            repeats.push(quote_spanned! {later.span()=>
                if ::pjx::__private::same_key(__PJX_REACT[#i], __PJX_REACT[#j]) {
                    ::core::panic!("{}", #message);
                }
            });
        }
    }
    quote! {
        const __PJX_REACT: &[&str] = &[#(#names),*];
        const _: () = { #(#repeats)* };
    }
}

/// Access rules (`permissions = [...]`) and the rate limit / render cache policy, for every
/// component (empty lists and `None` when not declared).
fn expand_policy(model: &Model) -> TokenStream {
    let ident = &model.item.ident;
    let (impl_generics, ty_generics, where_clause) = model.item.generics.split_for_impl();
    let guarded = !model.permissions.is_empty();
    // One call per permission, so a type that is not a permission is reported once.
    let checks = model.permissions.iter().map(|p| {
        quote_spanned! {p.span()=>
            && ::pjx::__private::permission_allows::<#p, Self>(cx)
            && object.is_none_or(|o| ::pjx::__private::object_permission_allows::<#p, Self>(cx, o))
        }
    });
    let rate_limit = match &model.rate_limit {
        Some(RateLimit {
            count,
            window_secs: secs,
        }) => quote! {
            ::core::option::Option::Some(::pjx::__private::RateLimit {
                count: #count,
                window: ::pjx::__private::Duration::from_secs(#secs),
            })
        },
        None => quote!(::core::option::Option::None),
    };
    let cache_ttl = match model.cache_ttl {
        Some(secs) => {
            quote!(::core::option::Option::Some(::pjx::__private::Duration::from_secs(#secs)))
        }
        None => quote!(::core::option::Option::None),
    };
    let cache_keys = if model.kind == Kind::Plain && !model.react.is_empty() {
        quote!(__PJX_REACT)
    } else {
        quote!(&[])
    };
    // `rate_limit` and `cache` act through the dispatch route: only components with events
    // have one.
    let needs_events = match model.policy_span {
        Some(span) if model.item.generics.params.is_empty() => {
            // The type named at the option, so the error points there.
            let mut ty = ident.clone();
            ty.set_span(span);
            quote_spanned! {span=>
                const _: fn() = ::pjx::__private::assert_has_events::<#ty>;
            }
        }
        _ => quote!(),
    };
    quote! {
        #needs_events

        #[automatically_derived]
        impl #impl_generics #ident #ty_generics #where_clause {
            #[doc(hidden)]
            #[allow(clippy::nonminimal_bool)]
            fn __pjx_permits(cx: &::pjx::__private::LoadCx, object: ::core::option::Option<&Self>) -> bool {
                let _ = object;
                true #(#checks)*
            }
        }

        #[automatically_derived]
        impl #impl_generics ::pjx::__private::Guarded for #ident #ty_generics #where_clause {
            const GUARDED: bool = #guarded;

            fn check_access(cx: &::pjx::__private::LoadCx) -> ::pjx::__private::Access {
                ::pjx::__private::Access::from_check(Self::__pjx_permits(cx, ::core::option::Option::None), cx)
            }

            fn check_object_access(&self, cx: &::pjx::__private::LoadCx) -> ::pjx::__private::Access {
                ::pjx::__private::Access::from_check(Self::__pjx_permits(cx, ::core::option::Option::Some(self)), cx)
            }
        }

        #[automatically_derived]
        impl #impl_generics ::pjx::__private::Policy for #ident #ty_generics #where_clause {
            const RATE_LIMIT: ::core::option::Option<::pjx::__private::RateLimit> = #rate_limit;
            const CACHE_TTL: ::core::option::Option<::pjx::__private::Duration> = #cache_ttl;

            fn cache_keys() -> &'static [&'static str] {
                #cache_keys
            }
        }
    }
}

/// The askama template is derived on a private view that derefs to the component, so the
/// template sees the component's fields and methods while the component's own `Display` stays
/// pjx's (stamped, nestable) rather than askama's.
fn expand_view(model: &Model) -> TokenStream {
    let ident = &model.item.ident;
    let template_attr = match &model.template {
        TemplateSource::File(path) => quote! {
            #[template(path = #path, askama = ::pjx::__private::askama)]
        },
        TemplateSource::Inline(source) => quote! {
            #[template(source = #source, ext = "html", askama = ::pjx::__private::askama)]
        },
        TemplateSource::Extends { base, field } => {
            // No template of its own: the base's, with the base's data.
            return quote_spanned! {base.span()=>
                #[automatically_derived]
                impl ::pjx::__private::Extends for #ident {
                    type Base = #base;
                    #[inline]
                    fn base(&self) -> &Self::Base {
                        &self.#field
                    }
                }
            };
        }
    };
    let (_, ty_generics, where_clause) = model.item.generics.split_for_impl();
    let mut view_generics = model.item.generics.clone();
    let lifetime = Lifetime::new("'__pjx", proc_macro2::Span::call_site());
    view_generics.params.insert(
        0,
        GenericParam::Lifetime(LifetimeParam::new(lifetime.clone())),
    );
    let (view_impl, view_ty, _) = view_generics.split_for_impl();
    let params = &view_generics.params;
    quote! {
        #[derive(::pjx::__private::askama::Template)]
        #template_attr
        struct __PjxView<#params> #where_clause {
            __pjx_component: &#lifetime #ident #ty_generics,
        }

        #[automatically_derived]
        impl #view_impl ::pjx::__private::Deref for __PjxView #view_ty #where_clause {
            type Target = #ident #ty_generics;
            #[inline]
            fn deref(&self) -> &Self::Target {
                self.__pjx_component
            }
        }
    }
}

fn expand_component(model: &Model) -> TokenStream {
    let ident = &model.item.ident;
    let (impl_generics, ty_generics, where_clause) = model.item.generics.split_for_impl();
    let type_name = &model.type_name;
    let kebab = &model.kebab;

    let assets = expand_assets(model);

    let region_id = if let Some(id) = model.id_field() {
        let member = &id.member;
        quote_spanned! {id.ty.span()=>
            ::pjx::__private::Cow::Borrowed(::pjx::__private::RegionIdField::region_id(&self.#member))
        }
    } else if let (Kind::Reactive, Some(_)) = (model.kind, model.key_field()) {
        let prefix = format!("{kebab}-");
        quote! {
            ::pjx::__private::Cow::Owned(::pjx::__private::keyed_region_id(self, #prefix))
        }
    } else {
        quote! { ::pjx::__private::Cow::Borrowed(#kebab) }
    };

    let render_template = match &model.template {
        TemplateSource::Extends { .. } => quote! {
            ::pjx::__private::render_base(self, out)
        },
        _ => quote! {
            ::pjx::__private::render_askama(
                <Self as ::pjx::__private::Component>::TYPE_NAME,
                <Self as ::pjx::__private::Component>::assets(),
                &__PjxView { __pjx_component: self },
                out,
            )
        },
    };

    let render_into = match model.kind {
        Kind::Reactive => quote! {
            #[inline]
            fn render_into(
                &self,
                out: &mut ::pjx::__private::String,
            ) -> ::core::result::Result<(), ::pjx::__private::RenderError> {
                ::pjx::__private::render_reactive(self, out)
            }
        },
        // A component with events (a `#[component] impl`) is stamped with its signed state.
        Kind::Plain => quote! {
            #[inline]
            fn render_into(
                &self,
                out: &mut ::pjx::__private::String,
            ) -> ::core::result::Result<(), ::pjx::__private::RenderError> {
                #[allow(unused_imports)]
                use ::pjx::__private::{RenderPlain as _, RenderStateful as _};
                (&::pjx::__private::RenderProbe(self)).pjx_render_into(out)
            }
        },
    };

    // Register the assets so the adapter can serve them (a generic type has no single list).
    let register_assets = if model.assets.is_empty() || !model.item.generics.params.is_empty() {
        TokenStream::new()
    } else {
        quote! {
            ::pjx::__private::inventory::submit! {
                ::pjx::__private::AssetSet {
                    assets: <#ident as ::pjx::__private::Component>::assets,
                }
            }
        }
    };
    quote! {
        #register_assets

        #[automatically_derived]
        impl #impl_generics ::pjx::__private::Component for #ident #ty_generics #where_clause {
            const TYPE_NAME: &'static str = #type_name;

            fn assets() -> &'static [::pjx::__private::Asset] {
                #assets
            }

            fn region_id(&self) -> ::pjx::__private::Cow<'_, str> {
                #region_id
            }

            #[inline]
            fn render_template(
                &self,
                out: &mut ::pjx::__private::String,
            ) -> ::core::result::Result<(), ::pjx::__private::RenderError> {
                #render_template
            }

            #render_into
        }
    }
}

fn asset_tokens(asset: &AssetModel) -> TokenStream {
    let value = &asset.value;
    match (asset.css, asset.is_url) {
        (true, true) => quote! { ::pjx::__private::Asset::CssUrl(#value) },
        (false, true) => quote! { ::pjx::__private::Asset::JsUrl(#value) },
        (css, false) => {
            let variant = if css { quote!(Css) } else { quote!(Js) };
            let file = format!("/templates/{}", value.value());
            quote_spanned! {value.span()=>
                ::pjx::__private::Asset::#variant {
                    path: #value,
                    content: ::core::include_str!(::core::concat!(
                        ::core::env!("CARGO_MANIFEST_DIR"),
                        #file
                    )),
                }
            }
        }
    }
}

fn expand_assets(model: &Model) -> TokenStream {
    let own: Vec<TokenStream> = model.assets.iter().map(asset_tokens).collect();
    match &model.template {
        TemplateSource::Extends { .. } => {
            let ident = &model.item.ident;
            quote! {
                static ASSETS: ::pjx::__private::LazyLock<::pjx::__private::Vec<::pjx::__private::Asset>> =
                    ::pjx::__private::LazyLock::new(|| {
                        let mut assets = ::pjx::__private::Vec::from([#(#own),*]);
                        for asset in ::pjx::__private::base_assets::<#ident>() {
                            if !assets.contains(asset) {
                                assets.push(*asset);
                            }
                        }
                        assets
                    });
                &ASSETS
            }
        }
        _ => quote! { &[#(#own),*] },
    }
}

/// The state hash walks the hashed fields in key order, fixed here at compile time.
fn expand_hash_state(model: &Model) -> TokenStream {
    let ident = &model.item.ident;
    let hashed: Vec<_> = model.fields.iter().filter(|f| f.hashed()).collect();
    let body = match model.shape {
        Shape::Named => {
            let mut sorted = hashed;
            sorted.sort_by(|a, b| a.name.cmp(&b.name));
            let writes = sorted.iter().map(|f| {
                let member = &f.member;
                let key = format!("\"{}\":", f.name.as_deref().unwrap_or_default());
                let value = quote_spanned!(f.ty.span()=> &self.#member);
                quote! { object.field(#key, #value)?; }
            });
            quote! {
                let mut object = out.object();
                #(#writes)*
                object.end();
            }
        }
        // A newtype serializes as its one field, as serde does.
        Shape::Tuple if model.fields.len() == 1 && hashed.len() == 1 => {
            let member = &hashed[0].member;
            let value = quote_spanned!(hashed[0].ty.span()=> &self.#member);
            quote! { out.value(#value)?; }
        }
        Shape::Tuple => {
            let writes = hashed.iter().map(|f| {
                let member = &f.member;
                let value = quote_spanned!(f.ty.span()=> &self.#member);
                quote! { array.element(#value)?; }
            });
            quote! {
                let mut array = out.array();
                #(#writes)*
                array.end();
            }
        }
        Shape::Unit => quote! { out.null(); },
    };
    quote! {
        #[automatically_derived]
        impl ::pjx::__private::HashState for #ident {
            fn write_state(
                &self,
                out: &mut ::pjx::__private::StateWriter<'_>,
            ) -> ::core::result::Result<(), ::pjx::__private::CanonicalError> {
                #body
                ::core::result::Result::Ok(())
            }
        }
    }
}

fn expand_reactive(model: &Model) -> TokenStream {
    let ident = &model.item.ident;
    let react = (0..model.react.len()).map(|i| {
        quote! { ::pjx::__private::Key::new(__PJX_REACT[#i]) }
    });
    let key_field = model.key_field();
    let (key_ty, keyed, load_key) = match key_field {
        Some(field) => {
            let ty = &field.ty;
            let member = &field.member;
            (
                quote_spanned!(ty.span()=> #ty),
                true,
                quote! { ::core::option::Option::Some(&self.#member) },
            )
        }
        None => (
            quote!(::pjx::__private::NoKey),
            false,
            quote! { ::core::option::Option::None },
        ),
    };
    // How `load`'s signature is tied to the key field (checked in `#[reactive] impl`).
    let key_relation = match key_field {
        Some(field) => {
            let ty = &field.ty;
            quote! {
                #[automatically_derived]
                impl ::pjx::__private::KeyedBy<#ty> for #ident {
                    #[inline]
                    fn load_key(key: #ty) -> #ty {
                        key
                    }
                }
            }
        }
        None => quote! {
            #[automatically_derived]
            impl ::pjx::__private::Singleton<::pjx::__private::NoKey> for #ident {}

            #[automatically_derived]
            impl<__PjxK> ::pjx::__private::KeyedBy<__PjxK> for #ident
            where
                __PjxK: ::pjx::__private::NoKeyFor<#ident>,
            {
                fn load_key(_: ::pjx::__private::NoKey) -> __PjxK {
                    <__PjxK as ::pjx::__private::NoKeyFor<#ident>>::unreachable()
                }
            }
        },
    };
    // That `load` exists, checked once at the type's name. A region without a key checks it
    // by loading itself as a field of a `#[derive(LoadPage)]` page.
    let requires_load = match key_field {
        Some(_) => quote_spanned! {ident.span()=>
            const _: fn() = ::pjx::__private::assert_load::<#ident>;
        },
        // Spanned as a whole at the name: the call and the future it returns are checked at
        // one place, so a missing `load` is reported once.
        None => {
            let load = quote! { ::pjx::__private::load_singleton::<#ident>(cx) };
            quote_spanned! {ident.span()=>
                #[automatically_derived]
                impl ::pjx::__private::PageField for #ident {
                    #[allow(clippy::manual_async_fn)]
                    fn load_field(
                        cx: &::pjx::__private::LoadCx,
                    ) -> impl ::pjx::__private::Future<
                        Output = ::core::result::Result<Self, ::pjx::__private::LoadError>,
                    > {
                        #load
                    }
                }
            }
        }
    };
    quote! {
        #[automatically_derived]
        impl ::pjx::__private::Reactive for #ident {
            type Key = #key_ty;
            const KEYED: bool = #keyed;

            fn react() -> &'static ::pjx::__private::ReactSet {
                static REACT: ::pjx::__private::LazyLock<::pjx::__private::ReactSet> =
                    ::pjx::__private::LazyLock::new(|| {
                        ::pjx::__private::ReactSet::new([#(#react),*])
                    });
                &REACT
            }

            #[inline]
            fn load_key(&self) -> ::core::option::Option<&Self::Key> {
                #load_key
            }
        }

        #key_relation
        #requires_load
    }
}

/// `Display` (the rendered HTML), askama's `FastWritable` (nesting with error propagation)
/// and `HtmlSafe` (not escaped again when nested).
fn expand_display(model: &Model) -> TokenStream {
    let ident = &model.item.ident;
    let (impl_generics, ty_generics, where_clause) = model.item.generics.split_for_impl();
    quote! {
        #[automatically_derived]
        impl #impl_generics ::pjx::__private::fmt::Display for #ident #ty_generics #where_clause {
            fn fmt(
                &self,
                f: &mut ::pjx::__private::fmt::Formatter<'_>,
            ) -> ::pjx::__private::fmt::Result {
                let mut html = ::pjx::__private::String::new();
                ::pjx::__private::Component::render_into(self, &mut html)
                    .map_err(|_| ::pjx::__private::fmt::Error)?;
                f.write_str(&html)
            }
        }

        #[automatically_derived]
        impl #impl_generics ::pjx::__private::askama::FastWritable for #ident #ty_generics #where_clause {
            #[inline]
            fn write_into(
                &self,
                dest: &mut dyn ::pjx::__private::fmt::Write,
                _: &dyn ::pjx::__private::askama::Values,
            ) -> ::pjx::__private::askama::Result<()> {
                ::pjx::__private::write_nested(self, dest)
            }
        }

        #[automatically_derived]
        impl #impl_generics ::pjx::__private::askama::filters::HtmlSafe for #ident #ty_generics #where_clause {}
    }
}
