//! Which operations page, and how: derived from the document, so that a new
//! list operation gets its stream without a hand edit.
//!
//! An operation takes paging input when its query has `page` + `limit`,
//! `pageNo` + `pageSize` or `startIndex` + `maxSize` (a cursor), or its JSON
//! body has `page` + `limit` at the top, in `pagination` or in
//! `options.pagination`, or `scrollId` + `size` (a scroll). It is paginated
//! when its answer's `data` holds the list: `data` is an array, or an object
//! with a `list` (or one array field), and for a cursor or a scroll, the next
//! one. An operation whose answer holds no list as the document has it is
//! still paginated, its pages read as JSON (the list found wherever the real
//! answer has it), and reported with why; one whose paging input cannot be
//! set is reported, not guessed.

use std::collections::BTreeMap;

use typify::{TypeDetails, TypeId, TypeSpace};

use crate::operation::Operation;

/// How one operation pages: Rust code for the runtime's `Paginated`.
pub(crate) struct Paging {
    /// How the next page is found: a variant of the runtime's `paging::By`.
    pub by: &'static str,
    /// The request for a page: an expression of `this` (the builder), `at` and `size`.
    pub for_page: String,
    /// The typed list, or why its pages are read as JSON.
    pub answer: Result<TypedList, String>,
}

/// An answer's list, typed.
pub(crate) struct TypedList {
    /// The list's item type (`types::RoleDto`).
    pub item: String,
    /// What a page's answer says (`crate::paging::Split`): an expression of `data`.
    pub split: String,
}

/// What was found in the document: the paginated operations, and those that
/// take paging input but are not streamed, with why.
pub(crate) struct Found {
    pub paginated: BTreeMap<String, Paging>,
    pub not_streamed: BTreeMap<String, String>,
}

impl Found {
    /// The paginated operations whose pages are read as JSON, and why.
    pub(crate) fn as_json(&self) -> impl Iterator<Item = (&String, &String)> {
        self.paginated.iter().filter_map(|(id, paging)| paging.answer.as_ref().err().map(|why| (id, why)))
    }

    /// One line: how many operations page, which of them as JSON, and which take paging input without a stream.
    pub(crate) fn summary(&self) -> String {
        // How many, and which when there are any.
        let count = |ids: Vec<_>| match ids.is_empty() {
            true => "0".to_string(),
            false => format!("{} ({})", ids.len(), ids.join(", ")),
        };
        format!(
            "{} operations paginated, {} of them read as JSON; {} take paging input without a stream",
            self.paginated.len(),
            count(self.as_json().map(|(id, _)| id.clone()).collect()),
            count(self.not_streamed.iter().map(|(id, why)| format!("{id}: {why}")).collect()),
        )
    }
}

/// How the next page is found.
#[derive(Clone, Copy)]
enum By {
    /// The next page number.
    Number,
    /// The answer's `nextStartIndex`.
    Index,
    /// The answer's `scrollId`.
    Scroll,
}

/// An operation's paging input: how it is walked, and the request for a page.
struct Input {
    by: By,
    for_page: String,
}

/// Classifies every operation.
pub(crate) fn find(space: &TypeSpace, operations: &[Operation]) -> Found {
    let types: BTreeMap<String, Fields> = space
        .iter_types()
        .filter_map(|ty| match ty.details() {
            TypeDetails::Struct(details) => Some((ty.name(), fields_of(space, &details))),
            _ => None,
        })
        .collect();
    let mut found = Found { paginated: BTreeMap::new(), not_streamed: BTreeMap::new() };
    for op in operations {
        let input = match page_input(space, &types, op) {
            Ok(Some(input)) => input,
            Ok(None) => {
                if let Some(why) = unknown_paging_words(&types, op) {
                    found.not_streamed.insert(op.id.clone(), why);
                }
                continue;
            }
            Err(why) => {
                found.not_streamed.insert(op.id.clone(), why);
                continue;
            }
        };
        let answer = page_answer(space, &types, &op.response, input.by);
        let by = match input.by {
            By::Number => "Number",
            By::Index => "Index",
            By::Scroll => "Scroll",
        };
        found.paginated.insert(op.id.clone(), Paging { by, for_page: input.for_page, answer });
    }
    found
}

