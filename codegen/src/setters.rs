//! The builders of the generated types (`types::builder`), as a Rust user
//! would set a body by hand:
//!
//! - an optional field's setter takes the value itself
//!   (`.description("Administrators")`), not an `Option`;
//! - a list field's setter takes any iterator of values that convert to its
//!   items (`.user_ids(["a", "b"])`);
//! - a builder with required fields unset names every one of them, with its
//!   type, rather than the first it finds; their setters say "Required.".
//!
//! Every generated type is `#[non_exhaustive]`, so that a field or a value
//! Authing adds does not break users' code: these builders are how a body (or
//! an answer, in a test) is made.

use std::collections::{BTreeMap, BTreeSet};

use quote::quote;

use crate::syntax::{first_fn, module, module_mut, single_argument};
use syn::{Expr, ImplItem, Item, ItemImpl, Type, WherePredicate, parse_quote};

/// Rewrites the `types` module of `file`; the required fields of each
/// type's builder, by type.
pub(crate) fn rewrite(file: &mut syn::File) -> Result<BTreeMap<String, BTreeSet<String>>, String> {
    let types = module_mut(&mut file.items, "types").ok_or("progenitor's output has no `types` module")?;
    for item in types.iter_mut() {
        match item {
            Item::Struct(s) => s.attrs.push(parse_quote!(#[non_exhaustive])),
            Item::Enum(e) => e.attrs.push(parse_quote!(#[non_exhaustive])),
            Item::Impl(imp)
                if imp
                    .trait_
                    .as_ref()
                    .is_some_and(|(p, _)| p.segments.last().is_some_and(|s| s.ident == "FromStr")) =>
            {
                name_the_values(imp)
            }
            _ => {}
        }
    }
    let builders = module_mut(types, "builder").ok_or("typify's output has no `types::builder` module")?;
    let required = required_fields(builders);
    let none = BTreeSet::new();
    // Each builder's `Default`, `TryFrom` and setters must be found as they
    // are read here: a typify that writes them otherwise fails generation
    // rather than leave them as they were, silently.
    let count = builders.iter().filter(|item| matches!(item, Item::Struct(_))).count();
    let (mut defaults, mut conversions) = (0, 0);
    for item in builders.iter_mut() {
        let Item::Impl(imp) = item else { continue };
        match &imp.trait_ {
            None => setters(imp, required.get(&self_name(imp)).unwrap_or(&none))?,
            Some((path, _)) if path.segments.last().is_some_and(|s| s.ident == "Default") => {
                defaults += usize::from(required_default(imp));
            }
            Some((path, _)) if path.segments.last().is_some_and(|s| s.ident == "TryFrom") => {
                conversions += usize::from(every_unset(imp));
            }
            _ => {}
        }
    }
    if (defaults, conversions) != (count, count) {
        return Err(format!(
            "typify's builders are not written as codegen/src/setters.rs reads them: of {count} builders, \
             {defaults} have a `Default` of `Self {{ .. }}` and {conversions} a `TryFrom` of `Ok(Self {{ .. }})`"
        ));
    }
    rename_builders(file);
    Ok(required)
}

/// typify names each builder as its type (`types::builder::CreateRoleDto`
/// beside `types::CreateRoleDto`), so docs and errors show two types of one
/// name; the builder becomes `CreateRoleDtoBuilder`.
fn rename_builders(file: &mut syn::File) {
    struct Rename<'a> {
        names: &'a BTreeSet<String>,
        /// The segments a path must end with, before the name: `[]` inside
        /// `types::builder`, `["builder"]` in `types`, `["types", "builder"]` elsewhere.
        prefix: &'a [&'a str],
    }
    impl syn::visit_mut::VisitMut for Rename<'_> {
        fn visit_path_mut(&mut self, path: &mut syn::Path) {
            syn::visit_mut::visit_path_mut(self, path);
            let (n, k) = (path.segments.len(), self.prefix.len());
            // Inside `types::builder` a builder is named alone; elsewhere, through its module.
            if n < k + 1 || (k == 0 && n != 1) {
                return;
            }
            let before: Vec<String> =
                path.segments.iter().skip(n - 1 - k).take(k).map(|s| s.ident.to_string()).collect();
            if before != self.prefix {
                return;
            }
            let last = path.segments.last_mut().expect("n >= 1");
            if self.names.contains(&last.ident.to_string()) {
                last.ident = quote::format_ident!("{}Builder", last.ident);
            }
        }
    }
    let Some(types) = module_mut(&mut file.items, "types") else { return };
    let names: BTreeSet<String> = module(types, "builder")
        .into_iter()
        .flatten()
        .filter_map(|item| match item {
            Item::Struct(s) => Some(s.ident.to_string()),
            _ => None,
        })
        .collect();
    for item in types.iter_mut() {
        match item {
            Item::Mod(m) if m.ident == "builder" => {
                for item in m.content.iter_mut().flat_map(|(_, items)| items.iter_mut()) {
                    if let Item::Struct(s) = item {
                        s.ident = quote::format_ident!("{}Builder", s.ident);
                    }
                    syn::visit_mut::VisitMut::visit_item_mut(&mut Rename { names: &names, prefix: &[] }, item);
                }
            }
            other => {
                syn::visit_mut::VisitMut::visit_item_mut(&mut Rename { names: &names, prefix: &["builder"] }, other)
            }
        }
    }
    for item in file.items.iter_mut() {
        if matches!(item, Item::Mod(m) if m.ident == "types") {
            continue;
        }
        syn::visit_mut::VisitMut::visit_item_mut(&mut Rename { names: &names, prefix: &["types", "builder"] }, item);
    }
}

/// A closed enum's `FromStr`: a value it does not take is named, with the
/// values it takes, instead of "invalid value".
fn name_the_values(imp: &mut ItemImpl) {
    let name = self_name(imp);
    let Some(f) = first_fn(imp) else { return };
    let Some(syn::Stmt::Expr(Expr::Match(m), _)) = f.block.stmts.last_mut() else { return };
    let values: Vec<String> = m
        .arms
        .iter()
        .filter_map(|arm| match &arm.pat {
            syn::Pat::Lit(syn::PatLit { lit: syn::Lit::Str(value), .. }) => Some(format!("{:?}", value.value())),
            _ => None,
        })
        .collect();
    let Some(fallback) = m.arms.iter_mut().find(|arm| matches!(arm.pat, syn::Pat::Wild(_))) else { return };
    if values.is_empty() {
        return;
    }
    let tail = format!(" is not a value of {name}, which takes {}", values.join(", "));
    *fallback.body = parse_quote!(Err(format!("{value:?}{}", #tail).into()));
}

/// The name of the type an impl is of (`CreateRoleDto`).
fn self_name(imp: &ItemImpl) -> String {
    match &*imp.self_ty {
        Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()).unwrap_or_default(),
        _ => String::new(),
    }
}

/// `Default`: a required field starts as `Err("no value supplied for x")`;
/// it says so in the words the error will use. Whether it had that shape.
fn required_default(imp: &mut ItemImpl) -> bool {
    let Some(ImplItem::Fn(f)) = imp.items.first_mut() else { return false };
    let Some(syn::Stmt::Expr(Expr::Struct(init), _)) = f.block.stmts.last_mut() else { return false };
    for field in init.fields.iter_mut() {
        let syn::Member::Named(name) = &field.member else { continue };
        if let Expr::Call(call) = &field.expr
            && matches!(&*call.func, Expr::Path(p) if p.path.is_ident("Err"))
        {
            let message = format!("{name} (required) is not set");
            field.expr = parse_quote!(Err(#message.to_string()));
        }
    }
    true
}

/// The fields each builder's `Default` leaves unset (`Err(..)`): the required ones, by builder.
fn required_fields(builders: &[Item]) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for item in builders {
        let Item::Impl(imp) = item else { continue };
        let is_default =
            imp.trait_.as_ref().is_some_and(|(p, _)| p.segments.last().is_some_and(|s| s.ident == "Default"));
        if !is_default {
            continue;
        }
        let Some(ImplItem::Fn(f)) = imp.items.first() else { continue };
        let Some(syn::Stmt::Expr(Expr::Struct(init), _)) = f.block.stmts.last() else { continue };
        for field in &init.fields {
            if let (syn::Member::Named(field_name), Expr::Call(call)) = (&field.member, &field.expr)
                && matches!(&*call.func, Expr::Path(p) if p.path.is_ident("Err"))
            {
                out.entry(self_name(imp)).or_default().insert(field_name.to_string());
            }
        }
    }
    out
}

/// The setters of one builder: plain values for optional fields, any
/// iterator for lists, and which fields are `required`.
fn setters(imp: &mut ItemImpl, required: &BTreeSet<String>) -> Result<(), String> {
    let builder = self_name(imp);
    for item in &mut imp.items {
        let ImplItem::Fn(f) = item else { continue };
        let doc = match required.contains(&f.sig.ident.to_string()) {
            true => "Required: a body without it is refused, naming it, before anything is sent.",
            false => "Optional.",
        };
        f.attrs.push(parse_quote!(#[doc = #doc]));
        let Some(target) = target_type(f) else {
            return Err(format!(
                "typify's setter {}::{} has no `T: TryInto<_>` bound for codegen/src/setters.rs to read",
                builder, f.sig.ident
            ));
        };
        let name = f.sig.ident.clone();
        // typify's words; the conversion (one generic function of the runtime
        // for every setter) adds its own error.
        let what = format!("error converting supplied value for {name}");
        let (optional, inner) = match single_argument(&target, "Option") {
            Some(inner) => (true, inner.clone()),
            None => (false, target.clone()),
        };
        let wrap = if optional { quote!(.map(::std::option::Option::Some)) } else { quote!() };
        let attrs = std::mem::take(&mut f.attrs);
        *f = match single_argument(&inner, "Vec") {
            Some(item) => parse_quote! {
                #(#attrs)*
                pub fn #name<T>(mut self, value: T) -> Self
                where
                    T: ::std::iter::IntoIterator,
                    T::Item: ::std::convert::TryInto<#item>,
                    <T::Item as ::std::convert::TryInto<#item>>::Error: ::std::fmt::Display,
                {
                    self.#name = crate::body::collect(value, #what) #wrap;
                    self
                }
            },
            None => parse_quote! {
                #(#attrs)*
                pub fn #name<T>(mut self, value: T) -> Self
                where
                    T: ::std::convert::TryInto<#inner>,
                    T::Error: ::std::fmt::Display,
                {
                    self.#name = crate::body::convert(value, #what) #wrap;
                    self
                }
            },
        };
    }
    Ok(())
}

/// `U` of a setter's `where T: TryInto<U>`.
fn target_type(f: &syn::ImplItemFn) -> Option<Type> {
    f.sig.generics.where_clause.as_ref()?.predicates.iter().find_map(|predicate| {
        let WherePredicate::Type(bound) = predicate else { return None };
        bound.bounds.iter().find_map(|b| {
            let syn::TypeParamBound::Trait(t) = b else { return None };
            let last = t.path.segments.last()?;
            if last.ident != "TryInto" {
                return None;
            }
            let syn::PathArguments::AngleBracketed(args) = &last.arguments else { return None };
            args.args.iter().find_map(|a| match a {
                syn::GenericArgument::Type(ty) => Some(ty.clone()),
                _ => None,
            })
        })
    })
}

/// `TryFrom<builder::X> for X`: every field unset or refused is named, not
/// only the first. Whether it had that shape.
fn every_unset(imp: &mut ItemImpl) -> bool {
    let name = self_name(imp);
    let Some(f) = first_fn(imp) else { return false };
    let Some(syn::Stmt::Expr(Expr::Call(ok), _)) = f.block.stmts.last() else { return false };
    let Some(Expr::Struct(init)) = ok.args.first() else { return false };
    let fields: Vec<syn::Ident> = init
        .fields
        .iter()
        .filter_map(|field| match &field.member {
            syn::Member::Named(name) => Some(name.clone()),
            _ => None,
        })
        .collect();
    if fields.is_empty() {
        return true;
    }
    let check: syn::Stmt = parse_quote! {
        if let ::std::option::Option::Some(why) =
            crate::body::refused(#name, &[#(value.#fields.as_ref().err()),*])
        {
            return ::std::result::Result::Err(why.into());
        }
    };
    f.block.stmts.insert(0, check);
    true
}

#[cfg(test)]
mod tests {
    /// typify's builder of one type, as it writes it today, with `default` as given.
    fn file(default: syn::Block) -> syn::File {
        syn::parse_quote! {
            pub mod types {
                pub struct ThingDto { pub code: String, pub note: Option<String> }
                pub mod builder {
                    pub struct ThingDto {
                        code: Result<String, String>,
                        note: Result<Option<String>, String>,
                    }
                    impl Default for ThingDto {
                        fn default() -> Self #default
                    }
                    impl ThingDto {
                        pub fn code<T>(mut self, value: T) -> Self
                        where T: TryInto<String>, T::Error: Display {
                            self.code = value.try_into().map_err(|e| format!("{e}"));
                            self
                        }
                        pub fn note<T>(mut self, value: T) -> Self
                        where T: TryInto<Option<String>>, T::Error: Display {
                            self.note = value.try_into().map_err(|e| format!("{e}"));
                            self
                        }
                    }
                    impl TryFrom<ThingDto> for super::ThingDto {
                        type Error = super::error::ConversionError;
                        fn try_from(value: ThingDto) -> Result<Self, super::error::ConversionError> {
                            Ok(Self { code: value.code?, note: value.note? })
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn builders_as_typify_writes_them_are_rewritten() {
        let mut file = file(syn::parse_quote!({
            Self { code: Err("no value supplied for code".to_string()), note: Ok(Default::default()) }
        }));
        let required = super::rewrite(&mut file).unwrap();
        assert_eq!(required["ThingDto"], ["code".to_string()].into());
        let code = quote::ToTokens::to_token_stream(&file).to_string();
        assert!(code.contains("ThingDtoBuilder"), "{code}");
        assert!(code.contains("code (required) is not set"), "{code}");
        assert!(code.contains("crate :: body :: refused"), "{code}");
        assert!(
            code.contains("T : :: std :: convert :: TryInto < String >"),
            "the optional setter takes the value: {code}"
        );
        // Required or not, each setter converts through the runtime's one function.
        assert_eq!(code.matches("crate :: body :: convert (value").count(), 2, "{code}");
        assert!(!code.contains("map_err"), "{code}");
    }

    #[test]
    fn builders_written_otherwise_fail_generation() {
        // A `Default` that builds `Self` through a local: not read, so refused.
        let mut file = file(syn::parse_quote!({
            let built = Self { code: Err(String::new()), note: Ok(None) };
            built
        }));
        let error = super::rewrite(&mut file).unwrap_err();
        assert!(error.contains("of 1 builders, 0 have a `Default`"), "{error}");
    }
}
