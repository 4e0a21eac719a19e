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
    apply: fn(&mut Value, &Context, &mut Places) -> Result<()>,
}

/// What a normalization reports: the places it changed, and the places its
/// rule matched but it left alone, each with why.
#[derive(Debug, Default)]
pub struct Places {
    pub changed: Vec<String>,
    pub left: Vec<String>,
}

/// What a normalization may consult besides the document it rewrites.
#[derive(Default)]
pub struct Context<'a> {
    /// The committed document, when there is one: names already published.
    pub previous: Option<&'a Value>,
}

/// What one normalization did to a document.
#[derive(Debug)]
pub struct Applied {
    pub name: &'static str,
    pub why: &'static str,
    /// JSON pointers of the places it changed.
    pub places: Vec<String>,
    /// Places its rule matched but it left alone, with why.
    pub left: Vec<String>,
}

/// Every normalization, in the order they are applied.
pub const ALL: &[Normalization] = &[
    Normalization {
        name: "operation-names",
        why: "Authing names operations after its server's controllers \
              (`UsersManagementController_listUsers`), as no SDK does: the part behind `Controller_` \
              becomes the name, with a lowercase first letter (`listUsers`), so that every method keeps \
              its name from one version of the document to the next. Where two controllers have an \
              operation of the same name, the one the committed document already names so keeps it, \
              and each other one is named after its controller too \
              (`TerminalManagementController_deleteDevice` -> `terminalManagementDeleteDevice`)",
        apply: crate::operation_names::apply,
    },
    Normalization {
        name: "stringify-mixed-enums",
        why: "a `type: string` schema whose `enum` also lists numbers or booleans (for example \
              `enterpriseCertificationStatus: ['not_submit', 'reviewing', 'pass', -1]`) makes \
              typify reject the whole document; the non-string values become their JSON text \
              (`-1` -> `\"-1\"`), which is what a string-typed field can carry",
        apply: stringify_mixed_enums,
    },
    Normalization {
        name: "drop-nonconforming-defaults",
        why: "a `default` that its own schema does not accept (`default: null` or `false` on a \
              string, `default: false` on an object) makes progenitor refuse the whole document \
              (\"value does not conform to the given schema\"); such a default is dropped, which only \
              means the generated type has no default there",
        apply: drop_nonconforming_defaults,
    },
    Normalization {
        name: "date-time-as-string",
        why: "`format: date-time` or `date` on a string would type it with `chrono`, which the crate \
              does not depend on, and a strict date parser would fail a whole answer over one \
              timestamp written otherwise; the format is dropped, so the value is the string as sent",
        apply: date_time_as_string,
    },
    Normalization {
        name: "integer-numbers",
        why: "Authing's document types every number `number`, but status codes, counts, paging \
              and millisecond timestamps are integers, which the official SDKs send as `1`, not \
              `1.0`. A `number` named like one (`statusCode`, `apiCode`, `page`, `limit`, `pageNo`, \
              `pageSize`, `startIndex`, `maxSize`, `nextStartIndex`, `size`, `count`, or ending in \
              `Count`, `At`, `Time`, `After`, `Before`) becomes a 64-bit integer \
              (`type: integer, format: int64`), and so does such an `int32`; one whose example, default \
              or enum holds a fraction is left a number, and listed",
        apply: integer_numbers,
    },
    Normalization {
        name: "shared-parameter-enums",
        why: "the document repeats a parameter's enum in every operation that takes it (`userIdType` \
              in 23), which the generator makes one type per operation (`GetUserUserIdType`, \
              `GetUserRolesUserIdType`, ...); a string enum of the same name and the same schema in two \
              operations or more becomes one schema named after the parameter (`UserIdType`), which each \
              refers to. A name whose enums differ between operations, or that a schema already has, is \
              left alone and listed",
        apply: shared_parameter_enums,
    },
    Normalization {
        name: "name-inline-bodies-and-answers",
        why: "a JSON body or success answer written inline in its operation (not a `$ref`) would be \
              named by the generator after its place, out of reach of the envelope rule below and of \
              the paging classifier; it is moved into `components/schemas` as `<Operation>ReqDto` or \
              `<Operation>RespDto` (`getThing` -> `GetThingReqDto`), the names Authing gives its own, \
              and referred to from there",
        apply: name_inline_bodies_and_answers,
    },
    Normalization {
        name: "envelope-every-response",
        why: "Authing wraps every answer in the envelope `{statusCode, message, apiCode, requestId, \
              data}`, but a few operations' responses are typed as the bare data schema (or as an \
              envelope without its status fields), so a failure answer would go unnoticed or a \
              success answer would not decode; such a response gets the envelope: a schema with \
              `data` gains the status fields, any other is wrapped in a new `<Schema>Envelope`; a \
              success answer documented without content is `CommonResponseDto`, the envelope without `data`",
        apply: envelope_every_response,
    },
];

