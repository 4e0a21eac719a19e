//! Answers that survive drift: what the generated types use so that a value
//! the document does not have never fails a whole call (see
//! `authing-codegen`'s `lenient` rewrite, which puts them in place).
//!
//! - [`open_enum!`]: every enum that can appear in an answer reads any string;
//!   a value the document lists is its variant, any other is kept in
//!   `Unknown(`[`Unrecognized`]`)` and written back unchanged.
//! - [`null_as_default`]: a list or map that is `null` or absent is empty.
//! - [`number`], [`integer`]: a number given as a string is the number.

use serde::{Deserialize, Deserializer};

/// A list or map field: `null` reads as empty (absence does too, with `#[serde(default)]`).
pub(crate) fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// A number, given as a JSON number or as a string holding one (`"7200"`).
pub(crate) fn number<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
    number_or_text(deserializer)
}

/// An integer, given as a JSON integer or as a string holding one (`"429"`).
pub(crate) fn integer<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    number_or_text(deserializer)
}

/// An integer that may be absent, given as [`integer`] reads one.
pub(crate) fn optional_integer<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    #[derive(Deserialize)]
    struct Integer(#[serde(deserialize_with = "integer")] i64);
    Ok(Option::<Integer>::deserialize(deserializer)?.map(|Integer(value)| value))
}

fn number_or_text<'de, D: Deserializer<'de>, N: Deserialize<'de> + std::str::FromStr>(
    deserializer: D,
) -> Result<N, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum NumberOrText<N> {
        Number(N),
        Text(String),
    }
    match NumberOrText::<N>::deserialize(deserializer)? {
        NumberOrText::Number(number) => Ok(number),
        NumberOrText::Text(text) => {
            text.trim().parse().map_err(|_| serde::de::Error::custom("a string that does not hold a number"))
        }
    }
}

/// A value of an open enum that this version of the crate does not know,
/// kept as Authing sent it: read it with [`as_str`](Unrecognized::as_str)
/// or `Display`.
///
/// It cannot be made or matched as a string on purpose: code that looks for
/// a value (`Unknown(v) if v == "syncTask"`) would silently stop matching the
/// day a new version knows it. Compare the enum instead, made from the
/// string: `status == UserDtoStatus::from("syncTask")` holds before and after.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Unrecognized(pub(crate) String);

impl Unrecognized {
    /// The value as Authing sent it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Unrecognized {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::fmt::Debug for Unrecognized {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&self.0, f)
    }
}

#[cfg(feature = "schemars")]
impl schemars::JsonSchema for Unrecognized {
    fn schema_name() -> String {
        "Unrecognized".into()
    }

    fn json_schema(generator: &mut schemars::r#gen::SchemaGenerator) -> schemars::schema::Schema {
        String::json_schema(generator)
    }
}

/// Implements an open enum: its value as text, serde both ways, and
/// conversions from strings, for an enum with unit variants and a last
/// variant `Unknown(Unrecognized)`.
///
/// One line per enum in the generated code; everything else is here, once.
/// `#[inline]`: compiled only in a program that uses it (see `authing-codegen`'s `inline.rs`).
macro_rules! open_enum {
    ($name:ident { $($variant:ident => $value:literal),* $(,)? }) => {
        impl $name {
            /// The value as Authing sends it.
            #[inline]
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $value,)*
                    Self::Unknown(value) => value.as_str(),
                }
            }

            /// True for a value this version of the SDK does not know.
            #[inline]
            pub fn is_unknown(&self) -> bool {
                matches!(self, Self::Unknown(_))
            }
        }

        impl ::std::fmt::Display for $name {
            #[inline]
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::convert::From<&str> for $name {
            #[inline]
            fn from(value: &str) -> Self {
                match value {
                    $($value => Self::$variant,)*
                    other => Self::Unknown($crate::lenient::Unrecognized(other.to_string())),
                }
            }
        }

        impl ::std::convert::From<::std::string::String> for $name {
            #[inline]
            fn from(value: ::std::string::String) -> Self {
                match value.as_str() {
                    $($value => Self::$variant,)*
                    _ => Self::Unknown($crate::lenient::Unrecognized(value)),
                }
            }
        }

        impl ::std::convert::From<&::std::string::String> for $name {
            #[inline]
            fn from(value: &::std::string::String) -> Self {
                Self::from(value.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;

            #[inline]
            fn from_str(value: &str) -> ::std::result::Result<Self, Self::Err> {
                Ok(Self::from(value))
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                let value = <::std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(deserializer)?;
                Ok(Self::from(&*value))
            }
        }
    };
}
pub(crate) use open_enum;
