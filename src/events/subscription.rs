//! A subscription to one event code: a websocket that heals itself for as
//! long as the [`Subscription`] is held. A lost or silent connection is
//! replaced after a backoff (exponential, jittered, capped, reset after a
//! healthy connection); each connection is announced as an
//! [`Event::Connected`] item, each failed attempt as an error item, and the
//! stream goes on either way.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::{SinkExt as _, Stream, StreamExt as _};
use reqwest::header::HeaderValue;
use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{Connector, MaybeTlsStream, WebSocketStream};

use crate::deadline::later;
use crate::error::{Error, Result};

/// How many bytes of a refused upgrade's answer its error shows.
const REFUSAL_SHOWN: usize = 256;

/// How a subscription keeps its connection alive and replaces it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SubscriptionPolicy {
    /// The longest wait before the first new attempt after a healthy
    /// connection was lost; each failed attempt doubles it.
    pub initial_backoff: Duration,
    /// No wait between attempts is longer than this.
    pub max_backoff: Duration,
    /// A ping is sent when nothing has been heard for this long.
    pub ping_interval: Duration,
    /// A connection from which nothing (message, pong) has been heard for
    /// this long is dead, and replaced.
    pub silence_limit: Duration,
}

impl SubscriptionPolicy {
    /// The policy with a first wait of at most `initial_backoff` after a lost connection.
    pub fn with_initial_backoff(mut self, initial_backoff: Duration) -> Self {
        self.initial_backoff = initial_backoff;
        self
    }

    /// The policy with no wait between attempts longer than `max_backoff`.
    pub fn with_max_backoff(mut self, max_backoff: Duration) -> Self {
        self.max_backoff = max_backoff;
        self
    }

    /// The policy pinging after `ping_interval` of quiet.
    pub fn with_ping_interval(mut self, ping_interval: Duration) -> Self {
        self.ping_interval = ping_interval;
        self
    }

    /// The policy replacing a connection silent for `silence_limit`.
    pub fn with_silence_limit(mut self, silence_limit: Duration) -> Self {
        self.silence_limit = silence_limit;
        self
    }

    /// Refuses a policy that would spin, never detect a dead connection, or
    /// overflow a deadline: every duration at most [`MAX_DURATION`](crate::MAX_DURATION),
    /// `initial_backoff` and `ping_interval` longer than zero, `ping_interval`
    /// shorter than `silence_limit`.
    pub(crate) fn check(&self) -> Result<()> {
        use crate::config::check_duration;
        check_duration("subscription.initial_backoff", self.initial_backoff, false)?;
        check_duration("subscription.max_backoff", self.max_backoff, true)?;
        check_duration("subscription.ping_interval", self.ping_interval, false)?;
        check_duration("subscription.silence_limit", self.silence_limit, false)?;
        if self.ping_interval >= self.silence_limit {
            return Err(Error::Config(format!(
                "subscription.ping_interval ({:?}) must be shorter than subscription.silence_limit ({:?})",
                self.ping_interval, self.silence_limit
            )));
        }
        Ok(())
    }
}

impl Default for SubscriptionPolicy {
    /// Waits of up to 1 s, doubling, at most 60 s; a ping after 30 s of
    /// quiet; a connection silent for 75 s is replaced.
    fn default() -> Self {
        SubscriptionPolicy {
            initial_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(60),
            ping_interval: Duration::from_secs(30),
            silence_limit: Duration::from_secs(75),
        }
    }
}

/// An item of a [`Subscription`].
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// A connection is open: the first one, or a new one after a loss.
    /// Events published while no connection was open are not replayed.
    Connected {
        /// How many connections this subscription had before this one.
        reconnects: u32,
    },
    /// An event, as Authing sent it.
    Message(EventMessage),
}

/// An event: the text Authing sent, and its JSON when it is JSON (Authing
/// does not document the schema of events).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct EventMessage {
    /// The event code subscribed to.
    pub event_code: String,
    /// The message as received.
    pub text: String,
    /// The message parsed as JSON, when it is JSON.
    pub json: Option<serde_json::Value>,
}

/// What a subscription needs to connect, from the client's settings.
pub(crate) struct Target {
    pub url: reqwest::Url,
    pub authorization: HeaderValue,
    pub policy: SubscriptionPolicy,
    pub connect_timeout: Duration,
    pub tls: Option<Arc<rustls::ClientConfig>>,
}