/// Applies every normalization to `doc`, in order.
pub fn apply_all(doc: &mut Value, context: &Context) -> Result<Vec<Applied>> {
    ALL.iter()
        .map(|n| {
            let mut places = Places::default();
            (n.apply)(doc, context, &mut places)
                .map_err(|e| e.context(format!("normalization {} cannot apply", n.name)))?;
            Ok(Applied { name: n.name, why: n.why, places: places.changed, left: places.left })
        })
        .collect()
}

fn stringify_mixed_enums(doc: &mut Value, _: &Context, places: &mut Places) -> Result<()> {
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
            places.changed.push(pointer.to_string());
        }
        Ok(())
    })
}

/// The HTTP methods of a path item.
pub const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// Every operation of `doc`: its path, method and object.
pub fn operations(doc: &Value) -> impl Iterator<Item = (&str, &str, &Value)> {
    doc.get("paths").and_then(Value::as_object).into_iter().flatten().flat_map(|(path, item)| {
        METHODS.iter().filter_map(move |&method| item.get(method).map(|op| (path.as_str(), method, op)))
    })
}

/// `token` escaped for a JSON pointer.
pub fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// The JSON type a schema names, looking through `allOf: [{$ref}]` and `$ref`.
fn schema_type<'a>(doc: &'a Value, schema: &'a Value) -> Option<&'a str> {
    if let Some(kind) = schema.get("type").and_then(Value::as_str) {
        return Some(kind);
    }
    let reference = schema
        .get("$ref")
        .or_else(|| {
            schema.pointer("/allOf/0/$ref").filter(|_| schema["allOf"].as_array().is_some_and(|a| a.len() == 1))
        })?
        .as_str()?;
    doc.pointer(reference.strip_prefix('#')?)?.get("type")?.as_str()
}

/// Whether `value` is of the JSON type `kind` and, when `schema` lists an
/// `enum`, one of its values.
fn conforms(value: &Value, kind: &str, schema: &Value) -> bool {
    let of_type = match kind {
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        _ => true,
    };
    let nullable = value.is_null() && schema.get("nullable") == Some(&Value::Bool(true));
    let listed = schema.get("enum").and_then(Value::as_array).is_none_or(|values| values.contains(value));
    (of_type && listed) || nullable
}

fn drop_nonconforming_defaults(doc: &mut Value, _: &Context, places: &mut Places) -> Result<()> {
    let snapshot = doc.clone();
    walk(doc, &mut String::new(), &mut |pointer, node| {
        let Some(default) = node.get("default") else { return Ok(()) };
        let Some(kind) = schema_type(&snapshot, snapshot.pointer(pointer).expect("the same document")) else {
            return Ok(());
        };
        if !conforms(default, kind, node) {
            places.changed.push(format!("{pointer}/default: {default} on a {kind} schema"));
            node.as_object_mut().expect("has a default").remove("default");
        }
        Ok(())
    })
}

