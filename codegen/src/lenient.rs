//! Answers that survive drift: the generated types, rewritten so that a value
//! the document does not have never fails a whole call.
//!
//! typify has no switch for either of these, so its output is rewritten here:
//!
//! - **open enums**: every string enum that can appear in an answer gets an
//!   `Unknown(Unrecognized)` variant holding any value the document does not list.
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
///
/// `documented` holds the values of every string enum of the document: each
/// opened enum's wire values must be those of one of them, so that a change
/// in how the generator writes them cannot make open enums send Rust names.
pub(crate) fn rewrite(
    tokens: TokenStream,
    responses: &BTreeSet<&str>,
    documented: &BTreeSet<BTreeSet<String>>,
) -> Result<syn::File, String> {
    let mut file: syn::File =
        syn::parse2(tokens).map_err(|e| format!("cannot read progenitor's output to rewrite it: {e}"))?;
    let items =
        crate::syntax::module_mut(&mut file.items, "types").ok_or("progenitor's output has no `types` module")?;

    no_two_types_named_alike(items)?;
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
            Item::Enum(e) if open.contains(&e.ident.to_string()) => macros.push(open_enum(e, documented)?),
            Item::Struct(s) => lenient_fields(s),
            _ => {}
        }
    }
    items.extend(macros);
    Ok(file)
}

