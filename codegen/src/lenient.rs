//! Answers that survive drift: the generated types, rewritten so that a value
//! the document does not have never fails a whole call.
//!
//! typify has no switch for either of these, so its output is rewritten here:
//!
//! - **open enums**: every string enum that can appear in an answer gets an
//!   `Unknown(String)` variant holding any value the document does not list.
//!   Its serde and conversion impls are replaced by one line per enum,
//!   `crate::lenient::open_enum!(Name { Variant => "value", ... })`, a macro of the
//!   runtime, so the code per enum stays as small as typify's. Enums only ever
//!   sent stay closed: a misspelt value is refused before anything is sent.
//! - **`null` is absence**: every list and map field reads `null` or absence
//!   as empty (`crate::lenient::null_as_default`). Optional fields are
//!   `Option`s, which serde already reads from `null`.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use syn::punctuated::Punctuated;
use syn::{Attribute, Fields, Item, ItemEnum, ItemImpl, ItemStruct, LitStr, Path, Token, Type, parse_quote};

/// The generated code, with the enums reachable from `responses` opened and
/// every list and map field lenient.
pub(crate) fn rewrite(tokens: TokenStream, responses: &BTreeSet<&str>) -> Result<syn::File, String> {
    let mut file: syn::File =
        syn::parse2(tokens).map_err(|e| format!("cannot read progenitor's output to rewrite it: {e}"))?;
    let items = file
        .items
        .iter_mut()
        .find_map(|item| match item {
            Item::Mod(module) if module.ident == "types" => module.content.as_mut().map(|(_, items)| items),
            _ => None,
        })
        .ok_or("progenitor's output has no `types` module")?;

    let reachable = reachable(items, responses);
    let open: BTreeSet<String> = items
        .iter()
        .filter_map(|item| match item {
            Item::Enum(e) if reachable.contains(&e.ident.to_string()) && is_plain(e) => Some(e.ident.to_string()),
            _ => None,
        })
        .collect();
    items.retain(|item| !matches!(item, Item::Impl(imp) if is_conversion_of(imp, &open)));
    let mut macros = Vec::new();
    for item in items.iter_mut() {
        match item {
            Item::Enum(e) if open.contains(&e.ident.to_string()) => macros.push(open_enum(e)?),
            Item::Struct(s) => lenient_fields(s),
            _ => {}
        }
    }
    items.extend(macros);
    Ok(file)
}

/// The names of the types that `responses` contain, directly or not.
fn reachable(items: &[Item], responses: &BTreeSet<&str>) -> BTreeSet<String> {
    let mut uses: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for item in items {
        let (name, fields) = match item {
            Item::Struct(s) => (&s.ident, s.fields.iter().map(|f| &f.ty).collect::<Vec<_>>()),
            Item::Enum(e) => (&e.ident, e.variants.iter().flat_map(|v| v.fields.iter().map(|f| &f.ty)).collect()),
            _ => continue,
        };
        let words = uses.entry(name.to_string()).or_default();
        for ty in fields {
            words.extend(idents(ty));
        }
    }
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut todo: Vec<String> = responses.iter().map(|name| name.to_string()).collect();
    while let Some(name) = todo.pop() {
        if seen.insert(name.clone()) {
            todo.extend(uses.get(&name).into_iter().flatten().filter(|n| !seen.contains(*n)).cloned());
        }
    }
    seen
}

/// Every identifier in a type (`Option<Vec<UserDto>>` -> `Option`, `Vec`, `UserDto`).
fn idents(ty: &Type) -> Vec<String> {
    ty.to_token_stream()
        .to_string()
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|word| !word.is_empty())
        .map(str::to_string)
        .collect()
}

/// An enum of plain values: unit variants only.
fn is_plain(e: &ItemEnum) -> bool {
    !e.variants.is_empty() && e.variants.iter().all(|v| matches!(v.fields, Fields::Unit))
}

