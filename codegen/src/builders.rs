//! What progenitor's request builders become, so that the runtime owns every
//! call and users' futures and streams are `'static`:
//!
//! - **owned**: a builder holds a clone of the client (a few `Arc`s and the
//!   host), not `&'a Client`, so `tokio::spawn(client.get_user()...)` and a
//!   function returning `client.list_users().items()` compile;
//! - **building only**: each builder's `send()` becomes `into_request()`, which
//!   checks the parameters and builds the `reqwest::Request`, and stops there;
//!   the runtime's one path (`crate::call`) adds the token, sends, retries and
//!   reads the envelope, the same for typed, untyped, paged and raw calls;
//! - **methods of `ManagementClient`**: the operations are inherent methods of
//!   the crate's client (no `Deref` to the generated one), each making its
//!   builder from a clone of the generated client it holds.
//!
//! Every rewrite checks the shape it expects and fails generation, naming
//! what changed, when progenitor writes something else.

use std::collections::{BTreeMap, BTreeSet};

use syn::{FnArg, GenericParam, Generics, ImplItem, Item, ItemImpl, ReturnType, Stmt, Type, parse_quote};

/// Rewrites the builders and the client's operation methods of `file`;
/// `calls` says, by method, what a call gives and how it is made (see [`call_docs`]).
pub(crate) fn rewrite(file: &mut syn::File, calls: &BTreeMap<String, String>) -> Result<(), String> {
    let mut operations = 0;
    for item in &mut file.items {
        match item {
            Item::Mod(module) if module.ident == "builder" => {
                let items = &mut module.content.as_mut().ok_or("progenitor's `builder` module is empty")?.1;
                for item in items.iter_mut() {
                    match item {
                        Item::Struct(s) => {
                            drop_lifetime(&mut s.generics);
                            point_to_the_method(s);
                            let client = s.fields.iter_mut().find(|f| f.ident.as_ref().is_some_and(|i| i == "client"));
                            let client = client.ok_or_else(|| format!("builder {} has no `client` field", s.ident))?;
                            client.ty = parse_quote!(super::Client);
                        }
                        Item::Impl(imp) => owned_builder_impl(imp)?,
                        _ => {}
                    }
                }
            }
            Item::Impl(imp) if is_operations_impl(imp) => {
                operations += operation_methods(imp, calls)?;
            }
            _ => {}
        }
    }
    // The check that the client implements progenitor's hooks, which nothing calls any more.
    file.items
        .retain(|item| !matches!(item, Item::Const(c) if c.to_token_stream_string().contains("assert_client_hooks")));
    if operations == 0 {
        return Err("progenitor's output has no `impl Client` of operation methods".into());
    }
    if crate::syntax::module(&file.items, "builder").is_none() {
        return Err("progenitor's output has no `builder` module".into());
    }
    Ok(())
}

trait TokenString {
    fn to_token_stream_string(&self) -> String;
}

impl<T: quote::ToTokens> TokenString for T {
    fn to_token_stream_string(&self) -> String {
        self.to_token_stream().to_string()
    }
}

/// `impl Client { pub fn op(&self) -> builder::Op<'_> { ... } ... }`.
fn is_operations_impl(imp: &ItemImpl) -> bool {
    imp.trait_.is_none()
        && matches!(&*imp.self_ty, Type::Path(p) if p.path.is_ident("Client"))
        && imp.items.iter().any(|item| matches!(item, ImplItem::Fn(f) if returns_builder(&f.sig.output)))
}

fn returns_builder(output: &ReturnType) -> bool {
    matches!(output, ReturnType::Type(_, ty) if matches!(&**ty, Type::Path(p) if p.path.segments.first().is_some_and(|s| s.ident == "builder")))
}

