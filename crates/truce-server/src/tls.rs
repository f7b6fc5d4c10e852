//! TLS for `truce serve --tls-cert FILE --tls-key FILE`: rustls (with the ring provider),
//! HTTP/1.1 only, the certificate chain and key read from PEM files (what certbot, an ACME
//! client or `openssl req` writes).
//!
//! The handshake runs inside each connection's task in `listen`, under the same header read
//! timeout as a request head, so a client that stalls a handshake holds nothing for longer.

use std::{path::Path, sync::Arc};

use rustls::ServerConfig;
use rustls_pki_types::{pem::PemObject as _, CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("--tls-cert {path}: {reason}")]
    Certificate { path: String, reason: String },
    #[error("--tls-key {path}: {reason}")]
    Key { path: String, reason: String },
    #[error("--tls-cert and --tls-key do not go together: {0}")]
    Mismatch(String),
}

/// An acceptor for the certificate chain in `cert_path` and the private key in `key_path`
/// (PKCS#8, PKCS#1 or SEC1 PEM).
///
/// # Errors
/// A file that cannot be read, holds no certificate or key, or a key that is not the
/// certificate's.
pub fn acceptor(cert_path: &Path, key_path: &Path) -> Result<TlsAcceptor, TlsError> {
    let certificate = |reason: String| TlsError::Certificate { path: cert_path.display().to_string(), reason };
    let chain = CertificateDer::pem_file_iter(cert_path)
        .map_err(|err| certificate(err.to_string()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|err| certificate(err.to_string()))?;
    if chain.is_empty() {
        return Err(certificate("holds no PEM certificate".into()));
    }
    let key = PrivateKeyDer::from_pem_file(key_path)
        .map_err(|err| TlsError::Key { path: key_path.display().to_string(), reason: err.to_string() })?;
    // ring, the provider reqwest's rustls already brings in: rustls 0.23.48 deprecates it for
    // lacking post-quantum key exchange, which only its aws-lc-rs provider (a large C build)
    // offers; X25519 and the P-curves remain.
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|err| TlsError::Mismatch(err.to_string()))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|err| TlsError::Mismatch(err.to_string()))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}
