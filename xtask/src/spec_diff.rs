//! The change report between two versions of the document: which operations
//! and schemas were added, removed, renamed or changed, and for a change,
//! what changed in terms a reviewer acts on (a parameter retyped, a field now
//! required, enum values added).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde_json::Value;

use crate::normalize::operations;

/// What changed between the committed document and the new one.
#[derive(Debug, Default, PartialEq)]
pub struct SpecDiff {
    /// `id (METHOD path)` of each new operation.
    pub operations_added: Vec<String>,
    pub operations_removed: Vec<String>,
    /// Operations at the same method and path under another operationId.
    pub operations_renamed: Vec<Renamed>,
    /// Operation id, with what changed in it.
    pub operations_changed: Vec<(String, Vec<String>)>,
    pub schemas_added: Vec<String>,
    pub schemas_removed: Vec<String>,
    /// Schema name, with what changed in it.
    pub schemas_changed: Vec<(String, Vec<String>)>,
}

/// An operation whose operationId changed.
#[derive(Debug, PartialEq)]
pub struct Renamed {
    pub route: String,
    pub old: String,
    pub new: String,
}

impl Renamed {
    /// Whether the SDK method changes with it (not when only the case of an
    /// abbreviation does: `QRCode`/`QrCode`).
    pub fn method_changes(&self) -> bool {
        authing_codegen::method_name(&self.old) != authing_codegen::method_name(&self.new)
    }
}

fn by_route(doc: &Value) -> BTreeMap<String, (String, &Value)> {
    operations(doc)
        .map(|(path, method, op)| {
            let route = format!("{} {path}", method.to_uppercase());
            let id = op.get("operationId").and_then(Value::as_str).unwrap_or("?").to_string();
            (route, (id, op))
        })
        .collect()
}

fn schemas(doc: &Value) -> BTreeMap<&str, &Value> {
    doc.pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|m| m.iter().map(|(k, v)| (k.as_str(), v)).collect())
        .unwrap_or_default()
}

/// A schema in a few words: `string`, `integer(int64)`, `list of PostDto`,
/// `string, one of 3 values`.
fn describe(schema: Option<&Value>) -> String {
    let Some(schema) = schema else { return "nothing".into() };
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        return reference.rsplit('/').next().unwrap_or(reference).to_string();
    }
    if let Some([only]) = schema.get("allOf").and_then(Value::as_array).map(Vec::as_slice) {
        return describe(Some(only));
    }
    let mut out = match schema.get("type").and_then(Value::as_str) {
        Some("array") => format!("list of {}", describe(schema.get("items"))),
        Some(kind) => kind.to_string(),
        None if schema.get("oneOf").or(schema.get("anyOf")).is_some() => "a union".to_string(),
        None => "any".to_string(),
    };
    if let Some(format) = schema.get("format").and_then(Value::as_str) {
        out.push_str(&format!("({format})"));
    }
    out
}

fn enum_values(schema: Option<&Value>) -> BTreeSet<String> {
    let values = schema.and_then(|s| s.get("enum").or_else(|| s.pointer("/items/enum"))).and_then(Value::as_array);
    values.into_iter().flatten().map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string)).collect()
}

/// How one field or parameter changed: retyped, now (not) required, enum values.
fn field_changes(what: &str, old: &Value, new: &Value, required: (bool, bool)) -> Vec<String> {
    let mut out = Vec::new();
    let (old_type, new_type) = (describe(Some(old)), describe(Some(new)));
    if old_type != new_type {
        out.push(format!("{what}: retyped {old_type} -> {new_type}"));
    }
    match required {
        (false, true) => out.push(format!("{what}: now required")),
        (true, false) => out.push(format!("{what}: now optional")),
        _ => {}
    }
    let (old_values, new_values) = (enum_values(Some(old)), enum_values(Some(new)));
    let added: Vec<_> = new_values.difference(&old_values).map(String::as_str).collect();
    let removed: Vec<_> = old_values.difference(&new_values).map(String::as_str).collect();
    if !added.is_empty() {
        out.push(format!("{what}: enum values added: {}", added.join(", ")));
    }
    if !removed.is_empty() {
        out.push(format!("{what}: enum values removed: {}", removed.join(", ")));
    }
    out
}

/// What changed in an object schema, field by field.
fn schema_changes(old: &Value, new: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let properties = |s: &'_ Value| s.get("properties").and_then(Value::as_object).cloned().unwrap_or_default();
    let required = |s: &Value, name: &str| {
        s.get("required").and_then(Value::as_array).is_some_and(|r| r.iter().any(|n| n == name))
    };
    let (old_fields, new_fields) = (properties(old), properties(new));
    for (name, field) in &new_fields {
        let what = format!("field `{name}`");
        match old_fields.get(name) {
            None => out.push(format!(
                "{what}: added ({}, {})",
                describe(Some(field)),
                if required(new, name) { "required" } else { "optional" }
            )),
            Some(old_field) => {
                out.extend(field_changes(&what, old_field, field, (required(old, name), required(new, name))))
            }
        }
    }
    for name in old_fields.keys().filter(|name| !new_fields.contains_key(*name)) {
        out.push(format!("field `{name}`: removed"));
    }
    if old_fields.is_empty() && new_fields.is_empty() {
        let changes = field_changes("schema", old, new, (false, false));
        if changes.is_empty() && old != new {
            out.push("schema: description or example changed".into());
        }
        out.extend(changes);
    }
    if out.is_empty() {
        out.push("descriptions or examples only".into());
    }
    out
}

