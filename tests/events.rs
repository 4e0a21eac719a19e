//! Events: a subscription against a websocket server on 127.0.0.1 started by
//! each test (the header, delivery in order, healing after drops and
//! silence, refused upgrades, closing), and the publish request's exact body.

// Subscriptions are the feature `subscriptions` (a default one).
#![cfg(feature = "subscriptions")]

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use authing::{Error, Event, ManagementClient, SubscriptionPolicy};
use common::*;
use futures::{SinkExt as _, StreamExt as _};
use serde_json::json;
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer};

/// `authing test-key-id:` and the base64 HMAC-SHA1 of `websocket\n` keyed with
/// `test-key-secret`, computed independently with Python's `hmac` module (by
/// the Python SDK's own `getAuthorization`).
const EXPECTED_AUTHORIZATION: &str = "authing test-key-id:+txxgJAflQM2dOar8WP2trlUu2w=";
/// How long a test waits for the next item before calling it a hang.
const PATIENCE: Duration = Duration::from_secs(10);

/// A handshake the server saw: the request target and its `authorization`.
#[derive(Clone, Debug)]
struct Handshake {
    target: String,
    authorization: Option<String>,
    /// When it came, on tokio's clock.
    at: tokio::time::Instant,
}

/// What the server does with its n-th connection (from 1).
type Session = Box<dyn FnOnce(WebSocketStream<TcpStream>) -> futures::future::BoxFuture<'static, ()> + Send>;

/// A websocket server on 127.0.0.1. `refuse(n)` gives the HTTP status that
/// refuses the n-th upgrade; `session(n)` what to do with an accepted one.
struct EventServer {
    host: String,
    handshakes: Arc<Mutex<Vec<Handshake>>>,
}

impl EventServer {
    async fn start(
        refuse: impl Fn(usize) -> Option<u16> + Send + Sync + 'static,
        session: impl Fn(usize) -> Session + Send + Sync + 'static,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let host = format!("ws://{}", listener.local_addr().unwrap());
        let handshakes: Arc<Mutex<Vec<Handshake>>> = Default::default();
        let (seen, refuse, session) = (handshakes.clone(), Arc::new(refuse), Arc::new(session));
        tokio::spawn(async move {
            let mut n = 0;
            while let Ok((stream, _)) = listener.accept().await {
                n += 1;
                let (seen, refuse, session) = (seen.clone(), refuse.clone(), session.clone());
                tokio::spawn(async move {
                    // The callback's shape is tungstenite's.
                    #[allow(clippy::result_large_err)]
                    let callback = |request: &Request, response: Response| {
                        seen.lock().unwrap().push(Handshake {
                            target: request.uri().to_string(),
                            authorization: request.headers().get("authorization").map(|v| v.to_str().unwrap().into()),
                            at: tokio::time::Instant::now(),
                        });
                        match refuse(n) {
                            Some(status) => {
                                let mut refusal = ErrorResponse::new(Some("wrong key".into()));
                                *refusal.status_mut() = status.try_into().unwrap();
                                Err(refusal)
                            }
                            None => Ok(response),
                        }
                    };
                    if let Ok(socket) = tokio_tungstenite::accept_hdr_async(stream, callback).await {
                        session(n)(socket).await;
                    }
                });
            }
        });
        EventServer { host, handshakes }
    }

    fn handshakes(&self) -> Vec<Handshake> {
        self.handshakes.lock().unwrap().clone()
    }
}

/// Sends `messages`, then keeps the connection until the client closes it.
fn send_then_hold(messages: &[&str], closed: Option<Arc<AtomicUsize>>) -> Session {
    let messages: Vec<String> = messages.iter().map(|m| m.to_string()).collect();
    Box::new(move |mut socket| {
        Box::pin(async move {
            for message in messages {
                socket.send(Message::text(message)).await.unwrap();
            }
            // Reading answers the client's pings, and sees it go.
            while let Some(Ok(_)) = socket.next().await {}
            if let Some(closed) = closed {
                closed.fetch_add(1, Ordering::SeqCst);
            }
        })
    })
}

