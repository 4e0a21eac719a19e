//! Secrets out of `Debug`: what the generated types' `Debug` shows for a
//! field that `authing-codegen`'s `redact` rule finds holds a secret
//! (a password, a token, a client secret, a private key).

use std::fmt;

/// A secret field, as `Debug` shows it: `<redacted>` for its value, its
/// shape (`None`, `Some(..)`, a builder's `Err(reason)`) kept.
pub(crate) struct Redacted<'a, T>(pub(crate) &'a T);

impl<T: Secret> fmt::Debug for Redacted<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt_redacted(f)
    }
}

/// A value that `Debug` shows without its secret.
pub(crate) trait Secret {
    fn fmt_redacted(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result;
}

impl Secret for String {
    fn fmt_redacted(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl<T: Secret> Secret for Option<T> {
    fn fmt_redacted(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Some(value) => f.debug_tuple("Some").field(&Redacted(value)).finish(),
            None => f.write_str("None"),
        }
    }
}

/// A builder's field: a reason it is not set shows (it names the field, never a value).
impl<T: Secret> Secret for Result<T, String> {
    fn fmt_redacted(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ok(value) => f.debug_tuple("Ok").field(&Redacted(value)).finish(),
            Err(reason) => f.debug_tuple("Err").field(reason).finish(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Redacted;

    #[test]
    fn a_secret_shows_its_shape_and_not_its_value() {
        let secret = "hunter2".to_string();
        assert_eq!(format!("{:?}", Redacted(&secret)), "<redacted>");
        assert_eq!(format!("{:?}", Redacted(&Some(secret.clone()))), "Some(<redacted>)");
        assert_eq!(format!("{:?}", Redacted(&None::<String>)), "None");
        let set: Result<Option<String>, String> = Ok(Some(secret));
        assert_eq!(format!("{:?}", Redacted(&set)), "Ok(Some(<redacted>))");
        let unset: Result<String, String> = Err("password (required) is not set".into());
        assert_eq!(format!("{:?}", Redacted(&unset)), "Err(\"password (required) is not set\")");
    }
}
