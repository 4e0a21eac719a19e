//! Secrets kept out of `Debug`: a generated type's string field whose name
//! says it holds a secret (a password, a token, a client secret, a private
//! key) is shown as `<redacted>` by `Debug`, in the type and in its builder;
//! the field itself and its serialized form are unchanged.
//!
//! The rule reads the field's wire name as words (`accessToken`,
//! `client_secret`, `encodingAESKey`) and its type: a `String` or an
//! `Option<String>` whose last words are one of [`SECRET_ENDINGS`] (`pass`
//! and `pwd` are how some of Authing's names say password). So
//! `accessToken` and `appSecret` are secrets; `keepPassword` (a bool),
//! `passwordLastSetAt` (it ends in `at`) and `key` are not.

use std::collections::BTreeMap;

use heck::ToSnakeCase as _;
use quote::ToTokens;
use syn::punctuated::Punctuated;
use syn::{Item, ItemStruct, Token, parse_quote};

use crate::syntax::{module_mut, serde_rename};

/// The words a secret field's name ends with, each as snake_case words.
pub(crate) const SECRET_ENDINGS: &[&str] = &[
    "secret",
    "password",
    "pass",
    "pwd",
    "salt",
    "token",
    "private_key",
    "credential",
    "credentials",
    "ciphertext",
    "aes_key",
    "encrypt_key",
    "apikey",
];

/// The secret fields found, by type: each field's Rust name and wire name.
pub(crate) type Secrets = BTreeMap<String, Vec<(String, String)>>;

/// Whether a field of wire name `wire` and type `ty` holds a secret.
pub(crate) fn is_secret(wire: &str, ty: &syn::Type) -> bool {
    let ty = ty.to_token_stream().to_string().replace(' ', "");
    let string = matches!(
        ty.as_str(),
        "::std::string::String" | "::std::option::Option<::std::string::String>" | "String" | "Option<String>"
    );
    let words = format!("_{}", wire.to_snake_case());
    string && SECRET_ENDINGS.iter().any(|ending| words.ends_with(&format!("_{ending}")))
}

/// Replaces the derived `Debug` of every type with a secret field, and of
/// its builder, with one that shows `<redacted>` for it; returns what it found.
pub(crate) fn rewrite(file: &mut syn::File) -> Result<Secrets, String> {
    let types = module_mut(&mut file.items, "types").ok_or("typify's output has no `types` module")?;
    let mut secrets = Secrets::new();
    let mut impls: Vec<Item> = Vec::new();
    for item in types.iter_mut() {
        let Item::Struct(s) = item else { continue };
        let mut found = Vec::new();
        for field in &s.fields {
            let Some(ident) = &field.ident else { continue };
            let wire = serde_rename(&field.attrs)?.unwrap_or_else(|| ident.to_string());
            if is_secret(&wire, &field.ty) {
                found.push((ident.to_string(), wire));
            }
        }
        if found.is_empty() {
            continue;
        }
        impls.push(debug_without_secrets(s, &found)?);
        secrets.insert(s.ident.to_string(), found);
    }
    types.extend(impls);
    let builders = module_mut(types, "builder").ok_or("typify's output has no `types::builder` module")?;
    let mut impls: Vec<Item> = Vec::new();
    for item in builders.iter_mut() {
        let Item::Struct(s) = item else { continue };
        let Some(found) = s.ident.to_string().strip_suffix("Builder").and_then(|name| secrets.get(name)) else {
            continue;
        };
        impls.push(debug_without_secrets(s, found)?);
    }
    builders.extend(impls);
    Ok(secrets)
}

