//! The change report between two versions of the document.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::Value;

const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// What changed between the committed document and the new one.
#[derive(Debug, Default, PartialEq)]
pub struct SpecDiff {
    pub operations_added: Vec<String>,
    pub operations_removed: Vec<String>,
    /// Operation id, with the parts that changed (`method`, `path`, `parameters`, `body`, `response`).
    pub operations_changed: Vec<(String, Vec<&'static str>)>,
    pub schemas_added: Vec<String>,
    pub schemas_removed: Vec<String>,
    pub schemas_changed: Vec<String>,
}

/// The parts of an operation that matter to a caller.
#[derive(PartialEq)]
struct Operation<'a> {
    method: &'a str,
    path: &'a str,
    parameters: Option<&'a Value>,
    body: Option<&'a Value>,
    response: Option<&'a Value>,
}

fn operations(doc: &Value) -> BTreeMap<String, Operation<'_>> {
    let mut out = BTreeMap::new();
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return out;
    };
    for (path, item) in paths {
        for &method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let id = op
                .get("operationId")
                .and_then(Value::as_str)
                .map_or_else(|| format!("{method} {path}"), str::to_string);
            out.insert(
                id,
                Operation {
                    method,
                    path,
                    parameters: op.get("parameters"),
                    body: op.get("requestBody"),
                    response: op.get("responses"),
                },
            );
        }
    }
    out
}

fn schemas(doc: &Value) -> BTreeMap<&str, &Value> {
    doc.pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|m| m.iter().map(|(k, v)| (k.as_str(), v)).collect())
        .unwrap_or_default()
}

impl SpecDiff {
    /// Compares `old` with `new`.
    pub fn between(old: &Value, new: &Value) -> Self {
        let mut diff = SpecDiff::default();
        let (old_ops, new_ops) = (operations(old), operations(new));
        for (id, new_op) in &new_ops {
            match old_ops.get(id) {
                None => diff.operations_added.push(id.clone()),
                Some(old_op) if old_op != new_op => {
                    let parts = [
                        ("method", old_op.method != new_op.method),
                        ("path", old_op.path != new_op.path),
                        ("parameters", old_op.parameters != new_op.parameters),
                        ("body", old_op.body != new_op.body),
                        ("response", old_op.response != new_op.response),
                    ];
                    let changed = parts.iter().filter(|(_, c)| *c).map(|(n, _)| *n).collect();
                    diff.operations_changed.push((id.clone(), changed));
                }
                Some(_) => {}
            }
        }
        diff.operations_removed = old_ops.keys().filter(|id| !new_ops.contains_key(*id)).cloned().collect();
        let (old_schemas, new_schemas) = (schemas(old), schemas(new));
        for (name, schema) in &new_schemas {
            match old_schemas.get(name) {
                None => diff.schemas_added.push(name.to_string()),
                Some(old_schema) if old_schema != schema => diff.schemas_changed.push(name.to_string()),
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
            "operations: {} added, {} removed, {} changed",
            self.operations_added.len(),
            self.operations_removed.len(),
            self.operations_changed.len()
        )?;
        for id in &self.operations_added {
            writeln!(f, "  + {id}")?;
        }
        for id in &self.operations_removed {
            writeln!(f, "  - {id}")?;
        }
        for (id, parts) in &self.operations_changed {
            writeln!(f, "  ~ {id} ({})", parts.join(", "))?;
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
        for name in &self.schemas_changed {
            write!(f, "\n  ~ {name}")?;
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
    fn reports_added_removed_and_changed_operations_and_schemas() {
        let old = doc(
            json!({
                "/a": {"get": {"operationId": "getA", "parameters": [{"name": "x", "in": "query"}]}},
                "/b": {"post": {"operationId": "postB"}}
            }),
            json!({"A": {"type": "object"}, "B": {"type": "object"}}),
        );
        let new = doc(
            json!({
                "/a": {"get": {"operationId": "getA", "parameters": [{"name": "y", "in": "query"}]}},
                "/c": {"post": {"operationId": "postC"}}
            }),
            json!({"A": {"type": "string"}, "C": {"type": "object"}}),
        );
        let diff = SpecDiff::between(&old, &new);
        assert_eq!(diff.operations_added, ["postC"]);
        assert_eq!(diff.operations_removed, ["postB"]);
        assert_eq!(diff.operations_changed, [("getA".to_string(), vec!["parameters"])]);
        assert_eq!(diff.schemas_added, ["C"]);
        assert_eq!(diff.schemas_removed, ["B"]);
        assert_eq!(diff.schemas_changed, ["A"]);
        assert!(diff.to_string().starts_with("operations: 1 added, 1 removed, 1 changed\n"));
    }

    #[test]
    fn identical_documents_have_no_changes() {
        let d = doc(json!({"/a": {"get": {"operationId": "getA"}}}), json!({"A": {}}));
        assert!(SpecDiff::between(&d, &d).is_empty());
    }
}
