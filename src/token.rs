//! The management token: fetched from `POST /api/v3/get-management-token`,
//! cached for its lifetime, refreshed ahead of expiry, one fetch at a time.
//!
//! No call waits while a valid token exists: the first call that finds the
//! token due for refresh starts a fetch in a task of its own and goes on with
//! the current token. Only when there is no valid token do calls wait, all
//! on that one fetch, each within its own deadline; a call that gives up
//! leaves the fetch running for the others, as smithy-rs's identity cache does.
//! After a failed refresh the next one waits (a backoff bounded by the time
//! the current token has left).

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use base64::Engine as _;
use bytes::Bytes;
use futures_util::FutureExt as _;
use futures_util::future::Shared;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde::Deserialize;
use tokio::time::Instant;

use crate::deadline::later;
use crate::envelope::{Mismatch, SUCCESS, classify};
use crate::error::Error;
use crate::failure::Failure;
use crate::retry::Effect;
use crate::transport::Transport;

/// Path of the token operation, relative to the host.
pub(crate) const TOKEN_PATH: &str = "/api/v3/get-management-token";
/// The token operation, as errors name it.
const TOKEN_OPERATION: &str = "getManagementToken";
/// The longest a token is kept, whatever lifetime the server gives it (a
/// server's `expires_in: 1e20` is read as this, not as a panic).
pub(crate) const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);
/// The wait before the first new refresh after a failed one; it doubles with
/// each failure, up to [`MAX_REFRESH_BACKOFF`], and never past half the
/// current token's time left.
const REFRESH_BACKOFF: Duration = Duration::from_secs(1);
const MAX_REFRESH_BACKOFF: Duration = Duration::from_secs(60);
/// With no valid token, how long calls at most fail at once with the last
/// refusal before one asks the token endpoint again: a wrong key is not
/// asked once per call. A failure that may pass (throttling, a 5xx, no
/// answer) is not kept: the next call asks again, and the fetch's own
/// retries (and the retry budget) pace it.
const MAX_FAILING_FAST: Duration = Duration::from_secs(10);
/// Header naming the user pool the token is scoped to.
// A `HeaderName` made at compile time: a `&str` key is parsed on every insert.
pub(crate) const USERPOOL_HEADER: HeaderName = HeaderName::from_static("x-authing-userpool-id");

/// A token and what is derived from it once, rather than on every request.
pub(crate) struct Token {
    /// `Bearer <token>`, marked sensitive so that it is never logged.
    authorization: HeaderValue,
    /// The JWT claim `scoped_userpool_id`, when the token is a JWT that has it.
    userpool_id: Option<HeaderValue>,
    expires_at: Instant,
    refresh_at: Instant,
}

impl Token {
    /// `None` when the token cannot be sent in a header. `jitter`, in `[0, 1)`,
    /// places the refresh between `margin` and `margin / 2` before expiry, so
    /// that services started together do not all refresh in the same second.
    pub(crate) fn new(
        access_token: &str,
        lifetime: Duration,
        margin: Duration,
        jitter: f64,
        now: Instant,
    ) -> Option<Self> {
        let mut authorization = HeaderValue::try_from(format!("Bearer {access_token}")).ok()?;
        authorization.set_sensitive(true);
        let userpool_id = scoped_userpool_id(access_token).and_then(|id| HeaderValue::try_from(id).ok());
        // A short-lived token is still used for half its life.
        let early = margin.min(lifetime / 2).mul_f64(1.0 - jitter.clamp(0.0, 1.0) / 2.0);
        Some(Token {
            authorization,
            userpool_id,
            expires_at: later(now, lifetime),
            refresh_at: later(now, lifetime - early),
        })
    }

    /// Adds `authorization` and, when known, `x-authing-userpool-id`.
    pub(crate) fn apply(&self, headers: &mut HeaderMap) {
        headers.insert(reqwest::header::AUTHORIZATION, self.authorization.clone());
        if let Some(id) = &self.userpool_id {
            headers.insert(USERPOOL_HEADER, id.clone());
        }
    }

    /// True when this is the token the header `authorization` carries.
    pub(crate) fn is_in(&self, headers: &HeaderMap) -> bool {
        headers.get(reqwest::header::AUTHORIZATION) == Some(&self.authorization)
    }

    /// Whether it is time to fetch a new token at `now`.
    pub(crate) fn due_for_refresh(&self, now: Instant) -> bool {
        now >= self.refresh_at
    }

