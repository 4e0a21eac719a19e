//! Generates the typed client from the committed OpenAPI document.
//!
//! `progenitor` turns `openapi/authing-management-v3.json` into the request
//! builders and types (`$OUT_DIR/generated.rs`). This script then adds, for
//! every operation and every response envelope, one line that plugs it into
//! the hand-written runtime in `src/` (envelope unwrapping, `.await` on a
//! builder). For the tests it writes the table of operations
//! (`$OUT_DIR/operations.rs`) and a call of every operation with arguments
//! valid for the document (`$OUT_DIR/contract_cases.rs`).
//!
//! A document the generator cannot take fails the build with one message that
//! names the file and the cause.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::{env, fs};

use heck::{ToPascalCase, ToSnakeCase};
use openapiv3::{OpenAPI, ReferenceOr};
use progenitor::{GenerationSettings, Generator, HooksMode, InterfaceStyle, TagStyle};

const SPEC: &str = "openapi/authing-management-v3.json";

fn main() {
    println!("cargo:rerun-if-changed={SPEC}");
    println!("cargo:rerun-if-changed=build.rs");
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    if let Err(cause) = generate(Path::new(SPEC), &out_dir) {
        eprintln!("error: {SPEC}: {cause}");
        std::process::exit(1);
    }
}

type Result<T> = std::result::Result<T, String>;

fn generate(spec_path: &Path, out_dir: &Path) -> Result<()> {
    let text = fs::read_to_string(spec_path).map_err(|e| format!("cannot read it: {e}"))?;
    let json = &mut serde_json::Deserializer::from_str(&text);
    let spec: OpenAPI = serde_path_to_error::deserialize(json)
        .map_err(|e| format!("not a valid OpenAPI 3.0 document: at {}: {}", e.path(), e.inner()))?;

    let mut settings = GenerationSettings::default();
    settings
        .with_interface(InterfaceStyle::Builder)
        .with_tag(TagStyle::Merged)
        .with_inner_type("crate::session::SharedSession".parse().expect("a valid Rust path"))
        .with_hooks(HooksMode::Expected);
    if env::var_os("CARGO_FEATURE_SCHEMARS").is_some() {
        settings.with_derive("schemars::JsonSchema");
    }
    let mut generator = Generator::new(&settings);
    let tokens =
        generator.generate_tokens(&spec).map_err(|e| format!("progenitor cannot generate a client from it: {e}"))?;

    let operations = operations(&spec)?;
    let envelopes = envelopes(&generator, &operations)?;
    let mut code = tokens.to_string();
    code.push_str(&glue(&envelopes, &operations)?);
    write(&out_dir.join("generated.rs"), &code)?;
    write(&out_dir.join("operations.rs"), &operation_table(&operations))?;
    write(&out_dir.join("contract_cases.rs"), &contract_cases(&operations))
}

