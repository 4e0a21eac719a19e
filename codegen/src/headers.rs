//! The header progenitor adds to every request, `api-version` (the
//! document's version), which Authing does not take and the official SDKs do
//! not send: removed from each operation's `send()` here, once, rather than
//! from every request at run time.

use syn::visit_mut::VisitMut;
use syn::{Block, Expr, ExprLit, Lit, Stmt};

/// Removes the statements that append `api-version`, and the room reserved for it.
pub(crate) fn drop_api_version(file: &mut syn::File) -> Result<(), String> {
    let mut dropper = Dropper { removed: 0 };
    dropper.visit_file_mut(file);
    if dropper.removed == 0 {
        return Err(
            "progenitor's output appends no `api-version` header any more: update codegen/src/headers.rs".into()
        );
    }
    Ok(())
}

struct Dropper {
    removed: usize,
}

impl VisitMut for Dropper {
    fn visit_block_mut(&mut self, block: &mut Block) {
        let before = block.stmts.len();
        block.stmts.retain(|stmt| !appends_api_version(stmt));
        if block.stmts.len() < before {
            self.removed += before - block.stmts.len();
            // `HeaderMap::with_capacity(n)` counted the header just removed.
            for stmt in &mut block.stmts {
                shrink_capacity(stmt);
            }
        }
        syn::visit_mut::visit_block_mut(self, block);
    }
}

/// `header_map.append(HeaderName::from_static("api-version"), ...);`
fn appends_api_version(stmt: &Stmt) -> bool {
    let Stmt::Expr(Expr::MethodCall(call), _) = stmt else { return false };
    call.method == "append"
        && call.args.first().is_some_and(|name| {
            let Expr::Call(from_static) = name else { return false };
            matches!(from_static.args.first(), Some(Expr::Lit(ExprLit { lit: Lit::Str(s), .. })) if s.value() == "api-version")
        })
}

/// `let mut header_map = HeaderMap::with_capacity(n);` -> `n - 1`.
fn shrink_capacity(stmt: &mut Stmt) {
    let Stmt::Local(local) = stmt else { return };
    let Some(init) = &mut local.init else { return };
    let Expr::Call(call) = &mut *init.expr else { return };
    let Expr::Path(function) = &*call.func else { return };
    if function.path.segments.last().is_none_or(|s| s.ident != "with_capacity") {
        return;
    }
    if let Some(Expr::Lit(ExprLit { lit: Lit::Int(n), .. })) = call.args.first_mut()
        && let Ok(size) = n.base10_parse::<usize>()
    {
        *n = syn::LitInt::new(&format!("{}usize", size.saturating_sub(1)), n.span());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_and_its_room_are_removed_and_other_headers_kept() {
        let mut file: syn::File = syn::parse_quote! {
            async fn send() {
                let mut header_map = ::reqwest::header::HeaderMap::with_capacity(2usize);
                header_map.append(
                    ::reqwest::header::HeaderName::from_static("api-version"),
                    ::reqwest::header::HeaderValue::from_static(super::Client::api_version()),
                );
                header_map.append(::reqwest::header::HeaderName::from_static("x-other"), value);
            }
        };
        drop_api_version(&mut file).unwrap();
        let code = quote::ToTokens::to_token_stream(&file).to_string();
        assert!(!code.contains("api-version"), "{code}");
        assert!(code.contains("with_capacity (1usize)"), "{code}");
        assert!(code.contains("x-other"), "{code}");
    }

    #[test]
    fn code_without_the_header_is_an_error() {
        let mut file: syn::File = syn::parse_quote! { fn send() { let header_map = HeaderMap::new(); } };
        assert!(drop_api_version(&mut file).is_err());
    }
}