    pub(crate) fn expired(&self, now: Instant) -> bool {
        now >= self.expires_at
    }
}

/// The `scoped_userpool_id` claim of a JWT, without verifying it: the server
/// does that; the client only needs the id for a header.
fn scoped_userpool_id(token: &str) -> Option<String> {
    #[derive(Deserialize)]
    struct Claims {
        scoped_userpool_id: Option<String>,
    }
    const JWT_PAYLOAD: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
        &base64::alphabet::URL_SAFE,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
    );
    let payload = token.split('.').nth(1)?;
    let json = JWT_PAYLOAD.decode(payload).ok()?;
    serde_json::from_slice::<Claims>(&json).ok()?.scoped_userpool_id
}

/// The error of a call whose token request was answered without a token.
pub(crate) fn rejected(http_status: u16, body: Bytes) -> Error {
    let why = read_token(&body).err().flatten();
    classify(TOKEN_OPERATION, http_status, body, why)
}

/// The token endpoint's answer: the token and its lifetime (at most
/// [`MAX_TOKEN_LIFETIME`]); otherwise why not, when it is a success envelope
/// that does not hold a usable token.
pub(crate) fn read_token(body: &[u8]) -> Result<(String, Duration), Option<Mismatch>> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Answer {
        status_code: i64,
        data: Option<Data>,
    }
    #[derive(Deserialize)]
    struct Data {
        access_token: String,
        #[serde(deserialize_with = "crate::lenient::number")]
        expires_in: f64,
    }
    let json = &mut serde_json::Deserializer::from_slice(body);
    let answer: Answer = serde_path_to_error::deserialize(json)
        .map_err(|e| Some(Mismatch { path: e.path().to_string(), error: e.into_inner() }))?;
    let data = match answer {
        Answer { status_code: SUCCESS, data: Some(data) } => data,
        Answer { status_code: SUCCESS, data: None } => {
            let error = serde::de::Error::missing_field("data");
            return Err(Some(Mismatch { path: ".".into(), error }));
        }
        // A failure envelope speaks for itself.
        Answer { .. } => return Err(None),
    };
    if !(data.expires_in.is_finite() && data.expires_in > 0.0) {
        let error = serde::de::Error::custom(format!("{} is not a positive number of seconds", data.expires_in));
        return Err(Some(Mismatch { path: "data.expires_in".into(), error }));
    }
    let lifetime = Duration::try_from_secs_f64(data.expires_in).unwrap_or(MAX_TOKEN_LIFETIME);
    Ok((data.access_token, lifetime.min(MAX_TOKEN_LIFETIME)))
}

