//! The generated API as a user's code meets it, one fact per line: each
//! method with its setters (required or not) and what `.await` and
//! `.items()` give, each type with its fields as Rust names them, each enum
//! with its values and whether it is open. `cargo xtask regen` commits it as
//! `openapi/SURFACE.txt` and tells a refresh's changes from it (see
//! [`Surface::changes`]); reading it from the generated code rather than from
//! the document is what makes a name the generator gives differently show.

use std::collections::BTreeMap;
use std::fmt;

use quote::ToTokens;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Attribute, Fields, GenericArgument, Item, LitStr, PathArguments, Token, Type};

use crate::envelope::Envelope;
use crate::operation::Operation;
use crate::paging::Found;
use crate::syntax::{module, serde_rename, single_argument};

/// The generated API: facts by key (`fn get_user .user_id` → `String, required`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Surface {
    facts: BTreeMap<String, String>,
}

/// How a change to the surface reaches a user's code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Impact {
    /// Code that compiled may not compile any more.
    Breaking,
    /// Code compiles and acts as before, and there is more to call.
    Added,
    /// Code compiles but acts differently.
    Behaviour,
}

/// One change between two surfaces.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// What it does to a user's code.
    pub impact: Impact,
    /// What changed, in Rust's words.
    pub what: String,
}

impl Surface {
    /// Reads the surface from the generated code (after every rewrite).
    pub(crate) fn read(
        file: &syn::File,
        operations: &[Operation],
        envelopes: &BTreeMap<String, Envelope>,
        paging: &Found,
        body_required: &BTreeMap<String, std::collections::BTreeSet<String>>,
    ) -> Result<Surface, String> {
        let mut facts = BTreeMap::new();
        let builders = module(&file.items, "builder").ok_or("progenitor's output has no `builder` module")?;
        let types = module(&file.items, "types").ok_or("progenitor's output has no `types` module")?;
        let unset = unset_by_new(builders);
        let builder_fields: BTreeMap<String, &Fields> = builders
            .iter()
            .filter_map(|item| match item {
                Item::Struct(s) => Some((s.ident.to_string(), &s.fields)),
                _ => None,
            })
            .collect();

        for op in operations {
            let f = &op.function;
            let envelope = envelopes.get(&op.response).ok_or_else(|| {
                format!("operation {} answers `{}`, which is not a generated type", op.id, op.response)
            })?;
            let data = match &envelope.data {
                Some(data) => show(&syn::parse_str(data).map_err(|e| format!("type {data}: {e}"))?),
                None => op.response.clone(),
            };
            facts.insert(format!("fn {f}"), format!("{} {} -> {data} ({})", op.method.to_uppercase(), op.path, op.id));
            // The cargo feature that compiles it: a user's `Cargo.toml` names it.
            facts.insert(format!("fn {f} .feature"), crate::areas::area(f).feature.to_string());
            let fields = builder_fields
                .get(&op.builder)
                .ok_or_else(|| format!("operation {}: progenitor generated no builder `{}`", op.id, op.builder))?;
            for field in fields.iter() {
                let Some(name) = &field.ident else { continue };
                if name == "client" {
                    continue;
                }
                let (ty, _) = setter_type(&field.ty)
                    .ok_or_else(|| format!("builder {}: field {name} is not a `Result<_, String>`", op.builder))?;
                // What `new()` leaves unset is what must be set.
                let required = unset.get(&op.builder).is_some_and(|fields| fields.contains(&name.to_string()));
                let required = if required { ", required" } else { "" };
                let mut shown = show(ty);
                // The body is kept as its builder; `.body()` takes the type itself.
                if name == "body" {
                    shown = shown.strip_suffix("Builder").map(str::to_string).unwrap_or(shown);
                }
                facts.insert(format!("fn {f} .{name}"), format!("{shown}{required}"));
            }
            if let Some(paging) = paging.paginated.get(&op.id) {
                let items = match &paging.answer {
                    Ok(list) => show(&syn::parse_str(&list.item).map_err(|e| format!("type {}: {e}", list.item))?),
                    Err(_) => "serde_json::Value".to_string(),
                };
                facts.insert(format!("fn {f} .items()"), format!("{items}, by {}", paging.by));
            }
        }

        let open: BTreeMap<String, Vec<(String, String)>> = types
            .iter()
            .filter_map(|item| match item {
                Item::Macro(m) if m.mac.path.segments.last().is_some_and(|s| s.ident == "open_enum") => Some(&m.mac),
                _ => None,
            })
            .map(|mac| mac.parse_body::<OpenEnum>().map(|e| (e.name, e.values)))
            .collect::<Result<_, _>>()
            .map_err(|e| format!("cannot read an open enum's values: {e}"))?;
        for item in types {
            match item {
                Item::Struct(s) => {
                    let name = s.ident.to_string();
                    facts.insert(format!("struct {name}"), growth(&s.attrs).to_string());
                    for field in s.fields.iter() {
                        let Some(ident) = &field.ident else { continue };
                        let wire = serde_rename(&field.attrs)?.unwrap_or_else(|| ident.to_string());
                        let required = match body_required.get(&name).is_some_and(|f| f.contains(&ident.to_string())) {
                            true => ", required",
                            false => "",
                        };
                        facts.insert(
                            format!("struct {name} .{ident}"),
                            format!("{} \"{wire}\"{required}", show(&field.ty)),
                        );
                    }
                }
                Item::Enum(e) => {
                    let name = e.ident.to_string();
                    let values = match open.get(&name) {
                        Some(values) => {
                            facts.insert(format!("enum {name}"), format!("open{}", growth_suffix(&e.attrs)));
                            values.clone()
                        }
                        None => {
                            facts.insert(format!("enum {name}"), format!("closed{}", growth_suffix(&e.attrs)));
                            let mut values = Vec::new();
                            for variant in &e.variants {
                                let wire = match &variant.fields {
                                    Fields::Unit => {
                                        serde_rename(&variant.attrs)?.unwrap_or_else(|| variant.ident.to_string())
                                    }
                                    // An untagged or typed variant: its type, not a wire value.
                                    other => other.to_token_stream().to_string().replace(' ', ""),
                                };
                                values.push((variant.ident.to_string(), wire));
                            }
                            values
                        }
                    };
                    for (variant, wire) in values {
                        facts.insert(format!("enum {name} ::{variant}"), format!("\"{wire}\""));
                    }
                }
                _ => {}
            }
        }
        Ok(Surface { facts })
    }

