//! What the `authing` crate generates from the Management API document, in
//! one place for its two users: the crate's `build.rs`, which writes the
//! client, and `cargo xtask regen`, which refuses a document this cannot take
//! before writing anything.
//!
//! [`generate`] runs progenitor with the crate's settings, then adds, for
//! every operation and every response envelope, one line that plugs it into
//! the hand-written runtime (envelope unwrapping, `.await` on a builder), and
//! writes the tables the tests read. When progenitor refuses the document,
//! the error names the schema or the operation at fault.

mod areas;
mod builders;
mod effect;
mod emit;
mod envelope;
mod inline;
mod lenient;
mod locate;
mod mock;
mod names;
mod operation;
mod paging;
mod redact;
mod setters;
mod surface;
mod syntax;

use std::collections::BTreeSet;

use openapiv3::OpenAPI;
use progenitor::{GenerationSettings, Generator, HooksMode, InterfaceStyle, TagStyle};

pub use areas::{Area, Areas, features};
pub use names::{method_name, type_name};
use operation::operations;
pub use surface::{Change, Impact, Surface};

/// The files generated from one document.
#[derive(Debug)]
pub struct Generated {
    /// The client: progenitor's code and the glue to the runtime (`generated.rs`).
    pub client: String,
    /// `OPERATIONS`, every operation with its method (`operations.rs`).
    pub operation_table: String,
    /// `CASES`, a call of every operation, and a walk of every one that pages, for the contract tests (`contract_cases.rs`).
    pub contract_cases: String,
    /// `PAGINATED`, `AS_JSON` and `NOT_STREAMED`: what paging was found (`paging.rs`).
    pub paging_table: String,
    /// The operations by area, as Markdown: the documentation of `authing::operations` (`operations.md`).
    pub operations_page: String,
    /// `REDACTED`: the types with secret fields, for the tests (`redacted.rs`).
    pub redacted_table: String,
    /// What paging was found, in one line.
    pub paging_summary: String,
    /// The generated API as users' code meets it (`openapi/SURFACE.txt`).
    pub surface: Surface,
}

/// Options of the generation that cargo features decide.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Derive `schemars::JsonSchema` on every generated type.
    pub schemars: bool,
    /// Write what the `mock` feature needs (see `mock.rs`).
    pub mock: bool,
    /// The areas whose operations are generated (see `areas.rs`), with the
    /// types they reach; every one by default.
    pub areas: Areas,
}

impl Default for Options {
    fn default() -> Self {
        Options { schemars: false, mock: false, areas: Areas::ALL }
    }
}

/// A document, as JSON text, that progenitor can take.
pub fn parse(text: &str) -> Result<OpenAPI, String> {
    let json = &mut serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(json)
        .map_err(|e| format!("not a valid OpenAPI 3.0 document: at {}: {}", e.path(), e.inner()))
}

/// Generates the client and the test tables from `spec`.
///
/// A document the generator cannot take is an error that names the schema or
/// operation at fault (found by generating parts of the document again, so a
/// failure costs a few more seconds than a success).
pub fn generate(spec: &OpenAPI, options: Options) -> Result<Generated, String> {
    // Every operation's method, before the document is cut to the areas enabled.
    let every_function = match options.areas.is_all() {
        true => Vec::new(),
        false => operations(spec)?.into_iter().map(|op| op.function).collect(),
    };
    let selected;
    let spec = match options.areas.is_all() {
        true => spec,
        false => {
            selected = areas::select(spec, options.areas)?;
            &selected
        }
    };
    let operations = operations(spec)?;
    let mut generator = Generator::new(&settings(options));
    let tokens = match generator.generate_tokens(spec) {
        Ok(tokens) => tokens,
        Err(error) => {
            let place = locate::failure(spec, options).map(|p| format!(" ({p})")).unwrap_or_default();
            return Err(format!("progenitor cannot generate a client from it{place}: {error}"));
        }
    };
    let envelopes = envelope::read(&generator, &operations)?;
    let paging = paging::find(generator.get_type_space(), &operations);
    let responses = operations.iter().map(|op| op.response.as_str()).collect();
    // Laid out in lines: the compiler and rustdoc find a column by scanning its
    // line from the start, so one 6 MB line made every lookup cost the whole file.
    let mut file = lenient::rewrite(tokens, &responses, &string_enums(spec)?)?;
    let body_required = setters::rewrite(&mut file)?;
    let secrets = redact::rewrite(&mut file)?;
    let calls = builders::call_docs(&operations, &envelopes, &paging, &body_required)?;
    builders::rewrite(&mut file, &calls)?;
    let surface = Surface::read(&file, &operations, &envelopes, &paging, &body_required)?;
    if options.mock {
        mock::rewrite(&mut file, &operations)?;
    }
    inline::rewrite(&mut file);
    let mut client = prettyplease::unparse(&file);
    client.push_str(&emit::glue(&envelopes, &operations)?);
    client.push_str(&emit::paging_glue(&operations, &paging));
    client.push_str(&emit::areas_off(&every_function, options.areas));
    if options.mock {
        client.push_str(&mock::routes(&operations));
    }
    Ok(Generated {
        client,
        operation_table: emit::operation_table(&operations),
        contract_cases: emit::contract_cases(&operations, &paging),
        paging_table: emit::paging_table(&paging),
        redacted_table: redact::table(&secrets),
        operations_page: areas::page(&operations, &envelopes, &paging)?,
        paging_summary: paging.summary(),
        surface,
    })
}

