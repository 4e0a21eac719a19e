//! Which operations page, and how: derived from the document, so that a new
//! list operation gets its stream without a hand edit.
//!
//! An operation takes paging input when its query has `page` + `limit` or
//! `pageNo` + `pageSize`, or its JSON body has `page` + `limit` at the top, in
//! `pagination`, or in `options.pagination`. It is paginated when its answer's
//! `data` also holds `list` and `totalCount`. Cursor (`startIndex`) and scroll
//! (`scrollId`) paging, and paging input with another answer, are reported,
//! not guessed.

use std::collections::BTreeMap;

use typify::{TypeDetails, TypeId, TypeSpace};

use crate::operation::Operation;

/// How one operation pages: Rust expressions for the runtime's `Paginated`.
pub(crate) struct Paging {
    /// The list's item type (`types::RoleDto`).
    pub item: String,
    /// The request for a page: an expression of `this` (the builder), `page` and `size`.
    pub for_page: String,
    /// The items and total count of a page: an expression of `data`.
    pub split: String,
}

/// What was found in the document: the paginated operations, and those that
/// take paging input but are not streamed, with why.
pub(crate) struct Found {
    pub paginated: BTreeMap<String, Paging>,
    pub not_streamed: BTreeMap<String, String>,
}

impl Found {
    /// One line: how many operations page, and which take paging input without a stream.
    pub(crate) fn summary(&self) -> String {
        let not_streamed: Vec<&str> = self.not_streamed.keys().map(String::as_str).collect();
        format!(
            "{} operations paginated; {} take paging input without a stream ({})",
            self.paginated.len(),
            not_streamed.len(),
            not_streamed.join(", ")
        )
    }
}

/// Classifies every operation.
pub(crate) fn find(space: &TypeSpace, operations: &[Operation]) -> Found {
    let types: BTreeMap<String, Fields> = space
        .iter_types()
        .filter_map(|ty| match ty.details() {
            TypeDetails::Struct(details) => Some((ty.name(), fields_of(&details))),
            _ => None,
        })
        .collect();
    let mut found = Found { paginated: BTreeMap::new(), not_streamed: BTreeMap::new() };
    for op in operations {
        let input = match page_input(space, &types, op) {
            Ok(Some(input)) => input,
            Ok(None) => continue,
            Err(why) => {
                found.not_streamed.insert(op.id.clone(), why);
                continue;
            }
        };
        match page_answer(space, &types, &op.response) {
            Ok((item, split)) => {
                found.paginated.insert(op.id.clone(), Paging { item, for_page: input, split });
            }
            Err(why) => {
                found.not_streamed.insert(op.id.clone(), why);
            }
        }
    }
    found
}

/// The expression that asks for one page, when the operation takes paging input.
fn page_input(space: &TypeSpace, types: &BTreeMap<String, Fields>, op: &Operation) -> Result<Option<String>, String> {
    let query = |name: &str| op.query.contains(name);
    // The setters take whatever converts to the parameter's type, which
    // `Number` does for every integer and text type the generator gives it.
    for (page, size) in [("page", "limit"), ("pageNo", "pageSize")] {
        if query(page) && query(size) {
            let (page, size) = (crate::names::method_name(page), crate::names::method_name(size));
            return Ok(Some(format!("this.{page}(crate::paging::Number(page)).{size}(crate::paging::Number(size))")));
        }
    }
    if query("startIndex") && query("maxSize") {
        return Err(
            "cursor paging (query startIndex + maxSize, answered with nextStartIndex) is not streamed yet".into()
        );
    }
    let Some(body) = &op.body else { return Ok(None) };
    let Some(fields) = types.get(body) else { return Ok(None) };
    if fields.contains_key("scroll_id") && fields.contains_key("size") {
        return Err("scroll paging (body scrollId + size, answered with a new scrollId) is not streamed yet".into());
    }
    let mut walked = None;
    for candidate in [&[][..], &["pagination"], &["options", "pagination"]] {
        if let Some(found) = walk(space, fields, candidate)? {
            walked = Some(found);
            break;
        }
    }
    let Some((path, holder)) = walked else { return Ok(None) };
    let (Some(page), Some(limit)) = (holder.get("page"), holder.get("limit")) else { return Ok(None) };
    let rust_type = |(id, required): &(TypeId, bool)| {
        let id = if *required { Some(id.clone()) } else { option_inner(space, id) };
        id.and_then(|id| space.get_type(&id).ok()).map(|ty| ty.ident().to_string().replace(' ', "")).unwrap_or_default()
    };
    for field in [page, limit] {
        let ty = rust_type(field);
        if !NUMBER_TYPES.contains(&ty.as_str()) {
            return Err(format!("its body's page or limit is a `{ty}`, which cannot hold a page number"));
        }
    }
    let mut at = String::from("body");
    for (step, required) in &path {
        at = if *required {
            format!("{at}.{step}")
        } else {
            format!("{at}.{step}.get_or_insert_with(Default::default)")
        };
    }
    // Converted to the field's type; a required field the number does not fit is left as it is.
    let set = |field: &str, (_, required): &(TypeId, bool), v: &str| {
        let converted = format!("::std::convert::TryFrom::try_from(crate::paging::Number({v}))");
        if *required {
            format!("if let Ok(value) = {converted} {{ at.{field} = value; }}")
        } else {
            format!("at.{field} = {converted}.ok();")
        }
    };
    Ok(Some(format!(
        "this.body_map(|builder| match types::{body}::try_from(builder.clone()) {{ \
         Ok(mut body) => {{ let at = &mut {at}; {} {} body.into() }} \
         Err(_) => builder }})",
        set("page", page, "page"),
        set("limit", limit, "size"),
    )))
}

