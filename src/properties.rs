//! Property tests: whatever bytes or JSON an answer holds, reading it never
//! panics; it gives data or an error. A bounded run (256 cases each) in the
//! test command.

use std::time::Duration;

use bytes::Bytes;
use proptest::prelude::*;
use serde_json::{Value, json};

use crate::envelope::{Envelope, Mismatch, classify, untyped_data};
use crate::types;

/// Any JSON value, nested a few levels.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,12}".prop_map(Value::String),
        prop_oneof![Just("Activated"), Just("U"), Just("2022-01-01T00:00:00Z"), Just("")]
            .prop_map(|s| Value::String(s.into())),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("[a-zA-Z]{1,10}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A user as Authing answers it, with the fields a decoder looks at.
fn user() -> Value {
    json!({
        "userId": "u1", "createdAt": "2022-01-01T00:00:00Z", "updatedAt": "2022-01-01T00:00:00Z",
        "status": "Activated", "workStatus": "Active", "gender": "U", "emailVerified": false,
        "phoneVerified": false, "userSourceType": "adminCreated", "username": "alice",
        "identities": [], "customData": {}, "tenantIds": []
    })
}

/// An answer close to a real one: an envelope around users, with one part
/// replaced by arbitrary JSON. Most such answers fail in a new place.
fn mutated_answer() -> impl Strategy<Value = Value> {
    let valid = json!({"statusCode": 200, "message": "", "apiCode": 0, "requestId": "r",
                       "data": {"totalCount": 2, "list": [user(), user()]}});
    let paths: Vec<&'static str> = vec![
        "/statusCode",
        "/message",
        "/apiCode",
        "/data",
        "/data/totalCount",
        "/data/list",
        "/data/list/0",
        "/data/list/0/status",
        "/data/list/0/gender",
        "/data/list/0/identities",
        "/data/list/1/createdAt",
        "/data/list/1/customData",
        "/data/list/1/userId",
    ];
    (prop::sample::select(paths), any_json()).prop_map(move |(path, replacement)| {
        let mut answer = valid.clone();
        if let Some(slot) = answer.pointer_mut(path) {
            *slot = replacement;
        }
        answer
    })
}

/// Everything the runtime does with an answer, for one typed envelope `E`.
fn read_every_way<E: Envelope + serde::de::DeserializeOwned>(http_status: u16, body: &[u8]) {
    let body = Bytes::copy_from_slice(body);
    let _ = untyped_data("op", http_status, body.clone());
    match serde_json::from_slice::<E>(&body) {
        Ok(envelope) => {
            let _ = envelope.into_data();
        }
        Err(error) => {
            let mismatch = Mismatch::find::<E>(&body).unwrap_or(Mismatch { path: ".".into(), error });
            let error = classify("op", http_status, body, Some(mismatch));
            let _ = (error.to_string(), format!("{error:?}"));
        }
    }
}