/// A stream of the events of one event code, made by
/// [`ManagementClient::subscribe`](crate::ManagementClient::subscribe).
///
/// It never ends by itself: connection
/// failures are error items, after which it reconnects. Dropping it closes
/// the connection.
#[must_use = "a subscription does nothing unless polled"]
pub struct Subscription {
    items: Pin<Box<dyn Stream<Item = Result<Event>> + Send>>,
    /// `authing.subscription`: its connections, reconnections and messages happen inside it.
    span: tracing::Span,
}

impl Subscription {
    pub(crate) fn new(event_code: String, target: Target) -> Self {
        let span = tracing::info_span!("authing.subscription", authing.event_code = %event_code);
        let state = State { event_code, target, connection: None, failures: 0, connections: 0 };
        let items = futures_util::stream::unfold(state, |mut state| async move {
            let item = state.next().await;
            Some((item, state))
        });
        Subscription { items: Box::pin(items), span }
    }
}

impl Stream for Subscription {
    type Item = Result<Event>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let span = self.span.clone();
        let _subscription = span.enter();
        self.items.as_mut().poll_next(cx)
    }
}

impl std::fmt::Debug for Subscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscription").finish_non_exhaustive()
    }
}

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

struct Connection {
    socket: Socket,
    opened: Instant,
    last_heard: Instant,
    last_ping: Instant,
    /// When the last item was handed to the consumer, until it polls again:
    /// nobody listens meanwhile, so that time is not silence.
    handed_over: Option<Instant>,
    /// Whether anything came through it: then losing it is no reason to wait longer.
    heard_anything: bool,
}

impl Connection {
    /// Called when the consumer polls again: the time it took is not counted
    /// as silence, so a slow consumer never has a live connection torn down.
    fn resume(&mut self, now: Instant) {
        let Some(handed_over) = self.handed_over.take() else { return };
        let away = now.saturating_duration_since(handed_over);
        self.last_heard = later(self.last_heard, away).min(now);
        self.last_ping = later(self.last_ping, away).min(now);
    }
}

struct State {
    event_code: String,
    target: Target,
    connection: Option<Connection>,
    /// Attempts since the last healthy connection that gave none.
    failures: u32,
    connections: u32,
}

/// What happened on an open connection.
enum Happened {
    Text(String),
    Heard,
    PingDue,
    /// A close frame, with its code and reason if it had them.
    Closed(Option<(u16, String)>),
    Lost(String),
}

impl State {
    async fn next(&mut self) -> Result<Event> {
        loop {
            let Some(connection) = &mut self.connection else {
                if self.connections > 0 || self.failures > 0 {
                    let wait = self.backoff();
                    tracing::debug!(event_code = %self.event_code, ?wait, "event subscription: waiting before connecting again");
                    tokio::time::sleep(wait).await;
                }
                return self.connect().await;
            };
            let policy = self.target.policy;
            connection.resume(Instant::now());
            let ping_at = later(connection.last_heard.max(connection.last_ping), policy.ping_interval);
            let silent_at = later(connection.last_heard, policy.silence_limit);
            let happened = tokio::select! {
                // What has arrived is always read first: a message waiting in
                // the socket is delivered even when a timer is also due.
                biased;
                incoming = connection.socket.next() => match incoming {
                    Some(Ok(Message::Text(text))) => Happened::Text(text.as_str().to_owned()),
                    Some(Ok(Message::Binary(bytes))) => Happened::Text(String::from_utf8_lossy(&bytes).into_owned()),
                    Some(Ok(Message::Close(frame))) => Happened::Closed(frame.map(|f| (u16::from(f.code), f.reason.as_str().to_owned()))),
                    Some(Ok(_)) => Happened::Heard,
                    Some(Err(error)) => Happened::Lost(error.to_string()),
                    None => Happened::Lost("the connection ended".into()),
                },
                _ = tokio::time::sleep_until(ping_at) => Happened::PingDue,
                _ = tokio::time::sleep_until(silent_at) => Happened::Lost(format!("nothing heard for {:?}", policy.silence_limit)),
            };
            let now = Instant::now();
            match happened {
                Happened::Text(text) => {
                    connection.last_heard = now;
                    connection.handed_over = Some(now);
                    connection.heard_anything = true;
                    let json = serde_json::from_str(&text).ok();
                    return Ok(Event::Message(EventMessage { event_code: self.event_code.clone(), text, json }));
                }
                Happened::Heard => {
                    connection.last_heard = now;
                    connection.heard_anything = true;
                }
                Happened::PingDue => {
                    connection.last_ping = now;
                    if let Err(error) = connection.socket.send(Message::Ping(Default::default())).await {
                        self.lose(format!("a ping could not be sent: {error}"), false);
                    }
                }
                Happened::Closed(frame) => {
                    let close_code = frame.as_ref().map(|(code, _)| *code);
                    let reason = match &frame {
                        Some((code, reason)) => format!("closed by the server with code {code}: {reason:?}"),
                        None => "closed by the server without a code".to_owned(),
                    };
                    self.lose(reason.clone(), close_code.is_some_and(crate::error::close_refuses));
                    // The consumer sees why, and a refusal waits longer before the next attempt.
                    return Err(Error::Subscription {
                        event_code: self.event_code.clone(),
                        http_status: None,
                        close_code,
                        reason,
                    });
                }
                Happened::Lost(reason) => self.lose(reason, false),
            }
        }
    }

