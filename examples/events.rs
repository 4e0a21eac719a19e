//! Events: publish a custom event, and print the events of a code as they
//! come, for as long as the program runs; the subscription reconnects by
//! itself when the connection is lost.
//!
//! Set `AUTHING_ACCESS_KEY_ID`, `AUTHING_ACCESS_KEY_SECRET` (and
//! `AUTHING_HOST` and `AUTHING_EVENT_HOST` for a private deployment), then
//! `cargo run --example events -- <event code>`, for example
//! `authing.user.created`, or a custom event's code.

use authing::{Event, ManagementClient};
use futures_util::StreamExt as _;

#[tokio::main]
async fn main() -> authing::Result<()> {
    let event_code = std::env::args().nth(1).unwrap_or_else(|| "authing.user.created".into());
    let mut builder = authing::ManagementClientBuilder::from_env();
    if let Ok(event_host) = std::env::var("AUTHING_EVENT_HOST") {
        builder = builder.event_host(event_host);
    }
    let client: ManagementClient = builder.build()?;

    let mut events = client.subscribe(&event_code);
    while let Some(item) = events.next().await {
        match item {
            Ok(Event::Message(event)) => match &event.json {
                Some(json) => println!("{}: {json:#}", event.event_code),
                None => println!("{}: {}", event.event_code, event.text),
            },
            Ok(Event::Connected { reconnects: 0 }) => {
                println!("subscribed to {event_code}; publishing one event");
                let published = client.publish_event(&event_code, &serde_json::json!({"hello": "world"})).await;
                println!("published: {published:?}");
            }
            Ok(Event::Connected { reconnects }) => println!("connected again ({reconnects} reconnects so far)"),
            // Not the end: the subscription waits, then connects again.
            Err(error) => eprintln!("{error}"),
            Ok(_) => {}
        }
    }
    Ok(())
}