/// The operation methods, moved to `ManagementClient`, each with its call's
/// doc in place of progenitor's example; how many there are.
fn operation_methods(imp: &mut ItemImpl, calls: &BTreeMap<String, String>) -> Result<usize, String> {
    imp.self_ty = parse_quote!(crate::ManagementClient);
    let mut count = 0;
    for item in &mut imp.items {
        let ImplItem::Fn(f) = item else { continue };
        let function = f.sig.ident.to_string();
        let call = calls.get(&function).ok_or_else(|| format!("no operation has the method {function}"))?;
        for attr in &mut f.attrs {
            let syn::Meta::NameValue(doc) = &mut attr.meta else { continue };
            if !doc.path.is_ident("doc") {
                continue;
            }
            let syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(text), .. }) = &doc.value else { continue };
            let text = text.value();
            // progenitor's example ends the doc: `.send().await` on the raw answer.
            let Some(at) = text.find("```ignore\nlet response = ") else {
                return Err(format!("the doc of {function} has no progenitor example to replace: update builders.rs"));
            };
            let kept = without_repeated_summary(text[..at].trim_end());
            let kept = format!("{kept}\n\n{call}");
            doc.value = parse_quote!(#kept);
        }
        let ReturnType::Type(_, ty) = &mut f.sig.output else { continue };
        let Type::Path(path) = &mut **ty else { continue };
        let last = path.path.segments.last_mut().ok_or("an empty return type")?;
        last.arguments = syn::PathArguments::None;
        let builder = last.ident.clone();
        f.block = parse_quote!({ builder::#builder::new(self.api().clone()) });
        count += 1;
    }
    Ok(count)
}

/// progenitor's "Builder for [`Client::op`]" names the generated client,
/// which is private: the doc points to the method of `ManagementClient`.
fn point_to_the_method(s: &mut syn::ItemStruct) {
    for attr in &mut s.attrs {
        let syn::Meta::NameValue(doc) = &mut attr.meta else { continue };
        let syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(text), .. }) = &doc.value else { continue };
        let text = text.value();
        let Some(method) = text.strip_prefix("Builder for [`Client::").and_then(|rest| rest.split('`').next()) else {
            continue;
        };
        let pointed = format!(
            "The request of [`ManagementClient::{method}`](crate::ManagementClient::{method}): a setter per \
             parameter; `.await` sends it (see the method for what it gives)."
        );
        doc.value = parse_quote!(#pointed);
    }
}

/// A doc whose description repeats its summary (146 of Authing's operations
/// do) with the summary once.
fn without_repeated_summary(doc: &str) -> String {
    let mut paragraphs: Vec<&str> = doc.split("\n\n").collect();
    if paragraphs.len() > 1 && paragraphs[0].trim() == paragraphs[1].trim() {
        paragraphs.remove(1);
    }
    paragraphs.join("\n\n")
}

