//! The typed mock (`authing::mock`, feature `mock`) as a user's tests meet
//! it: the README's test of a function of two calls, what an unexpected call
//! says, the answers it gives and how it counts them.

// It uses the crate's mock: `cargo xtask test` turns the feature on.
#![cfg(feature = "mock")]

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Duration;

use authing::mock::{MockAuthing, sample};
use authing::{Error, ManagementClient, Paginated as _, TimeLimit, types};
use futures::TryStreamExt as _;
use serde_json::json;

/// The code under test of the README's section "Testing code that uses
/// authing": the emails of a role's members who are active.
async fn active_emails(client: &ManagementClient, role: &str) -> authing::Result<Vec<String>> {
    let members: Vec<types::UserDto> = client.list_role_members().code(role).items().try_collect().await?;
    let mut emails = Vec::new();
    for member in members {
        let user = client.get_user().user_id(&member.user_id).await?;
        if user.status == types::UserDtoStatus::Activated {
            emails.extend(user.email);
        }
    }
    Ok(emails)
}

#[tokio::test]
async fn a_users_function_of_two_calls_one_a_list_is_tested_in_a_few_lines() {
    // The README's test, as it is there.
    let mock = MockAuthing::start().await;
    let ann: types::UserDto = sample(json!({"userId": "u1", "email": "ann@example.com", "status": "Activated"}));
    let bob: types::UserDto = sample(json!({"userId": "u2", "email": "bob@example.com", "status": "Suspended"}));
    mock.on(mock.client().list_role_members().code("admin")).list([ann.clone(), bob.clone()]);
    mock.on(mock.client().get_user().user_id("u1")).data(ann);
    mock.on(mock.client().get_user().user_id("u2")).data(bob);

    let emails = active_emails(&mock.client(), "admin").await.unwrap();

    assert_eq!(emails, ["ann@example.com"]);
}

#[tokio::test]
async fn an_unexpected_call_is_an_error_naming_its_operation_and_fails_the_test() {
    let mock = MockAuthing::start().await;
    mock.on(mock.client().get_user().user_id("u1")).data(sample(json!({"userId": "u1"})));

    let error = mock.client().get_user().user_id("u2").await.unwrap_err();

    assert_eq!(error.status_code(), Some(500), "{error:?}");
    let Error::Api { message, .. } = &error else { panic!("{error:?}") };
    assert!(message.contains("GET /api/v3/get-user?userId=u2: no expectation of getUser matches"), "{message}");
    assert!(message.contains("expected: getUser GET /api/v3/get-user?userId=u1"), "{message}");
    // Even when the code under test swallows the error, the test fails.
    let failed = catch_unwind(AssertUnwindSafe(move || drop(mock))).unwrap_err();
    let failed = failed.downcast_ref::<String>().unwrap();
    assert!(failed.contains("unexpected call: GET /api/v3/get-user?userId=u2"), "{failed}");
}

#[tokio::test]
async fn a_call_of_an_operation_nothing_expects_says_so() {
    let mock = MockAuthing::start().await;
    let error = mock.client().list_roles().namespace("default").await.unwrap_err();
    let Error::Api { message, .. } = &error else { panic!("{error:?}") };
    assert!(
        message.contains("GET /api/v3/list-roles?namespace=default: nothing expects a call of listRoles"),
        "{message}"
    );
    let path = mock.client().raw(reqwest::Method::GET, "/api/v3/no-such-thing").await.unwrap_err();
    assert!(path.to_string().contains("/api/v3/no-such-thing is no operation of the Management API"), "{path}");
    let _ = catch_unwind(AssertUnwindSafe(move || drop(mock))).unwrap_err();
}

#[tokio::test]
async fn an_expectation_given_a_number_of_calls_fails_the_test_on_another() {
    let mock = MockAuthing::start().await;
    let get = mock.on(mock.client().get_user()).times(2).data(sample(json!({"userId": "u1"})));
    mock.client().get_user().user_id("anyone").await.unwrap();
    assert_eq!(get.hits(), 1);
    let failed = catch_unwind(AssertUnwindSafe(|| mock.verify())).unwrap_err();
    let failed = failed.downcast_ref::<String>().unwrap();
    assert!(failed.contains("getUser GET /api/v3/get-user: expected 2 calls, saw 1"), "{failed}");
    mock.client().get_user().user_id("someone").await.unwrap();
    mock.verify();
}