/// What changed in an operation: its parameters, body and answer.
fn operation_changes(old: &Value, new: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let parameters = |op: &Value| -> BTreeMap<String, Value> {
        op.get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|p| {
                let key = format!("`{}` ({})", p.get("name")?.as_str()?, p.get("in")?.as_str()?);
                Some((key, p.clone()))
            })
            .collect()
    };
    let (old_parameters, new_parameters) = (parameters(old), parameters(new));
    let is_required = |p: &Value| p.get("required") == Some(&Value::Bool(true));
    for (key, parameter) in &new_parameters {
        let what = format!("parameter {key}");
        match old_parameters.get(key) {
            None => out.push(format!(
                "{what}: added ({}, {})",
                describe(parameter.get("schema")),
                if is_required(parameter) { "required" } else { "optional" }
            )),
            Some(old_parameter) => {
                let (old_schema, new_schema) = (&old_parameter["schema"], &parameter["schema"]);
                let required = (is_required(old_parameter), is_required(parameter));
                out.extend(field_changes(&what, old_schema, new_schema, required));
            }
        }
    }
    for key in old_parameters.keys().filter(|key| !new_parameters.contains_key(*key)) {
        out.push(format!("parameter {key}: removed"));
    }
    let body = |op: &Value| op.pointer("/requestBody/content/application~1json/schema").map(|s| describe(Some(s)));
    if body(old) != body(new) {
        out.push(format!(
            "body: {} -> {}",
            body(old).unwrap_or_else(|| "none".into()),
            body(new).unwrap_or_else(|| "none".into())
        ));
    }
    let answer = |op: &Value| {
        op.get("responses").and_then(Value::as_object).into_iter().flatten().find_map(|(status, r)| {
            let schema = r.pointer("/content/application~1json/schema");
            status.starts_with('2').then(|| format!("{status} {}", describe(schema)))
        })
    };
    if answer(old) != answer(new) {
        out.push(format!(
            "answer: {} -> {}",
            answer(old).unwrap_or_else(|| "none".into()),
            answer(new).unwrap_or_else(|| "none".into())
        ));
    }
    if out.is_empty() {
        out.push("descriptions, examples or tags only".into());
    }
    out
}

impl SpecDiff {
    /// Compares `old` with `new`.
    pub fn between(old: &Value, new: &Value) -> Self {
        let mut diff = SpecDiff::default();
        let (old_ops, new_ops) = (by_route(old), by_route(new));
        for (route, (id, op)) in &new_ops {
            match old_ops.get(route) {
                None => diff.operations_added.push(format!("{id} ({route})")),
                Some((old_id, old_op)) => {
                    if old_id != id {
                        diff.operations_renamed.push(Renamed {
                            route: route.clone(),
                            old: old_id.clone(),
                            new: id.clone(),
                        });
                    }
                    let (mut old_op, mut new_op) = ((*old_op).clone(), (*op).clone());
                    old_op.as_object_mut().map(|o| o.remove("operationId"));
                    new_op.as_object_mut().map(|o| o.remove("operationId"));
                    if old_op != new_op {
                        diff.operations_changed.push((id.clone(), operation_changes(&old_op, &new_op)));
                    }
                }
            }
        }
        diff.operations_removed = old_ops
            .iter()
            .filter(|(route, _)| !new_ops.contains_key(*route))
            .map(|(route, (id, _))| format!("{id} ({route})"))
            .collect();
        let (old_schemas, new_schemas) = (schemas(old), schemas(new));
        for (name, schema) in &new_schemas {
            match old_schemas.get(name) {
                None => diff.schemas_added.push(name.to_string()),
                Some(old_schema) if old_schema != schema => {
                    diff.schemas_changed.push((name.to_string(), schema_changes(old_schema, schema)))
                }
                Some(_) => {}
            }
        }
        diff.schemas_removed =
            old_schemas.keys().filter(|name| !new_schemas.contains_key(*name)).map(|name| name.to_string()).collect();
        diff
    }

    /// True when the two documents describe the same API.
    pub fn is_empty(&self) -> bool {
        *self == SpecDiff::default()
    }
}

