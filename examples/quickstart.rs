//! The quick start: connect, walk the users, create a role, get a user, and
//! handle an error.
//!
//! Against Authing: set `AUTHING_ACCESS_KEY_ID`, `AUTHING_ACCESS_KEY_SECRET`
//! (and `AUTHING_HOST` for a private deployment), then
//! `cargo run --example quickstart`. Against the crate's own mock, with no
//! credentials and nothing but Rust: `cargo xtask demo`.

use authing::{Error, ManagementClient, Paginated as _};
use futures_util::TryStreamExt as _;

#[tokio::main]
async fn main() -> Result<(), Error> {
    // 1. Init: the access key of a user pool, from the environment.
    let client = ManagementClient::from_env()?;
    run(&client).await
}

/// Everything after connecting, so that `cargo xtask demo` runs it against the mock.
pub async fn run(client: &ManagementClient) -> Result<(), Error> {
    println!("connected to {}", client.host());

    // 2. Walk every user: `.items()` fetches the pages as the stream is read.
    println!("\nusers:");
    let mut users = client.list_users().items();
    let mut first = None;
    while let Some(user) = users.try_next().await? {
        println!(
            "  {:<26} {:<12} {:<24} {:?}",
            user.user_id,
            user.username.as_deref().unwrap_or("-"),
            user.email.as_deref().unwrap_or("-"),
            user.status
        );
        first.get_or_insert(user.user_id);
    }

    // 3. Create a role: a body is built field by field in `body_map`.
    let role = client
        .create_role()
        .body_map(|body| {
            body.code("quickstart-role").description("Created by the authing Rust SDK quick start").namespace("default")
        })
        .await?;
    println!("\nrole created: code {}, id {}, namespace {}", role.code, role.id, role.namespace);

    // 4. Get a user, with the optional parameters a call needs and no others.
    if let Some(user_id) = first {
        let user = client.get_user().user_id(&user_id).with_custom_data(true).await?;
        println!(
            "\nuser {}: {} <{}>, created {}, email verified {}",
            user.user_id,
            user.name.as_deref().unwrap_or("-"),
            user.email.as_deref().unwrap_or("-"),
            user.created_at,
            user.email_verified
        );
    }

    // 5. Handle an error: a role without its required `code`, sent through the
    //    raw escape hatch since the typed builder would refuse to send it.
    let refused = client
        .raw(reqwest::Method::POST, "/api/v3/create-role")
        .body(&serde_json::json!({"description": "no code"}))
        .await;
    match refused {
        Ok(data) => println!("\nunexpectedly accepted: {data}"),
        // The accessors read the codes whatever the variant; the message never holds the body.
        Err(error @ Error::Api { .. }) => {
            println!(
                "\nrefused by Authing: {error} (apiCode {:?}, requestId {:?})",
                error.api_code(),
                error.request_id()
            )
        }
        Err(error @ Error::UnexpectedStatus { .. }) => {
            let reason = error.body().map(|body| body.text().into_owned()).unwrap_or_default();
            println!("\nrefused: {error}: {reason}")
        }
        Err(other) => return Err(other),
    }
    Ok(())
}
