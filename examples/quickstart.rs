//! The quick start: connect, list users, create a role, get a user, and
//! handle an error.
//!
//! Against Authing: set `AUTHING_ACCESS_KEY_ID`, `AUTHING_ACCESS_KEY_SECRET`
//! (and `AUTHING_HOST` for a private deployment), then
//! `cargo run --example quickstart`. Against a local mock, with no
//! credentials: `cargo xtask demo`.

use authing::{Error, ManagementClient, types};

#[tokio::main]
async fn main() -> Result<(), Error> {
    // 1. Init: the access key of a user pool, from the environment.
    let client = ManagementClient::from_env()?;
    println!("connected to {}", client.host());

    // 2. List users, ten per page.
    let page = client
        .list_users()
        .body_map(|body| {
            body.options(
                types::ListUsersOptionsDto::builder().pagination(types::PaginationDto::builder().page(1).limit(10)),
            )
        })
        .await?;
    println!("\nusers: {} in the pool, {} on this page", page.total_count, page.list.len());
    for user in &page.list {
        println!(
            "  {:<26} {:<16} {:?}",
            user.user_id,
            user.username.as_deref().or(user.email.as_deref()).unwrap_or("-"),
            user.status
        );
    }

    // 3. Create a role.
    let role = client
        .create_role()
        .body(
            types::CreateRoleDto::builder()
                .code("quickstart-role")
                .description("Created by the authing Rust SDK quick start")
                .namespace("default"),
        )
        .await?;
    println!("\nrole created: code {}, id {}, namespace {}", role.code, role.id, role.namespace);

    // 4. Get a user, with the optional parameters a call needs and no others.
    if let Some(first) = page.list.first() {
        let user = client.get_user().user_id(&first.user_id).with_custom_data(true).await?;
        println!(
            "\nuser {}: created {}, email verified {}, phone verified {}",
            user.user_id, user.created_at, user.email_verified, user.phone_verified
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
