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
#[derive(Debug)]
pub struct Applied {
    pub name: &'static str,
    pub why: &'static str,
    /// JSON pointers of the places it changed.
    pub places: Vec<String>,
}

/// Every normalization, in the order they are applied.
pub const ALL: &[Normalization] = &[
    Normalization {
        name: "stringify-mixed-enums",
        why: "a `type: string` schema whose `enum` also lists numbers or booleans (for example \
              `enterpriseCertificationStatus: ['not_submit', 'reviewing', 'pass', -1]`) makes \
              typify reject the whole document; the non-string values become their JSON text \
              (`-1` -> `\"-1\"`), which is what a string-typed field can carry",
        apply: stringify_mixed_enums,
    },
    Normalization {
        name: "envelope-every-response",
        why: "Authing wraps every answer in the envelope `{statusCode, message, apiCode, requestId, \
              data}`, but a few operations' responses are typed as the bare data schema (or as an \
              envelope without its status fields), so a failure answer would go unnoticed or a \
              success answer would not decode; such a response gets the envelope: a schema with \
              `data` gains the status fields, any other is wrapped in a new `<Schema>Envelope`",
        apply: envelope_every_response,
    },
];

/// Applies every normalization to `doc`, in order.
pub fn apply_all(doc: &mut Value) -> Result<Vec<Applied>> {
    ALL.iter()
        .map(|n| {
            let mut places = Vec::new();
            (n.apply)(doc, &mut places).map_err(|e| e.context(format!("normalization {} cannot apply", n.name)))?;
            Ok(Applied { name: n.name, why: n.why, places })
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

/// The envelope's status fields, as Authing documents them.
fn status_properties() -> serde_json::Map<String, Value> {
    let Value::Object(map) = serde_json::json!({
        "statusCode": {
            "type": "integer",
            "description": "Business status code: 200 is success, anything else a failure.",
            "example": 200
        },
        "message": {"type": "string", "description": "Description of the outcome."},
        "apiCode": {"type": "integer", "description": "Precise error code, on failures."},
        "requestId": {"type": "string", "description": "Request id, on failures."}
    }) else {
        unreachable!("a JSON object literal")
    };
    map
}

fn envelope_every_response(doc: &mut Value, places: &mut Vec<String>) -> Result<()> {
    const PREFIX: &str = "#/components/schemas/";
    // (pointer of the response schema, name of the schema it refers to)
    let mut bare = Vec::new();
    let schemas = doc.pointer("/components/schemas").and_then(Value::as_object).cloned().unwrap_or_default();
    for (path, item) in doc.get("paths").and_then(Value::as_object).into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            for (status, response) in op.get("responses").and_then(Value::as_object).into_iter().flatten() {
                let Some(reference) =
                    response.pointer("/content/application~1json/schema/$ref").and_then(Value::as_str)
                else {
                    continue;
                };
                let name = reference.strip_prefix(PREFIX).unwrap_or(reference);
                let Some(schema) = schemas.get(name) else {
                    bail!("{method} {path} answers {reference}, which the document does not define");
                };
                if schema.pointer("/properties/statusCode").is_none() {
                    let pointer = format!(
                        "/paths/{}/{method}/responses/{status}/content/application~1json/schema",
                        path.replace('~', "~0").replace('/', "~1")
                    );
                    bare.push((pointer, name.to_string()));
                }
            }
        }
    }
    for (pointer, name) in bare {
        let schema = &schemas[&name];
        if schema.pointer("/properties/data").is_some() {
            let target = doc.pointer_mut(&format!("/components/schemas/{name}")).expect("listed above");
            if target.pointer("/properties/statusCode").is_none() {
                let properties = target
                    .get_mut("properties")
                    .and_then(Value::as_object_mut)
                    .ok_or_else(|| anyhow::anyhow!("schema {name} has no `properties` object"))?;
                properties.extend(status_properties());
                add_required(target, &["statusCode", "message"])?;
                places.push(format!("/components/schemas/{name}"));
            }
            continue;
        }
        let envelope = format!("{name}Envelope");
        let schemas = doc.pointer_mut("/components/schemas").and_then(Value::as_object_mut).expect("listed above");
        match schemas.get(&envelope) {
            Some(existing)
                if existing.pointer("/properties/data/$ref").and_then(Value::as_str)
                    != Some(&format!("{PREFIX}{name}")) =>
            {
                bail!("cannot add schema {envelope}: the document already has one")
            }
            Some(_) => {}
            None => {
                let mut properties = status_properties();
                properties.insert("data".into(), serde_json::json!({"$ref": format!("{PREFIX}{name}")}));
                schemas.insert(
                    envelope.clone(),
                    serde_json::json!({
                        "type": "object",
                        "properties": properties,
                        "required": ["statusCode", "message", "data"]
                    }),
                );
                places.push(format!("/components/schemas/{envelope}"));
            }
        }
        *doc.pointer_mut(&pointer).expect("listed above") = serde_json::json!({"$ref": format!("{PREFIX}{envelope}")});
        places.push(pointer);
    }
    Ok(())
}

fn add_required(schema: &mut Value, names: &[&str]) -> Result<()> {
    let required = schema
        .as_object_mut()
        .ok_or_else(|| anyhow::anyhow!("a schema is not an object"))?
        .entry("required")
        .or_insert_with(|| Value::Array(Vec::new()));
    let Value::Array(required) = required else { bail!("`required` is not a list") };
    for name in names {
        if !required.iter().any(|r| r == name) {
            required.push(Value::String((*name).to_string()));
        }
    }
    Ok(())
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
        _ => "a scalar",
    }
}