/// `body` without the tokens it may hold: the values of `access_token` and
/// the like are replaced; a body that is not JSON but mentions a token is
/// replaced whole.
pub(crate) fn redact(body: Bytes) -> Bytes {
    const SECRET_KEYS: &[&str] = &["access_token", "accessToken", "id_token", "refresh_token", "accessKeySecret"];
    fn walk(value: &mut serde_json::Value) -> bool {
        let mut changed = false;
        match value {
            serde_json::Value::Object(map) => {
                for (key, value) in map.iter_mut() {
                    if SECRET_KEYS.contains(&key.as_str()) {
                        *value = serde_json::Value::String("<redacted>".into());
                        changed = true;
                    } else {
                        changed |= walk(value);
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(|item| changed |= walk(item)),
            _ => {}
        }
        changed
    }
    match serde_json::from_slice::<serde_json::Value>(&body) {
        Ok(mut json) => {
            if walk(&mut json) {
                Bytes::from(json.to_string())
            } else {
                body
            }
        }
        Err(_) if memchr::memmem::find(&body, b"token").is_some() => {
            Bytes::from_static(b"<redacted: not JSON, and it mentions a token>")
        }
        Err(_) => body,
    }
}

/// The cached token, shared by every clone of a client.
pub(crate) struct TokenCache(Arc<Cache>);

struct Cache {
    endpoint: reqwest::Url,
    /// `{"accessKeyId": ..., "accessKeySecret": ...}`, serialized once.
    credentials: Bytes,
    margin: Duration,
    transport: Arc<Transport>,
    current: RwLock<Option<Arc<Token>>>,
    refresh: Mutex<Refresh>,
}

/// The fetch under way, shared by every call that waits for it.
type Fetch = Shared<Pin<Box<dyn Future<Output = Result<Arc<Token>, Failure>> + Send>>>;

/// A fetch running in a task of its own.
struct Running {
    fetch: Fetch,
    /// Its task: one that has finished while still recorded here was stopped
    /// before it could record its end (its runtime shut down, as a test's
    /// does), and is started anew.
    task: tokio::task::AbortHandle,
}

/// The state of refreshing: the fetch under way, and the backoff after failed ones.
#[derive(Default)]
struct Refresh {
    running: Option<Running>,
    failures: u32,
    /// No refresh starts in the background before this, after a failed one.
    not_before: Option<Instant>,
    /// The last fetch's refusal, when there was no valid token: calls get it
    /// until `not_before` instead of asking again.
    last_failure: Option<Failure>,
}

impl Refresh {
    /// The fetch under way, forgetting one whose task was stopped.
    fn under_way(&mut self) -> Option<&Running> {
        if self.running.as_ref().is_some_and(|running| running.task.is_finished()) {
            self.running = None;
        }
        self.running.as_ref()
    }
}

impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCache")
            .field("endpoint", &self.0.endpoint.as_str())
            .field("credentials", &"<redacted>")
            .field("margin", &self.0.margin)
            .finish_non_exhaustive()
    }
}

impl TokenCache {
    pub(crate) fn new(
        endpoint: reqwest::Url,
        access_key_id: &str,
        access_key_secret: &str,
        margin: Duration,
        transport: Arc<Transport>,
    ) -> Self {
        let credentials = serde_json::json!({"accessKeyId": access_key_id, "accessKeySecret": access_key_secret});
        TokenCache(Arc::new(Cache {
            endpoint,
            credentials: Bytes::from(credentials.to_string()),
            margin,
            transport,
            current: RwLock::new(None),
            refresh: Mutex::new(Refresh::default()),
        }))
    }

    /// A token good for a request now, without waiting: `None` when there is
    /// no valid token (then [`wait`](Self::wait)). One due for refresh is
    /// returned while a refresh runs apart.
    pub(crate) fn ready(&self) -> Option<Arc<Token>> {
        let now = Instant::now();
        let token = self.0.cached().filter(|token| !token.expired(now))?;
        if token.due_for_refresh(now) {
            self.refresh_in_background(now);
        }
        Some(token)
    }

    /// A token, once the fetch under way (or one started now) has ended: for
    /// when there is no valid token. A fetch whose task was stopped (a
    /// runtime shut down under it) is started again in this one.
    pub(crate) async fn wait(&self) -> Result<Arc<Token>, Failure> {
        let mut stopped = None;
        for _ in 0..2 {
            let fetch = {
                let mut refresh = self.0.lock_refresh();
                // A fetch may have ended since the cache was read.
                if let Some(token) = self.0.cached().filter(|t| !t.expired(Instant::now())) {
                    return Ok(token);
                }
                if refresh.under_way().is_none()
                    && let (Some(failure), Some(until)) = (&refresh.last_failure, refresh.not_before)
                    && Instant::now() < until
                {
                    return Err(failure.clone());
                }
                match refresh.under_way() {
                    Some(running) => running.fetch.clone(),
                    None => self.start(&mut refresh),
                }
            };
            match fetch.await {
                Err(Failure::Stopped(why)) => stopped = Some(why),
                outcome => return outcome,
            }
        }
        Err(Failure::Stopped(stopped.unwrap_or_default()))
    }

    fn refresh_in_background(&self, now: Instant) {
        let mut refresh = self.0.lock_refresh();
        if refresh.under_way().is_none() && refresh.not_before.is_none_or(|at| now >= at) {
            // Runs in its own task; nobody needs to wait for it.
            let _running = self.start(&mut refresh);
        }
    }

    /// Starts a fetch in a task of its own, so that no caller's cancellation
    /// aborts it; it keeps its token in the cache whether or not anyone still waits.
    fn start(&self, refresh: &mut Refresh) -> Fetch {
        let cache = self.0.clone();
        let task = tokio::spawn(async move { cache.fetch_and_keep().await });
        let handle = task.abort_handle();
        let fetch: Pin<Box<dyn Future<Output = _> + Send>> =
            Box::pin(async move { task.await.unwrap_or_else(|stopped| Err(Failure::Stopped(stopped.to_string()))) });
        let fetch = fetch.shared();
        refresh.running = Some(Running { fetch: fetch.clone(), task: handle });
        fetch
    }

    /// Forgets the token a request was rejected with (HTTP or envelope 401),
    /// unless another request has replaced it already.
    pub(crate) fn invalidate(&self, rejected: &HeaderMap) {
        let mut current = self.0.current.write().unwrap_or_else(|e| e.into_inner());
        if current.as_ref().is_some_and(|t| t.is_in(rejected)) {
            *current = None;
        }
    }
}

impl Cache {
    fn cached(&self) -> Option<Arc<Token>> {
        self.current.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn lock_refresh(&self) -> std::sync::MutexGuard<'_, Refresh> {
        self.refresh.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Fetches a token and keeps it; after a failure, sets when the next
    /// background refresh may start.
    async fn fetch_and_keep(self: Arc<Self>) -> Result<Arc<Token>, Failure> {
        let started = Instant::now();
        // The transport ends the fetch by its deadline, retries included.
        // A span of its own: a fetch serves every call waiting, not the one that started it.
        let span =
            tracing::info_span!(parent: None, "authing.token", http.response.status_code = tracing::field::Empty);
        let outcome = tracing::Instrument::instrument(self.fetch(started), span).await.map(Arc::new);
        let mut refresh = self.lock_refresh();
        refresh.running = None;
        match &outcome {
            Ok(token) => {
                *self.current.write().unwrap_or_else(|e| e.into_inner()) = Some(token.clone());
                (refresh.failures, refresh.not_before, refresh.last_failure) = (0, None, None);
            }
            Err(failure) => {
                refresh.failures = refresh.failures.saturating_add(1);
                let now = Instant::now();
                let left = self.cached().map_or(Duration::ZERO, |t| t.expires_at.saturating_duration_since(now));
                let backoff =
                    REFRESH_BACKOFF.saturating_mul(1 << (refresh.failures - 1).min(16)).min(MAX_REFRESH_BACKOFF);
                let error = failure.clone().into_error();
                if let (true, Failure::RetryAfter { retry_after, .. }) = (left.is_zero(), failure) {
                    // The server said when to ask again: not before.
                    refresh.not_before = Some(later(now, *retry_after));
                    refresh.last_failure = Some(failure.clone());
                    tracing::warn!(%error, failures = refresh.failures, calls_fail_for = ?retry_after, "no management token could be fetched");
                } else if left.is_zero() && failure.may_pass() {
                    // Retried already; the next call asks again.
                    tracing::warn!(%error, failures = refresh.failures, "no management token could be fetched");
                } else if left.is_zero() {
                    // A refusal, and no token to go on with: calls fail with it
                    // for a while, rather than each asking the token endpoint again.
                    let wait = backoff.min(MAX_FAILING_FAST);
                    refresh.not_before = Some(later(now, wait));
                    refresh.last_failure = Some(failure.clone());
                    tracing::warn!(%error, failures = refresh.failures, calls_fail_for = ?wait, "no management token could be fetched");
                } else {
                    let wait = backoff.min(left / 2);
                    refresh.not_before = Some(later(now, wait));
                    tracing::warn!(%error, failures = refresh.failures, time_left = ?left, next_attempt_in = ?wait,
                        "token refresh failed; the current token is used until it expires");
                }
            }
        }
        outcome
    }

    async fn fetch(&self, started: Instant) -> Result<Token, Failure> {
        let mut request = reqwest::Request::new(reqwest::Method::POST, self.endpoint.clone());
        request.headers_mut().insert(reqwest::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        *request.body_mut() = Some(self.credentials.clone().into());
        // Through the transport like every call: the same bounds, timeout,
        // rate and retries; asking for a token twice changes nothing, so it
        // is sent again even after a 500.
        // No caller's deadline: as long as a call may take, and at least one
        // whole request, so that a short `operation_timeout` still gets a token.
        let limit = self.transport.operation_timeout().max(self.transport.timeout());
        let deadline = later(started, limit);
        let answer = self.transport.send(request, TOKEN_OPERATION, Effect::Repeatable, deadline).await.0?;
        let (http_status, status_code) = (answer.status, answer.status_code());
        let body = answer.body;
        tracing::Span::current().record("http.response.status_code", http_status);
        let rejected = |body| Failure::TokenRejected { http_status, status_code, body: redact(body) };
        let (access_token, lifetime) = match read_token(&body) {
            Ok(token) if http_status == 200 => token,
            _ => return Err(rejected(body)),
        };
        let Some(token) = Token::new(&access_token, lifetime, self.margin, fastrand::f64(), started) else {
            return Err(rejected(body));
        };
        tracing::debug!(lifetime = ?lifetime, userpool = token.userpool_id.is_some(), "fetched a management token");
        Ok(token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);
    const MINUTE: Duration = Duration::from_secs(60);

    fn jwt(payload: &str) -> String {
        let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        format!("{}.{}.sig", engine.encode(r#"{"alg":"HS256"}"#), engine.encode(payload))
    }

    #[test]
    fn a_token_is_refreshed_between_its_margin_and_half_of_it_before_it_expires() {
        let t0 = Instant::now();
        let earliest = Token::new("t", 120 * MINUTE, 5 * MINUTE, 0.0, t0).unwrap();
        let latest = Token::new("t", 120 * MINUTE, 5 * MINUTE, 0.999, t0).unwrap();
        assert!(!earliest.due_for_refresh(t0 + 114 * MINUTE));
        assert!(earliest.due_for_refresh(t0 + 115 * MINUTE));
        assert!(!latest.due_for_refresh(t0 + 117 * MINUTE));
        assert!(latest.due_for_refresh(t0 + 117 * MINUTE + 30 * SECOND));
        assert!(!latest.expired(t0 + 117 * MINUTE + 30 * SECOND));
    }

    #[test]
    fn a_short_lived_token_is_used_for_half_its_life() {
        let t0 = Instant::now();
        let earliest = Token::new("t", 4 * MINUTE, 5 * MINUTE, 0.0, t0).unwrap();
        let latest = Token::new("t", 4 * MINUTE, 5 * MINUTE, 0.999, t0).unwrap();
        assert!(!earliest.due_for_refresh(t0 + MINUTE));
        assert!(earliest.due_for_refresh(t0 + 2 * MINUTE));
        assert!(latest.due_for_refresh(t0 + 3 * MINUTE));
    }

    #[test]
    fn the_userpool_id_is_read_from_the_jwt_claim() {
        // `?` and `>` in the claim make the payload use base64url's `-` and `_`.
        let token = jwt(r#"{"scoped_userpool_id":"pool>>>???","exp":1}"#);
        assert_eq!(scoped_userpool_id(&token).as_deref(), Some("pool>>>???"));
    }

    #[test]
    fn tokens_are_redacted_from_bodies_kept_for_errors() {
        let body = Bytes::from(r#"{"statusCode":200,"data":{"access_token":"eyJsecret","expires_in":"7200"}}"#);
        let redacted = redact(body);
        assert!(!redacted.windows(9).any(|w| w == b"eyJsecret"), "{redacted:?}");
        assert!(redacted.windows(10).any(|w| w == b"<redacted>"), "{redacted:?}");
        let cut = Bytes::from(r#"{"statusCode":200,"data":{"access_token":"eyJsec"#);
        assert_eq!(&redact(cut)[..], b"<redacted: not JSON, and it mentions a token>");
        let plain = Bytes::from("<html>502 Bad Gateway</html>");
        assert_eq!(redact(plain.clone()), plain);
    }

    #[test]
    fn a_token_answer_of_the_wrong_shape_names_the_field() {
        let body = br#"{"statusCode":200,"message":"","data":{"access_token":"t","expires_in":"soon"}}"#;
        let Err(Some(mismatch)) = read_token(body) else { panic!("the answer was read") };
        assert_eq!(mismatch.path, "data.expires_in");
        // A number given as a string is a number.
        let body = br#"{"statusCode":200,"message":"","data":{"access_token":"t","expires_in":"7200"}}"#;
        assert_eq!(read_token(body).ok(), Some(("t".to_string(), Duration::from_secs(7200))));
        assert!(matches!(read_token(br#"{"statusCode":403,"message":"no"}"#), Err(None)));
        assert!(read_token(br#"{"statusCode":200,"data":{"access_token":"t","expires_in":7200}}"#).is_ok());
    }

    #[test]
    fn a_token_that_is_not_a_jwt_has_no_userpool_id() {
        assert_eq!(scoped_userpool_id("opaque-token"), None);
        assert_eq!(scoped_userpool_id(&jwt(r#"{"sub":"x"}"#)), None);
    }
}
