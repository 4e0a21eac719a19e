//! What the generated builders call with what is set on them: each setter's
//! conversion, and, when what was set cannot be sent, one message naming
//! every field of a body (`types::builder`), or every parameter of a
//! request, that is missing or was refused.
//!
//! Every setter of every builder calls [`convert`] or [`collect`]: one
//! generic function each, rather than a closure and a `format!` per setter
//! for the compiler to check.

use std::fmt::Display;

/// A setter's value as its field's type, or why it cannot be: `what` (for
/// example "conversion to `UserIdType` for user_id_type failed") and the
/// conversion's own error, which names the value.
pub(crate) fn convert<V, T>(value: V, what: &str) -> Result<T, String>
where
    V: TryInto<T>,
    V::Error: Display,
{
    value.try_into().map_err(|e| format!("{what}: {e}"))
}

/// A list setter's values as its field's items, or why the first that cannot be converted is refused.
pub(crate) fn collect<I, T>(values: I, what: &str) -> Result<Vec<T>, String>
where
    I: IntoIterator,
    I::Item: TryInto<T>,
    <I::Item as TryInto<T>>::Error: Display,
{
    values.into_iter().map(|value| convert(value, what)).collect()
}

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
    fn a_refused_value_is_named_with_what_failed_and_the_first_refused_item_of_a_list() {
        let unit = super::convert::<_, u8>(300_u16, "conversion to `u8` for limit failed");
        assert_eq!(
            unit,
            Err("conversion to `u8` for limit failed: out of range integral type conversion attempted".into())
        );
        assert_eq!(super::convert::<_, u8>(255_u16, "limit"), Ok(255));
        let list = super::collect::<_, u8>([1_u16, 256, 257], "conversion of ids");
        assert_eq!(list, Err("conversion of ids: out of range integral type conversion attempted".into()));
        assert_eq!(super::collect::<_, u8>([1_u16, 2], "ids"), Ok(vec![1, 2]));
    }

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
