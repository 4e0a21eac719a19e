//! What the crate's `mock` feature needs from the generated code, written
//! only when the feature is on (so a default build carries none of it):
//!
//! - each builder's `into_expected()`: `into_request()` as an expectation
//!   reads it, where a parameter left unset matches anything, so
//!   `mock.on(client.get_user())` means any `getUser` and
//!   `mock.on(client.get_user().user_id("u1"))` only that user's;
//! - for the builder of every operation's body, `SetFields`: the fields set
//!   on it, by their wire names, so that an expectation matches the fields it
//!   names and no others;
//! - `ROUTES`: every operation's method and path, so that a call nothing
//!   expected is named by its operation.

use std::collections::{BTreeMap, BTreeSet};

use quote::ToTokens;
use syn::{ImplItem, Item, ItemImpl, Stmt, Type, parse_quote};

use crate::operation::Operation;
use crate::syntax::{module, module_mut};

/// Adds `into_expected()` to every builder of `file` and `SetFields` to the
/// builders of the bodies.
pub(crate) fn rewrite(file: &mut syn::File, operations: &[Operation]) -> Result<(), String> {
    let builders = module_mut(&mut file.items, "builder").ok_or("progenitor's output has no `builder` module")?;
    let bodies = body_builders(builders)?;
    let in_path: BTreeMap<&str, &BTreeSet<String>> =
        operations.iter().map(|op| (op.builder.as_str(), &op.path_parameters)).collect();
    let none = BTreeSet::new();
    let mut expected = Vec::new();
    for item in builders.iter() {
        let Item::Impl(imp) = item else { continue };
        let builder = imp.self_ty.to_token_stream().to_string();
        if let Some(f) = into_expected(imp, in_path.get(builder.as_str()).copied().unwrap_or(&none))? {
            let ty = &imp.self_ty;
            expected.push(parse_quote!(impl #ty { #f }));
        }
    }
    builders.extend(expected);

    let types = module(&file.items, "types").ok_or("typify's output has no `types` module")?;
    let mut impls: Vec<Item> = Vec::new();
    for body in &bodies {
        impls.push(set_fields(types, body)?);
    }
    let type_builders = module_mut(&mut file.items, "types")
        .and_then(|items| module_mut(items, "builder"))
        .ok_or("typify's output has no `types::builder` module")?;
    type_builders.extend(impls);
    Ok(())
}

/// `ROUTES`: each operation's method, path and operationId.
pub(crate) fn routes(operations: &[Operation]) -> String {
    let mut out = String::from(
        "\n/// Every operation's method, path and operationId, for the mock to name a call.\n\
         pub(crate) const ROUTES: &[(&str, &str, &str)] = &[\n",
    );
    for op in operations {
        out.push_str(&format!("    ({:?}, {:?}, {:?}),\n", op.method, op.path, op.id));
    }
    out.push_str("];\n");
    out
}

/// The type names (`XBuilder`) of the builders that hold an operation's body.
fn body_builders(builders: &[Item]) -> Result<BTreeSet<String>, String> {
    let mut out = BTreeSet::new();
    for item in builders {
        let Item::Struct(s) = item else { continue };
        let Some(body) = s.fields.iter().find(|f| f.ident.as_ref().is_some_and(|i| i == "body")) else { continue };
        let name = crate::syntax::single_argument(&body.ty, "Result")
            .and_then(|ty| match ty {
                Type::Path(path) => path.path.segments.last().map(|s| s.ident.to_string()),
                _ => None,
            })
            .ok_or_else(|| format!("builder {}: its body is not a `Result<XBuilder, String>`", s.ident))?;
        out.insert(name);
    }
    Ok(out)
}

/// `into_request()` of `imp` as an expectation reads it: without the check
/// that every required parameter is set, each unset one (but those of the
/// path, `in_path`) left out, and the body as the fields set on it. `None`
/// for an impl without `into_request()`.
fn into_expected(imp: &ItemImpl, in_path: &BTreeSet<String>) -> Result<Option<ImplItem>, String> {
    let Some(mut f) = imp.items.iter().find_map(|item| match item {
        ImplItem::Fn(f) if f.sig.ident == "into_request" => Some(f.clone()),
        _ => None,
    }) else {
        return Ok(None);
    };
    let required = crate::builders::unset_by_new(imp);
    let mut stmts = Vec::with_capacity(f.block.stmts.len());
    for stmt in f.block.stmts.drain(..) {
        let text = stmt.to_token_stream().to_string();
        if text.contains("every_reason") {
            continue;
        }
        let Stmt::Local(local) = &stmt else {
            stmts.push(stmt);
            continue;
        };
        let field = local.pat.to_token_stream().to_string();
        if field == "body" {
            stmts.push(parse_quote!(let body = crate::mock::set_fields(&body.map_err(Error::InvalidRequest)?);));
        } else if required.contains(&field) && !in_path.contains(&field) {
            // A required parameter of the query: unset, it is left out and matches any value.
            let ident = syn::Ident::new(&field, proc_macro2::Span::call_site());
            stmts.push(parse_quote!(let #ident = #ident.ok();));
        } else {
            stmts.push(stmt);
        }
    }
    f.block.stmts = stmts;
    f.sig.ident = parse_quote!(into_expected);
    Ok(Some(ImplItem::Fn(f)))
}

/// `impl crate::mock::SetFields for XBuilder`: each field of `X` that is set
/// on the builder, by its wire name.
fn set_fields(types: &[Item], builder: &str) -> Result<Item, String> {
    let Some(target) = builder.strip_suffix("Builder") else {
        // A body that is no struct (a free-form map) is taken whole.
        let body = syn::Ident::new(builder, proc_macro2::Span::call_site());
        return Ok(parse_quote! {
            impl crate::mock::SetFields for super::#body {
                fn set_fields(&self, fields: &mut crate::mock::Fields) {
                    fields.put_all(self);
                }
            }
        });
    };
    let fields = types
        .iter()
        .find_map(|item| match item {
            Item::Struct(s) if s.ident == target => Some(&s.fields),
            _ => None,
        })
        .ok_or_else(|| format!("the body builder {builder} builds no struct `{target}`"))?;
    let mut wire = BTreeMap::new();
    for field in fields {
        let ident = field.ident.clone().ok_or_else(|| format!("{target} has an unnamed field"))?;
        let name = crate::syntax::serde_rename(&field.attrs)?.unwrap_or_else(|| ident.to_string());
        wire.insert(name, ident);
    }
    let (names, idents): (Vec<_>, Vec<_>) = wire.into_iter().unzip();
    let builder = syn::Ident::new(builder, proc_macro2::Span::call_site());
    Ok(parse_quote! {
        impl crate::mock::SetFields for #builder {
            fn set_fields(&self, fields: &mut crate::mock::Fields) {
                #(fields.put(#names, &self.#idents);)*
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::{Options, generate, parse};

    /// One operation with a required query parameter, a path parameter and a body.
    fn client(mock: bool) -> String {
        let document = json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
            "paths": {"/api/v3/things/{id}": {"post": {"operationId": "createThing",
                "parameters": [
                    {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}},
                    {"name": "thingId", "in": "query", "required": true, "schema": {"type": "string"}}],
                "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ThingDto"}}}},
                "responses": {"200": {"description": "", "content": {"application/json": {"schema": {
                    "$ref": "#/components/schemas/ThingRespDto"}}}}}}}},
            "components": {"schemas": {
                "ThingDto": {"type": "object", "required": ["code"], "properties": {
                    "code": {"type": "string"}, "type": {"type": "string"}}},
                "ThingRespDto": {"type": "object", "required": ["statusCode", "message"], "properties": {
                    "statusCode": {"type": "integer"}, "message": {"type": "string"},
                    "data": {"$ref": "#/components/schemas/ThingDto"}}}}}});
        generate(&parse(&document.to_string()).unwrap(), Options { mock, ..Options::default() }).unwrap().client
    }

    #[test]
    fn an_expectation_leaves_out_unset_query_parameters_and_keeps_the_path_and_set_body_fields() {
        let client = client(true);
        let expected = client.split("pub(crate) fn into_expected(").nth(1).expect("into_expected is written");
        let expected = expected.split("\n        }\n").next().unwrap();
        assert!(expected.contains("let thing_id = thing_id.ok();"), "{expected}");
        assert!(expected.contains("let id = id.map_err(Error::InvalidRequest)?;"), "{expected}");
        assert!(expected.contains("crate::mock::set_fields(&body"), "{expected}");
        assert!(!expected.contains("every_reason"), "{expected}");
        assert!(client.contains("impl crate::mock::SetFields for ThingDtoBuilder"), "{client}");
        assert!(client.contains("fields.put(\"type\", &self.type_);"), "wire names: {client}");
        assert!(client.contains(r#"("POST", "/api/v3/things/{id}", "createThing")"#), "ROUTES");
    }

    #[test]
    fn without_the_feature_nothing_of_the_mock_is_written() {
        let client = client(false);
        for mock in ["into_expected", "crate::mock", "ROUTES"] {
            assert!(!client.contains(mock), "{mock}");
        }
    }
}
