//! Compiled where it is called: every function of the generated code that
//! is not generic becomes `#[inline]`.
//!
//! rustc compiles a library's public non-generic functions, and everything
//! they instantiate, into the library itself, whether a program calls them or
//! not: for this crate, a `From`, `Default` and `TryFrom` of every type and
//! builder, and every operation's request and answer. An `#[inline]` function
//! is compiled instead in the crate that calls it, for the functions it calls.
//! Measured on the full crate (a clean debug build, `-Z time-passes`): the
//! answers' decoding alone was 27 s of code generation and 24 s of LLVM.
//! Derived impls are left as they are: their functions cannot be marked.

use syn::visit_mut::VisitMut;
use syn::{GenericParam, ImplItemFn, parse_quote};

/// Marks every non-generic function of an impl in `file` `#[inline]`.
pub(crate) fn rewrite(file: &mut syn::File) {
    Inline.visit_file_mut(file);
}

struct Inline;

impl VisitMut for Inline {
    fn visit_item_impl_mut(&mut self, imp: &mut syn::ItemImpl) {
        // An impl generic over a type is compiled only where it is used anyway.
        if !has_type_parameters(&imp.generics) {
            syn::visit_mut::visit_item_impl_mut(self, imp);
        }
    }

    fn visit_impl_item_fn_mut(&mut self, f: &mut ImplItemFn) {
        let marked = f.attrs.iter().any(|a| a.path().is_ident("inline"));
        if !marked && !has_type_parameters(&f.sig.generics) {
            f.attrs.push(parse_quote!(#[inline]));
        }
    }
}

/// Whether `generics` has a type or const parameter (a lifetime makes nothing generic to compile).
fn has_type_parameters(generics: &syn::Generics) -> bool {
    generics.params.iter().any(|p| !matches!(p, GenericParam::Lifetime(_)))
}

#[cfg(test)]
mod tests {
    /// What generation writes, the glue appended as text and the mock's code
    /// included: every non-generic function of an impl is `#[inline]`.
    #[test]
    fn every_non_generic_function_generated_is_inline() {
        let spec = crate::committed_document();
        let areas = crate::Areas::enabled(|feature| feature == "roles");
        let generated = crate::generate(&spec, crate::Options { areas, mock: true, ..crate::Options::default() });
        // (Read with `VisitMut`, the one visitor the crate's syn has.)
        let mut file = syn::parse_file(&generated.unwrap().client).unwrap();
        struct Unmarked(Vec<String>);
        impl syn::visit_mut::VisitMut for Unmarked {
            fn visit_item_impl_mut(&mut self, imp: &mut syn::ItemImpl) {
                if !super::has_type_parameters(&imp.generics) {
                    syn::visit_mut::visit_item_impl_mut(self, imp);
                }
            }
            fn visit_impl_item_fn_mut(&mut self, f: &mut syn::ImplItemFn) {
                let marked = f.attrs.iter().any(|a| a.path().is_ident("inline"));
                if !marked && !super::has_type_parameters(&f.sig.generics) {
                    self.0.push(f.sig.ident.to_string());
                }
            }
        }
        let mut unmarked = Unmarked(Vec::new());
        syn::visit_mut::VisitMut::visit_file_mut(&mut unmarked, &mut file);
        assert!(unmarked.0.is_empty(), "not #[inline]: {:?}", unmarked.0);
    }

    #[test]
    fn only_the_functions_compiled_into_the_crate_are_marked() {
        let mut file: syn::File = syn::parse_quote! {
            impl From<&Thing> for Thing { fn from(value: &Thing) -> Self { value.clone() } }
            impl Thing {
                pub fn builder() -> ThingBuilder { Default::default() }
                pub fn code<T: Into<String>>(self, value: T) -> Self { self }
                #[inline]
                pub fn marked(&self) {}
                pub fn borrowed<'a>(&'a self) -> &'a str { "" }
            }
            impl<T> Wrapper<T> { pub fn get(&self) {} }
        };
        super::rewrite(&mut file);
        let code = quote::ToTokens::to_token_stream(&file).to_string();
        assert_eq!(code.matches("# [inline]").count(), 4, "{code}");
        assert!(code.contains("# [inline] fn from"), "{code}");
        assert!(code.contains("# [inline] pub fn builder"), "{code}");
        assert!(code.contains("# [inline] pub fn borrowed"), "{code}");
        assert!(!code.contains("# [inline] pub fn code"), "{code}");
        assert!(!code.contains("# [inline] pub fn get"), "{code}");
    }
}