/// Refuses generated code with two types of one name: typify names an inline
/// schema after its place (`UserDto.status` is `UserDtoStatus`), so a schema
/// of that name collides with it, and the crate would not build.
fn no_two_types_named_alike(items: &[Item]) -> Result<(), String> {
    let mut seen = BTreeMap::new();
    for item in items {
        let (kind, name) = match item {
            Item::Struct(s) => ("a struct", s.ident.to_string()),
            Item::Enum(e) => ("an enum", e.ident.to_string()),
            Item::Type(t) => ("a type alias", t.ident.to_string()),
            _ => continue,
        };
        if let Some(first) = seen.insert(name.clone(), kind) {
            return Err(format!(
                "two generated types are named `{name}` ({first} and {kind}): a schema of that name collides with \
                 the name the generator gives an inline schema at that place (`{name}` is also `<Schema><Field>`); \
                 rename one of them with a correction or a normalization"
            ));
        }
    }
    Ok(())
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
/// sides), an `Unknown(Unrecognized)` variant, and the macro call that implements it.
fn open_enum(e: &mut ItemEnum, documented: &BTreeSet<BTreeSet<String>>) -> Result<Item, String> {
    let name = e.ident.clone();
    if let Some(attr) = e.attrs.iter().find(|a| a.path().is_ident("serde")) {
        // `rename_all` and the like would change the wire values the macro is given.
        return Err(format!(
            "enum {name}: the generator now writes `{}`, which the open enums do not read: \
             their wire values would be wrong",
            attr.to_token_stream()
        ));
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
    let mut values = BTreeSet::new();
    for variant in e.variants.iter_mut() {
        let value = renamed(&variant.attrs).map_err(|why| format!("enum {name}: {why}"))?;
        let value = value.unwrap_or_else(|| variant.ident.to_string());
        values.insert(value.clone());
        variant.attrs.retain(|attr| !attr.path().is_ident("serde"));
        // The document's own `unknown` value: the fallback keeps its name in every enum.
        if variant.ident == "Unknown" {
            variant.ident = parse_quote!(UnknownValue);
        }
        let ident = &variant.ident;
        arms.push(quote!(#ident => #value));
    }
    if !documented.contains(&values) {
        return Err(format!(
            "enum {name}: its values as the generator writes them, {values:?}, are not the values of any string \
             enum of the document: the generator changed how it names wire values, and open enums would send \
             these; update codegen/src/lenient.rs"
        ));
    }
    e.variants.push(parse_quote! {
        /// A value this version of the SDK does not know, kept as Authing sent it.
        Unknown(crate::Unrecognized)
    });
    Ok(parse_quote!(crate::lenient::open_enum!(#name { #(#arms),* });))
}

/// The value of `#[serde(rename = "...")]`, if any; any other serde
/// attribute of a variant is refused, since the wire value would not be known.
fn renamed(attrs: &[Attribute]) -> Result<Option<String>, String> {
    let mut value = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                value = Some(meta.value()?.parse::<LitStr>()?.value());
                Ok(())
            } else {
                Err(meta.error("a serde attribute the open enums do not read"))
            }
        })
        .map_err(|e| format!("cannot read a serde attribute of a variant: {e}"))?;
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

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use crate::{Options, generate, parse};

    /// A document with one operation, `getThing`, answering `Thing` in the
    /// envelope and taking `Query` as its body, plus `extra` schemas.
    fn document(extra: Value) -> String {
        let mut schemas = json!({
            "ThingRespDto": {"type": "object", "required": ["statusCode", "message"], "properties": {
                "statusCode": {"type": "integer"}, "message": {"type": "string"},
                "data": {"$ref": "#/components/schemas/Thing"}}},
            "Thing": {"type": "object", "required": ["status"], "properties": {
                "status": {"type": "string", "enum": ["Activated", "Suspended"]},
                "tags": {"type": "array", "items": {"type": "string"}}}},
            "Query": {"type": "object", "properties": {"order": {"type": "string", "enum": ["asc", "desc"]}}}
        });
        schemas.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
            "paths": {"/api/v3/get-thing": {"post": {"operationId": "getThing",
                "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Query"}}}},
                "responses": {"200": {"description": "", "content": {"application/json": {"schema": {
                    "$ref": "#/components/schemas/ThingRespDto"}}}}}}}},
            "components": {"schemas": schemas}})
        .to_string()
    }

    fn generated(extra: Value) -> Result<String, String> {
        generate(&parse(&document(extra))?, Options::default()).map(|generated| generated.client)
    }

    #[test]
    fn answer_enums_are_opened_with_their_wire_values_and_request_enums_stay_closed() {
        // Laid out in lines by prettyplease: compared without white space.
        let client: String = generated(json!({})).unwrap().split_whitespace().collect();
        assert!(client.contains(r#"open_enum!(ThingStatus{Activated=>"Activated",Suspended=>"Suspended"})"#));
        assert!(!client.contains("open_enum!(QueryOrder"), "an enum only ever sent stays closed");
        assert!(client.contains("null_as_default"), "a list field reads null as empty");
    }

    #[test]
    fn a_value_named_as_the_fallback_is_kept_under_another_variant_name() {
        let thing = json!({"Thing": {"type": "object", "required": ["status"], "properties": {
            "status": {"type": "string", "enum": ["active", "unknown"]}}}});
        let client: String = generated(thing).unwrap().split_whitespace().collect();
        assert!(client.contains(r#"open_enum!(ThingStatus{Active=>"active",UnknownValue=>"unknown"})"#), "{client}");
    }

    #[test]
    fn wire_values_that_are_not_the_documents_are_refused() {
        // What a generator writing `#[serde(rename_all = ...)]`-style names without renames would give.
        let mut e: syn::ItemEnum = syn::parse_quote! { pub enum Mode { Sync, Async } };
        let documented = [["sync".to_string(), "async".to_string()].into()].into();
        let error = super::open_enum(&mut e, &documented).err().expect("refused");
        assert!(error.contains("enum Mode") && error.contains("\"Sync\""), "{error}");

        let mut e: syn::ItemEnum =
            syn::parse_quote! { pub enum Mode { #[serde(rename = "sync")] Sync, #[serde(rename = "async")] Async } };
        assert!(super::open_enum(&mut e, &documented).is_ok());
    }

    #[test]
    fn a_schema_named_as_the_generator_names_an_inline_one_is_refused_by_name() {
        let error = generated(json!({"ThingStatus": {"type": "object", "properties": {"x": {"type": "string"}}}}))
            .expect_err("two types named ThingStatus");
        assert!(error.contains("`ThingStatus`"), "{error}");
    }
}
