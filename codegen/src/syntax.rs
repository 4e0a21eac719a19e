//! Finding one's way in the generated syntax tree: what every rewrite of
//! progenitor's and typify's output needs.

use syn::{Attribute, GenericArgument, ImplItem, ImplItemFn, Item, ItemImpl, PathArguments, Type};

/// The items of the inline module `name` among `items`.
pub(crate) fn module<'a>(items: &'a [Item], name: &str) -> Option<&'a Vec<Item>> {
    items.iter().find_map(|item| match item {
        Item::Mod(m) if m.ident == name => m.content.as_ref().map(|(_, items)| items),
        _ => None,
    })
}

/// The items of the inline module `name` among `items`, to rewrite.
pub(crate) fn module_mut<'a>(items: &'a mut [Item], name: &str) -> Option<&'a mut Vec<Item>> {
    items.iter_mut().find_map(|item| match item {
        Item::Mod(m) if m.ident == name => m.content.as_mut().map(|(_, items)| items),
        _ => None,
    })
}

/// `T` of `Name<T, ..>`, when `ty` is such a type.
pub(crate) fn single_argument<'t>(ty: &'t Type, name: &str) -> Option<&'t Type> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    if last.ident != name {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else { return None };
    args.args.iter().find_map(|arg| match arg {
        GenericArgument::Type(ty) => Some(ty),
        _ => None,
    })
}

/// The first function of an impl block.
pub(crate) fn first_fn(imp: &mut ItemImpl) -> Option<&mut ImplItemFn> {
    imp.items.iter_mut().find_map(|item| match item {
        ImplItem::Fn(f) => Some(f),
        _ => None,
    })
}

/// The value of `#[serde(rename = "...")]`, if any.
pub(crate) fn serde_rename(attrs: &[Attribute]) -> Result<Option<String>, String> {
    let mut value = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                value = Some(meta.value()?.parse::<syn::LitStr>()?.value());
            } else if meta.input.peek(syn::Token![=]) {
                meta.value()?.parse::<syn::Expr>()?;
            }
            Ok(())
        })
        .map_err(|e| format!("cannot read a serde attribute: {e}"))?;
    }
    Ok(value)
}
