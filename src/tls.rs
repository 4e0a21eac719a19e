//! TLS for every connection of the client, HTTP and event subscriptions
//! alike: rustls with the platform's verifier (no OpenSSL), or no
//! verification when the client was built with `use_unverified_ssl(true)`.
//!
//! rustls's cryptography is the one the crate's features choose: `aws-lc-rs`
//! (a default feature) or `ring` (no C toolchain beyond a C compiler, and a
//! faster first build), unless the program installed a process-wide default
//! (`CryptoProvider::install_default`), which is used instead, as reqwest does.
//! `build.rs` refuses a build with neither feature.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use rustls_platform_verifier::BuilderVerifierExt as _;

/// HTTP/2 first, then HTTP/1.1, as reqwest asks for them when it makes the configuration itself.
pub(crate) const HTTP_ALPN: &[&[u8]] = &[b"h2", b"http/1.1"];

/// The TLS configuration of a connection: verified by the platform's
/// verifier when `verify`, offering the `alpn` protocols (none for a
/// WebSocket, whose upgrade is HTTP/1.1).
pub(crate) fn client_config(verify: bool, alpn: &[&[u8]]) -> Result<rustls::ClientConfig, rustls::Error> {
    let provider = provider();
    let builder =
        rustls::ClientConfig::builder_with_provider(provider.clone()).with_safe_default_protocol_versions()?;
    let mut config = if verify {
        builder.with_platform_verifier()?.with_no_client_auth()
    } else {
        let algorithms = provider.signature_verification_algorithms;
        builder.dangerous().with_custom_certificate_verifier(Arc::new(AnyCertificate(algorithms))).with_no_client_auth()
    };
    config.alpn_protocols = alpn.iter().map(|protocol| protocol.to_vec()).collect();
    Ok(config)
}

/// The program's process-wide provider if it installed one, else the one the features choose.
fn provider() -> Arc<CryptoProvider> {
    CryptoProvider::get_default().cloned().unwrap_or_else(|| Arc::new(chosen()))
}

/// Both features on (two dependents asking for one each): aws-lc-rs, the default.
#[cfg(feature = "aws-lc-rs")]
fn chosen() -> CryptoProvider {
    rustls::crypto::aws_lc_rs::default_provider()
}

/// rustls (from 0.23.48) deprecates ring's provider for its lack of a
/// post-quantum key exchange; it is still the one that builds without cmake,
/// which is what the feature is for, and the README says what it lacks.
#[cfg(all(feature = "ring", not(feature = "aws-lc-rs")))]
#[allow(deprecated)]
fn chosen() -> CryptoProvider {
    rustls::crypto::ring::default_provider()
}

/// Accepts any certificate, still checking that the handshake is signed by
/// the certificate's key: what `use_unverified_ssl(true)` asks for.
#[derive(Debug)]
struct AnyCertificate(WebPkiSupportedAlgorithms);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn http_offers_http2_then_http1_and_a_websocket_nothing_but_its_upgrade() {
        for verify in [true, false] {
            let http = super::client_config(verify, super::HTTP_ALPN).unwrap();
            assert_eq!(http.alpn_protocols, [b"h2".to_vec(), b"http/1.1".to_vec()]);
            assert!(super::client_config(verify, &[]).unwrap().alpn_protocols.is_empty());
        }
    }
}