/// typify's `Display`, `FromStr` and `TryFrom` impls of an enum being opened.
fn is_conversion_of(imp: &ItemImpl, open: &BTreeSet<String>) -> bool {
    let Some((trait_path, _)) = &imp.trait_ else { return false };
    let is_conversion = trait_path
        .segments
        .last()
        .is_some_and(|s| matches!(s.ident.to_string().as_str(), "Display" | "FromStr" | "TryFrom"));
    let Type::Path(self_ty) = &*imp.self_ty else { return false };
    is_conversion && self_ty.path.segments.last().is_some_and(|s| open.contains(&s.ident.to_string()))
}

/// Opens one enum: no `Copy` and no derived serde (the macro implements both
/// sides), an `Unknown(String)` variant, and the macro call that implements it.
fn open_enum(e: &mut ItemEnum) -> Result<Item, String> {
    let name = e.ident.clone();
    if e.variants.iter().any(|v| v.ident == "Unknown") {
        return Err(format!("enum {name} already has a variant `Unknown`"));
    }
    for attr in e.attrs.iter_mut().filter(|a| a.path().is_ident("derive")) {
        let derives = attr
            .parse_args_with(Punctuated::<Path, Token![,]>::parse_terminated)
            .map_err(|e| format!("enum {name}: cannot read its derives: {e}"))?;
        let kept = derives.into_iter().filter(|path| {
            let last = path.segments.last().map(|s| s.ident.to_string()).unwrap_or_default();
            !matches!(last.as_str(), "Copy" | "Serialize" | "Deserialize")
        });
        *attr = parse_quote!(#[derive(#(#kept),*)]);
    }
    e.attrs.retain(|attr| !attr.path().is_ident("serde"));
    let mut arms = Vec::new();
    for variant in e.variants.iter_mut() {
        let value = renamed(&variant.attrs)?.unwrap_or_else(|| variant.ident.to_string());
        variant.attrs.retain(|attr| !attr.path().is_ident("serde"));
        let ident = &variant.ident;
        arms.push(quote!(#ident => #value));
    }
    e.variants.push(parse_quote! {
        /// A value this version of the SDK does not know, kept as Authing sent it.
        Unknown(::std::string::String)
    });
    Ok(parse_quote!(crate::lenient::open_enum!(#name { #(#arms),* });))
}

/// The value of `#[serde(rename = "...")]`, if any.
fn renamed(attrs: &[Attribute]) -> Result<Option<String>, String> {
    let mut value = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                value = Some(meta.value()?.parse::<LitStr>()?.value());
            }
            Ok(())
        })
        .map_err(|e| format!("cannot read a serde attribute: {e}"))?;
    }
    Ok(value)
}

/// Lists and maps read `null` or absence as empty.
fn lenient_fields(s: &mut ItemStruct) {
    for field in s.fields.iter_mut().filter(|f| f.ident.is_some()) {
        let Type::Path(ty) = &field.ty else { continue };
        let collection = ty
            .path
            .segments
            .last()
            .is_some_and(|s| matches!(s.ident.to_string().as_str(), "Vec" | "Map" | "HashMap" | "BTreeMap"));
        if !collection {
            continue;
        }
        let has_default = field.attrs.iter().filter(|a| a.path().is_ident("serde")).any(|a| {
            let mut found = false;
            let _ = a.parse_nested_meta(|meta| {
                found |= meta.path.is_ident("default");
                // Skip the value of `rename = "..."` and the like.
                if meta.input.peek(Token![=]) {
                    meta.value()?.parse::<syn::Expr>()?;
                }
                Ok(())
            });
            found
        });
        field.attrs.push(if has_default {
            parse_quote!(#[serde(deserialize_with = "crate::lenient::null_as_default")])
        } else {
            parse_quote!(#[serde(default, deserialize_with = "crate::lenient::null_as_default")])
        });
    }
}