/// Sends `messages`, then drops the connection without a close frame.
fn send_then_drop(messages: &[&str]) -> Session {
    let messages: Vec<String> = messages.iter().map(|m| m.to_string()).collect();
    Box::new(move |mut socket| {
        Box::pin(async move {
            for message in messages {
                socket.send(Message::text(message)).await.unwrap();
            }
            socket.flush().await.unwrap();
            drop(socket);
        })
    })
}

/// Keeps the connection open and never reads it: pings go unanswered.
fn go_silent() -> Session {
    Box::new(|socket| {
        Box::pin(async move {
            tokio::time::sleep(Duration::from_secs(30)).await;
            drop(socket);
        })
    })
}

/// Keeps the connection for `after` (answering pings), then closes it with `code` and `reason`.
fn close_with(code: u16, reason: &'static str, after: Duration) -> Session {
    Box::new(move |mut socket| {
        Box::pin(async move {
            let _ = tokio::time::timeout(after, async { while let Some(Ok(_)) = socket.next().await {} }).await;
            let frame = CloseFrame { code: CloseCode::from(code), reason: reason.into() };
            let _ = socket.close(Some(frame)).await;
        })
    })
}

fn quick_policy() -> SubscriptionPolicy {
    SubscriptionPolicy::default()
        .with_initial_backoff(Duration::from_millis(20))
        .with_max_backoff(Duration::from_millis(100))
        .with_ping_interval(Duration::from_millis(100))
        .with_silence_limit(Duration::from_millis(300))
}

fn client_of(server: &EventServer) -> ManagementClient {
    builder("http://127.0.0.1:9").event_host(&server.host).subscription_policy(quick_policy()).build().unwrap()
}

async fn next(events: &mut authing::Subscription) -> authing::Result<Event> {
    tokio::time::timeout(PATIENCE, events.next()).await.expect("an item in time").expect("the stream never ends")
}

async fn next_message(events: &mut authing::Subscription) -> authing::EventMessage {
    match next(events).await {
        Ok(Event::Message(message)) => message,
        other => panic!("expected a message, got {other:?}"),
    }
}

#[tokio::test]
async fn the_subscription_authenticates_with_the_signed_header() {
    let server = EventServer::start(|_| None, |_| send_then_hold(&["hello"], None)).await;
    let mut events = client_of(&server).subscribe("authing.user.created");

    assert_eq!(next(&mut events).await.unwrap(), Event::Connected { reconnects: 0 });
    next_message(&mut events).await;

    let handshakes = server.handshakes();
    assert_eq!(handshakes.len(), 1);
    assert_eq!(handshakes[0].target, "/events/v1/management/sub?code=authing.user.created");
    assert_eq!(handshakes[0].authorization.as_deref(), Some(EXPECTED_AUTHORIZATION));
}