impl fmt::Display for SpecDiff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "operations: {} added, {} removed, {} renamed, {} changed",
            self.operations_added.len(),
            self.operations_removed.len(),
            self.operations_renamed.len(),
            self.operations_changed.len()
        )?;
        for id in &self.operations_added {
            writeln!(f, "  + {id}")?;
        }
        for id in &self.operations_removed {
            writeln!(f, "  - {id}")?;
        }
        for r in &self.operations_renamed {
            let (old, new) = (authing_codegen::method_name(&r.old), authing_codegen::method_name(&r.new));
            let method = if r.method_changes() {
                format!("method {old}() becomes {new}()")
            } else {
                format!("method {new}() unchanged")
            };
            writeln!(f, "  > {} -> {} ({}): {method}", r.old, r.new, r.route)?;
        }
        for (id, changes) in &self.operations_changed {
            writeln!(f, "  ~ {id}")?;
            for change in changes {
                writeln!(f, "      {change}")?;
            }
        }
        write!(
            f,
            "schemas: {} added, {} removed, {} changed",
            self.schemas_added.len(),
            self.schemas_removed.len(),
            self.schemas_changed.len()
        )?;
        for name in &self.schemas_added {
            write!(f, "\n  + {name}")?;
        }
        for name in &self.schemas_removed {
            write!(f, "\n  - {name}")?;
        }
        for (name, changes) in &self.schemas_changed {
            write!(f, "\n  ~ {name}")?;
            for change in changes {
                write!(f, "\n      {change}")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(ops: Value, schemas: Value) -> Value {
        json!({"paths": ops, "components": {"schemas": schemas}})
    }

    #[test]
    fn reports_added_removed_renamed_and_changed_operations_and_schemas() {
        let old = doc(
            json!({
                "/a": {"get": {"operationId": "getA", "parameters": [
                    {"name": "page", "in": "query", "schema": {"type": "number"}},
                    {"name": "gone", "in": "query", "schema": {"type": "string"}}
                ]}},
                "/b": {"post": {"operationId": "postB"}},
                "/export": {"post": {"operationId": "exportMetadata"}}
            }),
            json!({"A": {"type": "object", "properties": {"status": {"type": "string", "enum": ["On", "Off"]}, "x": {"type": "string"}}},
                   "B": {"type": "object"}}),
        );
        let new = doc(
            json!({
                "/a": {"get": {"operationId": "getA", "parameters": [
                    {"name": "page", "in": "query", "required": true, "schema": {"type": "integer", "format": "int64"}},
                    {"name": "new", "in": "query", "schema": {"type": "boolean"}}
                ]}},
                "/c": {"post": {"operationId": "postC"}},
                "/export": {"post": {"operationId": "exportMeatdata"}}
            }),
            json!({"A": {"type": "object", "required": ["x"], "properties": {"status": {"type": "string", "enum": ["On", "Deleted"]}, "x": {"type": "integer"}}},
                   "C": {"type": "object"}}),
        );
        let diff = SpecDiff::between(&old, &new);
        assert_eq!(diff.operations_added, ["postC (POST /c)"]);
        assert_eq!(diff.operations_removed, ["postB (POST /b)"]);
        assert_eq!(
            diff.operations_renamed,
            [Renamed { route: "POST /export".into(), old: "exportMetadata".into(), new: "exportMeatdata".into() }]
        );
        assert_eq!(
            diff.operations_changed,
            [(
                "getA".to_string(),
                vec![
                    "parameter `new` (query): added (boolean, optional)".to_string(),
                    "parameter `page` (query): retyped number -> integer(int64)".to_string(),
                    "parameter `page` (query): now required".to_string(),
                    "parameter `gone` (query): removed".to_string(),
                ]
            )]
        );
        assert_eq!(diff.schemas_added, ["C"]);
        assert_eq!(diff.schemas_removed, ["B"]);
        assert_eq!(
            diff.schemas_changed,
            [(
                "A".to_string(),
                vec![
                    "field `status`: enum values added: Deleted".to_string(),
                    "field `status`: enum values removed: Off".to_string(),
                    "field `x`: retyped string -> integer".to_string(),
                    "field `x`: now required".to_string(),
                ]
            )]
        );
        let text = diff.to_string();
        assert!(text.starts_with("operations: 1 added, 1 removed, 1 renamed, 1 changed\n"), "{text}");
        assert!(
            text.contains(
                "exportMetadata -> exportMeatdata (POST /export): method export_metadata() becomes export_meatdata()"
            ),
            "{text}"
        );
    }

    #[test]
    fn a_rename_of_case_only_keeps_the_method() {
        let r = Renamed {
            route: String::new(),
            old: "updateTenantQrCodeState".into(),
            new: "updateTenantQRCodeState".into(),
        };
        assert!(!r.method_changes());
    }

    #[test]
    fn identical_documents_have_no_changes() {
        let d = doc(json!({"/a": {"get": {"operationId": "getA"}}}), json!({"A": {}}));
        assert!(SpecDiff::between(&d, &d).is_empty());
    }
}
