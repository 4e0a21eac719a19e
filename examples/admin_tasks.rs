//! Three everyday admin tasks, as a new user writes them from the README and
//! the generated docs: a user by email and their roles; a department under
//! the root with two members; every user exported as JSON lines.
//!
//! Needs a user pool's access key in `AUTHING_ACCESS_KEY_ID` and
//! `AUTHING_ACCESS_KEY_SECRET` (`AUTHING_HOST` for a private deployment):
//! `cargo run --example admin_tasks -- alice@example.com my-org`.

use std::io::Write as _;

use authing::{ManagementClient, Paginated as _};
use futures_util::TryStreamExt as _;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = ManagementClient::from_env()?;
    let mut args = std::env::args().skip(1);
    let email = args.next().ok_or("usage: admin_tasks <email> <organization code>")?;
    let organization = args.next().ok_or("usage: admin_tasks <email> <organization code>")?;

    // 1. A user by email, and their roles.
    let user = client.get_user().user_id(&email).user_id_type("email").await?;
    let roles = client.get_user_roles().user_id(&user.user_id).await?;
    for role in &roles.list {
        println!("{email} has the role {}", role.code);
    }

    // 2. A department under the root, with two members.
    let department = client
        .create_department()
        .body_map(|d| {
            d.organization_code(&organization)
                .parent_department_id("root")
                .name("Sales")
                .metadata(serde_json::json!({}))
        })
        .await?;
    client
        .add_department_members()
        .body_map(|m| {
            m.organization_code(&organization)
                .department_id(&department.department_id)
                .user_ids([user.user_id.as_str(), "6229ba8b1f5e3c2a2bd86e0c"])
        })
        .await?;

    // 3. Every user, exported as JSON lines.
    let mut out = std::io::BufWriter::new(std::fs::File::create("users.jsonl")?);
    let mut users = client.list_users().items();
    while let Some(user) = users.try_next().await? {
        serde_json::to_writer(&mut out, &user)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}
