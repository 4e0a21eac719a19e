//! `cargo xtask demo`: the quick start against the crate's own mock
//! (`authing::mock`), seeded with a small user pool, so that a newcomer sees
//! what Authing's answers look like with nothing installed but Rust.

#[path = "quickstart.rs"]
#[allow(dead_code)] // its `main`, which connects to Authing itself
mod quickstart;

use authing::mock::{MockAuthing, sample};
use authing::types;
use serde_json::json;

#[tokio::main]
async fn main() -> Result<(), authing::Error> {
    let mock = MockAuthing::start().await;
    let client = mock.client();

    let people = [
        (
            "65a1f0c2e4b0d1a9c3e5f701",
            "ann.lee",
            "Ann Lee",
            "ann.lee@example.com",
            "Activated",
            "2024-01-12T08:41:09.000Z",
        ),
        (
            "65a1f0c2e4b0d1a9c3e5f702",
            "bo.chen",
            "Bo Chen",
            "bo.chen@example.com",
            "Activated",
            "2024-02-03T14:02:51.000Z",
        ),
        (
            "65a1f0c2e4b0d1a9c3e5f703",
            "carla.m",
            "Carla Mendes",
            "carla@example.org",
            "Suspended",
            "2024-03-18T10:27:33.000Z",
        ),
        (
            "65a1f0c2e4b0d1a9c3e5f704",
            "dev.patel",
            "Dev Patel",
            "dev.patel@example.com",
            "Activated",
            "2024-05-29T16:55:12.000Z",
        ),
        (
            "65a1f0c2e4b0d1a9c3e5f705",
            "eva.k",
            "Eva Kowalska",
            "eva.k@example.net",
            "Deactivated",
            "2024-07-07T07:07:07.000Z",
        ),
    ];
    let users: Vec<types::UserDto> = people
        .iter()
        .map(|(id, username, name, email, status, created)| {
            sample(json!({
                "userId": id, "username": username, "name": name, "email": email, "status": status,
                "createdAt": created, "updatedAt": created, "emailVerified": *status == "Activated",
                "gender": "U", "loginsCount": 3,
            }))
        })
        .collect();
    mock.on(client.list_users()).list(users.clone());
    for user in users {
        mock.on(client.get_user().user_id(user.user_id.clone())).data(user);
    }
    mock.on(client.create_role().body_map(|body| body.code("quickstart-role"))).data(sample(json!({
        "id": "65a1f1d9e4b0d1a9c3e5f7a0", "code": "quickstart-role", "name": "Quick start role",
        "namespace": "default", "namespaceName": "Default",
        "description": "Created by the authing Rust SDK quick start", "status": "ENABLE",
    })));
    mock.on(client.create_role()).api_error(400, 1001, "code is required");

    quickstart::run(&client).await
}