/// `impl<'a> Op<'a> { new, setters, send }` → `impl Op { new, setters, into_request }`.
fn owned_builder_impl(imp: &mut ItemImpl) -> Result<(), String> {
    drop_lifetime(&mut imp.generics);
    if let Type::Path(path) = &mut *imp.self_ty
        && let Some(last) = path.path.segments.last_mut()
    {
        last.arguments = syn::PathArguments::None;
    }
    let name = imp.self_ty.to_token_stream_string();
    let required = unset_by_new(imp);
    for item in &mut imp.items {
        let ImplItem::Fn(f) = item else { continue };
        let setter = f.sig.ident.to_string();
        if !matches!(setter.as_str(), "new" | "send" | "body" | "body_map") {
            let doc = match required.contains(&setter) {
                true => "Required: a request without it is refused, naming it, before anything is sent.",
                false => "Optional.",
            };
            f.attrs.push(parse_quote!(#[doc = #doc]));
        }
        if f.sig.ident == "new" {
            f.vis = parse_quote!(pub(crate));
            let Some(FnArg::Typed(client)) = f.sig.inputs.first_mut() else {
                return Err(format!("builder {name}: `new` takes no client"));
            };
            client.ty = parse_quote!(super::Client);
        } else if f.sig.ident == "send" {
            into_request(f).map_err(|why| format!("builder {name}: {why}"))?;
        } else if f.sig.ident != "body_map" {
            say_why_a_conversion_failed(f).map_err(|why| format!("builder {name}: {why}"))?;
        }
    }
    Ok(())
}

/// A setter: `self.x = value.try_into()[.map(..)].map_err(|_| "conversion to `T` for x failed"...)`
/// becomes `self.x = crate::body::convert(value, "conversion to `T` for x failed")[.map(..)]`,
/// which keeps the conversion's own error (it names the value and, for an
/// enum, the values it takes), and is one generic function for every setter
/// rather than a closure and a `format!` each to compile.
fn say_why_a_conversion_failed(f: &mut syn::ImplItemFn) -> Result<(), String> {
    let Some(Stmt::Expr(syn::Expr::Assign(assign), Some(_))) = f.block.stmts.first_mut() else {
        return Err(format!("setter {} does not start with `self.x = ...;`", f.sig.ident));
    };
    let converted = through_convert(&assign.right)
        .ok_or_else(|| format!("setter {} does not convert with `value.try_into()...map_err(..)`", f.sig.ident))?;
    *assign.right = converted;
    // The conversion's error is shown now: a setter whose closure dropped it had no bound for
    // it (one that had it says so again, which is allowed).
    if let Some(where_clause) = &mut f.sig.generics.where_clause {
        where_clause.predicates.push(parse_quote!(V::Error: ::std::fmt::Display));
    }
    Ok(())
}

/// `value.try_into()[.map(..)].map_err(closure)` as `crate::body::convert(value, what)[.map(..)]`.
fn through_convert(chain: &syn::Expr) -> Option<syn::Expr> {
    let syn::Expr::MethodCall(map_err) = chain else { return None };
    let Some(syn::Expr::Closure(closure)) = map_err.args.first() else { return None };
    if map_err.method != "map_err" {
        return None;
    }
    let what = what_failed(closure)?;
    let mut maps = Vec::new();
    let mut receiver = &*map_err.receiver;
    while let syn::Expr::MethodCall(call) = receiver {
        match call.method.to_string().as_str() {
            "map" => maps.push(call.args.first()?.clone()),
            "try_into"
                if call.args.is_empty()
                    && matches!(&*call.receiver, syn::Expr::Path(p) if p.path.is_ident("value")) =>
            {
                let mut converted: syn::Expr = parse_quote!(crate::body::convert(value, #what));
                for map in maps.into_iter().rev() {
                    converted = parse_quote!(#converted.map(#map));
                }
                return Some(converted);
            }
            _ => return None,
        }
        receiver = &call.receiver;
    }
    None
}

/// What progenitor's `map_err` closure says failed: `"conversion to `T` for x failed"`, from
/// `|_| "..".to_string()` or from `|s| format!("..: {}", s)`.
fn what_failed(closure: &syn::ExprClosure) -> Option<syn::Expr> {
    let body = match &*closure.body {
        syn::Expr::Block(block) => match block.block.stmts.last() {
            Some(Stmt::Expr(expr, None)) => expr,
            _ => return None,
        },
        other => other,
    };
    match body {
        syn::Expr::MethodCall(to_string) if to_string.method == "to_string" => Some((*to_string.receiver).clone()),
        syn::Expr::Macro(m) if m.mac.path.is_ident("format") => {
            let format: syn::LitStr = m
                .mac
                .parse_body_with(|input: syn::parse::ParseStream| {
                    let format: syn::LitStr = input.parse()?;
                    input.parse::<proc_macro2::TokenStream>()?;
                    Ok(format)
                })
                .ok()?;
            let what = format.value().strip_suffix(": {}")?.to_string();
            Some(parse_quote!(#what))
        }
        _ => None,
    }
}

/// The fields `new()` leaves unset (`Err(..)`): the required parameters.
pub(crate) fn unset_by_new(imp: &ItemImpl) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for item in &imp.items {
        let ImplItem::Fn(f) = item else { continue };
        if f.sig.ident != "new" {
            continue;
        }
        let Some(Stmt::Expr(syn::Expr::Struct(init), _)) = f.block.stmts.last() else { continue };
        for field in &init.fields {
            if let (syn::Member::Named(name), syn::Expr::Call(call)) = (&field.member, &field.expr)
                && matches!(&*call.func, syn::Expr::Path(p) if p.path.is_ident("Err"))
            {
                out.insert(name.to_string());
            }
        }
    }
    out
}

/// progenitor's `send()`, cut where the request is built: everything from
/// `let info = OperationInfo { .. }` (the hooks, the send, the decoding) goes.
fn into_request(f: &mut syn::ImplItemFn) -> Result<(), String> {
    let cut = f
        .block
        .stmts
        .iter()
        .position(|stmt| matches!(stmt, Stmt::Local(local) if local.pat.to_token_stream_string() == "info"))
        .ok_or("its `send()` has no `let info = OperationInfo` to cut the request off at")?;
    let built = f.block.stmts[..cut]
        .iter()
        .any(|stmt| matches!(stmt, Stmt::Local(local) if local.pat.to_token_stream_string().ends_with("request")));
    if !built {
        return Err("its `send()` builds no `request` before sending it".into());
    }
    f.block.stmts.truncate(cut);
    f.block.stmts.push(Stmt::Expr(parse_quote!(Ok((client, request))), None));
    // `let Self { client, a, b, .. } = self;` then each `let a = a.map_err(..)?;`:
    // every parameter missing or refused is named at once, not the first only.
    let Some(Stmt::Local(unpacked)) = f.block.stmts.first() else {
        return Err("its `send()` does not begin with `let Self { .. } = self`".into());
    };
    let syn::Pat::Struct(pattern) = &unpacked.pat else {
        return Err("its `send()` does not begin with `let Self { .. } = self`".into());
    };
    let fields: Vec<syn::Member> = pattern
        .fields
        .iter()
        .map(|f| f.member.clone())
        .filter(|m| !matches!(m, syn::Member::Named(n) if n == "client"))
        .collect();
    if !fields.is_empty() {
        let check: Stmt = parse_quote! {
            if let ::std::option::Option::Some(why) = crate::body::every_reason(&[#(#fields.as_ref().err()),*]) {
                return Err(Error::InvalidRequest(why));
            }
        };
        f.block.stmts.insert(1, check);
    }
    f.sig.asyncness = None;
    f.sig.ident = parse_quote!(into_request);
    f.vis = parse_quote!(pub(crate));
    f.sig.output = parse_quote!(-> Result<(super::Client, reqwest::Request), Error<()>>);
    f.attrs.retain(|attr| !attr.path().is_ident("doc"));
    Ok(())
}

/// Removes the lifetime parameter `'a` of a builder.
fn drop_lifetime(generics: &mut Generics) {
    generics.params = generics.params.iter().filter(|p| !matches!(p, GenericParam::Lifetime(_))).cloned().collect();
    if generics.params.is_empty() {
        generics.lt_token = None;
        generics.gt_token = None;
    }
}

/// What each operation's method says of its call, by method: what `.await`
/// gives, what `.items()` yields, and an example with the required
/// parameters and body fields only.
pub(crate) fn call_docs(
    operations: &[crate::operation::Operation],
    envelopes: &BTreeMap<String, crate::envelope::Envelope>,
    paging: &crate::paging::Found,
    body_required: &BTreeMap<String, BTreeSet<String>>,
) -> Result<BTreeMap<String, String>, String> {
    let shown = |ty: &str| -> Result<String, String> {
        let parsed: Type = syn::parse_str(ty).map_err(|e| format!("type {ty}: {e}"))?;
        let shown = crate::surface::show(&parsed);
        // A type of this crate links to its page; `Vec<..>` and the like are shown as they are.
        Ok(match shown.chars().all(|c| c.is_alphanumeric() || c == '_') && !shown.starts_with("serde_json") {
            true => format!("[`{shown}`](crate::types::{shown})"),
            false => format!("`{shown}`"),
        })
    };
    let mut out = BTreeMap::new();
    for op in operations {
        let envelope = envelopes.get(&op.response).ok_or_else(|| format!("no envelope {}", op.response))?;
        let data = match &envelope.data {
            Some(data) => shown(data)?,
            None => format!("the whole envelope, [`{0}`](crate::types::{0})", op.response),
        };
        let mut doc = format!("`.await` (or `.send().await`) gives {data}");
        let items = paging.paginated.get(&op.id).map(|paging| match &paging.answer {
            Ok(list) => shown(&list.item),
            Err(_) => Ok("`serde_json::Value` (the document types no list here)".to_string()),
        });
        if let Some(item) = items.transpose()? {
            doc.push_str(&format!(
                "; `.items()` ([`Paginated`](crate::Paginated)) yields every {item} of the list, page after page"
            ));
        }
        doc.push_str(".\n\n```ignore\nlet data = client.");
        doc.push_str(&op.function);
        doc.push_str("()");
        for (setter, _) in &op.required {
            doc.push_str(&format!("\n    .{setter}({setter})"));
        }
        let fields = op.body.as_ref().and_then(|body| body_required.get(body));
        if let Some(fields) = fields.filter(|fields| !fields.is_empty()) {
            let set: Vec<String> = fields.iter().map(|field| format!(".{field}({field})")).collect();
            doc.push_str(&format!("\n    .body_map(|body| body{})", set.join("")));
        }
        doc.push_str("\n    .await?;\n```");
        let feature = crate::areas::area(&op.function).feature;
        doc.push_str(&format!("\n\nNeeds the feature `{feature}` (in `full`, a default one)."));
        out.insert(op.function.clone(), doc);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::{Options, generate, parse};

    /// One operation with a query parameter and a body, answering an envelope.
    fn client() -> String {
        let document = json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
            "paths": {"/api/v3/create-thing": {"post": {"operationId": "createThing",
                "parameters": [{"name": "thingId", "in": "query", "required": true, "schema": {"type": "string"}}],
                "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ThingDto"}}}},
                "responses": {"200": {"description": "", "content": {"application/json": {"schema": {
                    "$ref": "#/components/schemas/ThingRespDto"}}}}}}}},
            "components": {"schemas": {
                "ThingDto": {"type": "object", "required": ["code"], "properties": {"code": {"type": "string"}}},
                "ThingRespDto": {"type": "object", "required": ["statusCode", "message"], "properties": {
                    "statusCode": {"type": "integer"}, "message": {"type": "string"},
                    "data": {"$ref": "#/components/schemas/ThingDto"}}}}}});
        generate(&parse(&document.to_string()).unwrap(), Options::default()).unwrap().client
    }

    #[test]
    fn a_summary_repeated_as_the_description_is_shown_once() {
        assert_eq!(
            super::without_repeated_summary("获取用户\n\n获取用户\n\nSends a `GET`"),
            "获取用户\n\nSends a `GET`"
        );
        assert_eq!(super::without_repeated_summary("A\n\nB"), "A\n\nB");
    }

    #[test]
    fn no_public_function_names_a_progenitor_type_and_builders_own_their_client() {
        let client = client();
        // Each public function's signature, up to its body.
        let signatures: Vec<String> = client
            .split("pub fn ")
            .skip(1)
            .map(|rest| rest.split('{').next().unwrap_or_default().split_whitespace().collect::<Vec<_>>().join(" "))
            .collect();
        assert!(signatures.len() > 5, "{signatures:#?}");
        for signature in &signatures {
            for progenitors in ["progenitor_client", "ResponseValue", "ByteStream", "Error<()>"] {
                assert!(!signature.contains(progenitors), "pub fn {signature}");
            }
        }
        assert!(!client.contains("<'a>") && !client.contains("&'a super::Client"), "a builder borrows");
        assert!(client.contains("pub fn create_thing(&self) -> builder::CreateThing"), "{client}");
        assert!(client.contains("impl crate::ManagementClient"), "the operations are the client's methods");
        assert!(client.contains("pub(crate) fn into_request("), "send() is cut where the request is built");
        assert!(!client.contains("client.exec("), "nothing of progenitor's send is left");
        // Every setter converts through the runtime's one function, naming what failed.
        let flat: String = client.split_whitespace().collect();
        assert_eq!(flat.matches("=crate::body::convert(value,\"conversionto`").count(), 2, "{client}");
        assert!(flat.contains("crate::body::convert(value,\"conversionto`ThingDto`forbodyfailed\""), "{client}");
    }
}
