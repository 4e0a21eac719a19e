//! The Rust names progenitor and typify give to what the document names.

use heck::{ToPascalCase, ToSnakeCase};

/// The method of an operation or the setter of a parameter: snake case, with
/// `_` after a keyword (`listUsers` -> `list_users`, `type` -> `type_`).
pub fn method_name(name: &str) -> String {
    const KEYWORDS: &[&str] = &[
        "as", "async", "await", "box", "break", "const", "continue", "crate", "do", "dyn", "else", "enum", "extern",
        "false", "final", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "macro", "match", "mod", "move",
        "mut", "override", "priv", "pub", "ref", "return", "self", "static", "struct", "super", "trait", "true", "try",
        "type", "typeof", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
    ];
    let snake = name.replace(|c: char| !(c.is_alphanumeric() || c == '_'), "-").to_snake_case();
    if KEYWORDS.contains(&snake.as_str()) { format!("{snake}_") } else { snake }
}

/// The type of a schema, or the request builder of an operation
/// (`listUsers` -> `ListUsers`).
pub fn type_name(name: &str) -> String {
    name.replace(|c: char| !(c.is_alphanumeric() || c == '_'), "-").to_pascal_case()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_ids_become_snake_case_methods() {
        assert_eq!(method_name("listUsers"), "list_users");
        assert_eq!(method_name("type"), "type_");
        // Authing's two spellings of one operation give one method.
        assert_eq!(method_name("updateTenantQRCodeState"), method_name("updateTenantQrCodeState"));
    }

    #[test]
    fn schema_names_become_pascal_case_types() {
        assert_eq!(type_name("listUsers"), "ListUsers");
        assert_eq!(type_name("User-Dto"), "UserDto");
    }
}