    /// Reads a surface as [`Surface`]'s `Display` writes it.
    pub fn parse(text: &str) -> Result<Surface, String> {
        let mut facts = BTreeMap::new();
        for (n, line) in text.lines().enumerate().filter(|(_, line)| !line.starts_with('#') && !line.is_empty()) {
            let (key, value) =
                line.split_once(" = ").ok_or_else(|| format!("line {}: not `key = value`: {line}", n + 1))?;
            facts.insert(key.to_string(), value.to_string());
        }
        Ok(Surface { facts })
    }

    /// The number of items of one kind (`fn`, `struct`, `enum`): keys of two words.
    fn count(&self, kind: &str) -> usize {
        self.facts.keys().filter(|key| key.split(' ').count() == 2 && key.starts_with(kind)).count()
    }

    /// What changed from `self` to `new`, each labelled with its impact on users' code, breaking first.
    pub fn changes(&self, new: &Surface) -> Vec<Change> {
        let mut changes = Vec::new();
        let mut keys: Vec<&String> = self.facts.keys().chain(new.facts.keys()).collect();
        keys.sort();
        keys.dedup();
        for key in keys {
            // The members of an item added or removed whole are part of that
            // one change; whether a new operation pages is worth its own line.
            let owner = owner(key);
            let whole = !(self.facts.contains_key(owner) && new.facts.contains_key(owner));
            if owner != key && whole && !key.ends_with(" .items()") && !key.ends_with(" .feature") {
                continue;
            }
            match (self.facts.get(key), new.facts.get(key)) {
                (Some(old), Some(now)) if old != now => changes.push(changed(key, old, now)),
                (Some(old), None) => changes.push(removed(key, old)),
                (None, Some(now)) => changes.extend(added(key, now, new)),
                _ => {}
            }
        }
        changes.sort_by_key(|c| c.impact);
        changes
    }

    /// Whether the item `owner` (`struct X`, `enum X`) may gain members without breaking users' code.
    fn grows(&self, owner: &str) -> bool {
        self.facts.get(owner).is_some_and(|value| value.contains("non_exhaustive"))
    }
}

/// `value` when the item is `#[non_exhaustive]`, or nothing.
fn growth(attrs: &[Attribute]) -> &'static str {
    match attrs.iter().any(|a| a.path().is_ident("non_exhaustive")) {
        true => "non_exhaustive",
        false => "exhaustive",
    }
}

fn growth_suffix(attrs: &[Attribute]) -> String {
    format!(", {}", growth(attrs))
}

/// The item a key belongs to: `struct X .field` → `struct X`; `struct X` itself.
fn owner(key: &str) -> &str {
    match key.match_indices(' ').nth(1) {
        Some((second_space, _)) => &key[..second_space],
        None => key,
    }
}

fn removed(key: &str, old: &str) -> Change {
    Change { impact: Impact::Breaking, what: format!("`{key}` removed (was {old})") }
}