    /// Forgets the connection; the next attempt waits longer unless it was
    /// healthy and not `refused` (closed with a code that refuses the subscription).
    fn lose(&mut self, reason: String, refused: bool) {
        let Some(connection) = self.connection.take() else { return };
        let healthy =
            !refused && (connection.heard_anything || connection.opened.elapsed() >= self.target.policy.ping_interval);
        self.failures = if healthy { 0 } else { self.failures.saturating_add(1) };
        tracing::warn!(event_code = %self.event_code, %reason, "event subscription lost its connection; reconnecting");
    }

    /// Exponential in the failures since the last healthy connection, capped,
    /// with jitter over its upper half so that clients do not come back together.
    fn backoff(&self) -> Duration {
        let policy = self.target.policy;
        let ceiling = policy.initial_backoff.saturating_mul(1 << self.failures.min(16)).min(policy.max_backoff);
        ceiling.mul_f64(0.5 + fastrand::f64() / 2.0)
    }

    async fn connect(&mut self) -> Result<Event> {
        match self.open().await {
            Ok(socket) => {
                let now = Instant::now();
                self.connection = Some(Connection {
                    socket,
                    opened: now,
                    last_heard: now,
                    last_ping: now,
                    // The `Connected` item is handed over now.
                    handed_over: Some(now),
                    heard_anything: false,
                });
                let reconnects = self.connections;
                self.connections = self.connections.saturating_add(1);
                tracing::info!(event_code = %self.event_code, reconnects, "event subscription connected");
                Ok(Event::Connected { reconnects })
            }
            Err(error) => {
                self.failures = self.failures.saturating_add(1);
                tracing::warn!(event_code = %self.event_code, %error, "event subscription could not connect; trying again later");
                Err(error)
            }
        }
    }

    async fn open(&self) -> Result<Socket> {
        let failed = |http_status, reason| Error::Subscription {
            event_code: self.event_code.clone(),
            http_status,
            close_code: None,
            reason,
        };
        let mut request =
            self.target.url.as_str().into_client_request().map_err(|e| failed(None, format!("bad address: {e}")))?;
        request.headers_mut().insert(reqwest::header::AUTHORIZATION, self.target.authorization.clone());
        let connector = match &self.target.tls {
            Some(config) => Connector::Rustls(config.clone()),
            None => Connector::Plain,
        };
        let connecting = tokio_tungstenite::connect_async_tls_with_config(request, None, true, Some(connector));
        match tokio::time::timeout(self.target.connect_timeout, connecting).await {
            Ok(Ok((socket, _))) => Ok(socket),
            Ok(Err(tungstenite::Error::Http(response))) => {
                let status = response.status().as_u16();
                let body = response.body().as_deref().unwrap_or_default();
                // The event host's own refusal, not users' data: its start helps.
                let body = String::from_utf8_lossy(&body[..body.len().min(REFUSAL_SHOWN)]);
                let hint = if matches!(status, 401 | 403) { " (is the access key right?)" } else { "" };
                Err(failed(Some(status), format!("the upgrade was refused with HTTP {status}{hint}: {body:?}")))
            }
            Ok(Err(error)) => Err(failed(None, error.to_string())),
            Err(_) => Err(failed(None, format!("no connection within {:?}", self.target.connect_timeout))),
        }
    }
}
