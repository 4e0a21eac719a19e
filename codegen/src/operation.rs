//! The operations of the document, as the generated client names them.

use openapiv3::{OpenAPI, ReferenceOr};

use crate::names::{method_name, type_name};

/// One operation of the document.
pub(crate) struct Operation {
    pub id: String,
    pub method: String,
    pub path: String,
    /// The method on the generated client (`list_users`).
    pub function: String,
    /// The builder type it returns (`ListUsers`).
    pub builder: String,
    /// The generated type of its success response (`UserPaginatedRespDto`).
    pub response: String,
    /// Whether it is a `POST` that only reads, so that it may be sent again (see `effect`).
    pub post_that_reads: bool,
    /// The generated type of its JSON body, when it takes one.
    pub body: Option<String>,
    /// The document's one-line summary (in Chinese, as Authing writes it).
    pub summary: String,
    /// Its path parameters, by their builder's setter (`id`).
    pub path_parameters: std::collections::BTreeSet<String>,
    /// The names of its query parameters, as the document spells them.
    pub query: std::collections::BTreeSet<String>,
    /// Its required parameters: builder setter and a Rust literal valid for
    /// the parameter's schema, or why no such literal can be written.
    pub required: Vec<(String, Result<String, String>)>,
}

/// Every operation of `spec`, or what keeps one from being generated.
pub(crate) fn operations(spec: &OpenAPI) -> Result<Vec<Operation>, String> {
    spec.operations()
        .map(|(path, method, op)| {
            let id = op.operation_id.clone().ok_or_else(|| format!("{method} {path} has no operationId"))?;
            let response = success_schema(op)
                .ok_or_else(|| format!("operation {id} has no success (2xx) JSON response naming a schema"))?;
            // The runtime hands its own failures to a call as an answer no
            // operation documents; one documented for failures would be decoded instead.
            let failure_answer = op.responses.default.is_some()
                || op
                    .responses
                    .responses
                    .keys()
                    .any(|status| !matches!(status, openapiv3::StatusCode::Code(200..=299)));
            if failure_answer {
                return Err(format!(
                    "operation {id} documents an answer other than a success (2xx): the runtime's failures would be \
                     decoded as it; drop it with a normalization, as Authing's failures come in its envelope"
                ));
            }
            let body = op.request_body.as_ref().map(|body| match body {
                ReferenceOr::Item(body) => body
                    .content
                    .get("application/json")
                    .and_then(|media| media.schema.as_ref())
                    .and_then(schema_name)
                    .ok_or_else(|| format!("operation {id} takes a body that is not a JSON schema reference")),
                ReferenceOr::Reference { .. } => Err(format!("operation {id} refers to a shared request body")),
            });
            let required = op
                .parameters
                .iter()
                .filter_map(|parameter| match parameter {
                    ReferenceOr::Item(parameter) if parameter.parameter_data_ref().required => Some(parameter),
                    _ => None,
                })
                .map(|parameter| {
                    let data = parameter.parameter_data_ref();
                    (method_name(&data.name), sample_literal(spec, &data.format))
                })
                .collect();
            let query = op
                .parameters
                .iter()
                .filter_map(|parameter| match parameter {
                    ReferenceOr::Item(openapiv3::Parameter::Query { parameter_data, .. }) => {
                        Some(parameter_data.name.clone())
                    }
                    _ => None,
                })
                .collect();
            let path_parameters = op
                .parameters
                .iter()
                .filter_map(|parameter| match parameter {
                    ReferenceOr::Item(openapiv3::Parameter::Path { parameter_data, .. }) => {
                        Some(method_name(&parameter_data.name))
                    }
                    _ => None,
                })
                .collect();
            Ok(Operation {
                path_parameters,
                post_that_reads: crate::effect::post_that_reads(&method.to_uppercase(), &id, path),
                body: body.transpose()?,
                query,
                required,
                function: method_name(&id),
                builder: type_name(&id),
                response,
                method: method.to_uppercase(),
                path: path.to_string(),
                summary: op.summary.clone().unwrap_or_default(),
                id,
            })
        })
        .collect()
}

/// The generated type of the operation's first success response, as progenitor
/// types the call's answer.
fn success_schema(op: &openapiv3::Operation) -> Option<String> {
    op.responses.responses.iter().find_map(|(status, response)| match (status, response) {
        (openapiv3::StatusCode::Code(200..=299), ReferenceOr::Item(response)) => {
            response.content.get("application/json").and_then(|media| media.schema.as_ref()).and_then(schema_name)
        }
        _ => None,
    })
}

/// The generated type of a `$ref` schema.
fn schema_name(schema: &ReferenceOr<openapiv3::Schema>) -> Option<String> {
    match schema {
        ReferenceOr::Reference { reference } => reference.rsplit('/').next().map(type_name),
        ReferenceOr::Item(_) => None,
    }
}

/// A Rust literal that a builder setter takes for a parameter of this schema,
/// valid for it: the first value of an enum, a plain value otherwise.
fn sample_literal(spec: &OpenAPI, schema: &openapiv3::ParameterSchemaOrContent) -> Result<String, String> {
    use openapiv3::{SchemaKind, Type};
    let openapiv3::ParameterSchemaOrContent::Schema(schema) = schema else {
        return Err("the parameter has no schema".into());
    };
    let schema = match schema {
        ReferenceOr::Item(schema) => schema,
        // A schema of the components (a shared enum): what it says.
        ReferenceOr::Reference { reference } => reference
            .strip_prefix("#/components/schemas/")
            .and_then(|name| spec.components.as_ref()?.schemas.get(name))
            .and_then(|schema| schema.as_item())
            .ok_or_else(|| format!("the parameter's schema {reference} is not a schema of the document"))?,
    };
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(string)) => match string.enumeration.iter().flatten().next() {
            Some(first) => Ok(format!("{first:?}")),
            None => Ok("\"example\"".into()),
        },
        SchemaKind::Type(Type::Integer(_)) => Ok("1".into()),
        SchemaKind::Type(Type::Number(_)) => Ok("1.0".into()),
        SchemaKind::Type(Type::Boolean(_)) => Ok("true".into()),
        SchemaKind::Type(Type::Array(array)) => match &array.items {
            Some(ReferenceOr::Item(item)) if matches!(&item.schema_kind, SchemaKind::Type(Type::String(s)) if s.enumeration.is_empty()) => {
                Ok("vec![\"example\".to_string()]".into())
            }
            _ => Err("a list parameter of other than plain strings".into()),
        },
        _ => Err("a parameter of a composite schema".into()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn an_operation_documenting_a_failure_answer_is_refused_by_name() {
        let envelope = json!({"type": "object", "properties": {"statusCode": {"type": "integer"}}});
        let answer =
            |schema: &str| json!({"description": "", "content": {"application/json": {"schema": {"$ref": schema}}}});
        let spec = json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
            "paths": {"/api/v3/get-thing": {"get": {"operationId": "getThing", "responses": {
                "200": answer("#/components/schemas/Envelope"), "404": answer("#/components/schemas/Envelope")}}}},
            "components": {"schemas": {"Envelope": envelope}}});
        let spec = crate::parse(&spec.to_string()).unwrap();
        let error = super::operations(&spec).err().expect("refused");
        assert!(error.contains("getThing") && error.contains("other than a success"), "{error}");
    }
}
