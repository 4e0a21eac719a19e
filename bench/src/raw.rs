//! The baseline: a bare `reqwest::Client` configured as the SDK's (default
//! headers, user agent, timeouts, no redirects), sending what the SDK sends
//! for `get_user` (same headers, same query) and decoding the answer into
//! the same generated type, with nothing else around it: no token cache, no
//! retries, no limits, no envelope check beyond `statusCode`.

use anyhow::{Context, Result, bail};
use authing::types::{UserDto, UserSingleRespDto};
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap, HeaderValue};

pub struct RawClient {
    http: reqwest::Client,
    url: String,
    authorization: HeaderValue,
    /// The token's `scoped_userpool_id`, sent as `x-authing-userpool-id` like the SDK does.
    userpool_id: HeaderValue,
}

impl RawClient {
    /// A client with the SDK's default headers and a token fetched once.
    pub async fn new(url: &str) -> Result<Self> {
        let mut headers = HeaderMap::new();
        headers.insert("x-authing-lang", HeaderValue::from_static(authing::Lang::default().as_str()));
        headers.insert("x-authing-sdk-version", HeaderValue::from_static(authing::SDK_VERSION));
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .user_agent(authing::SDK_VERSION.replace(':', "/"))
            .timeout(authing::DEFAULT_TIMEOUT)
            .connect_timeout(authing::DEFAULT_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        let token: serde_json::Value = http
            .post(format!("{url}/api/v3/get-management-token"))
            .json(&serde_json::json!({"accessKeyId": "bench", "accessKeySecret": "bench"}))
            .send()
            .await?
            .json()
            .await?;
        let Some(token) = token["data"]["access_token"].as_str() else {
            bail!("the token endpoint answered no token: {token}");
        };
        let authorization = HeaderValue::try_from(format!("Bearer {token}"))?;
        let userpool_id = HeaderValue::try_from(scoped_userpool_id(token)?)?;
        Ok(RawClient { http, url: url.to_string(), authorization, userpool_id })
    }

    pub async fn get_user(&self, user_id: &str) -> Result<UserDto> {
        let body = self
            .http
            .get(format!("{}/api/v3/get-user", self.url))
            .header(ACCEPT, HeaderValue::from_static("application/json"))
            .query(&[("userId", user_id)])
            .header(AUTHORIZATION, self.authorization.clone())
            .header("x-authing-userpool-id", self.userpool_id.clone())
            .send()
            .await?
            .bytes()
            .await?;
        let answer: UserSingleRespDto = serde_json::from_slice(&body)?;
        if answer.status_code != 200 {
            bail!("statusCode {}: {}", answer.status_code, answer.message);
        }
        Ok(answer.data)
    }
}

/// The JWT claim `scoped_userpool_id` of `token`.
fn scoped_userpool_id(token: &str) -> Result<String> {
    use base64::Engine as _;
    let payload = token.split('.').nth(1).context("the token is not a JWT")?;
    let claims: serde_json::Value =
        serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload)?)?;
    claims["scoped_userpool_id"].as_str().map(str::to_string).context("the token has no scoped_userpool_id")
}
