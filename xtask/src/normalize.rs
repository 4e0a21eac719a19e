//! The rewrites the generator needs before it can take Authing's document.
//!
//! Each normalization has a stable name, is reported with every place it
//! changed, and fails loudly when the document has a shape it cannot fix:
//! nothing is ever changed silently.

use anyhow::{Result, bail};
use serde_json::Value;

/// One named rewrite of the document.
pub struct Normalization {
    /// Stable name, used in the command's output and in the committed record.
    pub name: &'static str,
    /// Why the generator needs it.
    pub why: &'static str,
    apply: fn(&mut Value, &mut Vec<String>) -> Result<()>,
}

/// What one normalization did to a document.
pub struct Applied {
    pub name: &'static str,
    pub why: &'static str,
    /// JSON pointers of the places it changed.
    pub places: Vec<String>,
}

/// Every normalization, in the order they are applied.
pub const ALL: &[Normalization] = &[Normalization {
    name: "stringify-mixed-enums",
    why: "a `type: string` schema whose `enum` also lists numbers or booleans (for example \
          `enterpriseCertificationStatus: ['not_submit', 'reviewing', 'pass', -1]`) makes \
          typify reject the whole document; the non-string values become their JSON text \
          (`-1` -> `\"-1\"`), which is what a string-typed field can carry",
    apply: stringify_mixed_enums,
}];

/// Applies every normalization to `doc`, in order.
pub fn apply_all(doc: &mut Value) -> Result<Vec<Applied>> {
    ALL.iter()
        .map(|n| {
            let mut places = Vec::new();
            (n.apply)(doc, &mut places)
                .map_err(|e| e.context(format!("normalization {} cannot apply", n.name)))?;
            Ok(Applied {
                name: n.name,
                why: n.why,
                places,
            })
        })
        .collect()
}

fn stringify_mixed_enums(doc: &mut Value, places: &mut Vec<String>) -> Result<()> {
    walk(doc, &mut String::new(), &mut |pointer, node| {
        let Some(object) = node.as_object_mut() else {
            return Ok(());
        };
        if object.get("type").and_then(Value::as_str) != Some("string") {
            return Ok(());
        }
        let Some(Value::Array(values)) = object.get_mut("enum") else {
            return Ok(());
        };
        let mut changed = false;
        for value in values.iter_mut() {
            match value {
                Value::String(_) | Value::Null => {}
                Value::Number(_) | Value::Bool(_) => {
                    *value = Value::String(value.to_string());
                    changed = true;
                }
                Value::Array(_) | Value::Object(_) => {
                    bail!("{pointer}/enum lists {} in a string enum", kind(value))
                }
            }
        }
        if changed {
            places.push(pointer.to_string());
        }
        Ok(())
    })
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
        _ => "a scalar",
    }
}

/// Visits every object and array below `node`, depth first, with its JSON pointer.
fn walk(
    node: &mut Value,
    pointer: &mut String,
    visit: &mut dyn FnMut(&str, &mut Value) -> Result<()>,
) -> Result<()> {
    visit(pointer, node)?;
    let len = pointer.len();
    match node {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                pointer.push('/');
                pointer.push_str(&key.replace('~', "~0").replace('/', "~1"));
                walk(child, pointer, visit)?;
                pointer.truncate(len);
            }
        }
        Value::Array(items) => {
            for (index, child) in items.iter_mut().enumerate() {
                pointer.push('/');
                pointer.push_str(&index.to_string());
                walk(child, pointer, visit)?;
                pointer.truncate(len);
            }
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn mixed_enum_values_become_strings_and_are_reported() {
        let mut doc = json!({"components": {"schemas": {"A": {"properties": {
            "s": {"type": "string", "enum": ["pass", -1, true]}
        }}}}});
        let applied = apply_all(&mut doc).unwrap();
        assert_eq!(
            doc.pointer("/components/schemas/A/properties/s/enum")
                .unwrap(),
            &json!(["pass", "-1", "true"])
        );
        assert_eq!(applied[0].places, ["/components/schemas/A/properties/s"]);
    }

    #[test]
    fn string_only_enums_are_left_alone() {
        let mut doc = json!({"type": "string", "enum": ["a", "b"]});
        let before = doc.clone();
        let applied = apply_all(&mut doc).unwrap();
        assert_eq!(doc, before);
        assert!(applied[0].places.is_empty());
    }

    #[test]
    fn an_object_in_a_string_enum_is_an_error() {
        let mut doc = json!({"x": {"type": "string", "enum": ["a", {"b": 1}]}});
        let error = apply_all(&mut doc).unwrap_err();
        assert_eq!(
            format!("{error:#}"),
            "normalization stringify-mixed-enums cannot apply: /x/enum lists an object in a string enum"
        );
    }
}
