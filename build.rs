//! Generates the typed client from the committed OpenAPI document.
//!
//! `authing-codegen` (shared with `cargo xtask regen`, which refuses a
//! document it cannot take) turns `openapi/authing-management-v3.json` into
//! the client (`$OUT_DIR/generated.rs`) and, for the tests, the table of
//! operations (`operations.rs`), what pages (`paging.rs`), the types whose secrets `Debug` hides (`redacted.rs`), the operations by area for the docs (`operations.md`) and a call of every operation with arguments
//! valid for the document (`contract_cases.rs`).
//!
//! Only the operations of the areas whose features are enabled (`users`,
//! `roles`, ..., all of them with `full`, the default) are generated, with
//! the types they reach.
//!
//! A document the generator cannot take fails the build with one message that
//! names the file, the place and the cause.

use std::path::{Path, PathBuf};
use std::{env, fs};

const SPEC: &str = "openapi/authing-management-v3.json";

fn main() {
    println!("cargo:rerun-if-changed={SPEC}");
    println!("cargo:rerun-if-changed=build.rs");
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let feature =
        |name: &str| env::var_os(format!("CARGO_FEATURE_{}", name.to_uppercase().replace('-', "_"))).is_some();
    let options = authing_codegen::Options {
        schemars: feature("schemars"),
        mock: feature("mock"),
        // Only the operations of the areas enabled, and the types they reach.
        areas: authing_codegen::Areas::enabled(feature),
    };
    // Both choices `default-features = false` leaves to the user, named in one error.
    let no_crypto = !feature("aws-lc-rs") && !feature("ring");
    if options.areas.is_empty() || no_crypto {
        let mut missing = Vec::new();
        if options.areas.is_empty() {
            missing.push(format!(
                "the areas whose operations you call, or `full` (the areas are {})",
                authing_codegen::features().join(", ")
            ));
        }
        if no_crypto {
            missing.push("rustls's cryptography, `ring` or `aws-lc-rs`".to_string());
        }
        println!(
            "cargo::error=with `default-features = false`, authing's features must name {}: for example \
             `features = [\"users\", \"roles\", \"ring\"]`",
            missing.join(", and ")
        );
        return;
    }
    if let Err(cause) = generate(Path::new(SPEC), &out_dir, options) {
        eprintln!("error: {SPEC}: {cause}");
        std::process::exit(1);
    }
}

fn generate(spec_path: &Path, out_dir: &Path, options: authing_codegen::Options) -> Result<(), String> {
    let text = fs::read_to_string(spec_path).map_err(|e| format!("cannot read it: {e}"))?;
    let spec = authing_codegen::parse(&text)?;
    let generated = authing_codegen::generate(&spec, options)?;
    write(&out_dir.join("generated.rs"), &generated.client)?;
    write(&out_dir.join("operations.rs"), &generated.operation_table)?;
    write(&out_dir.join("paging.rs"), &generated.paging_table)?;
    write(&out_dir.join("redacted.rs"), &generated.redacted_table)?;
    write(&out_dir.join("operations.md"), &generated.operations_page)?;
    write(&out_dir.join("contract_cases.rs"), &generated.contract_cases)
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}