fn read_as_samples(http_status: u16, body: &[u8]) {
    read_every_way::<types::UserPaginatedRespDto>(http_status, body);
    read_every_way::<types::UserSingleRespDto>(http_status, body);
    read_every_way::<types::RolePaginatedRespDto>(http_status, body);
    read_every_way::<types::GroupPaginatedRespDto>(http_status, body);
    read_every_way::<types::ApplicationPaginatedRespDto>(http_status, body);
    read_every_way::<types::OrganizationSingleRespDto>(http_status, body);
    let _ = crate::token::read_token(body);
    let _ = crate::token::redact(Bytes::copy_from_slice(body));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic(body in prop::collection::vec(any::<u8>(), 0..256), http_status in 100u16..600) {
        read_as_samples(http_status, &body);
    }

    #[test]
    fn arbitrary_json_never_panics(value in any_json(), http_status in prop_oneof![Just(200u16), 100u16..600]) {
        read_as_samples(http_status, value.to_string().as_bytes());
    }

    #[test]
    fn answers_close_to_real_ones_never_panic(answer in mutated_answer()) {
        read_as_samples(200, answer.to_string().as_bytes());
    }

    #[test]
    fn cut_answers_never_panic(answer in mutated_answer(), cut in any::<prop::sample::Index>()) {
        let text = answer.to_string();
        read_as_samples(200, &text.as_bytes()[..cut.index(text.len() + 1)]);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn a_token_never_survives_redaction(
        extra in any_json(),
        key in prop::sample::select(vec!["access_token", "accessToken", "id_token", "refresh_token"]),
        at_top in any::<bool>(),
    ) {
        const TOKEN: &str = "tok-5ecret-value";
        let mut answer = json!({"statusCode": 200, "data": {"expires_in": extra}});
        let holder = if at_top { &mut answer } else { &mut answer["data"] };
        holder[key] = Value::String(TOKEN.into());
        let redacted = crate::token::redact(Bytes::from(answer.to_string()));
        prop_assert!(memchr::memmem::find(&redacted, TOKEN.as_bytes()).is_none());
    }
}

/// Any duration: the edges of the type, zero, small ones and any at all.
fn any_duration() -> impl Strategy<Value = Duration> {
    prop_oneof![
        Just(Duration::ZERO),
        Just(Duration::MAX),
        Just(crate::MAX_DURATION),
        (0u64..100_000).prop_map(Duration::from_millis),
        (any::<u64>(), 0u32..1_000_000_000).prop_map(|(seconds, nanos)| Duration::new(seconds, nanos)),
    ]
}

/// Any `expires_in` a token answer might hold: any number, or not a number.
fn any_lifetime() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<f64>().prop_map(Value::from),
        prop_oneof![Just(1e19), Just(1e20), Just(f64::MAX), Just(f64::MIN_POSITIVE), Just(-1.0), Just(0.0)]
            .prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        ".{0,8}".prop_map(Value::String),
        Just(Value::Null),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// A server's token answer, well formed but for its lifetime, never panics
    /// the client: a lifetime it cannot use is an error, any other is kept
    /// within bounds, with its refresh before its expiry.
    #[test]
    fn a_token_answer_with_any_lifetime_never_panics(
        expires_in in any_lifetime(),
        margin in any_duration(),
        jitter in any::<f64>(),
    ) {
        let answer = json!({"statusCode": 200, "message": "", "data": {"access_token": "t", "expires_in": expires_in}});
        if let Ok((token, lifetime)) = crate::token::read_token(answer.to_string().as_bytes()) {
            prop_assert!(lifetime > Duration::ZERO || expires_in.as_f64().is_some_and(|s| s < 1e-9));
            prop_assert!(lifetime <= crate::token::MAX_TOKEN_LIFETIME);
            let now = tokio::time::Instant::now();
            let token = crate::token::Token::new(&token, lifetime, margin, jitter, now).expect("a header value");
            prop_assert!(!token.expired(now) || lifetime.is_zero());
            prop_assert!(token.due_for_refresh(now + lifetime));
        }
    }

    /// Any settings either build a client or are refused with `Error::Config`;
    /// a client's policies then compute their waits and deadlines without a panic.
    #[test]
    fn any_durations_in_the_settings_are_built_or_refused_never_panic(
        timeouts in (any_duration(), any_duration(), any_duration()),
        backoffs in (any_duration(), any_duration(), any::<u32>()),
        events in (any_duration(), any_duration(), any_duration(), any_duration()),
        attempt in any::<u32>(),
    ) {
        let (timeout, operation_timeout, margin) = timeouts;
        let retry = crate::RetryPolicy::default()
            .with_initial_backoff(backoffs.0)
            .with_max_backoff(backoffs.1)
            .with_max_attempts(backoffs.2);
        let subscription = crate::SubscriptionPolicy {
            initial_backoff: events.0,
            max_backoff: events.1,
            ping_interval: events.2,
            silence_limit: events.3,
        };
        let built = crate::ManagementClient::builder()
            .access_key_id("id")
            .access_key_secret("secret")
            .timeout(timeout)
            .operation_timeout(operation_timeout)
            .token_refresh_margin(margin)
            .retry(retry)
            .subscription_policy(subscription)
            .build();
        match built {
            Ok(_) => {
                for limit in [timeout, operation_timeout, margin, retry.max_backoff, events.1, events.2, events.3] {
                    prop_assert!(limit <= crate::MAX_DURATION);
                }
                let now = tokio::time::Instant::now();
                let _ = crate::deadline::later(now, subscription.silence_limit);
                let answer =
                    Ok(crate::transport::Answer::new(503, Default::default(), Bytes::new()));
                let _ = retry.decide((attempt.max(1), attempt), &answer, crate::retry::Effect::Reads, operation_timeout);
            }
            Err(error) => prop_assert!(matches!(error, crate::Error::Config(_)), "{error:?}"),
        }
    }
}

#[test]
fn the_valid_answer_decodes() {
    // The mutations start from an answer that reads: otherwise they would test nothing but failures.
    let valid = json!({"statusCode": 200, "message": "", "data": {"totalCount": 2, "list": [user(), user()]}});
    let envelope: types::UserPaginatedRespDto = serde_json::from_value(valid).unwrap();
    assert_eq!(envelope.into_data().unwrap().list.len(), 2);
}
