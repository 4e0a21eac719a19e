//! The management token: fetched from `POST /api/v3/get-management-token`,
//! cached for its lifetime, refreshed ahead of expiry, one fetch at a time.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use base64::Engine as _;
use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderValue};
use serde::Deserialize;

use crate::envelope::{SUCCESS, classify};
use crate::error::Error;

/// Path of the token operation, relative to the host.
pub(crate) const TOKEN_PATH: &str = "/api/v3/get-management-token";
/// Header naming the user pool the token is scoped to.
pub(crate) const USERPOOL_HEADER: &str = "x-authing-userpool-id";

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
    /// `None` when the token cannot be sent in a header.
    fn new(access_token: &str, lifetime: Duration, margin: Duration, now: Instant) -> Option<Self> {
        let mut authorization = HeaderValue::try_from(format!("Bearer {access_token}")).ok()?;
        authorization.set_sensitive(true);
        let userpool_id = scoped_userpool_id(access_token).and_then(|id| HeaderValue::try_from(id).ok());
        Some(Token {
            authorization,
            userpool_id,
            expires_at: now + lifetime,
            // A short-lived token is still used for half its life.
            refresh_at: now + lifetime - margin.min(lifetime / 2),
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
    /// The token endpoint answered, but not with a token.
    Rejected { http_status: u16, body: Bytes },
}

impl TokenFailure {
    /// The error a call reports when it could get no token.
    pub(crate) fn into_error(self) -> Error {
        match self {
            TokenFailure::Transport(e) => crate::error::from_reqwest(e),
            TokenFailure::Rejected { http_status, body } => classify(http_status, &body, None),
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
    pub(crate) async fn get(&self, http: &reqwest::Client) -> Result<Arc<Token>, TokenFailure> {
        if let Some(token) = self.cached().filter(|t| !t.due_for_refresh(Instant::now())) {
            return Ok(token);
        }
        let _fetching = self.fetching.lock().await;
        // Whoever held the lock before may have just fetched one.
        let cached = self.cached();
        if let Some(token) = cached.as_ref().filter(|t| !t.due_for_refresh(Instant::now())) {
            return Ok(token.clone());
        }
        match self.fetch(http).await {
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

    async fn fetch(&self, http: &reqwest::Client) -> Result<Token, TokenFailure> {
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
        let started = Instant::now();
        let response = http
            .post(self.endpoint.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(self.credentials.clone())
            .send()
            .await
            .map_err(TokenFailure::Transport)?;
        let http_status = response.status().as_u16();
        let body = response.bytes().await.map_err(TokenFailure::Transport)?;
        let rejected = || TokenFailure::Rejected { http_status, body: body.clone() };
        let Ok(Answer { status_code: SUCCESS, data: Some(data) }) = serde_json::from_slice(&body) else {
            return Err(rejected());
        };
        if http_status != 200 || !(data.expires_in.is_finite() && data.expires_in > 0.0) {
            return Err(rejected());
        }
        let lifetime = Duration::from_secs_f64(data.expires_in);
        let token = Token::new(&data.access_token, lifetime, self.margin, started).ok_or_else(rejected)?;
        tracing::debug!(lifetime = ?lifetime, userpool = token.userpool_id.is_some(), "fetched a management token");
        Ok(token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);

    fn jwt(payload: &str) -> String {
        let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        format!("{}.{}.sig", engine.encode(r#"{"alg":"HS256"}"#), engine.encode(payload))
    }

    #[test]
    fn a_token_is_refreshed_a_margin_before_it_expires() {
        let t0 = Instant::now();
        let token = Token::new("t", 120 * MINUTE, 5 * MINUTE, t0).unwrap();
        assert!(!token.due_for_refresh(t0 + 114 * MINUTE));
        assert!(token.due_for_refresh(t0 + 115 * MINUTE));
        assert!(!token.expired(t0 + 115 * MINUTE));
    }

    #[test]
    fn a_short_lived_token_is_used_for_half_its_life() {
        let t0 = Instant::now();
        let token = Token::new("t", 4 * MINUTE, 5 * MINUTE, t0).unwrap();
        assert!(!token.due_for_refresh(t0 + MINUTE));
        assert!(token.due_for_refresh(t0 + 2 * MINUTE));
    }

    #[test]
    fn the_userpool_id_is_read_from_the_jwt_claim() {
        // `?` and `>` in the claim make the payload use base64url's `-` and `_`.
        let token = jwt(r#"{"scoped_userpool_id":"pool>>>???","exp":1}"#);
        assert_eq!(scoped_userpool_id(&token).as_deref(), Some("pool>>>???"));
    }

    #[test]
    fn a_token_that_is_not_a_jwt_has_no_userpool_id() {
        assert_eq!(scoped_userpool_id("opaque-token"), None);
        assert_eq!(scoped_userpool_id(&jwt(r#"{"sub":"x"}"#)), None);
    }
}