fn write(path: &Path, text: &str) -> Result<()> {
    fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// How to read one generated response type as Authing's envelope: Rust
/// expressions, on `self`, for each part of it.
struct Envelope {
    /// The Rust type of its `data` field, when it has one.
    data: Option<String>,
    message: &'static str,
    api_code: &'static str,
    request_id: &'static str,
}

/// The generated response types, by name, read as envelopes.
fn envelopes(generator: &Generator, operations: &[Operation]) -> Result<BTreeMap<String, Envelope>> {
    let space = generator.get_type_space();
    let responses: std::collections::BTreeSet<_> = operations.iter().map(|op| op.response.as_str()).collect();
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

/// One operation of the document, as the generated client names it.
struct Operation {
    id: String,
    method: String,
    path: String,
    /// The method on the generated client (`list_users`).
    function: String,
    /// The builder type it returns (`ListUsers`).
    builder: String,
    /// The generated type of its `200` response (`UserPaginatedRespDto`).
    response: String,
    /// The generated type of its JSON body, when it takes one.
    body: Option<String>,
    /// Its required parameters: builder setter and a Rust literal valid for
    /// the parameter's schema, or why no such literal can be written.
    required: Vec<(String, std::result::Result<String, String>)>,
}

fn operations(spec: &OpenAPI) -> Result<Vec<Operation>> {
    spec.operations()
        .map(|(path, method, op)| {
            let id = op.operation_id.clone().ok_or_else(|| format!("{method} {path} has no operationId"))?;
            let response = match op.responses.responses.get(&openapiv3::StatusCode::Code(200)) {
                Some(ReferenceOr::Item(response)) => response
                    .content
                    .get("application/json")
                    .and_then(|media| media.schema.as_ref())
                    .and_then(schema_name),
                _ => None,
            }
            .ok_or_else(|| format!("operation {id} has no `200` JSON response naming a schema"))?;
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
                    (snake_ident(&data.name), sample_literal(&data.format))
                })
                .collect();
            Ok(Operation {
                body: body.transpose()?,
                required,
                function: snake_ident(&id),
                builder: type_name(&id),
                response,
                method: method.to_uppercase(),
                path: path.to_string(),
                id,
            })
        })
        .collect()
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
fn sample_literal(schema: &openapiv3::ParameterSchemaOrContent) -> std::result::Result<String, String> {
    use openapiv3::{SchemaKind, Type};
    let openapiv3::ParameterSchemaOrContent::Schema(ReferenceOr::Item(schema)) = schema else {
        return Err("the parameter's schema is not inline".into());
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

/// The Rust name progenitor gives to an operation or a parameter: snake case,
/// with `_` after a keyword (`type` -> `type_`).
fn snake_ident(name: &str) -> String {
    const KEYWORDS: &[&str] = &[
        "as", "async", "await", "box", "break", "const", "continue", "crate", "do", "dyn", "else", "enum", "extern",
        "false", "final", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "macro", "match", "mod", "move",
        "mut", "override", "priv", "pub", "ref", "return", "self", "static", "struct", "super", "trait", "true", "try",
        "type", "typeof", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
    ];
    let snake = name.replace(|c: char| !(c.is_alphanumeric() || c == '_'), "-").to_snake_case();
    if KEYWORDS.contains(&snake.as_str()) { format!("{snake}_") } else { snake }
}

/// The Rust name progenitor and typify give to a schema or operation name.
fn type_name(name: &str) -> String {
    name.replace(|c: char| !(c.is_alphanumeric() || c == '_'), "-").to_pascal_case()
}

/// The code that plugs the generated code into the hand-written runtime.
fn glue(envelopes: &BTreeMap<String, Envelope>, operations: &[Operation]) -> Result<String> {
    let mut out = String::from("\n// Added by build.rs: envelopes and awaitable builders.\n");
    for (name, envelope) in envelopes {
        let Envelope { data, message, api_code, request_id } = envelope;
        let (data_type, data) = match data {
            Some(ty) => (ty.as_str(), "self.data"),
            None => ("Self", "self"),
        };
        writeln!(
            out,
            "impl crate::envelope::Envelope for types::{name} {{ type Data = {data_type}; \
             fn into_data(self) -> crate::Result<Self::Data> {{ \
             if self.status_code == crate::envelope::SUCCESS {{ Ok({data}) }} else {{ \
             Err(crate::envelope::failure(self.status_code, {message}, {api_code}, {request_id})) }} }} }}"
        )
        .expect("writing to a String");
    }
    for op in operations {
        if !envelopes.contains_key(&op.response) {
            return Err(format!("operation {} answers `{}`, which is not a generated type", op.id, op.response));
        }
        writeln!(out, "crate::operation::awaitable!({} => types::{});", op.builder, op.response)
            .expect("writing to a String");
    }
    Ok(out)
}

/// `CASES`: a call of every operation with its required parameters and body
/// filled with values valid for their schemas, for the contract tests.
///
/// The including file provides `Case`, `Call` and `body::<T>(operation_id)`,
/// which samples the body from the document at run time.
fn contract_cases(operations: &[Operation]) -> String {
    let mut out = String::from("/// A call of every operation of the document.\npub const CASES: &[Case] = &[\n");
    for op in operations {
        let mut call = format!("client.{}()", op.function);
        let mut cannot = None;
        for (setter, literal) in &op.required {
            match literal {
                Ok(literal) => write!(call, ".{setter}({literal})").expect("writing to a String"),
                Err(why) => cannot = Some(format!("{setter}: {why}")),
            }
        }
        if let Some(body) = &op.body {
            write!(call, ".body(body::<types::{body}>({:?}))", op.id).expect("writing to a String");
        }
        match cannot {
            None => writeln!(
                out,
                "    Case {{ operation_id: {:?}, call: Some(|client| Box::pin(async move {{ {call}.await.map(drop) }})) }},",
                op.id
            ),
            Some(why) => writeln!(
                out,
                "    Case {{ operation_id: {:?}, call: None }}, // cannot fill {why}",
                op.id
            ),
        }
        .expect("writing to a String");
    }
    out.push_str("];\n");
    out
}

/// `OPERATIONS`: every operation with a function that calls its generated method.
fn operation_table(operations: &[Operation]) -> String {
    let mut out = String::from(
        "/// Every operation of the document, as generated.\n\
         pub const OPERATIONS: &[GeneratedOperation] = &[\n",
    );
    for op in operations {
        writeln!(
            out,
            "    GeneratedOperation {{ operation_id: {:?}, method: {:?}, path: {:?}, function: {:?}, \
             builder: |client| std::any::type_name_of_val(&client.{}()) }},",
            op.id, op.method, op.path, op.function, op.function
        )
        .expect("writing to a String");
    }
    out.push_str("];\n");
    out
}
