//! Answer data from the few fields a test cares about: [`sample`].

use serde::de::value::{MapDeserializer, SeqDeserializer, StrDeserializer};
use serde::de::{DeserializeOwned, Deserializer, Error as _, IntoDeserializer, Visitor};
use serde_json::{Map, Value};

/// A `T` (a generated type) with the fields given in `fields`, by their wire
/// names, and every other field empty: `""`, `0`, `false`, `None`, an empty
/// list; a field given as an object is filled the same way. An enum of an
/// answer (they are all open) not given is `Unknown("")`, which no code
/// takes for a real value: give the ones the code under test reads
/// (`"status": "Activated"`). A field whose type is an untagged enum (one
/// of several shapes) cannot be guessed and must be given.
///
/// ```
/// use authing::{mock::sample, types::UserDto};
///
/// let ann: UserDto = sample(serde_json::json!({"userId": "u1", "email": "ann@example.com"}));
/// assert_eq!(ann.email.as_deref(), Some("ann@example.com"));
/// assert_eq!(ann.created_at, "");
/// ```
///
/// # Panics
///
/// When `fields` names a field that `T` does not have, or gives one a value
/// of another type: a test's typo says so at once.
pub fn sample<T: DeserializeOwned>(fields: Value) -> T {
    T::deserialize(Filler(Some(fields))).unwrap_or_else(|error| {
        // The generated types live in a private module, re-exported as `authing::types`.
        let name = std::any::type_name::<T>().replace("authing::generated::", "authing::");
        panic!("authing::mock::sample::<{name}>: {error}")
    })
}

/// Deserializes a value given in part: what is given is read as JSON, what
/// is missing is the empty value of the type asked for.
struct Filler(Option<Value>);

impl<'de> IntoDeserializer<'de, serde_json::Error> for Filler {
    type Deserializer = Filler;

    fn into_deserializer(self) -> Filler {
        self
    }
}

/// A scalar: the given value, or `$empty` when there is none.
macro_rules! scalar {
    ($($method:ident => $visit:ident($empty:expr)),* $(,)?) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, serde_json::Error> {
            match self.0 {
                Some(value) => value.$method(visitor),
                None => visitor.$visit($empty),
            }
        }
    )*};
}

impl<'de> Deserializer<'de> for Filler {
    type Error = serde_json::Error;

    scalar! {
        deserialize_bool => visit_bool(false),
        deserialize_i8 => visit_i64(0),
        deserialize_i16 => visit_i64(0),
        deserialize_i32 => visit_i64(0),
        deserialize_i64 => visit_i64(0),
        deserialize_u8 => visit_u64(0),
        deserialize_u16 => visit_u64(0),
        deserialize_u32 => visit_u64(0),
        deserialize_u64 => visit_u64(0),
        deserialize_f32 => visit_f64(0.0),
        deserialize_f64 => visit_f64(0.0),
        deserialize_char => visit_char(' '),
        deserialize_str => visit_str(""),
        deserialize_string => visit_str(""),
        deserialize_bytes => visit_bytes(&[]),
        deserialize_byte_buf => visit_bytes(&[]),
        deserialize_identifier => visit_str(""),
    }

    /// Anything (a `serde_json::Value` field): the given value, or `null`.
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, serde_json::Error> {
        match self.0 {
            Some(value) => value.deserialize_any(visitor),
            None => visitor.visit_unit(),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, serde_json::Error> {
        match self.0 {
            None | Some(Value::Null) => visitor.visit_none(),
            given => visitor.visit_some(Filler(given)),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, serde_json::Error> {
        visitor.visit_unit()
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, serde_json::Error> {
        visitor.visit_unit()
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, serde_json::Error> {
        visitor.visit_newtype_struct(self)
    }

    /// A list: each item given filled in, or no item.
    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, serde_json::Error> {
        match self.0 {
            Some(Value::Array(items)) => {
                let mut items = SeqDeserializer::new(items.into_iter().map(|item| Filler(Some(item))));
                let value = visitor.visit_seq(&mut items)?;
                items.end()?;
                Ok(value)
            }
            Some(other) => other.deserialize_seq(visitor),
            None => visitor.visit_seq(SeqDeserializer::new(std::iter::empty::<Filler>())),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, serde_json::Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, serde_json::Error> {
        self.deserialize_seq(visitor)
    }

    /// A map: the given one, or an empty one.
    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, serde_json::Error> {
        match self.0 {
            Some(value) => value.deserialize_map(visitor),
            None => visitor.visit_map(MapDeserializer::new(std::iter::empty::<(String, Filler)>())),
        }
    }

    /// A struct: every field it declares, filled in from the given object;
    /// a given field it does not declare is an error.
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, serde_json::Error> {
        let mut given = match self.0 {
            None => Map::new(),
            Some(Value::Object(given)) => given,
            Some(other) => return other.deserialize_struct(name, fields, visitor),
        };
        if let Some(unknown) = given.keys().find(|key| !fields.contains(&key.as_str())) {
            return Err(serde_json::Error::custom(format_args!(
                "{name} has no field `{unknown}`; its fields are {}",
                fields.join(", ")
            )));
        }
        let mut map = MapDeserializer::new(fields.iter().map(|field| (*field, Filler(given.remove(*field)))));
        let value = visitor.visit_map(&mut map)?;
        map.end()?;
        Ok(value)
    }

    /// An enum: the given value, or its first variant.
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, serde_json::Error> {
        match (self.0, variants.first()) {
            (Some(value), _) => value.deserialize_enum(name, variants, visitor),
            (None, Some(first)) => visitor.visit_enum(StrDeserializer::<serde_json::Error>::new(first)),
            (None, None) => Err(serde_json::Error::custom(format_args!("{name} has no value to sample"))),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, serde_json::Error> {
        visitor.visit_unit()
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::json;

    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "camelCase")]
    struct Person {
        user_id: String,
        age: i64,
        verified: bool,
        nickname: Option<String>,
        tags: Vec<String>,
        home: Address,
        kind: Kind,
        extra: Value,
    }

    #[derive(Debug, Deserialize, PartialEq, Default)]
    struct Address {
        city: String,
        zip: Option<u32>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "lowercase")]
    enum Kind {
        Staff,
        Guest,
    }

    #[test]
    fn what_is_not_given_is_empty_and_what_is_given_is_kept() {
        let person: Person = sample(json!({"userId": "u1", "home": {"zip": 7}, "kind": "guest", "tags": ["a"]}));
        assert_eq!(
            person,
            Person {
                user_id: "u1".into(),
                age: 0,
                verified: false,
                nickname: None,
                tags: vec!["a".into()],
                home: Address { city: String::new(), zip: Some(7) },
                kind: Kind::Guest,
                extra: Value::Null,
            }
        );
        let empty: Person = sample(json!({}));
        assert_eq!((empty.kind, empty.home), (Kind::Staff, Address::default()));
    }

    #[test]
    fn a_field_the_type_does_not_have_or_of_another_type_is_refused() {
        let typo = std::panic::catch_unwind(|| sample::<Person>(json!({"userID": "u1"}))).unwrap_err();
        let typo = typo.downcast_ref::<String>().unwrap();
        assert!(typo.contains("Person has no field `userID`; its fields are userId, age"), "{typo}");
        let wrong = std::panic::catch_unwind(|| sample::<Person>(json!({"age": "three"}))).unwrap_err();
        assert!(wrong.downcast_ref::<String>().unwrap().contains("invalid type: string \"three\""), "{wrong:?}");
    }
}
