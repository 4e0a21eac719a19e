//! What the generated builders of request bodies (`types::builder`) call:
//! one message naming every field a body was refused for.

/// The message for a body of type `name` whose fields were not all set or
/// converted (`errors` holds each field's, `None` for one that is fine), or
/// `None` when every field is.
pub(crate) fn refused(name: &str, errors: &[Option<&String>]) -> Option<String> {
    let mut refused = errors.iter().flatten().peekable();
    refused.peek()?;
    let reasons: Vec<&str> = refused.map(|why| why.as_str()).collect();
    Some(format!("{name}: {}", reasons.join("; ")))
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
