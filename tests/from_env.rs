//! `ManagementClient::from_env`. Its own test binary with one test: it sets
//! process environment variables, which no other test may see change.

use authing::{Error, ManagementClient};

#[test]
fn from_env_reads_the_keys_and_the_host_and_names_a_missing_variable() {
    // SAFETY: the only test of this binary, so no other thread reads the environment meanwhile.
    unsafe {
        std::env::remove_var("AUTHING_ACCESS_KEY_ID");
        std::env::set_var("AUTHING_ACCESS_KEY_SECRET", "secret");
        std::env::set_var("AUTHING_HOST", "https://authing.example.com/");
    }
    match ManagementClient::from_env() {
        Err(Error::Config(why)) => assert_eq!(why, "AUTHING_ACCESS_KEY_ID is not set"),
        other => panic!("expected Error::Config, got {other:?}"),
    }

    // SAFETY: as above.
    unsafe { std::env::set_var("AUTHING_ACCESS_KEY_ID", "key-id") };
    let client = ManagementClient::from_env().unwrap();
    assert_eq!(client.host(), "https://authing.example.com");

    // SAFETY: as above.
    unsafe { std::env::set_var("AUTHING_LANG", "fr-FR") };
    match ManagementClient::from_env() {
        Err(Error::Config(why)) => assert_eq!(why, "AUTHING_LANG is \"fr-FR\": expected zh-CN or en-US"),
        other => panic!("expected Error::Config, got {other:?}"),
    }
    // SAFETY: as above.
    unsafe { std::env::set_var("AUTHING_LANG", "en-US") };
    assert!(ManagementClient::from_env().is_ok());
}