/// Visits every object and array below `node`, depth first, with its JSON pointer.
fn walk(node: &mut Value, pointer: &mut String, visit: &mut dyn FnMut(&str, &mut Value) -> Result<()>) -> Result<()> {
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
        assert_eq!(doc.pointer("/components/schemas/A/properties/s/enum").unwrap(), &json!(["pass", "-1", "true"]));
        assert_eq!(applied[0].places, ["/components/schemas/A/properties/s"]);
    }

    fn op_answering(name: &str) -> Value {
        json!({"get": {"responses": {"200": {"content": {"application/json": {
            "schema": {"$ref": format!("#/components/schemas/{name}")}
        }}}}}})
    }

    #[test]
    fn a_bare_response_is_wrapped_in_an_envelope() {
        let mut doc = json!({
            "paths": {"/a": op_answering("Post"), "/b": op_answering("Post")},
            "components": {"schemas": {"Post": {"type": "object", "properties": {"code": {"type": "string"}}}}}
        });
        apply_all(&mut doc).unwrap();
        let schema = "/paths/~1a/get/responses/200/content/application~1json/schema/$ref";
        assert_eq!(doc.pointer(schema).unwrap(), "#/components/schemas/PostEnvelope");
        let envelope = doc.pointer("/components/schemas/PostEnvelope").unwrap();
        assert_eq!(envelope.pointer("/properties/data/$ref").unwrap(), "#/components/schemas/Post");
        assert_eq!(envelope.pointer("/properties/statusCode/example").unwrap(), 200);
        assert_eq!(
            doc.pointer("/paths/~1b/get/responses/200/content/application~1json/schema/$ref").unwrap(),
            "#/components/schemas/PostEnvelope"
        );
    }

    #[test]
    fn a_data_only_response_gains_the_status_fields() {
        let mut doc = json!({
            "paths": {"/a": op_answering("Preview")},
            "components": {"schemas": {"Preview": {"type": "object", "properties": {"data": {}}, "required": ["data"]}}}
        });
        let applied = apply_all(&mut doc).unwrap();
        let schema = doc.pointer("/components/schemas/Preview").unwrap();
        assert!(schema.pointer("/properties/statusCode").is_some());
        assert_eq!(schema["required"], json!(["data", "statusCode", "message"]));
        assert_eq!(applied[1].places, ["/components/schemas/Preview"]);
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
