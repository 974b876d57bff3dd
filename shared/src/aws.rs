/*!
How every part of the product reaches AWS and other HTTPS endpoints.

One TLS stack serves all of them: rustls with ring. The AWS SDK's default
HTTPS client would bring aws-lc instead, which is larger than the rest of a
deployment package put together, so the SDK is given this client, and
HTTP clients that take the process's default crypto provider get ring too.
*/

use aws_config::{BehaviorVersion, ConfigLoader, SdkConfig};
use aws_smithy_http_client::Builder;
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};

/// The SDK's default configuration (region, credentials chain, retries,
/// `AWS_ENDPOINT_URL`) with the product's HTTPS client, to adjust before
/// loading.
pub fn config_loader() -> ConfigLoader {
    // The SDK client, on rustls and ring, trusting the system's certificate
    // authorities.
    let https = Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
        .build_https();
    aws_config::defaults(BehaviorVersion::latest()).http_client(https)
}

/// The SDK's default configuration with the product's HTTPS client.
pub async fn load_config() -> SdkConfig {
    Box::pin(config_loader().load()).await
}

/// Makes ring the process's rustls crypto provider, for HTTP clients that
/// use the process default. Calling it again changes nothing.
pub fn install_crypto_provider() {
    // The only error is that a provider is installed already, which is
    // what this asks for.
    let _ = rustls::crypto::ring::default_provider().install_default();
}
