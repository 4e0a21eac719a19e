//! What the generated builders call when what was set cannot be sent: one
//! message naming every field of a body (`types::builder`), or every
//! parameter of a request, that is missing or was refused.

/// The message for a body of type `name` whose fields were not all set or
/// converted (`errors` holds each field's, `None` for one that is fine), or
/// `None` when every field is.
pub(crate) fn refused(name: &str, errors: &[Option<&String>]) -> Option<String> {
    every_reason(errors).map(|reasons| format!("{name}: {reasons}"))
}

/// Every reason in `errors`, one after the other, or `None` when there is
/// none: what a request builder reports of its parameters.
pub(crate) fn every_reason(errors: &[Option<&String>]) -> Option<String> {
    let reasons: Vec<&str> = errors.iter().flatten().map(|why| why.as_str()).collect();
    (!reasons.is_empty()).then(|| reasons.join("; "))
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_field_refused_is_named_and_a_body_without_any_is_fine() {
        let (code, name) = ("code (required) is not set".to_string(), "name (required) is not set".to_string());
        assert_eq!(
            super::refused("CreateRoleDto", &[Some(&code), None, Some(&name)]).as_deref(),
            Some("CreateRoleDto: code (required) is not set; name (required) is not set")
        );
        assert_eq!(super::refused("CreateRoleDto", &[None, None]), None);
    }
}