/// Takes `Debug` out of `s`'s derives and gives the `impl Debug` that shows
/// `<redacted>` for the fields `secret`.
fn debug_without_secrets(s: &mut ItemStruct, secret: &[(String, String)]) -> Result<Item, String> {
    let name = s.ident.clone();
    let mut derived = false;
    for attr in s.attrs.iter_mut().filter(|attr| attr.path().is_ident("derive")) {
        let paths = attr
            .parse_args_with(Punctuated::<syn::Path, Token![,]>::parse_terminated)
            .map_err(|e| format!("{name}: cannot read its derives: {e}"))?;
        let kept: Vec<&syn::Path> = paths.iter().filter(|path| !path.is_ident("Debug")).collect();
        derived |= kept.len() < paths.len();
        *attr = parse_quote!(#[derive(#(#kept),*)]);
    }
    if !derived {
        return Err(format!("{name} has a secret field but derives no `Debug` to replace"));
    }
    let fields = s.fields.iter().filter_map(|field| field.ident.as_ref()).map(|ident| {
        let shown = ident.to_string();
        let shown = shown.trim_start_matches("r#");
        match secret.iter().any(|(rust, _)| rust == &ident.to_string()) {
            true => quote::quote!(.field(#shown, &crate::redact::Redacted(&self.#ident))),
            false => quote::quote!(.field(#shown, &self.#ident)),
        }
    });
    let label = name.to_string();
    Ok(parse_quote! {
        impl ::std::fmt::Debug for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct(#label) #(#fields)* .finish()
            }
        }
    })
}

/// `REDACTED`, for the tests: each type with a secret field, the wire
/// names of those fields, and its `Debug` and JSON when made with them.
pub(crate) fn table(secrets: &Secrets) -> String {
    let mut out = String::from(
        "/// A value made from JSON: its `Debug`, its builder's `Debug` and its JSON.\n\
         pub type MakeAndShow = fn(serde_json::Value) -> (String, String, serde_json::Value);\n\n\
         /// Every generated type with a secret field: its name, the secret fields' wire names, and,\n\
         /// for a value made with `authing::mock::sample` from the JSON given, its `Debug`, its\n\
         /// builder's `Debug` and its JSON.\n\
         pub const REDACTED: &[(&str, &[&str], MakeAndShow)] = &[\n",
    );
    for (name, fields) in secrets {
        let wire: Vec<String> = fields.iter().map(|(_, wire)| format!("{wire:?}")).collect();
        out.push_str(&format!(
            "    ({name:?}, &[{}], |fields| {{ let value: authing::types::{name} = authing::mock::sample(fields); \
             (format!(\"{{value:?}}\"), format!(\"{{:?}}\", authing::types::builder::{name}Builder::from(value.clone())), \
             serde_json::to_value(&value).unwrap()) }}),\n",
            wire.join(", ")
        ));
    }
    out.push_str("];\n");
    out
}

#[cfg(test)]
mod tests {
    use super::is_secret;

    #[test]
    fn a_string_named_for_a_secret_is_one_and_nothing_else_is() {
        let string: syn::Type = syn::parse_quote!(::std::string::String);
        let optional: syn::Type = syn::parse_quote!(::std::option::Option<::std::string::String>);
        let boolean: syn::Type = syn::parse_quote!(::std::option::Option<bool>);
        for wire in [
            "password",
            "encryptedPassword",
            "accessToken",
            "refresh_token",
            "idToken",
            "mfaToken",
            "appSecret",
            "client_secret",
            "accessKeySecret",
            "privateKey",
            "bindCredentials",
            "ciphertext",
            "encodingAESKey",
            "aes_key",
            "apikey",
            "senderPass",
            "bindPwd",
            "salt",
        ] {
            assert!(is_secret(wire, &string) && is_secret(wire, &optional), "{wire}");
        }
        for wire in [
            "key",
            "appKey",
            "passwordLastSetAt",
            "tokenEndpoint",
            "showFieldKey",
            "secretStatus",
            "bypass",
            "passType",
        ] {
            assert!(!is_secret(wire, &string), "{wire}");
        }
        for wire in ["keepPassword", "autoGeneratePassword", "password"] {
            assert!(!is_secret(wire, &boolean), "{wire}");
        }
    }
}
