//! The authorization of an event subscription, as Authing's SDKs compute it:
//! `authing {access_key_id}:{signature}`, the signature being the standard,
//! padded base64 of HMAC-SHA1 keyed with the access key secret over the
//! string to sign, which for a websocket is `websocket\n`.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use reqwest::header::HeaderValue;
use sha1::Sha1;

/// What Authing's event service verifies for a subscription.
const STRING_TO_SIGN: &str = "websocket\n";

/// The `authorization` header value, marked sensitive. `None` when the key id
/// cannot be sent in a header.
pub(crate) fn authorization(access_key_id: &str, access_key_secret: &str) -> Option<HeaderValue> {
    // HMAC takes a key of any length.
    let mut mac = Hmac::<Sha1>::new_from_slice(access_key_secret.as_bytes()).ok()?;
    mac.update(STRING_TO_SIGN.as_bytes());
    let signature = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    let mut value = HeaderValue::try_from(format!("authing {access_key_id}:{signature}")).ok()?;
    value.set_sensitive(true);
    Some(value)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_signature_is_what_authings_python_sdk_computes() {
        // authing/utils/signatureComposer.py's own example, computed with
        // Python's hmac module: getAuthorization("63f60a8e31e6ebd92080dc7d", "00711487506bc4a92cfada3520b76d7f").
        let value = super::authorization("63f60a8e31e6ebd92080dc7d", "00711487506bc4a92cfada3520b76d7f").unwrap();
        assert_eq!(value.to_str().unwrap(), EXPECTED);
        assert!(value.is_sensitive());
    }

    const EXPECTED: &str = "authing 63f60a8e31e6ebd92080dc7d:QJrxaQ5j5QuYe0mbAIZSUejt8aw=";
}
