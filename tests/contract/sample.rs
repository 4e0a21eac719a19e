//! Values valid for a JSON schema of the document: what a contract call sends.

use serde_json::{Map, Value, json};

/// Schemas nest deeper than this only through recursion; it is cut there.
const MAX_DEPTH: usize = 12;

/// A value of `schema` that a validating server accepts: required properties
/// only, the first value of an enum, one item per list, a value of the right
/// format for strings.
pub fn sample(doc: &Value, schema: &Value) -> Value {
    sample_at(doc, schema, 0)
}

fn sample_at(doc: &Value, schema: &Value, depth: usize) -> Value {
    if depth > MAX_DEPTH {
        return Value::Null;
    }
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let target = reference.strip_prefix('#').and_then(|pointer| doc.pointer(pointer));
        return target.map_or(Value::Null, |target| sample_at(doc, target, depth + 1));
    }
    if let Some(example) = schema.get("example") {
        return example.clone();
    }
    if let Some(first) = schema.get("enum").and_then(Value::as_array).and_then(|values| values.first()) {
        return first.clone();
    }
    if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
        let mut merged = Map::new();
        for part in parts {
            match sample_at(doc, part, depth + 1) {
                Value::Object(fields) => merged.extend(fields),
                other if parts.len() == 1 => return other,
                _ => {}
            }
        }
        return Value::Object(merged);
    }
    for choice in ["oneOf", "anyOf"] {
        if let Some(first) = schema.get(choice).and_then(Value::as_array).and_then(|options| options.first()) {
            return sample_at(doc, first, depth + 1);
        }
    }
    match schema.get("type").and_then(Value::as_str) {
        Some("string") => string_of_format(schema.get("format").and_then(Value::as_str)),
        Some("integer") => json!(schema.get("minimum").and_then(Value::as_i64).unwrap_or(1)),
        Some("number") => json!(schema.get("minimum").and_then(Value::as_f64).unwrap_or(1.0)),
        Some("boolean") => json!(true),
        Some("array") => {
            let items = schema.get("items").map_or(json!("example"), |items| sample_at(doc, items, depth + 1));
            json!([items])
        }
        Some("object") | None if schema.get("properties").is_some() => object(doc, schema, depth),
        Some("object") => json!({}),
        // A free-form schema (`{}`) takes any value.
        _ => json!({}),
    }
}

fn object(doc: &Value, schema: &Value, depth: usize) -> Value {
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|names| names.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let properties = schema.get("properties").and_then(Value::as_object);
    let mut out = Map::new();
    for name in required {
        let property = properties.and_then(|p| p.get(name)).unwrap_or(&Value::Null);
        out.insert(name.to_string(), sample_at(doc, property, depth + 1));
    }
    Value::Object(out)
}

fn string_of_format(format: Option<&str>) -> Value {
    json!(match format {
        Some("date-time") => "2024-01-01T00:00:00Z",
        Some("date") => "2024-01-01",
        Some("email") => "user@example.com",
        Some("uri" | "url") => "https://example.com",
        Some("uuid") => "00000000-0000-4000-8000-000000000000",
        _ => "example",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_required_properties_are_filled_with_values_of_their_schema() {
        let doc = json!({"components": {"schemas": {
            "Kind": {"type": "string", "enum": ["a", "b"]},
            "Body": {"type": "object", "required": ["kind", "ids", "at", "n"], "properties": {
                "kind": {"$ref": "#/components/schemas/Kind"},
                "ids": {"type": "array", "items": {"type": "string"}},
                "at": {"type": "string", "format": "date-time"},
                "n": {"type": "integer", "minimum": 5},
                "optional": {"type": "string"}
            }}
        }}});
        let body = sample(&doc, &json!({"$ref": "#/components/schemas/Body"}));
        assert_eq!(body, json!({"kind": "a", "ids": ["example"], "at": "2024-01-01T00:00:00Z", "n": 5}));
    }
}