/// The Rust types of a page or limit field that `Number` converts to.
const NUMBER_TYPES: &[&str] = &[
    "i64",
    "i32",
    "u64",
    "u32",
    "f64",
    "::std::num::NonZeroU64",
    "::std::num::NonZeroU32",
    "::std::num::NonZeroI64",
    "::std::string::String",
    "::serde_json::Value",
];

/// A struct's fields by Rust name: type, and whether required.
type Fields = BTreeMap<String, (TypeId, bool)>;
/// Steps from a body to the object holding the page: field, and whether required.
type Steps = Vec<(String, bool)>;

/// Follows `steps` from a body's fields to an object with `page` and `limit`:
/// each step's field name and whether it is required, and that object's fields.
fn walk(space: &TypeSpace, fields: &Fields, steps: &[&str]) -> Result<Option<(Steps, Fields)>, String> {
    let mut path = Vec::new();
    let mut holder = fields.clone();
    for &step in steps {
        let Some((id, required)) = holder.get(step).cloned() else { return Ok(None) };
        let inner = if required { Some(id) } else { option_inner(space, &id) };
        let Some(next) = inner.and_then(|id| struct_fields(space, &id)) else { return Ok(None) };
        if !required && next.values().any(|&(_, required)| required) {
            return Err(format!("its body's `{step}` has required fields, so it cannot be made up to hold the page"));
        }
        path.push((step.to_string(), required));
        holder = next;
    }
    Ok((holder.contains_key("page") && holder.contains_key("limit")).then_some((path, holder)))
}

/// The item type and the split expression, when the answer's `data` is `{list, totalCount}`.
fn page_answer(
    space: &TypeSpace,
    types: &BTreeMap<String, Fields>,
    response: &str,
) -> Result<(String, String), String> {
    let no_list = || format!("its answer `{response}` has no data.list with data.totalCount");
    let envelope = types.get(response).ok_or_else(no_list)?;
    let (data_id, data_required) = envelope.get("data").ok_or_else(no_list)?;
    let (data_id, unwrap_data) = if *data_required {
        (data_id.clone(), "")
    } else {
        (
            option_inner(space, data_id).ok_or_else(no_list)?,
            "let Some(data) = data else { return (Vec::new(), None) }; ",
        )
    };
    let data = struct_fields(space, &data_id).ok_or_else(no_list)?;
    let (Some((list_id, list_required)), true) = (data.get("list"), data.contains_key("total_count")) else {
        return Err(no_list());
    };
    let list_id = if *list_required { list_id.clone() } else { option_inner(space, list_id).ok_or_else(no_list)? };
    let list = space.get_type(&list_id).map_err(|_| no_list())?;
    let TypeDetails::Vec(item_id) = list.details() else { return Err(no_list()) };
    let item = space.get_type(&item_id).map_err(|_| no_list())?.ident().to_string().replace(' ', "");
    let list = if *list_required { "data.list" } else { "data.list.unwrap_or_default()" };
    let (total_id, total_required) = data.get("total_count").cloned().ok_or_else(no_list)?;
    let total_id = if total_required { Some(total_id) } else { option_inner(space, &total_id) };
    let total_type = total_id.and_then(|id| space.get_type(&id).ok()).map(|ty| ty.ident().to_string().replace(' ', ""));
    let read_total = match total_type.as_deref() {
        Some("i64") => "Some(total)",
        // A count the document types as a string is read when it is digits.
        Some("::std::string::String") => "total.parse().ok()",
        other => return Err(format!("its answer's data.totalCount is a `{}`, not a count", other.unwrap_or("?"))),
    };
    let total = if total_required {
        format!("{{ let total = data.total_count; {read_total} }}")
    } else {
        format!("data.total_count.and_then(|total| {read_total})")
    };
    let split = match unwrap_data {
        "" => format!("({list}, {total})"),
        unwrap => format!("{{ {unwrap}({list}, {total}) }}"),
    };
    Ok((item, split))
}

