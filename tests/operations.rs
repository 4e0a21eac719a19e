//! Every operation of the committed document has a generated method.

use std::collections::BTreeSet;

/// One operation as generated (`build.rs` writes the table).
pub struct GeneratedOperation {
    operation_id: &'static str,
    method: &'static str,
    path: &'static str,
    function: &'static str,
    /// Whether it is a `POST` that only reads, sent again after a passing failure as a `GET` is.
    post_that_reads: bool,
    /// Calls the method; naming it here is what proves it exists.
    builder: fn(&authing::ManagementClient) -> &'static str,
}

include!(concat!(env!("OUT_DIR"), "/operations.rs"));

fn document_operations() -> BTreeSet<(String, String, String)> {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/authing-management-v3.json")).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            out.insert((op["operationId"].as_str().unwrap().to_string(), method.to_uppercase(), path.clone()));
        }
    }
    out
}

#[test]
fn every_operation_of_the_document_has_a_method() {
    let generated: BTreeSet<_> =
        OPERATIONS.iter().map(|op| (op.operation_id.to_string(), op.method.to_string(), op.path.to_string())).collect();
    let documented = document_operations();
    // How many there are, and their names, are in `openapi/SURFACE.txt`, which regen's check compares.
    assert_eq!(generated, documented);
}

#[test]
fn every_method_returns_the_builder_named_after_its_operation() {
    let client = authing::ManagementClient::builder().access_key_id("k").access_key_secret("s").build().unwrap();
    for op in OPERATIONS {
        // `listUsers` -> `builder::ListUsers`, as the generator spells both (`listSAMLConnections` -> `list_saml_connections`).
        let builder = (op.builder)(&client).trim_end_matches("<'_>");
        let builder = builder.rsplit("::").next().unwrap();
        assert_eq!(builder.to_lowercase(), op.function.replace('_', ""), "{}", op.operation_id);
    }
    let functions: BTreeSet<_> = OPERATIONS.iter().map(|op| op.function).collect();
    assert!(functions.contains("list_users") && functions.contains("create_role") && functions.contains("get_user"));
}

#[test]
fn the_readme_lists_the_posts_that_are_sent_again_as_reads() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme.find("<!-- read-only posts").expect("the list's opening marker");
    let end = readme.find("<!-- end of read-only posts -->").expect("the list's closing marker");
    let listed: BTreeSet<&str> = readme[start..end]
        .lines()
        .skip(1)
        .flat_map(|line| line.split(", "))
        .map(|name| name.trim_matches('`'))
        .collect();
    let generated: BTreeSet<&str> =
        OPERATIONS.iter().filter(|op| op.post_that_reads).map(|op| op.operation_id).collect();
    assert_eq!(listed, generated, "README's list of read-only POSTs is not what authing-codegen decided");
}