fn date_time_as_string(doc: &mut Value, _: &Context, places: &mut Places) -> Result<()> {
    walk(doc, &mut String::new(), &mut |pointer, node| {
        let Some(object) = node.as_object_mut() else { return Ok(()) };
        if object.get("type").and_then(Value::as_str) == Some("string")
            && matches!(object.get("format").and_then(Value::as_str), Some("date-time" | "date"))
        {
            object.remove("format");
            places.changed.push(pointer.to_string());
        }
        Ok(())
    })
}

/// Whether a field or parameter of this name is an integer: a status code, a
/// count, a paging field or a millisecond timestamp.
fn named_like_an_integer(name: &str) -> bool {
    const NAMES: &[&str] = &[
        "statusCode",
        "apiCode",
        "page",
        "limit",
        "pageNo",
        "pageSize",
        "startIndex",
        "maxSize",
        "nextStartIndex",
        "size",
        "count",
    ];
    const SUFFIXES: &[&str] = &["Count", "At", "Time", "After", "Before"];
    NAMES.contains(&name)
        || SUFFIXES.iter().any(|suffix| {
            name.strip_suffix(suffix).is_some_and(|stem| stem.chars().last().is_some_and(|c| c.is_ascii_lowercase()))
        })
}

fn integer_numbers(doc: &mut Value, _: &Context, places: &mut Places) -> Result<()> {
    let mut widen = |pointer: String, schema: &mut Value| {
        let Some(object) = schema.as_object_mut() else { return };
        let kind = object.get("type").and_then(Value::as_str);
        let format = object.get("format").and_then(Value::as_str);
        let narrow = kind == Some("number") || (kind == Some("integer") && format == Some("int32"));
        if !narrow {
            return;
        }
        // The document's own values say it is no integer, whatever its name.
        let fraction = ["example", "default", "enum"].into_iter().find_map(|key| {
            let values = match object.get(key)? {
                Value::Array(values) => values.clone(),
                value => vec![value.clone()],
            };
            values.into_iter().find(|v| v.as_f64().is_some_and(|n| n.fract() != 0.0)).map(|v| format!("its {key} {v}"))
        });
        match fraction {
            Some(why) => places.left.push(format!("{pointer}: left a number, since {why} is not an integer")),
            None => {
                object.insert("type".into(), "integer".into());
                object.insert("format".into(), "int64".into());
                places.changed.push(pointer);
            }
        }
    };
    walk(doc, &mut String::new(), &mut |pointer, node| {
        if let Some(properties) = node.get_mut("properties").and_then(Value::as_object_mut) {
            for (name, schema) in properties.iter_mut().filter(|(name, _)| named_like_an_integer(name)) {
                widen(format!("{pointer}/properties/{}", escape(name)), schema);
            }
        }
        if let Some(parameters) = node.get_mut("parameters").and_then(Value::as_array_mut) {
            for (index, parameter) in parameters.iter_mut().enumerate() {
                let named = parameter.get("name").and_then(Value::as_str).is_some_and(named_like_an_integer);
                if let Some(schema) = parameter.get_mut("schema").filter(|_| named) {
                    widen(format!("{pointer}/parameters/{index}/schema"), schema);
                }
            }
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

fn shared_parameter_enums(doc: &mut Value, _: &Context, places: &mut Places) -> Result<()> {
    use std::collections::BTreeMap;
    // By parameter name, then by its schema: the pointers of the parameters that have it.
    let mut by_name: BTreeMap<String, BTreeMap<String, Vec<String>>> = BTreeMap::new();
    for (path, method, op) in operations(doc) {
        for (n, parameter) in op.get("parameters").and_then(Value::as_array).into_iter().flatten().enumerate() {
            let Some(schema) = parameter.get("schema") else { continue };
            let is_string_enum = schema.get("type").and_then(Value::as_str) == Some("string")
                && schema.get("enum").is_some_and(Value::is_array);
            let Some(name) = parameter.get("name").and_then(Value::as_str).filter(|_| is_string_enum) else { continue };
            let pointer = format!("/paths/{}/{method}/parameters/{n}/schema", escape(path));
            by_name.entry(name.to_string()).or_default().entry(schema.to_string()).or_default().push(pointer);
        }
    }
    for (name, schemas) in by_name {
        let shared: Vec<(&String, &Vec<String>)> = schemas.iter().filter(|(_, at)| at.len() > 1).collect();
        let [(schema, pointers)] = shared[..] else {
            if shared.len() > 1 {
                places.left.push(format!(
                    "`{name}`: {} different enums, each in several operations; which would have the name is not clear",
                    shared.len()
                ));
            }
            continue;
        };
        let type_name: String = name.chars().take(1).flat_map(char::to_uppercase).chain(name.chars().skip(1)).collect();
        if doc.pointer(&format!("/components/schemas/{}", escape(&type_name))).is_some() {
            places.left.push(format!("`{name}`: the document already has a schema {type_name}"));
            continue;
        }
        let schema: Value = serde_json::from_str(schema).expect("written from a Value above");
        doc.pointer_mut("/components/schemas")
            .and_then(Value::as_object_mut)
            .ok_or_else(|| anyhow::anyhow!("the document has no `components/schemas` to add {type_name} to"))?
            .insert(type_name.clone(), schema);
        for pointer in pointers {
            *doc.pointer_mut(pointer).expect("listed above") =
                serde_json::json!({"$ref": format!("#/components/schemas/{type_name}")});
            places.changed.push(pointer.clone());
        }
    }
    Ok(())
}

fn name_inline_bodies_and_answers(doc: &mut Value, _: &Context, places: &mut Places) -> Result<()> {
    // (pointer of the inline schema, the name it gets)
    let mut inline = Vec::new();
    for (path, method, op) in operations(doc) {
        let Some(id) = op.get("operationId").and_then(Value::as_str) else { continue };
        let pascal: String = id.chars().take(1).flat_map(char::to_uppercase).chain(id.chars().skip(1)).collect();
        let at = format!("/paths/{}/{method}", escape(path));
        let body = "/requestBody/content/application~1json/schema";
        if op.pointer(body).is_some_and(|schema| schema.get("$ref").is_none()) {
            inline.push((format!("{at}{body}"), format!("{pascal}ReqDto")));
        }
        for (status, _) in op.get("responses").and_then(Value::as_object).into_iter().flatten() {
            let answer = format!("/responses/{status}/content/application~1json/schema");
            if status.starts_with('2') && op.pointer(&answer).is_some_and(|schema| schema.get("$ref").is_none()) {
                inline.push((format!("{at}{answer}"), format!("{pascal}RespDto")));
            }
        }
    }
    for (pointer, name) in inline {
        if doc.pointer(&format!("/components/schemas/{}", escape(&name))).is_some() {
            bail!("{pointer} is inline, and the name it would get, {name}, is taken by a schema of the document");
        }
        let reference = serde_json::json!({"$ref": format!("#/components/schemas/{name}")});
        let schema = std::mem::replace(doc.pointer_mut(&pointer).expect("listed above"), reference);
        let schemas = doc
            .pointer_mut("/components/schemas")
            .and_then(Value::as_object_mut)
            .ok_or_else(|| anyhow::anyhow!("the document has no `components/schemas` to move {pointer} to"))?;
        schemas.insert(name, schema);
        places.changed.push(pointer);
    }
    Ok(())
}

fn envelope_every_response(doc: &mut Value, _: &Context, places: &mut Places) -> Result<()> {
    const PREFIX: &str = "#/components/schemas/";
    // (pointer of the response schema, name of the schema it refers to)
    // An answer documented without content is the envelope without `data`.
    const NO_DATA: &str = "CommonResponseDto";
    let mut bare = Vec::new();
    let mut empty = Vec::new();
    let schemas = doc.pointer("/components/schemas").and_then(Value::as_object).cloned().unwrap_or_default();
    for (path, method, op) in operations(doc) {
        for (status, response) in op.get("responses").and_then(Value::as_object).into_iter().flatten() {
            let pointer = format!("/paths/{}/{method}/responses/{status}", escape(path));
            let Some(reference) = response.pointer("/content/application~1json/schema/$ref").and_then(Value::as_str)
            else {
                if status.starts_with('2') && response.get("content").is_none() {
                    empty.push(pointer);
                }
                continue;
            };
            let name = reference.strip_prefix(PREFIX).unwrap_or(reference);
            let Some(schema) = schemas.get(name) else {
                bail!("{method} {path} answers {reference}, which the document does not define");
            };
            if schema.pointer("/properties/statusCode").is_none() {
                bare.push((format!("{pointer}/content/application~1json/schema"), name.to_string()));
            }
        }
    }
    if !empty.is_empty() && !schemas.contains_key(NO_DATA) {
        bail!("{} answers without content, and the document has no {NO_DATA} to give it", empty[0]);
    }
    for pointer in empty {
        let response = doc.pointer_mut(&pointer).and_then(Value::as_object_mut).expect("listed above");
        let schema = serde_json::json!({"$ref": format!("{PREFIX}{NO_DATA}")});
        response.insert("content".into(), serde_json::json!({"application/json": {"schema": schema}}));
        places.changed.push(pointer);
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
                places.changed.push(format!("/components/schemas/{name}"));
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
                places.changed.push(format!("/components/schemas/{envelope}"));
            }
        }
        *doc.pointer_mut(&pointer).expect("listed above") = serde_json::json!({"$ref": format!("{PREFIX}{envelope}")});
        places.changed.push(pointer);
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

    fn places<'a>(applied: &'a [Applied], name: &str) -> &'a [String] {
        &applied.iter().find(|n| n.name == name).expect("a normalization of that name").places
    }

    #[test]
    fn a_number_named_like_an_integer_whose_own_values_hold_a_fraction_is_left_a_number_and_listed() {
        let mut doc = json!({"components": {"schemas": {"Log": {"type": "object", "properties": {
            "responseTime": {"type": "number", "example": 0.25},
            "loginTime": {"type": "number", "example": 1700000000000i64},
            "retryAfter": {"type": "number", "enum": [1, 1.5]}
        }}}}});
        let applied = apply_all(&mut doc, &Context::default()).unwrap();
        let integers = applied.iter().find(|n| n.name == "integer-numbers").unwrap();
        let properties = &doc["components"]["schemas"]["Log"]["properties"];
        assert_eq!(properties["responseTime"]["type"], "number");
        assert_eq!(properties["loginTime"]["type"], "integer");
        assert_eq!(properties["retryAfter"]["type"], "number");
        assert_eq!(integers.places, ["/components/schemas/Log/properties/loginTime"]);
        assert_eq!(integers.left.len(), 2, "{:?}", integers.left);
        assert!(
            integers.left[0].contains("responseTime") && integers.left[0].contains("example 0.25"),
            "{:?}",
            integers.left
        );
    }

    #[test]
    fn mixed_enum_values_become_strings_and_are_reported() {
        let mut doc = json!({"components": {"schemas": {"A": {"properties": {
            "s": {"type": "string", "enum": ["pass", -1, true]}
        }}}}});
        let applied = apply_all(&mut doc, &Context::default()).unwrap();
        assert_eq!(doc.pointer("/components/schemas/A/properties/s/enum").unwrap(), &json!(["pass", "-1", "true"]));
        assert_eq!(places(&applied, "stringify-mixed-enums"), ["/components/schemas/A/properties/s"]);
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
        apply_all(&mut doc, &Context::default()).unwrap();
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
    fn a_parameter_enum_repeated_by_operations_becomes_one_schema() {
        let enumeration = |values: &[&str]| json!({"type": "string", "enum": values});
        let op = |id: &str, schema: Value| {
            json!({"get": {"operationId": id, "parameters": [{"name": "userIdType", "in": "query", "schema": schema}],
                "responses": {}}})
        };
        let same = enumeration(&["user_id", "email"]);
        let mut doc = json!({
            "paths": {"/a": op("a", same.clone()), "/b": op("b", same.clone()), "/c": op("c", enumeration(&["phone"]))},
            "components": {"schemas": {}}
        });

        let applied = apply_all(&mut doc, &Context::default()).unwrap();

        let reference = json!({"$ref": "#/components/schemas/UserIdType"});
        assert_eq!(doc.pointer("/paths/~1a/get/parameters/0/schema").unwrap(), &reference);
        assert_eq!(doc.pointer("/paths/~1b/get/parameters/0/schema").unwrap(), &reference);
        assert_eq!(doc.pointer("/components/schemas/UserIdType").unwrap(), &same);
        // An enum of other values, in one operation, keeps its own.
        assert_eq!(doc.pointer("/paths/~1c/get/parameters/0/schema").unwrap(), &enumeration(&["phone"]));
        assert_eq!(places(&applied, "shared-parameter-enums").len(), 2);

        // Two different enums shared under one name: left alone, and said.
        let mut doc = json!({
            "paths": {"/a": op("a", same.clone()), "/b": op("b", same.clone()),
                "/c": op("c", enumeration(&["phone"])), "/d": op("d", enumeration(&["phone"]))},
            "components": {"schemas": {}}
        });
        let applied = apply_all(&mut doc, &Context::default()).unwrap();
        let shared = applied.iter().find(|n| n.name == "shared-parameter-enums").unwrap();
        assert!(shared.places.is_empty());
        assert!(shared.left[0].contains("`userIdType`: 2 different enums"), "{:?}", shared.left);
    }

    #[test]
    fn inline_bodies_and_answers_are_named_after_their_operation() {
        let inline = json!({"type": "object", "properties": {"name": {"type": "string"}}});
        let mut doc = json!({
            "paths": {"/create-thing": {"post": {"operationId": "createThing",
                "requestBody": {"content": {"application/json": {"schema": inline}}},
                "responses": {"200": {"description": "", "content": {"application/json": {"schema": {
                    "type": "object", "properties": {"statusCode": {"type": "integer"}, "data": inline}}}}}}}}},
            "components": {"schemas": {}}
        });
        let applied = apply_all(&mut doc, &Context::default()).unwrap();
        let at = "/paths/~1create-thing/post";
        assert_eq!(
            doc.pointer(&format!("{at}/requestBody/content/application~1json/schema/$ref")).unwrap(),
            "#/components/schemas/CreateThingReqDto"
        );
        assert_eq!(doc.pointer("/components/schemas/CreateThingReqDto").unwrap(), &inline);
        assert_eq!(
            doc.pointer("/components/schemas/CreateThingRespDto/properties/data").unwrap(),
            &inline,
            "the answer is moved whole"
        );
        assert_eq!(places(&applied, "name-inline-bodies-and-answers").len(), 2);

        let mut taken = doc.clone();
        *taken.pointer_mut(&format!("{at}/requestBody/content/application~1json/schema")).unwrap() = inline;
        let error = apply_all(&mut taken, &Context::default()).unwrap_err();
        assert!(format!("{error:#}").contains("CreateThingReqDto, is taken"), "{error:#}");
    }

    #[test]
    fn a_data_only_response_gains_the_status_fields() {
        let mut doc = json!({
            "paths": {"/a": op_answering("Preview")},
            "components": {"schemas": {"Preview": {"type": "object", "properties": {"data": {}}, "required": ["data"]}}}
        });
        let applied = apply_all(&mut doc, &Context::default()).unwrap();
        let schema = doc.pointer("/components/schemas/Preview").unwrap();
        assert!(schema.pointer("/properties/statusCode").is_some());
        assert_eq!(schema["required"], json!(["data", "statusCode", "message"]));
        assert_eq!(places(&applied, "envelope-every-response"), ["/components/schemas/Preview"]);
    }

    #[test]
    fn string_only_enums_are_left_alone() {
        let mut doc = json!({"type": "string", "enum": ["a", "b"]});
        let before = doc.clone();
        let applied = apply_all(&mut doc, &Context::default()).unwrap();
        assert_eq!(doc, before);
        assert!(applied.iter().all(|n| n.places.is_empty()));
    }

    #[test]
    fn an_object_in_a_string_enum_is_an_error() {
        let mut doc = json!({"x": {"type": "string", "enum": ["a", {"b": 1}]}});
        let error = apply_all(&mut doc, &Context::default()).unwrap_err();
        assert_eq!(
            format!("{error:#}"),
            "normalization stringify-mixed-enums cannot apply: /x/enum lists an object in a string enum"
        );
    }

    #[test]
    fn defaults_that_their_schema_refuses_are_dropped() {
        let mut doc = json!({"components": {"schemas": {
            "Strategy": {"type": "object", "properties": {}},
            "A": {"type": "object", "properties": {
                "kind": {"type": "string", "enum": ["DATA", "API"], "default": null},
                "strategy": {"allOf": [{"$ref": "#/components/schemas/Strategy"}], "default": false},
                "fine": {"type": "string", "default": "DATA"},
                "nullable": {"type": "string", "nullable": true, "default": null}
            }}
        }}});
        let applied = apply_all(&mut doc, &Context::default()).unwrap();
        let a = &doc["components"]["schemas"]["A"]["properties"];
        assert!(a["kind"].get("default").is_none() && a["strategy"].get("default").is_none());
        assert_eq!(a["fine"]["default"], "DATA");
        assert_eq!(a["nullable"]["default"], Value::Null);
        assert_eq!(
            places(&applied, "drop-nonconforming-defaults"),
            [
                "/components/schemas/A/properties/kind/default: null on a string schema",
                "/components/schemas/A/properties/strategy/default: false on a object schema"
            ]
        );
    }

    #[test]
    fn date_times_stay_strings() {
        let mut doc = json!({"properties": {"createdAt": {"type": "string", "format": "date-time"}}});
        apply_all(&mut doc, &Context::default()).unwrap();
        assert_eq!(doc, json!({"properties": {"createdAt": {"type": "string"}}}));
    }

    #[test]
    fn counts_paging_and_timestamps_become_64_bit_integers() {
        let mut doc = json!({
            "components": {"schemas": {"Page": {"properties": {
                "statusCode": {"type": "number"}, "totalCount": {"type": "number"},
                "loginsCount": {"type": "integer", "format": "int32"}, "expireAt": {"type": "number"},
                "lat": {"type": "number"}, "ratio": {"type": "number"}, "format": {"type": "number"}
            }}}},
            "paths": {"/list": {"get": {"parameters": [
                {"name": "pageNo", "in": "query", "schema": {"type": "number"}},
                {"name": "createdAfter", "in": "query", "schema": {"type": "number"}},
                {"name": "keyword", "in": "query", "schema": {"type": "number"}}
            ]}}}
        });
        let applied = apply_all(&mut doc, &Context::default()).unwrap();
        let integer = json!({"type": "integer", "format": "int64"});
        let page = &doc["components"]["schemas"]["Page"]["properties"];
        for name in ["statusCode", "totalCount", "loginsCount", "expireAt"] {
            assert_eq!(page[name], integer, "{name}");
        }
        for name in ["lat", "ratio", "format"] {
            assert_eq!(page[name], json!({"type": "number"}), "{name}");
        }
        let parameters = &doc["paths"]["/list"]["get"]["parameters"];
        assert_eq!(parameters[0]["schema"], integer);
        assert_eq!(parameters[1]["schema"], integer);
        assert_eq!(parameters[2]["schema"], json!({"type": "number"}));
        assert_eq!(places(&applied, "integer-numbers").len(), 6);
    }

    #[test]
    fn an_answer_without_content_is_the_envelope_without_data() {
        let mut doc = json!({
            "paths": {"/a": {"post": {"responses": {"201": {"description": ""}}}}},
            "components": {"schemas": {"CommonResponseDto": {"type": "object", "properties": {"statusCode": {}}}}}
        });
        apply_all(&mut doc, &Context::default()).unwrap();
        assert_eq!(
            doc.pointer("/paths/~1a/post/responses/201/content/application~1json/schema/$ref").unwrap(),
            "#/components/schemas/CommonResponseDto"
        );
    }
}