#[tokio::test]
async fn a_body_matches_on_the_fields_the_expectation_sets() {
    let mock = MockAuthing::start().await;
    let client = mock.client();
    let role = |code: &str| sample::<types::RoleDto>(json!({"code": code, "namespace": "default"}));
    let admin = mock.on(client.create_role().body_map(|body| body.code("admin"))).data(role("admin"));
    let any = mock.on(client.create_role()).data(role("other"));

    let created = client.create_role().body_map(|body| body.code("admin").description("Admins")).await.unwrap();
    assert_eq!(created.code, "admin");
    let created = client.create_role().body_map(|body| body.code("ops")).await.unwrap();
    assert_eq!(created.code, "other");
    assert_eq!((admin.hits(), any.hits()), (1, 1));
}

#[tokio::test]
async fn authing_errors_and_http_statuses_are_answered_as_authing_does() {
    let mock = MockAuthing::start().await;
    let client = mock.client();
    mock.on(client.get_user().user_id("gone")).api_error(404, 2004, "user not found");
    let error = client.get_user().user_id("gone").await.unwrap_err();
    assert_eq!((error.status_code(), error.api_code()), (Some(404), Some(2004)), "{error:?}");

    // A read answered 503 once is sent again, and then gets its data.
    let busy = mock.on(client.get_user().user_id("u1")).limit(1).http_status(503);
    mock.on(client.get_user().user_id("u1")).data(sample(json!({"userId": "u1"})));
    let user = client.get_user().user_id("u1").await.unwrap();
    assert_eq!((user.user_id.as_str(), busy.hits()), ("u1", 1));
}

#[tokio::test]
async fn a_long_list_is_answered_page_by_page_as_the_walk_asks() {
    let mock = MockAuthing::start().await;
    let users: Vec<types::UserDto> = (0..120).map(|n| sample(json!({"userId": format!("u{n}")}))).collect();
    let list = mock.on(mock.client().list_users()).list(users);

    let walked: Vec<String> =
        mock.client().list_users().items().map_ok(|user| user.user_id).try_collect().await.unwrap();

    assert_eq!(walked, (0..120).map(|n| format!("u{n}")).collect::<Vec<_>>());
    assert_eq!(list.hits(), 3, "120 users in pages of 50");
}

#[tokio::test]
async fn a_path_parameter_is_matched_in_the_path() {
    let mock = MockAuthing::start().await;
    let deleted = mock.on(mock.client().delete_by_id().id("ip-1")).json(json!(true));
    mock.client().delete_by_id().id("ip-1").await.unwrap();
    assert!(mock.client().delete_by_id().id("ip-2").await.is_err());
    assert_eq!(deleted.hits(), 1);
    let _ = catch_unwind(AssertUnwindSafe(move || drop(mock))).unwrap_err();
}

#[tokio::test]
async fn a_slow_answer_meets_the_clients_timeout() {
    let mock = MockAuthing::start().await;
    mock.on(mock.client().get_user()).delay(Duration::from_secs(30)).data(sample(json!({})));
    let client = mock.client_builder().timeout(Duration::from_millis(200)).build().unwrap();
    let error = client.get_user().user_id("u1").await.unwrap_err();
    assert!(matches!(error, Error::Timeout { limit: TimeLimit::Request(_), .. }), "{error:?}");
}

#[tokio::test]
async fn an_answer_without_data_is_answered_whole() {
    let mock = MockAuthing::start().await;
    let models: types::FunctionModelListDto = sample(json!({"list": [{"id": "m1", "name": "Orders"}]}));
    mock.on(mock.client().list_model()).data(models);

    let answer = mock.client().list_model().await.unwrap();

    assert_eq!(answer.list.len(), 1, "{answer:?}");
    assert_eq!(answer.list[0].name, "Orders");
}

#[tokio::test]
async fn a_list_expectation_matches_a_walk_of_the_request_as_the_code_builds_it() {
    let mock = MockAuthing::start().await;
    let users: Vec<types::UserDto> = (0..25).map(|n| sample(json!({"userId": format!("u{n}")}))).collect();
    // The code under test sets a page size; the walk asks for its own pages.
    mock.on(mock.client().list_role_members().code("admin").page(1).limit(10)).list(users);

    let walked: Vec<types::UserDto> =
        mock.client().list_role_members().code("admin").page(1).limit(10).items().try_collect().await.unwrap();

    assert_eq!(walked.len(), 25);
}