/// The document the crate is generated from, for the tests that generate from it.
#[cfg(test)]
pub(crate) fn committed_document() -> OpenAPI {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi/authing-management-v3.json");
    parse(&std::fs::read_to_string(path).expect("the committed document")).expect("a document codegen takes")
}

/// The values of every string enum in `spec`, each enum as a set.
fn string_enums(spec: &OpenAPI) -> Result<BTreeSet<BTreeSet<String>>, String> {
    fn walk(value: &serde_json::Value, out: &mut BTreeSet<BTreeSet<String>>) {
        match value {
            serde_json::Value::Object(map) => {
                if let Some(serde_json::Value::Array(values)) = map.get("enum") {
                    out.insert(values.iter().filter_map(|v| v.as_str().map(str::to_string)).collect());
                }
                map.values().for_each(|v| walk(v, out));
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = BTreeSet::new();
    walk(&serde_json::to_value(spec).map_err(|e| format!("cannot read the document's enums: {e}"))?, &mut out);
    Ok(out)
}

/// The crate's progenitor settings.
fn settings(options: Options) -> GenerationSettings {
    let mut settings = GenerationSettings::default();
    settings
        .with_interface(InterfaceStyle::Builder)
        .with_tag(TagStyle::Merged)
        .with_inner_type("crate::session::SharedSession".parse().expect("a valid Rust path"))
        // The hooks' calls are cut out of each builder with its `send()`
        // (`builders.rs`); `Expected` keeps progenitor from writing impls of them.
        .with_hooks(HooksMode::Expected);
    if options.schemars {
        settings.with_derive("schemars::JsonSchema");
    }
    settings
}

/// Whether progenitor takes `spec`, without the crate's own checks.
fn progenitor_takes(spec: &OpenAPI, options: Options) -> bool {
    Generator::new(&settings(options)).generate_tokens(spec).is_ok()
}

/// The generator's crates and the versions that go together: progenitor's
/// three move as one, and typify is the one progenitor-impl generates with,
/// whose type space `envelope.rs` and `paging.rs` read. progenitor and
/// typify are pinned exactly in `codegen/Cargo.toml`; the crate asks for
/// progenitor-client by a range (`Cargo.toml`), as the code generated uses
/// only its public items, and `Cargo.lock` holds it at the version here. An
/// upgrade changes all of them and this table, and the test below says
/// which one drifted.
pub const GENERATOR_VERSIONS: &[(&str, &str)] =
    &[("progenitor", "0.15.1"), ("progenitor-impl", "0.15.1"), ("progenitor-client", "0.15.1"), ("typify", "0.8.0")];

#[cfg(test)]
mod generator_versions {
    use super::GENERATOR_VERSIONS;

    #[test]
    fn the_generators_crates_move_together() {
        let lock = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.lock")).unwrap();
        let packages: Vec<(&str, &str)> = lock
            .split("[[package]]")
            .filter_map(|package| {
                let field = |key: &str| {
                    let line = package.lines().find(|line| line.starts_with(&format!("{key} = ")))?;
                    line.split('"').nth(1)
                };
                Some((field("name")?, field("version")?))
            })
            .collect();
        for (name, version) in GENERATOR_VERSIONS {
            let locked: Vec<&str> = packages.iter().filter(|(n, _)| n == name).map(|(_, v)| *v).collect();
            assert_eq!(
                locked,
                [*version],
                "Cargo.lock has {name} {locked:?}, but the generator's crates go together at {GENERATOR_VERSIONS:?}: \
                 upgrade progenitor and typify (codegen/Cargo.toml) and progenitor-client (Cargo.toml) together, \
                 then GENERATOR_VERSIONS"
            );
        }
    }
}
