//! Calls in spans: a `tracing-subscriber` that prints each span as it
//! closes, with its fields, around a call, a failed call and a list walk,
//! against the crate's mock: `cargo run --example traced --features mock`.

use authing::Paginated as _;
use authing::mock::{MockAuthing, sample};
use futures_util::TryStreamExt as _;
use serde_json::json;
use tracing_subscriber::fmt::format::FmtSpan;

#[tokio::main]
async fn main() -> Result<(), authing::Error> {
    tracing_subscriber::fmt().with_span_events(FmtSpan::CLOSE).with_target(false).without_time().init();

    let mock = MockAuthing::start().await;
    let client = mock.client();
    let users: Vec<authing::types::UserDto> = (1..=3).map(|n| sample(json!({"userId": format!("u{n}")}))).collect();
    mock.on(client.get_user().user_id("u1")).data(users[0].clone());
    mock.on(client.get_user().user_id("gone")).api_error(404, 2004, "user not found");
    mock.on(client.list_users()).list(users);

    client.get_user().user_id("u1").await?;
    let _ = client.get_user().user_id("gone").await;
    let all: Vec<_> = client.list_users().items().try_collect().await?;
    println!("{} users", all.len());
    Ok(())
}