fn added(key: &str, now: &str, surface: &Surface) -> Vec<Change> {
    let owner = owner(key);
    let member = owner != key;
    let change = |impact, what: String| Change { impact, what };
    match key.split(' ').next() {
        // A new operation, or a new setter on one.
        Some("fn") if member && now.ends_with(", required") => vec![change(
            Impact::Behaviour,
            format!("`{key}` added and required ({now}): calls that do not set it now fail before anything is sent"),
        )],
        Some("fn") => vec![change(Impact::Added, format!("`{key}` added ({now})"))],
        Some("struct" | "enum") if !member => vec![change(Impact::Added, format!("`{key}` added ({now})"))],
        Some("enum") => {
            let mut out = Vec::new();
            if surface.facts.get(owner).is_some_and(|v| v.starts_with("open")) {
                out.push(change(
                    Impact::Behaviour,
                    format!("`{key}` added ({now}): the value, read as `Unknown` until now, reads as this variant"),
                ));
            }
            if surface.grows(owner) {
                out.push(change(Impact::Added, format!("`{key}` added ({now})")));
            } else {
                out.push(change(
                    Impact::Breaking,
                    format!("`{key}` added ({now}): an exhaustive `match` on `{owner}` no longer compiles"),
                ));
            }
            out
        }
        Some("struct") if now.ends_with(", required") => {
            let mut out = vec![change(
                Impact::Behaviour,
                format!("`{key}` added and required ({now}): a body built without it is now refused"),
            )];
            if !surface.grows(owner) {
                out.push(change(
                    Impact::Breaking,
                    format!("`{key}` added: a struct literal of `{owner}` no longer compiles"),
                ));
            }
            out
        }
        _ if surface.grows(owner) => vec![change(Impact::Added, format!("`{key}` added ({now})"))],
        _ => vec![change(
            Impact::Breaking,
            format!("`{key}` added ({now}): a struct literal or exhaustive pattern of `{owner}` no longer compiles"),
        )],
    }
}

fn changed(key: &str, old: &str, now: &str) -> Change {
    let change = |impact, why: &str| Change { impact, what: format!("`{key}`: {old} → {now}{why}") };
    let member = owner(key) != key;
    // The type, without what follows it (`, required`, the wire name, the route).
    let head = |v: &str| {
        let v = v.strip_suffix(", required").unwrap_or(v);
        v.rsplit_once(" \"").map_or(v, |(ty, _)| ty).to_string()
    };
    match key.split(' ').next() {
        Some("fn") if !member => match old.split(" -> ").nth(1) == now.split(" -> ").nth(1) {
            true => change(Impact::Behaviour, ": the call is sent elsewhere"),
            false => change(Impact::Breaking, ": `.await` gives another type"),
        },
        Some("fn") if key.ends_with(" .feature") => change(
            Impact::Breaking,
            ": the operation moved to another feature, and a crate enabling only the old one loses it",
        ),
        Some("fn") if key.ends_with(".items()") && old.split(',').next() == now.split(',').next() => {
            change(Impact::Behaviour, ": the list is walked another way, its items the same")
        }
        Some("fn") if key.ends_with(".items()") => change(Impact::Breaking, ": `.items()` yields another type"),
        Some("fn") if head(old) != head(now) => change(Impact::Breaking, ": the setter takes another type"),
        Some("fn") if now.ends_with(", required") => {
            change(Impact::Behaviour, ": now required, calls that do not set it fail before anything is sent")
        }
        Some("fn") => change(Impact::Added, ": no longer required"),
        Some(_) if !member && old.starts_with("open") != now.starts_with("open") => {
            change(Impact::Breaking, ": open enums have an `Unknown` variant and no `Copy`")
        }
        Some("enum") if !member && now.contains("non_exhaustive") && !old.contains("non_exhaustive") => {
            change(Impact::Breaking, ": exhaustive matches of it no longer compile")
        }
        Some(_) if !member && now.contains("non_exhaustive") && !old.contains("non_exhaustive") => {
            change(Impact::Breaking, ": struct literals and exhaustive patterns of it no longer compile")
        }
        Some(_) if !member => change(Impact::Added, ""),
        Some("enum") => change(Impact::Behaviour, ": another value on the wire"),
        Some(_) if head(old) != head(now) => change(Impact::Breaking, ": another type"),
        Some(_) if now.ends_with(", required") && !old.ends_with(", required") => {
            change(Impact::Behaviour, ": now required, a body built without it is refused")
        }
        Some(_) if old.ends_with(", required") && !now.ends_with(", required") => {
            change(Impact::Added, ": no longer required")
        }
        _ => change(Impact::Behaviour, ": another value on the wire"),
    }
}

