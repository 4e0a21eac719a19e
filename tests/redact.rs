//! No secret in `Debug`: every generated type with a field that
//! `authing-codegen`'s rule finds holds a secret shows `<redacted>` for it,
//! in the type and its builder, and serializes it unchanged.

#![cfg(feature = "mock")]

use authing::mock::sample;
use authing::types;
use serde_json::{Map, Value, json};

include!(concat!(env!("OUT_DIR"), "/redacted.rs"));

#[test]
fn no_debug_of_a_type_with_a_secret_field_shows_it_and_its_json_keeps_it() {
    assert!(REDACTED.len() > 20, "the rule finds the document's secrets: {}", REDACTED.len());
    for (name, secrets, make) in REDACTED {
        let fields: Map<String, Value> =
            secrets.iter().map(|wire| (wire.to_string(), Value::from(format!("SECRET-{wire}-VALUE")))).collect();
        let (debug, builder, json) = make(Value::Object(fields));
        for shown in [&debug, &builder] {
            assert!(!shown.contains("SECRET-"), "{name}'s Debug shows a secret: {shown}");
            assert!(shown.contains("<redacted>"), "{name}: {shown}");
        }
        for wire in *secrets {
            assert_eq!(json[wire], format!("SECRET-{wire}-VALUE"), "{name}.{wire} is serialized unchanged");
        }
    }
}

#[test]
fn a_users_identities_print_without_their_tokens() {
    let user: types::UserDto = sample(json!({"userId": "u1", "email": "ann@example.com", "identities": [
        {"identityId": "i1", "provider": "github", "accessToken": "gho_abc123", "refreshToken": "ghr_def456"}]}));

    let shown = format!("{user:?} {user:#?}");

    assert!(!shown.contains("gho_abc123") && !shown.contains("ghr_def456"), "{shown}");
    assert!(shown.contains("ann@example.com") && shown.contains("Github"), "the rest shows: {shown}");
    assert_eq!(user.identities[0].access_token.as_deref(), Some("gho_abc123"), "the field keeps its value");
}

#[test]
fn a_request_with_a_password_prints_without_it() {
    let client = authing::ManagementClient::builder()
        .access_key_id("id")
        .access_key_secret("secret")
        .build()
        .expect("a valid configuration");
    let request = client.create_user().body_map(|body| body.email("ann@example.com").password("hunter2"));

    let shown = format!("{request:?}");

    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(shown.contains("ann@example.com"), "{shown}");
}

#[test]
fn the_readme_lists_every_secret_field() {
    let readme = include_str!("../README.md");
    let section = readme.split("### Secrets in `Debug`").nth(1).and_then(|rest| rest.split("\n### ").next()).unwrap();
    for (name, secrets, _) in REDACTED {
        for wire in *secrets {
            assert!(section.contains(&format!("`{wire}`")), "README's \"Secrets in `Debug`\" omits {wire} ({name})");
        }
    }
    assert!(section.contains(&format!("Today that is {} types", REDACTED.len())), "the count of types");
}
