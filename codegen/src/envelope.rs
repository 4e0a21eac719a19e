//! The generated response types read as Authing's envelope
//! `{statusCode, message, apiCode, requestId, data}`.

use std::collections::{BTreeMap, BTreeSet};

use progenitor::Generator;

use crate::operation::Operation;

/// How to read one generated response type as the envelope: Rust
/// expressions, on `self`, for each part of it.
pub(crate) struct Envelope {
    /// The Rust type of its `data` field, when it has one.
    pub data: Option<String>,
    pub message: &'static str,
    pub api_code: &'static str,
    pub request_id: &'static str,
}

/// The response types of `operations`, by name, read as envelopes.
pub(crate) fn read(generator: &Generator, operations: &[Operation]) -> Result<BTreeMap<String, Envelope>, String> {
    let space = generator.get_type_space();
    let responses: BTreeSet<_> = operations.iter().map(|op| op.response.as_str()).collect();
    let mut out = BTreeMap::new();
    for ty in space.iter_types() {
        let name = ty.name();
        if !responses.contains(name.as_str()) {
            continue;
        }
        let typify::TypeDetails::Struct(details) = ty.details() else {
            return Err(format!("response type {name} is not an object"));
        };
        let fields: BTreeMap<_, _> = details.properties_info().map(|p| (p.name, p)).collect();
        // (expression when required, when optional, when absent)
        let read = |field: &str, [required, optional, absent]: [&'static str; 3]| match fields.get(field) {
            Some(p) if p.required => required,
            Some(_) => optional,
            None => absent,
        };
        if !fields.get("status_code").is_some_and(|p| p.required) {
            return Err(format!("response type {name} has no required `statusCode`, so success cannot be told"));
        }
        let message = read("message", ["self.message", "self.message.unwrap_or_default()", "String::new()"]);
        let api_code = read("api_code", ["Some(self.api_code)", "self.api_code", "None"]);
        let request_id = read("request_id", ["Some(self.request_id)", "self.request_id", "None"]);
        let data = fields
            .get("data")
            .map(|p| space.get_type(&p.type_id).expect("typify knows its own field types").ident().to_string());
        out.insert(name, Envelope { data, message, api_code, request_id });
    }
    Ok(out)
}