impl fmt::Display for Surface {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "# The generated API as Rust sees it, one fact per line: written by `cargo xtask regen`, compared by \
             `cargo xtask test`; do not edit.\n# {} operations, {} of them paged; {} structs, {} enums.",
            self.count("fn "),
            self.facts.keys().filter(|key| key.ends_with(" .items()")).count(),
            self.count("struct "),
            self.count("enum "),
        )?;
        for (key, value) in &self.facts {
            writeln!(f, "{key} = {value}")?;
        }
        Ok(())
    }
}

impl fmt::Display for Impact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Impact::Breaking => "breaking",
            Impact::Added => "added",
            Impact::Behaviour => "behaviour",
        })
    }
}

/// The fields each request builder's `new()` leaves unset (`Err(..)`): the required ones, by builder.
fn unset_by_new(builders: &[Item]) -> BTreeMap<String, std::collections::BTreeSet<String>> {
    let mut out: BTreeMap<String, std::collections::BTreeSet<String>> = BTreeMap::new();
    for item in builders {
        let Item::Impl(imp) = item else { continue };
        let Type::Path(ty) = &*imp.self_ty else { continue };
        let Some(builder) = ty.path.segments.last().map(|s| s.ident.to_string()) else { continue };
        for item in &imp.items {
            let syn::ImplItem::Fn(f) = item else { continue };
            if f.sig.ident != "new" {
                continue;
            }
            let Some(syn::Stmt::Expr(syn::Expr::Struct(init), _)) = f.block.stmts.last() else { continue };
            for field in &init.fields {
                if let (syn::Member::Named(name), syn::Expr::Call(call)) = (&field.member, &field.expr)
                    && matches!(&*call.func, syn::Expr::Path(p) if p.path.is_ident("Err"))
                {
                    out.entry(builder.clone()).or_default().insert(name.to_string());
                }
            }
        }
    }
    out
}

/// A builder field's setter type, and whether it is required: progenitor
/// keeps `Result<Option<T>, String>` for an optional one, `Result<T, String>` otherwise.
fn setter_type(ty: &Type) -> Option<(&Type, bool)> {
    let inner = single_argument(ty, "Result")?;
    Some(match single_argument(inner, "Option") {
        Some(optional) => (optional, false),
        None => (inner, true),
    })
}

/// A type as a user writes it: the last segment of each path (`Option<Vec<UserDto>>`).
pub(crate) fn show(ty: &Type) -> String {
    match ty {
        Type::Path(path) => {
            let Some(last) = path.path.segments.last() else { return String::new() };
            let mut out = last.ident.to_string();
            if let PathArguments::AngleBracketed(args) = &last.arguments {
                let args: Vec<String> = args
                    .args
                    .iter()
                    .map(|arg| match arg {
                        GenericArgument::Type(ty) => show(ty),
                        other => other.to_token_stream().to_string(),
                    })
                    .collect();
                out.push_str(&format!("<{}>", args.join(", ")));
            }
            // `serde_json::Value` says more than `Value`.
            if out == "Value" || out.starts_with("Map<") {
                out = format!("serde_json::{out}");
            }
            out
        }
        other => other.to_token_stream().to_string().replace(' ', ""),
    }
}

/// `Name { Variant => "value", ... }`, the body of `crate::lenient::open_enum!`.
struct OpenEnum {
    name: String,
    values: Vec<(String, String)>,
}

impl Parse for OpenEnum {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let name: syn::Ident = input.parse()?;
        let content;
        syn::braced!(content in input);
        let arms = Punctuated::<(syn::Ident, LitStr), Token![,]>::parse_terminated_with(&content, |arm| {
            let variant = arm.parse()?;
            arm.parse::<Token![=>]>()?;
            Ok((variant, arm.parse()?))
        })?;
        let values = arms.into_iter().map(|(variant, value)| (variant.to_string(), value.value())).collect();
        Ok(OpenEnum { name: name.to_string(), values })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_operation_moved_to_another_feature_is_breaking_and_a_new_ones_feature_is_named() {
        let old =
            Surface::parse("fn get_user = GET /api/v3/get-user -> UserDto (getUser)\nfn get_user .feature = users\n")
                .unwrap();
        let moved = Surface::parse(
            "fn get_user = GET /api/v3/get-user -> UserDto (getUser)\nfn get_user .feature = roles\n\
             fn get_role = GET /api/v3/get-role -> RoleDto (getRole)\nfn get_role .feature = roles\n",
        )
        .unwrap();
        let changes = old.changes(&moved);
        let moved_line =
            changes.iter().find(|c| c.what.contains("fn get_user .feature")).expect("the move is reported");
        assert_eq!(moved_line.impact, Impact::Breaking, "{}", moved_line.what);
        let new_line = changes.iter().find(|c| c.what.contains("fn get_role .feature")).expect("the new one's feature");
        assert_eq!(new_line.impact, Impact::Added);
        assert!(new_line.what.contains("roles"), "{}", new_line.what);
    }
}