#[tokio::test]
async fn messages_arrive_in_order_with_their_json() {
    let sent = [r#"{"eventType":"a","n":1}"#, "not json", r#"{"n":3}"#];
    let server = EventServer::start(|_| None, move |_| send_then_hold(&sent, None)).await;
    let mut events = client_of(&server).subscribe("custom.event");

    assert!(matches!(next(&mut events).await, Ok(Event::Connected { .. })));
    let received = [next_message(&mut events).await, next_message(&mut events).await, next_message(&mut events).await];

    assert_eq!(received.iter().map(|m| m.text.as_str()).collect::<Vec<_>>(), sent);
    assert_eq!(received[0].json, Some(json!({"eventType": "a", "n": 1})));
    assert_eq!(received[1].json, None);
    assert!(received.iter().all(|m| m.event_code == "custom.event"));
}

#[tokio::test]
async fn a_dropped_connection_is_replaced_and_later_messages_arrive() {
    let server = EventServer::start(
        |_| None,
        |n| match n {
            1 => send_then_drop(&["before the drop"]),
            _ => send_then_hold(&["after the drop"], None),
        },
    )
    .await;
    let mut events = client_of(&server).subscribe("custom.event");

    assert_eq!(next(&mut events).await.unwrap(), Event::Connected { reconnects: 0 });
    assert_eq!(next_message(&mut events).await.text, "before the drop");
    assert_eq!(next(&mut events).await.unwrap(), Event::Connected { reconnects: 1 });
    assert_eq!(next_message(&mut events).await.text, "after the drop");
    assert_eq!(server.handshakes().len(), 2);
}

#[tokio::test]
async fn a_silent_connection_is_detected_and_replaced() {
    let server = EventServer::start(
        |_| None,
        |n| match n {
            1 => go_silent(),
            _ => send_then_hold(&["on the new connection"], None),
        },
    )
    .await;
    let mut events = client_of(&server).subscribe("custom.event");

    assert_eq!(next(&mut events).await.unwrap(), Event::Connected { reconnects: 0 });
    // The pings go unanswered; past the silence limit the connection is replaced.
    assert_eq!(next(&mut events).await.unwrap(), Event::Connected { reconnects: 1 });
    assert_eq!(next_message(&mut events).await.text, "on the new connection");
}

#[tokio::test]
async fn a_refused_upgrade_is_an_error_item_and_the_subscription_goes_on() {
    // The first two upgrades are refused (a wrong key), then the key is right.
    let server = EventServer::start(|n| (n <= 2).then_some(401), |_| send_then_hold(&["finally"], None)).await;
    let mut events = client_of(&server).subscribe("custom.event");

    for _ in 0..2 {
        match next(&mut events).await {
            Err(Error::Subscription { http_status: Some(401), event_code, reason, .. }) => {
                assert_eq!(event_code, "custom.event");
                assert!(reason.contains("401"), "{reason}");
            }
            other => panic!("expected a refused upgrade, got {other:?}"),
        }
    }
    assert_eq!(next(&mut events).await.unwrap(), Event::Connected { reconnects: 0 });
    assert_eq!(next_message(&mut events).await.text, "finally");
    // One attempt per item: the stream waits between attempts instead of hammering.
    assert_eq!(server.handshakes().len(), 3);
}

#[tokio::test]
async fn a_close_frame_is_an_error_item_with_its_code_and_reason() {
    let server = EventServer::start(
        |_| None,
        |n| match n {
            1 => close_with(4001, "invalid event code", Duration::ZERO),
            _ => send_then_hold(&["after the close"], None),
        },
    )
    .await;
    let mut events = client_of(&server).subscribe("no.such.event");

    assert_eq!(next(&mut events).await.unwrap(), Event::Connected { reconnects: 0 });
    match next(&mut events).await {
        Err(error @ Error::Subscription { close_code: Some(4001), http_status: None, .. }) => {
            let text = error.to_string();
            assert!(text.contains("4001") && text.contains("invalid event code"), "{text}");
            assert!(!error.is_retryable(), "a refusal of the subscription");
        }
        other => panic!("expected the close frame, got {other:?}"),
    }
    assert_eq!(next(&mut events).await.unwrap(), Event::Connected { reconnects: 1 });
    assert_eq!(next_message(&mut events).await.text, "after the close");
}

#[tokio::test(start_paused = true)]
async fn a_close_that_refuses_the_subscription_waits_longer_each_time() {
    // Each connection lives past the ping interval (healthy, by that count), then is refused.
    let hold = Duration::from_millis(150);
    let server = EventServer::start(|_| None, move |_| close_with(4001, "invalid event code", hold)).await;
    let mut events = client_of(&server).subscribe("no.such.event");
    for reconnects in 0..5 {
        assert_eq!(next(&mut events).await.unwrap(), Event::Connected { reconnects });
        assert!(matches!(next(&mut events).await, Err(Error::Subscription { close_code: Some(4001), .. })));
    }
    let at: Vec<_> = server.handshakes().iter().map(|h| h.at).collect();
    // The waits after each close: jittered over the upper half of 40, 80, then 100 ms (the
    // policy's cap), not the 20 ms after a healthy connection.
    let waits: Vec<Duration> = at.windows(2).map(|pair| pair[1] - pair[0] - hold).collect();
    assert!(waits[1] >= Duration::from_millis(40) && waits[3] >= Duration::from_millis(50), "{waits:?}");
}

#[tokio::test]
async fn an_unreachable_event_host_is_an_error_item() {
    // A port nothing listens on: bound, then let go.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let client = builder("http://127.0.0.1:9")
        .event_host(format!("ws://127.0.0.1:{port}"))
        .subscription_policy(quick_policy())
        .build()
        .unwrap();
    let mut events = client.subscribe("custom.event");

    for _ in 0..2 {
        let item = next(&mut events).await;
        assert!(matches!(item, Err(Error::Subscription { http_status: None, .. })), "{item:?}");
    }
}

#[tokio::test]
async fn dropping_the_subscription_closes_the_connection() {
    let closed = Arc::new(AtomicUsize::new(0));
    let seen = closed.clone();
    let server = EventServer::start(|_| None, move |_| send_then_hold(&["one"], Some(seen.clone()))).await;
    let mut events = client_of(&server).subscribe("custom.event");
    assert!(matches!(next(&mut events).await, Ok(Event::Connected { .. })));
    next_message(&mut events).await;
    assert_eq!(closed.load(Ordering::SeqCst), 0);

    drop(events);

    tokio::time::timeout(PATIENCE, async {
        while closed.load(Ordering::SeqCst) == 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the server saw the connection close");
}

#[test]
fn an_event_host_that_is_not_a_websocket_url_is_refused() {
    for host in ["https://events.example.com", "not a url", "wss://events.example.com/?x=1"] {
        let error = builder("http://127.0.0.1:9").event_host(host).build().unwrap_err();
        assert!(matches!(&error, Error::Config(why) if why.contains("event_host")), "{host}: {error}");
    }
}

#[tokio::test]
async fn publishing_sends_the_event_as_the_official_sdks_do() {
    let server = MockServer::start().await;
    mount_tokens(&server, 7200).await;
    Mock::given(method("POST"))
        .and(path("/api/v3/pub-event"))
        .respond_with(ok(json!({"success": true})))
        .mount(&server)
        .await;

    let answer = client(&server).publish_event("my.event", &json!({"userId": "u1", "n": 2})).await.unwrap();

    assert_eq!(answer, json!({"success": true}));
    let request = &requests_to(&server, "/api/v3/pub-event").await[0];
    // `eventData` is the data as JSON text (as the SDKs' `json.dumps` /
    // `JSON.stringify` send it), next to `eventType`, and nothing else.
    let body: serde_json::Value = request.body_json().unwrap();
    assert_eq!(body.as_object().unwrap().len(), 2, "{body}");
    assert_eq!(body["eventType"], "my.event");
    let event_data = body["eventData"].as_str().expect("eventData is a string");
    assert_eq!(serde_json::from_str::<serde_json::Value>(event_data).unwrap(), json!({"userId": "u1", "n": 2}));
    assert_eq!(bearer(request), format!("Bearer {}", jwt(1)));
}

#[tokio::test]
async fn a_consumer_slower_than_the_silence_limit_loses_no_message() {
    let sent: &'static [&'static str] = Box::leak((0..20).map(|n| &*format!("event {n}").leak()).collect());
    let server = EventServer::start(|_| None, move |_| send_then_hold(sent, None)).await;
    let mut events = client_of(&server).subscribe("custom.event");
    assert_eq!(next(&mut events).await.unwrap(), Event::Connected { reconnects: 0 });

    for expected in sent {
        // Busy elsewhere for three silence limits before each read.
        travel(quick_policy().silence_limit * 3).await;
        match next(&mut events).await {
            Ok(Event::Message(message)) => assert_eq!(message.text, *expected),
            other => panic!("expected {expected:?}, got {other:?}: the live connection was replaced"),
        }
    }
    assert_eq!(server.handshakes().len(), 1, "the connection was replaced");
}

/// Sends nothing until the client pings, then `message` once, and keeps
/// the connection until the client closes it.
fn answer_the_first_ping_with(message: &'static str) -> Session {
    Box::new(move |mut socket| {
        Box::pin(async move {
            let mut sent = false;
            while let Some(Ok(incoming)) = socket.next().await {
                if matches!(incoming, Message::Ping(_)) && !sent {
                    sent = true;
                    socket.send(Message::text(message)).await.unwrap();
                }
            }
        })
    })
}

#[tokio::test]
async fn a_consumer_away_longer_than_the_silence_limit_keeps_a_quiet_live_connection() {
    let server = EventServer::start(|_| None, |_| answer_the_first_ping_with("still here")).await;
    let mut events = client_of(&server).subscribe("custom.event");
    assert_eq!(next(&mut events).await.unwrap(), Event::Connected { reconnects: 0 });

    // Away for three silence limits, with nothing sent meanwhile: that is not silence.
    travel(quick_policy().silence_limit * 3).await;

    assert_eq!(next_message(&mut events).await.text, "still here");
    assert_eq!(server.handshakes().len(), 1, "the live connection was replaced");
}

#[test]
fn a_policy_that_would_spin_or_overflow_a_deadline_is_refused_when_the_client_is_built() {
    let base = quick_policy();
    let refused = [
        base.with_silence_limit(Duration::MAX),
        base.with_ping_interval(Duration::MAX).with_silence_limit(Duration::MAX),
        base.with_max_backoff(Duration::MAX),
        base.with_initial_backoff(Duration::ZERO),
        base.with_ping_interval(Duration::ZERO),
        base.with_ping_interval(base.silence_limit),
    ];
    for policy in refused {
        let built = builder("http://127.0.0.1:9").subscription_policy(policy).build();
        assert!(matches!(built, Err(Error::Config(_))), "{policy:?}: {built:?}");
    }
}

#[tokio::test]
async fn a_policy_of_the_longest_durations_allowed_runs() {
    let longest = SubscriptionPolicy::default()
        .with_initial_backoff(authing::MAX_DURATION)
        .with_max_backoff(authing::MAX_DURATION)
        .with_ping_interval(authing::MAX_DURATION - Duration::from_secs(1))
        .with_silence_limit(authing::MAX_DURATION);
    let server = EventServer::start(|_| None, |_| send_then_hold(&["hello"], None)).await;
    let client = builder("http://127.0.0.1:9").event_host(&server.host).subscription_policy(longest).build().unwrap();
    let mut events = client.subscribe("custom.event");

    assert_eq!(next(&mut events).await.unwrap(), Event::Connected { reconnects: 0 });
    assert_eq!(next_message(&mut events).await.text, "hello");
}

#[tokio::test(start_paused = true)]
async fn a_consumer_busy_right_after_connected_gets_every_message_of_the_live_connection() {
    let server = EventServer::start(|_| None, |_| send_then_hold(&["one", "two", "three"], None)).await;
    let mut events = client_of(&server).subscribe("custom.event");

    assert_eq!(next(&mut events).await.unwrap(), Event::Connected { reconnects: 0 });
    // Busy for more than twice the silence limit before reading on.
    tokio::time::sleep(Duration::from_millis(800)).await;
    let received = [next_message(&mut events).await, next_message(&mut events).await, next_message(&mut events).await];

    assert_eq!(received.iter().map(|m| m.text.as_str()).collect::<Vec<_>>(), ["one", "two", "three"]);
    assert_eq!(server.handshakes().len(), 1, "the live connection was kept");
}
