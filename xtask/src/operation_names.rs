//! The normalization `operation-names`: Authing's operationIds
//! (`UsersManagementController_listUsers`) as the names every SDK uses (`listUsers`).

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Result, bail};
use serde_json::Value;

use crate::normalize::{Context, Places, escape, operations};

const CONTROLLER: &str = "Controller_";

/// `XxxController_method` -> (`Xxx`, `method`), the method with a lowercase first letter.
fn split(id: &str) -> Option<(&str, String)> {
    let (controller, method) = id.split_once(CONTROLLER)?;
    let mut chars = method.chars();
    let first = chars.next()?;
    Some((controller, first.to_lowercase().chain(chars).collect()))
}

/// `Xxx` and `method` -> `xxxMethod`: a name told apart by its controller.
fn qualified(controller: &str, method: &str) -> String {
    let mut out: String = controller.chars().take(1).flat_map(char::to_lowercase).collect();
    out.push_str(&controller[controller.chars().next().map_or(0, char::len_utf8)..]);
    let mut chars = method.chars();
    out.extend(chars.next().into_iter().flat_map(char::to_uppercase));
    out.extend(chars);
    out
}

/// The operationId of each `(METHOD, path)` in `doc`.
fn ids_by_route(doc: &Value) -> BTreeMap<(String, String), String> {
    operations(doc)
        .filter_map(|(path, method, op)| {
            let id = op.get("operationId")?.as_str()?;
            Some(((method.to_uppercase(), path.to_string()), id.to_string()))
        })
        .collect()
}

pub fn apply(doc: &mut Value, context: &Context, places: &mut Places) -> Result<()> {
    let previous = context.previous.map(ids_by_route).unwrap_or_default();
    // (pointer, route, controller, method) of every operation named after a controller.
    let mut named = Vec::new();
    let mut untouched = BTreeSet::new();
    for (path, method, op) in operations(doc) {
        let Some(id) = op.get("operationId").and_then(Value::as_str) else { continue };
        match split(id) {
            Some((controller, name)) => named.push((
                format!("/paths/{}/{method}/operationId", escape(path)),
                (method.to_uppercase(), path.to_string()),
                controller.to_string(),
                name,
            )),
            None => {
                untouched.insert(id.to_string());
            }
        }
    }
    let mut by_name: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (index, (_, _, _, name)) in named.iter().enumerate() {
        by_name.entry(name).or_default().push(index);
    }
    let mut renames = Vec::new();
    for (name, indices) in &by_name {
        let keeper = match indices.as_slice() {
            [only] if !untouched.contains(*name) => Some(*only),
            _ => indices.iter().copied().find(|&i| previous.get(&named[i].1).is_some_and(|id| id == name)),
        };
        for &index in indices {
            let (pointer, (method, path), controller, _) = &named[index];
            let (new, note) = if Some(index) == keeper {
                (name.to_string(), String::new())
            } else {
                let taken_by = match keeper {
                    Some(k) => format!("{} {}", named[k].1.0, named[k].1.1),
                    None => "more than one operation".to_string(),
                };
                (qualified(controller, name), format!(" ({name} is taken by {taken_by}; this is {method} {path})"))
            };
            renames.push((pointer.clone(), new, note));
        }
    }
    let mut seen = untouched;
    for (pointer, new, note) in renames {
        if !seen.insert(new.clone()) {
            bail!("{pointer}: {new} is the name of two operations");
        }
        let slot = doc.pointer_mut(&pointer).expect("listed above");
        places.changed.push(format!("{pointer}: {} -> {new}{note}", slot.as_str().unwrap_or_default()));
        *slot = Value::String(new);
    }
    places.changed.sort();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn op(id: &str) -> Value {
        json!({"operationId": id, "responses": {}})
    }

    fn id_at(doc: &Value, path: &str) -> String {
        doc["paths"][path]["post"]["operationId"].as_str().unwrap().to_string()
    }

    #[test]
    fn the_controller_is_dropped_and_the_first_letter_lowered() {
        let mut doc = json!({"paths": {
            "/a": {"post": op("UsersManagementController_listUsers")},
            "/b": {"post": op("GroupsManagementController_ListGroupMembers")},
            "/c": {"post": op("alreadyPlain")}
        }});
        let mut places = Places::default();
        apply(&mut doc, &Context::default(), &mut places).unwrap();
        assert_eq!(id_at(&doc, "/a"), "listUsers");
        assert_eq!(id_at(&doc, "/b"), "listGroupMembers");
        assert_eq!(id_at(&doc, "/c"), "alreadyPlain");
        assert_eq!(places.changed.len(), 2);
    }

    #[test]
    fn a_shared_name_stays_with_the_operation_already_published_under_it() {
        let upstream = json!({"paths": {
            "/delete-device": {"post": op("TerminalManagementController_deleteDevice")},
            "/delete-device-by-user": {"post": op("TerminalUserController_deleteDevice")}
        }});
        let committed = json!({"paths": {"/delete-device-by-user": {"post": op("deleteDevice")}}});
        let mut doc = upstream.clone();
        let mut places = Places::default();
        apply(&mut doc, &Context { previous: Some(&committed) }, &mut places).unwrap();
        assert_eq!(id_at(&doc, "/delete-device-by-user"), "deleteDevice");
        assert_eq!(id_at(&doc, "/delete-device"), "terminalManagementDeleteDevice");
        assert!(
            places.changed.iter().any(|p| p.contains("deleteDevice is taken by POST /delete-device-by-user")),
            "{places:?}"
        );

        // With nothing published yet, neither is preferred: both are told apart.
        let mut doc = upstream;
        apply(&mut doc, &Context::default(), &mut Places::default()).unwrap();
        assert_eq!(id_at(&doc, "/delete-device-by-user"), "terminalUserDeleteDevice");
        assert_eq!(id_at(&doc, "/delete-device"), "terminalManagementDeleteDevice");
    }

    #[test]
    fn a_name_that_would_still_collide_is_refused() {
        let mut doc = json!({"paths": {
            "/a": {"post": op("AController_x")},
            "/b": {"post": op("BController_x")},
            "/c": {"post": op("aX")}
        }});
        let error = apply(&mut doc, &Context::default(), &mut Places::default()).unwrap_err();
        assert!(error.to_string().contains("aX is the name of two operations"), "{error}");
    }
}
