//! Configuration: what is refused at build time, and what is never shown.

use authing::{Error, ManagementClient};

fn builder() -> authing::ManagementClientBuilder {
    ManagementClient::builder().access_key_id("key-id").access_key_secret("key-secret")
}

fn config_error(result: authing::Result<ManagementClient>) -> String {
    match result {
        Err(Error::Config(why)) => why,
        Err(other) => panic!("expected Error::Config, got {other:?}"),
        Ok(client) => panic!("expected Error::Config, got {client:?}"),
    }
}

#[test]
fn an_empty_access_key_id_is_refused() {
    let why = config_error(ManagementClient::builder().access_key_secret("s").build());
    assert_eq!(why, "access_key_id is empty");
}

#[test]
fn an_empty_access_key_secret_is_refused() {
    let why = config_error(builder().access_key_secret("  ").build());
    assert_eq!(why, "access_key_secret is empty");
}

#[test]
fn a_host_that_is_not_a_url_is_refused() {
    let why = config_error(builder().host("not a url").build());
    assert!(why.starts_with(r#"host "not a url" is not a valid URL"#), "{why}");
}

#[test]
fn a_host_with_another_scheme_is_refused() {
    let why = config_error(builder().host("ftp://authing.example.com").build());
    assert!(why.contains("not http or https"), "{why}");
}

#[test]
fn a_zero_timeout_is_refused() {
    let why = config_error(builder().timeout(std::time::Duration::ZERO).build());
    assert!(why.contains("timeout"), "{why}");
}

#[test]
fn the_default_host_is_authing_cloud() {
    assert_eq!(builder().build().unwrap().host(), "https://api.authing.cn");
}

#[test]
fn a_trailing_slash_on_the_host_is_ignored() {
    let client = builder().host("https://authing.example.com/").build().unwrap();
    assert_eq!(client.host(), "https://authing.example.com");
}

#[test]
fn the_secret_never_appears_in_debug_output() {
    let builder = builder();
    let client = builder.clone().build().unwrap();
    for text in [format!("{builder:?}"), format!("{client:?}")] {
        assert!(!text.contains("key-secret"), "{text}");
    }
}

#[test]
fn lang_parses_its_header_values() {
    assert_eq!("en-US".parse::<authing::Lang>().unwrap(), authing::Lang::EnUs);
    assert_eq!("zh-cn".parse::<authing::Lang>().unwrap(), authing::Lang::ZhCn);
    assert!("fr-FR".parse::<authing::Lang>().is_err());
}

#[test]
fn limits_of_zero_are_refused() {
    let why = config_error(builder().max_in_flight(0).build());
    assert!(why.contains("max_in_flight"), "{why}");
    let why = config_error(builder().max_response_bytes(0).build());
    assert!(why.contains("max_response_bytes"), "{why}");
}
