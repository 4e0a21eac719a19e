//! The management token: fetched from `POST /api/v3/get-management-token`,
//! cached for its lifetime, refreshed ahead of expiry, one fetch at a time.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use base64::Engine as _;
use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde::Deserialize;

use crate::envelope::{Mismatch, SUCCESS, classify};
use crate::error::Error;
use crate::transport::Transport;

/// Path of the token operation, relative to the host.
pub(crate) const TOKEN_PATH: &str = "/api/v3/get-management-token";
/// The token operation, as errors name it.
const TOKEN_OPERATION: &str = "getManagementToken";
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
    fn new(access_token: &str, lifetime: Duration, margin: Duration, jitter: f64, now: Instant) -> Option<Self> {
        let mut authorization = HeaderValue::try_from(format!("Bearer {access_token}")).ok()?;
        authorization.set_sensitive(true);
        let userpool_id = scoped_userpool_id(access_token).and_then(|id| HeaderValue::try_from(id).ok());
        Some(Token {
            authorization,
            userpool_id,
            expires_at: now + lifetime,
            // A short-lived token is still used for half its life.
            refresh_at: now + lifetime - margin.min(lifetime / 2).mul_f64(1.0 - jitter.clamp(0.0, 1.0) / 2.0),
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
    fn due_for_refresh(&self, now: Instant) -> bool {
        now >= self.refresh_at
    }

    fn expired(&self, now: Instant) -> bool {
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

/// Why no token could be had.
pub(crate) enum TokenFailure {
    /// The token request was not answered.
    Transport(reqwest::Error),
    /// The token endpoint answered, but not with a token. `body` is redacted:
    /// any token in it is replaced, so that no error or log can carry it.
    Rejected { http_status: u16, body: Bytes },
}

/// Marks a response made from a [`TokenFailure::Rejected`], so that the
/// call reports the token endpoint's answer rather than its own.
#[derive(Clone)]
struct TokenRejected {
    http_status: u16,
    body: Bytes,
}

impl TokenFailure {
    /// The error a call reports when it could get no token.
    pub(crate) fn into_error(self) -> Error {
        match self {
            TokenFailure::Transport(e) => crate::error::from_reqwest(e),
            TokenFailure::Rejected { http_status, body } => rejected(http_status, body),
        }
    }

    /// The failure as the response of the call that needed the token (for
    /// progenitor's pre hook, which can only fail with a response); the call's
    /// error is then read back with [`rejection`].
    pub(crate) fn into_response(self) -> Result<reqwest::Response, reqwest::Error> {
        match self {
            TokenFailure::Transport(e) => Err(e),
            TokenFailure::Rejected { http_status, body } => {
                let mut response = http::Response::new(body.clone());
                *response.status_mut() =
                    http::StatusCode::from_u16(http_status).unwrap_or(http::StatusCode::BAD_GATEWAY);
                response.extensions_mut().insert(TokenRejected { http_status, body });
                Ok(reqwest::Response::from(response))
            }
        }
    }

    /// One line for the log, without the body.
    fn describe(&self) -> String {
        match self {
            TokenFailure::Transport(e) => e.to_string(),
            TokenFailure::Rejected { http_status, .. } => {
                format!("HTTP {http_status} without a token")
            }
        }
    }
}

/// The error of a call whose token request was refused, when `response` is
/// the one [`TokenFailure::into_response`] made.
pub(crate) fn rejection(response: &reqwest::Response) -> Option<Error> {
    let TokenRejected { http_status, body } = response.extensions().get::<TokenRejected>()?.clone();
    Some(rejected(http_status, body))
}

fn rejected(http_status: u16, body: Bytes) -> Error {
    let why = read_token(&body).err().flatten();
    classify(TOKEN_OPERATION, http_status, body, why)
}

/// The token endpoint's answer: the token and its lifetime; otherwise why
/// not, when it is a success envelope that does not hold a usable token.
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
    Ok((data.access_token, Duration::from_secs_f64(data.expires_in)))
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
pub(crate) struct TokenCache {
    endpoint: reqwest::Url,
    /// `{"accessKeyId": ..., "accessKeySecret": ...}`, serialized once.
    credentials: Bytes,
    margin: Duration,
    current: RwLock<Option<Arc<Token>>>,
    /// Held while a token is being fetched, so concurrent callers wait for
    /// that one fetch instead of starting their own.
    fetching: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCache")
            .field("endpoint", &self.endpoint.as_str())
            .field("credentials", &"<redacted>")
            .field("margin", &self.margin)
            .finish_non_exhaustive()
    }
}

impl TokenCache {
    pub(crate) fn new(endpoint: reqwest::Url, access_key_id: &str, access_key_secret: &str, margin: Duration) -> Self {
        let credentials = serde_json::json!({"accessKeyId": access_key_id, "accessKeySecret": access_key_secret});
        TokenCache {
            endpoint,
            credentials: Bytes::from(credentials.to_string()),
            margin,
            current: RwLock::new(None),
            fetching: tokio::sync::Mutex::new(()),
        }
    }

    fn cached(&self) -> Option<Arc<Token>> {
        self.current.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// A token good for a request now, fetching one if the cached one is due for refresh.
    pub(crate) async fn get(&self, transport: &Transport) -> Result<Arc<Token>, TokenFailure> {
        match self.cached().filter(|t| !t.due_for_refresh(Instant::now())) {
            Some(token) => Ok(token),
            // Boxed: the fetch is rare, and inline it would enlarge every call's future.
            None => Box::pin(self.refresh(transport)).await,
        }
    }

    async fn refresh(&self, transport: &Transport) -> Result<Arc<Token>, TokenFailure> {
        let _fetching = self.fetching.lock().await;
        // Whoever held the lock before may have just fetched one.
        let cached = self.cached();
        if let Some(token) = cached.as_ref().filter(|t| !t.due_for_refresh(Instant::now())) {
            return Ok(token.clone());
        }
        match self.fetch(transport).await {
            Ok(token) => {
                let token = Arc::new(token);
                *self.current.write().unwrap_or_else(|e| e.into_inner()) = Some(token.clone());
                Ok(token)
            }
            // Refreshing early leaves room to go on with the old token when the refresh fails.
            Err(failure) => match cached.filter(|t| !t.expired(Instant::now())) {
                Some(token) => {
                    tracing::warn!(error = %failure.describe(), "token refresh failed; using the current token until it expires");
                    Ok(token)
                }
                None => Err(failure),
            },
        }
    }

    /// Forgets the token a request was rejected with (HTTP or envelope 401),
    /// unless another request has replaced it already.
    pub(crate) fn invalidate(&self, rejected: &HeaderMap) {
        let mut current = self.current.write().unwrap_or_else(|e| e.into_inner());
        if current.as_ref().is_some_and(|t| t.is_in(rejected)) {
            *current = None;
        }
    }

    async fn fetch(&self, transport: &Transport) -> Result<Token, TokenFailure> {
        let started = Instant::now();
        let mut request = reqwest::Request::new(reqwest::Method::POST, self.endpoint.clone());
        request.headers_mut().insert(reqwest::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        *request.body_mut() = Some(self.credentials.clone().into());
        // Through the transport like every call: the same bounds, timeout and retries.
        let answer = transport.send(request, TOKEN_OPERATION).await.0.map_err(TokenFailure::Transport)?;
        let (http_status, body) = (answer.status, answer.body);
        let rejected = |body| TokenFailure::Rejected { http_status, body: redact(body) };
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
        let body = br#"{"statusCode":200,"message":"","data":{"access_token":"t","expires_in":"7200"}}"#;
        let Err(Some(mismatch)) = read_token(body) else { panic!("the answer was read") };
        assert_eq!(mismatch.path, "data.expires_in");
        assert!(matches!(read_token(br#"{"statusCode":403,"message":"no"}"#), Err(None)));
        assert!(read_token(br#"{"statusCode":200,"data":{"access_token":"t","expires_in":7200}}"#).is_ok());
    }

    #[test]
    fn a_token_that_is_not_a_jwt_has_no_userpool_id() {
        assert_eq!(scoped_userpool_id("opaque-token"), None);
        assert_eq!(scoped_userpool_id(&jwt(r#"{"sub":"x"}"#)), None);
    }
}