/// An operation's paging input, when it takes some.
fn page_input(space: &TypeSpace, types: &BTreeMap<String, Fields>, op: &Operation) -> Result<Option<Input>, String> {
    let query = |name: &str| op.query.contains(name);
    let setter = crate::names::method_name;
    // The setters take whatever converts to the parameter's type, which
    // `Number` does for every integer and text type the generator gives it.
    for (page, size) in [("page", "limit"), ("pageNo", "pageSize")] {
        if query(page) && query(size) {
            let (page, size) = (setter(page), setter(size));
            let for_page =
                format!("this.{page}(crate::paging::Number(at.page_number())).{size}(crate::paging::Number(size))");
            return Ok(Some(Input { by: By::Number, for_page }));
        }
    }
    if query("startIndex") && query("maxSize") {
        // The first page is the request as built: its own start index, if any.
        let for_page = format!(
            "match at {{ crate::paging::At::Index(index) => this.{}(crate::paging::Number(*index)), _ => this }}\
             .{}(crate::paging::Number(size))",
            setter("startIndex"),
            setter("maxSize")
        );
        return Ok(Some(Input { by: By::Index, for_page }));
    }
    let Some(body) = &op.body else { return Ok(None) };
    let Some(fields) = types.get(body) else { return Ok(None) };
    if let (Some(scroll_id), Some(size)) = (fields.get("scroll_id"), fields.get("size")) {
        number_field(space, "size", size)?;
        let ty = ident(space, &scroll_id.id);
        if ty != "::std::string::String" {
            return Err(format!("its body's scrollId is a `{ty}`, which cannot hold the server's scroll id"));
        }
        // The first page is the request as built: its own scroll id, if any.
        let for_page = "this.body_map(|body| { let body = body.size(crate::paging::Number(size)); \
                        match at { crate::paging::At::Scroll(id) => body.scroll_id(id.clone()), _ => body } })";
        return Ok(Some(Input { by: By::Scroll, for_page: for_page.to_string() }));
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
    number_field(space, "page", page)?;
    number_field(space, "limit", limit)?;
    if path.is_empty() {
        // The body builder's own setters: they work whatever else is set yet.
        let for_page = "this.body_map(|body| body.page(crate::paging::Number(at.page_number()))\
                        .limit(crate::paging::Number(size)))";
        return Ok(Some(Input { by: By::Number, for_page: for_page.to_string() }));
    }
    // Nested: through the typed body, as the builder cannot give back what was set.
    let mut at = String::from("body");
    for (step, optional) in &path {
        at = match optional {
            false => format!("{at}.{step}"),
            true => format!("{at}.{step}.get_or_insert_with(Default::default)"),
        };
    }
    let for_page = format!(
        "this.body_map(|builder| match types::{body}::try_from(builder.clone()) {{ \
         Ok(mut body) => {{ let holder = &mut {at}; {} {} body.into() }} \
         Err(_) => builder }})",
        set_number("page", page, "at.page_number()"),
        set_number("limit", limit, "size")
    );
    Ok(Some(Input { by: By::Number, for_page }))
}

/// The statement that sets the body field `name` of `holder` to the number `value`,
/// converted to the field's type; a required field the number does not fit
/// is left as it is.
fn set_number(name: &str, field: &Field, value: &str) -> String {
    let converted = format!("::std::convert::TryFrom::try_from(crate::paging::Number({value}))");
    match field.optional {
        false => format!("if let Ok(value) = {converted} {{ holder.{name} = value; }}"),
        true => format!("holder.{name} = {converted}.ok();"),
    }
}

/// Words that place a page in a list: an operation taking one, in its query
/// or at the top of its body, in a shape none of the above is, is reported
/// rather than left a plain call nobody hears of.
const PAGE_WORDS: &[&str] = &[
    "page",
    "pageNo",
    "pageNum",
    "pageNumber",
    "pageIndex",
    "pageToken",
    "currentPage",
    "offset",
    "cursor",
    "nextToken",
    "startIndex",
    "scrollId",
    "skip",
];

/// Why an operation that pages in a shape the classifier does not know is not streamed.
fn unknown_paging_words(types: &BTreeMap<String, Fields>, op: &Operation) -> Option<String> {
    let snake = crate::names::method_name;
    let mut taken: Vec<String> = op.query.iter().cloned().collect();
    if let Some(fields) = op.body.as_ref().and_then(|body| types.get(body)) {
        taken.extend(fields.keys().cloned());
    }
    let words: Vec<&String> =
        taken.iter().filter(|name| PAGE_WORDS.iter().any(|word| snake(word) == snake(name))).collect();
    if words.is_empty() {
        return None;
    }
    let all: Vec<&str> = taken.iter().map(String::as_str).collect();
    Some(format!(
        "it takes {words:?}, words of paging, in a shape codegen/src/paging.rs does not know (it takes {all:?}): \
         teach it the shape to stream it"
    ))
}

/// Whether a body field can hold a page number or size.
fn number_field(space: &TypeSpace, name: &str, field: &Field) -> Result<(), String> {
    let ty = ident(space, &field.id);
    match NUMBER_TYPES.contains(&ty.as_str()) {
        true => Ok(()),
        false => Err(format!("its body's {name} is a `{ty}`, which cannot hold a page number or size")),
    }
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

/// A struct's fields by Rust name.
type Fields = BTreeMap<String, Field>;

/// A struct field.
#[derive(Clone)]
struct Field {
    /// Its type, without the `Option` of an optional field.
    id: TypeId,
    /// Whether it is an `Option`.
    optional: bool,
    /// Whether the document requires it.
    required: bool,
}

/// Steps from a body to the object holding the page: field, and whether an `Option`.
type Steps = Vec<(String, bool)>;

/// Follows `steps` from a body's fields to an object with `page` and `limit`:
/// each step's field name and whether it is required, and that object's fields.
fn walk(space: &TypeSpace, fields: &Fields, steps: &[&str]) -> Result<Option<(Steps, Fields)>, String> {
    let mut path = Vec::new();
    let mut holder = fields.clone();
    for &step in steps {
        let Some(field) = holder.get(step) else { return Ok(None) };
        let Some(next) = struct_fields(space, &field.id) else { return Ok(None) };
        if field.optional && next.values().any(|field| field.required) {
            return Err(format!("its body's `{step}` has required fields, so it cannot be made up to hold the page"));
        }
        path.push((step.to_string(), field.optional));
        holder = next;
    }
    Ok((holder.contains_key("page") && holder.contains_key("limit")).then_some((path, holder)))
}

/// The item type and the split expression, when the answer's `data` holds
/// the list (and, for a cursor or a scroll, the next one).
fn page_answer(
    space: &TypeSpace,
    types: &BTreeMap<String, Fields>,
    response: &str,
    by: By,
) -> Result<TypedList, String> {
    let no_list = || format!("its answer `{response}` has no list in its data");
    let envelope = types.get(response).ok_or_else(no_list)?;
    let data = envelope.get("data").ok_or_else(no_list)?;
    let unwrap_data = match data.optional {
        false => "",
        true => "let Some(data) = data else { return crate::paging::Split::empty() }; ",
    };
    let data = space.get_type(&data.id).map_err(|_| no_list())?;
    let (item, items, total, fields) = match data.details() {
        TypeDetails::Vec(item_id) => {
            let item = ident(space, &item_id);
            if struct_fields(space, &item_id).is_some_and(|fields| fields.contains_key("list")) {
                return Err(format!("its answer's data is an array of `{item}`, each with a list of its own"));
            }
            (item, "data".to_string(), "None".to_string(), Fields::new())
        }
        TypeDetails::Struct(details) => {
            let fields = fields_of(space, &details);
            let (item, items) = list_of(space, &fields).ok_or_else(no_list)?;
            let total = total_of(space, &fields)?;
            (item, items, total, fields)
        }
        _ => return Err(no_list()),
    };
    let next = match by {
        By::Number => None,
        By::Index => {
            let index = field_value(space, &fields, "next_start_index", "i64")?
                .ok_or_else(|| format!("its answer `{response}` has no data.nextStartIndex for the next page"))?;
            let truncated = field_value(space, &fields, "truncated", "bool")?.unwrap_or_else(|| "None".into());
            Some(format!("crate::paging::Next::index({index}, {truncated})"))
        }
        By::Scroll => {
            let id = field_value(space, &fields, "scroll_id", "::std::string::String")?
                .ok_or_else(|| format!("its answer `{response}` has no data.scrollId for the next page"))?;
            Some(format!("crate::paging::Next::scroll({id})"))
        }
    };
    let split = match next {
        None => format!("crate::paging::Split::numbered({items}, {total})"),
        Some(next) => format!("crate::paging::Split {{ items: {items}, total_count: {total}, next: {next} }}"),
    };
    let split = match unwrap_data {
        "" => split,
        unwrap => format!("{{ {unwrap}{split} }}"),
    };
    Ok(TypedList { item, split })
}

/// The item type and the items of `data`'s list: its `list`, or its one array
/// field (the rule the runtime's JSON pages follow too).
fn list_of(space: &TypeSpace, fields: &Fields) -> Option<(String, String)> {
    let is_array =
        |field: &Field| space.get_type(&field.id).is_ok_and(|ty| matches!(ty.details(), TypeDetails::Vec(_)));
    let (name, field) = match fields.get_key_value("list") {
        Some(list) => list,
        None => {
            let mut arrays = fields.iter().filter(|(_, field)| is_array(field));
            match (arrays.next(), arrays.next()) {
                (Some(array), None) => array,
                _ => return None,
            }
        }
    };
    let ty = space.get_type(&field.id).ok()?;
    match (ty.details(), field.optional) {
        (TypeDetails::Vec(item), false) => Some((ident(space, &item), format!("data.{name}"))),
        (TypeDetails::Vec(item), true) => Some((ident(space, &item), format!("data.{name}.unwrap_or_default()"))),
        // A list the document leaves untyped: its items are JSON values.
        _ if ident(space, &field.id) == "::serde_json::Value" => {
            let items = match field.optional {
                false => format!("crate::paging::values(data.{name})"),
                true => format!("data.{name}.map(crate::paging::values).unwrap_or_default()"),
            };
            Some(("::serde_json::Value".to_string(), items))
        }
        _ => None,
    }
}

/// The list's total count, an `Option<i64>` expression of `data`: `None` when the answer has none.
fn total_of(space: &TypeSpace, fields: &Fields) -> Result<String, String> {
    let Some(field) = fields.get("total_count") else { return Ok("None".into()) };
    let read_total = match ident(space, &field.id).as_str() {
        "i64" => "Some(total)",
        // A count the document types as a string is read when it is digits.
        "::std::string::String" => "total.parse().ok()",
        other => return Err(format!("its answer's data.totalCount is a `{other}`, not a count")),
    };
    Ok(match (field.optional, read_total) {
        (false, _) => format!("{{ let total = data.total_count; {read_total} }}"),
        (true, "Some(total)") => "data.total_count".to_string(),
        (true, _) => format!("data.total_count.and_then(|total| {read_total})"),
    })
}

/// `data.{name}` as an `Option` of the Rust type `ty`, when `data` has that field.
fn field_value(space: &TypeSpace, fields: &Fields, name: &str, ty: &str) -> Result<Option<String>, String> {
    let Some(field) = fields.get(name) else { return Ok(None) };
    let found = ident(space, &field.id);
    if found != ty {
        return Err(format!("its answer's data.{name} is a `{found}`, not a `{ty}`"));
    }
    Ok(Some(match field.optional {
        false => format!("Some(data.{name})"),
        true => format!("data.{name}"),
    }))
}

/// The Rust type of `id`, as written in the generated code.
fn ident(space: &TypeSpace, id: &TypeId) -> String {
    space.get_type(id).map(|ty| ty.ident().to_string().replace(' ', "")).unwrap_or_default()
}

/// A struct's fields, when `id` is a struct.
fn struct_fields(space: &TypeSpace, id: &TypeId) -> Option<Fields> {
    match space.get_type(id).ok()?.details() {
        TypeDetails::Struct(details) => Some(fields_of(space, &details)),
        _ => None,
    }
}

fn fields_of(space: &TypeSpace, details: &typify::TypeStruct<'_>) -> Fields {
    details
        .properties_info()
        .map(|property| {
            let inner = space.get_type(&property.type_id).ok().and_then(|ty| match ty.details() {
                TypeDetails::Option(inner) => Some(inner),
                _ => None,
            });
            let field = Field {
                optional: inner.is_some(),
                id: inner.unwrap_or_else(|| property.type_id.clone()),
                required: property.required,
            };
            (property.name.to_string(), field)
        })
        .collect()
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
        let schema = |name: &str| json!({"$ref": format!("#/components/schemas/{name}")});
        let items = json!({"type": "array", "items": schema("Item")});
        let int = json!({"type": "integer"});
        let document = json!({
            "openapi": "3.0.1",
            "info": {"title": "paging", "version": "3"},
            "paths": {
                "/query-page": get("queryPage", &["page", "limit"], "PageResp"),
                "/page-no": get("pageNo", &["pageNo", "pageSize"], "PageResp"),
                "/cursor": get("cursor", &["startIndex", "maxSize"], "CursorResp"),
                "/cursor-without-next": get("cursorWithoutNext", &["startIndex", "maxSize"], "PageResp"),
                "/array-answer": get("arrayAnswer", &["page", "limit"], "ArrayResp"),
                "/list-elsewhere": get("listElsewhere", &["page", "limit"], "ElsewhereResp"),
                "/untyped-list": get("untypedList", &["page", "limit"], "UntypedResp"),
                "/other-answer": get("otherAnswer", &["page", "limit"], "ItemResp"),
                "/pages-of-pages": get("pagesOfPages", &["page", "limit"], "PagesResp"),
                "/no-paging": get("noPaging", &["userId"], "PageResp"),
                "/page-num": get("pageNum", &["pageNum", "pageSize"], "PageResp"),
                "/body-page": post("bodyPage", "TopDto", "PageResp"),
                "/nested-page": post("nestedPage", "OptionsDto", "PageResp"),
                "/scroll": post("scroll", "ScrollDto", "ScrollResp"),
                "/bool-page": post("boolPage", "BoolPageDto", "PageResp"),
            },
            "components": {"schemas": {
                "Item": object(json!({"id": {"type": "string"}})),
                "ItemPage": {"type": "object", "required": ["list", "totalCount"], "properties": {
                    "list": items, "totalCount": int}},
                "PageResp": envelope(schema("ItemPage")),
                "CursorResp": envelope(object(json!({"list": items, "nextStartIndex": int, "truncated": {"type": "boolean"}}))),
                "ArrayResp": envelope(items.clone()),
                "ElsewhereResp": envelope(object(json!({"totalCount": int, "data": items}))),
                "UntypedResp": envelope(object(json!({"totalCount": int, "list": {"description": "untyped"}}))),
                "ItemResp": envelope(schema("Item")),
                "PagesResp": envelope(json!({"type": "array", "items": schema("ItemPage")})),
                "ScrollResp": envelope(object(json!({"list": items, "scrollId": {"type": "string"}}))),
                "TopDto": object(json!({"page": int, "limit": int, "keywords": {"type": "string"}})),
                "PaginationDto": object(json!({"page": int, "limit": int})),
                "ListOptionsDto": object(json!({"pagination": schema("PaginationDto")})),
                "OptionsDto": object(json!({"options": schema("ListOptionsDto")})),
                "BoolPageDto": object(json!({"page": {"type": "boolean"}, "limit": int})),
                "ScrollDto": {"type": "object", "required": ["size"],
                    "properties": {"scrollId": {"type": "string"}, "size": int, "modelId": {"type": "string"}}},
            }}
        });
        let spec = parse(&document.to_string()).unwrap();
        let generated = generate(&spec, Options::default()).unwrap();

        assert_eq!(
            generated.paging_summary,
            "12 operations paginated, 3 (cursorWithoutNext, otherAnswer, pagesOfPages) of them read as JSON; \
             2 (boolPage: its body's page is a `bool`, which cannot hold a page number or size, pageNum: it takes \
             [\"pageNum\"], words of paging, in a shape codegen/src/paging.rs does not know (it takes [\"pageNum\", \
             \"pageSize\"]): teach it the shape to stream it) take paging input without a stream"
        );
        for (id, why) in [
            ("boolPage", "its body's page is a `bool`"),
            ("pageNum", "it takes [\\\"pageNum\\\"], words of paging, in a shape"),
            ("cursorWithoutNext", "has no data.nextStartIndex"),
            ("otherAnswer", "has no list in its data"),
            ("pagesOfPages", "each with a list of its own"),
        ] {
            let line = generated.paging_table.lines().find(|l| l.contains(&format!("({id:?}"))).unwrap();
            assert!(line.contains(why), "{line}");
        }
        let glue = |builder: &str| {
            let start = format!("paginated!({builder} =>");
            generated.client.lines().find(|line| line.contains(&start)).unwrap_or_else(|| panic!("{builder}"))
        };
        // The nested body is reached through its optional steps, the filters kept.
        assert!(glue("NestedPage").contains("body.options.get_or_insert_with(Default::default).pagination"));
        // An answer without a list is read as JSON.
        assert!(glue("OtherAnswer").contains("=> json, Number,"), "{}", glue("OtherAnswer"));
        assert!(glue("CursorWithoutNext").contains("=> json, Index,"));
        // Each answer's list, wherever it is, and the next cursor.
        assert!(glue("ArrayAnswer").contains("Split::numbered(data, None)"));
        assert!(glue("ListElsewhere").contains("Split::numbered(data.data, "));
        assert!(glue("UntypedList").contains("=> ::serde_json::Value,"));
        assert!(glue("UntypedList").contains("data.list.map(crate::paging::values)"), "{}", glue("UntypedList"));
        assert!(glue("Cursor").contains("Next::index(data.next_start_index, data.truncated)"));
        assert!(glue("Cursor").contains(".start_index(crate::paging::Number(*index))"));
        assert!(glue("Scroll").contains("Next::scroll(data.scroll_id)"));
        assert!(glue("Scroll").contains("body.scroll_id(id.clone())"));
        // A top-level page is set with the body builder's setters.
        assert!(glue("BodyPage").contains("body.page(crate::paging::Number(at.page_number()))"));
    }
}
