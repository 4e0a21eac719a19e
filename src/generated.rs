//! The code `build.rs` generates from `openapi/authing-management-v3.json`:
//! the [`Client`] with one method per operation, a request builder per
//! operation in [`builder`], and every schema as a type in [`types`].

#![allow(
    clippy::all,
    clippy::pedantic,
    dead_code,
    missing_docs,
    non_camel_case_types,
    rustdoc::all,
    unused_imports,
    unused_mut
)]

include!(concat!(env!("OUT_DIR"), "/generated.rs"));