/// A struct's fields, when `id` is a struct.
fn struct_fields(space: &TypeSpace, id: &TypeId) -> Option<Fields> {
    match space.get_type(id).ok()?.details() {
        TypeDetails::Struct(details) => Some(fields_of(&details)),
        _ => None,
    }
}

fn fields_of(details: &typify::TypeStruct<'_>) -> Fields {
    details.properties_info().map(|p| (p.name.to_string(), (p.type_id.clone(), p.required))).collect()
}

/// The `T` of an `Option<T>`.
fn option_inner(space: &TypeSpace, id: &TypeId) -> Option<TypeId> {
    match space.get_type(id).ok()?.details() {
        TypeDetails::Option(inner) => Some(inner),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use crate::{Options, generate, parse};

    /// A GET operation with `query` parameters answering `response`.
    fn get(id: &str, query: &[&str], response: &str) -> Value {
        let parameters: Vec<Value> = query
            .iter()
            .map(|name| json!({"name": name, "in": "query", "required": false, "schema": {"type": "integer"}}))
            .collect();
        json!({"get": {"operationId": id, "parameters": parameters, "responses": {"200": {"description": "",
            "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{response}")}}}}}}})
    }

    /// A POST operation taking `body` and answering `response`.
    fn post(id: &str, body: &str, response: &str) -> Value {
        json!({"post": {"operationId": id,
            "requestBody": {"content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{body}")}}}},
            "responses": {"200": {"description": "",
                "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{response}")}}}}}}})
    }

    fn object(properties: Value) -> Value {
        json!({"type": "object", "properties": properties})
    }

    #[test]
    fn each_shape_is_found_and_what_cannot_be_streamed_is_reported_with_why() {
        let envelope = |data: Value| {
            json!({"type": "object", "required": ["statusCode"], "properties": {
                "statusCode": {"type": "integer"}, "message": {"type": "string"}, "data": data}})
        };
        let list = json!({"$ref": "#/components/schemas/ItemPage"});
        let int = json!({"type": "integer"});
        let document = json!({
            "openapi": "3.0.1",
            "info": {"title": "paging", "version": "3"},
            "paths": {
                "/query-page": get("queryPage", &["page", "limit"], "PageResp"),
                "/page-no": get("pageNo", &["pageNo", "pageSize"], "PageResp"),
                "/cursor": get("cursor", &["startIndex", "maxSize"], "PageResp"),
                "/other-answer": get("otherAnswer", &["page", "limit"], "ItemResp"),
                "/no-paging": get("noPaging", &["userId"], "PageResp"),
                "/body-page": post("bodyPage", "TopDto", "PageResp"),
                "/nested-page": post("nestedPage", "OptionsDto", "PageResp"),
                "/scroll": post("scroll", "ScrollDto", "PageResp"),
            },
            "components": {"schemas": {
                "Item": object(json!({"id": {"type": "string"}})),
                "ItemPage": {"type": "object", "required": ["list", "totalCount"], "properties": {
                    "list": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}}, "totalCount": int}},
                "PageResp": envelope(list),
                "ItemResp": envelope(json!({"$ref": "#/components/schemas/Item"})),
                "TopDto": object(json!({"page": int, "limit": int, "keywords": {"type": "string"}})),
                "PaginationDto": object(json!({"page": int, "limit": int})),
                "ListOptionsDto": object(json!({"pagination": {"$ref": "#/components/schemas/PaginationDto"}})),
                "OptionsDto": object(json!({"options": {"$ref": "#/components/schemas/ListOptionsDto"}})),
                "ScrollDto": object(json!({"scrollId": {"type": "string"}, "size": int})),
            }}
        });
        let spec = parse(&document.to_string()).unwrap();
        let generated = generate(&spec, Options::default()).unwrap();

        assert_eq!(
            generated.paging_summary,
            "4 operations paginated; 3 take paging input without a stream (cursor, otherAnswer, scroll)"
        );
        for (id, why) in [("cursor", "cursor paging"), ("scroll", "scroll paging"), ("otherAnswer", "answer")] {
            let line = generated.paging_table.lines().find(|l| l.contains(&format!("({id:?}"))).unwrap();
            assert!(line.contains(why), "{line}");
        }
        // The nested body is reached through its optional steps, the filters kept.
        assert!(generated.client.contains("body.options.get_or_insert_with(Default::default).pagination"));
    }
}
