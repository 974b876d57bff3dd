/*!
The webhook URL encrypted at rest with KMS.

In AWS the function's environment holds `SLACK_WEBHOOK_CIPHERTEXT`: base64
KMS ciphertext of the webhook URL, bound to the encryption context
`activity-aware:purpose=slack-webhook`. It is decrypted once, at cold start,
and the URL is kept in memory only, inside a [`WebhookUrl`], never logged.
The context means a ciphertext made for another purpose cannot be passed off
as the webhook, and KMS's audit log records what each decryption was for.

A decrypted URL must be https. Tests that post to a local Slack stand-in over
loopback http say so in code, with [`Schemes::HttpsOrLoopbackHttp`]; no
setting can relax the check in a deployed function.
*/

use std::future::Future;

use activity_aware::config::{
    SLACK_WEBHOOK_CIPHERTEXT, WEBHOOK_ENCRYPTION_CONTEXT_KEY, WEBHOOK_ENCRYPTION_CONTEXT_VALUE,
};
use aws_sdk_kms::error::ProvideErrorMetadata;
use aws_sdk_kms::primitives::Blob;
use base64::Engine;
use tracing::info;

use crate::config::WebhookUrl;
use crate::error::Error;

/// Why a decryption failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecryptFailure {
    /// KMS's error code, such as `InvalidCiphertextException`, or
    /// `RequestFailed` when KMS could not be reached.
    pub code: String,
    /// What KMS or the SDK said; never the plaintext.
    pub reason: String,
}

/// Something that decrypts KMS ciphertext.
pub trait Decrypt: Send + Sync {
    /// Decrypts `ciphertext` under the encryption context `context`.
    fn decrypt(
        &self,
        ciphertext: Vec<u8>,
        context: (&'static str, &'static str),
    ) -> impl Future<Output = Result<Vec<u8>, DecryptFailure>> + Send;
}

/// KMS reached through the AWS SDK.
#[derive(Debug, Clone)]
pub struct Kms {
    client: aws_sdk_kms::Client,
}

impl Kms {
    pub fn new(client: aws_sdk_kms::Client) -> Kms {
        Kms { client }
    }

    /// A client from the default AWS configuration (which honours
    /// `AWS_ENDPOINT_URL`).
    pub async fn from_env() -> Kms {
        let config = activity_aware::aws::load_config().await;
        Kms::new(aws_sdk_kms::Client::new(&config))
    }
}

impl Decrypt for Kms {
    async fn decrypt(
        &self,
        ciphertext: Vec<u8>,
        context: (&'static str, &'static str),
    ) -> Result<Vec<u8>, DecryptFailure> {
        let answer = Box::pin(
            self.client
                .decrypt()
                .ciphertext_blob(Blob::new(ciphertext))
                .encryption_context(context.0, context.1)
                .send(),
        )
        .await;

        match answer {
            Ok(output) => output
                .plaintext
                .map(Blob::into_inner)
                .ok_or_else(|| DecryptFailure {
                    code: "NoPlaintext".to_owned(),
                    reason: "KMS answered without plaintext".to_owned(),
                }),
            Err(error) => Err(match error.code() {
                Some(code) => DecryptFailure {
                    code: code.to_owned(),
                    reason: error.message().unwrap_or_default().to_owned(),
                },
                None => DecryptFailure {
                    code: "RequestFailed".to_owned(),
                    reason: activity_aware::telemetry::error_chain(&error),
                },
            }),
        }
    }
}

/// Which URL schemes a decrypted webhook may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schemes {
    /// https only: every deployed function.
    HttpsOnly,
    /// https, or plain http to a loopback host: tests with a local stand-in.
    HttpsOrLoopbackHttp,
}

/// Decrypts `SLACK_WEBHOOK_CIPHERTEXT` with KMS from the default AWS
/// configuration and checks the URL is https.
pub async fn webhook_from_ciphertext(ciphertext: &str) -> Result<WebhookUrl, Error> {
    let kms = Kms::from_env().await;
    decrypt_webhook(&kms, ciphertext, Schemes::HttpsOnly).await
}

/// Decrypts base64 ciphertext of the webhook URL under the webhook's
/// encryption context and checks the URL.
pub async fn decrypt_webhook(
    decrypter: &impl Decrypt,
    ciphertext: &str,
    schemes: Schemes,
) -> Result<WebhookUrl, Error> {
    let name = SLACK_WEBHOOK_CIPHERTEXT;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(ciphertext.trim())
        .map_err(|reason| Error::CiphertextInvalid {
            name,
            reason: reason.to_string(),
        })?;

    let context = (
        WEBHOOK_ENCRYPTION_CONTEXT_KEY,
        WEBHOOK_ENCRYPTION_CONTEXT_VALUE,
    );
    let plaintext =
        decrypter
            .decrypt(bytes, context)
            .await
            .map_err(|failure| Error::DecryptFailed {
                name,
                detail: explain(&failure),
                code: failure.code,
            })?;

    let text = String::from_utf8(plaintext).map_err(|_| Error::DecryptedNotText { name })?;
    let url = check(&text, schemes)?;
    info!(encryption_context = %format!("{}={}", context.0, context.1), "webhook decrypted");
    Ok(url)
}

/// The decrypted text as a webhook URL allowed under `schemes`. Errors never
/// include the text.
fn check(text: &str, schemes: Schemes) -> Result<WebhookUrl, Error> {
    let name = SLACK_WEBHOOK_CIPHERTEXT;
    let url = reqwest::Url::parse(text.trim())
        .map_err(|reason| Error::WebhookUrlInvalid { name, reason })?;

    if schemes == Schemes::HttpsOnly && url.scheme() != "https" {
        return Err(Error::DecryptedUrlNotHttps {
            name,
            scheme: url.scheme().to_owned(),
        });
    }
    WebhookUrl::parse(name, text)
}

/// What a KMS failure means for whoever configured the function.
fn explain(failure: &DecryptFailure) -> String {
    let context = format!("{WEBHOOK_ENCRYPTION_CONTEXT_KEY}={WEBHOOK_ENCRYPTION_CONTEXT_VALUE}");
    match failure.code.as_str() {
        "InvalidCiphertextException" => format!(
            "the ciphertext does not decrypt under the encryption context `{context}`; \
             encrypt the URL with `--encryption-context {context}` (a ciphertext made \
             without it, for another purpose or damaged in copying fails the same way)"
        ),
        "IncorrectKeyException"
        | "NotFoundException"
        | "DisabledException"
        | "KMSInvalidStateException" => format!(
            "the key that encrypted the URL cannot be used: {}",
            failure.reason
        ),
        "AccessDeniedException" => {
            "the function's role may not use the key for kms:Decrypt with this encryption \
             context"
                .to_owned()
        }
        _ => failure.reason.clone(),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    const URL: &str = "https://hooks.slack.com/services/T0SECRET/B0SECRET/xoxSECRET";

    /// Answers `plaintext` for the webhook context, and KMS's error for any
    /// other; remembers the contexts it was asked for.
    struct FakeKms {
        plaintext: Vec<u8>,
        asked: Mutex<Vec<(String, String)>>,
    }

    impl FakeKms {
        fn new(plaintext: &[u8]) -> FakeKms {
            FakeKms {
                plaintext: plaintext.to_vec(),
                asked: Mutex::new(Vec::new()),
            }
        }
    }

    impl Decrypt for FakeKms {
        async fn decrypt(
            &self,
            ciphertext: Vec<u8>,
            context: (&'static str, &'static str),
        ) -> Result<Vec<u8>, DecryptFailure> {
            self.asked
                .lock()
                .unwrap()
                .push((context.0.to_owned(), context.1.to_owned()));
            if ciphertext != b"sealed" {
                return Err(DecryptFailure {
                    code: "InvalidCiphertextException".to_owned(),
                    reason: String::new(),
                });
            }
            Ok(self.plaintext.clone())
        }
    }

    fn sealed() -> String {
        base64::engine::general_purpose::STANDARD.encode(b"sealed")
    }

    #[tokio::test]
    async fn decrypts_under_the_webhook_encryption_context() {
        let kms = FakeKms::new(URL.as_bytes());

        let url = decrypt_webhook(&kms, &sealed(), Schemes::HttpsOnly)
            .await
            .unwrap();

        assert_eq!(url.expose().as_str(), URL);
        assert_eq!(
            *kms.asked.lock().unwrap(),
            vec![(
                "activity-aware:purpose".to_owned(),
                "slack-webhook".to_owned()
            )]
        );
    }

    #[tokio::test]
    async fn a_ciphertext_for_another_context_is_refused_naming_the_context() {
        let kms = FakeKms::new(URL.as_bytes());
        let other = base64::engine::general_purpose::STANDARD.encode(b"other");

        let error = decrypt_webhook(&kms, &other, Schemes::HttpsOnly)
            .await
            .unwrap_err();

        assert_eq!(error.code(), "DecryptFailed");
        let text = error.to_string();
        assert!(
            text.starts_with(
                "KMS could not decrypt `SLACK_WEBHOOK_CIPHERTEXT` (`InvalidCiphertextException`): \
                 the ciphertext does not decrypt under the encryption context \
                 `activity-aware:purpose=slack-webhook`"
            ),
            "{text}"
        );
    }

    #[tokio::test]
    async fn refuses_plain_http_without_showing_the_url() {
        let kms = FakeKms::new(b"http://hooks.slack.com/services/T0SECRET/B0SECRET/xoxSECRET");

        let error = decrypt_webhook(&kms, &sealed(), Schemes::HttpsOnly)
            .await
            .unwrap_err();

        assert_eq!(
            error.to_string(),
            "the URL decrypted from `SLACK_WEBHOOK_CIPHERTEXT` must be https, not `http`"
        );
    }

    #[tokio::test]
    async fn loopback_http_is_for_tests_that_ask_for_it() {
        let kms = FakeKms::new(b"http://127.0.0.1:9/hook");

        let strict = decrypt_webhook(&kms, &sealed(), Schemes::HttpsOnly).await;
        let relaxed = decrypt_webhook(&kms, &sealed(), Schemes::HttpsOrLoopbackHttp).await;

        assert!(matches!(strict, Err(Error::DecryptedUrlNotHttps { .. })));
        assert_eq!(
            relaxed.unwrap().expose().as_str(),
            "http://127.0.0.1:9/hook"
        );
    }

    #[tokio::test]
    async fn refuses_text_that_is_not_a_url_without_showing_it() {
        let kms = FakeKms::new(b"hooks.slack.com/services/SECRET");

        let error = decrypt_webhook(&kms, &sealed(), Schemes::HttpsOnly)
            .await
            .unwrap_err();

        assert_eq!(
            error.to_string(),
            "`SLACK_WEBHOOK_CIPHERTEXT` is not a valid URL: relative URL without a base"
        );
    }

    #[tokio::test]
    async fn refuses_ciphertext_that_is_not_base64_or_plaintext_that_is_not_text() {
        let kms = FakeKms::new(&[0xff, 0xfe, 0x00]);

        let not_base64 = decrypt_webhook(&kms, "not base64!", Schemes::HttpsOnly)
            .await
            .unwrap_err();
        let not_text = decrypt_webhook(&kms, &sealed(), Schemes::HttpsOnly)
            .await
            .unwrap_err();

        assert!(
            not_base64
                .to_string()
                .starts_with("`SLACK_WEBHOOK_CIPHERTEXT` is not valid base64 KMS ciphertext: "),
            "{not_base64}"
        );
        assert_eq!(
            not_text.to_string(),
            "the plaintext of `SLACK_WEBHOOK_CIPHERTEXT` is not UTF-8 text"
        );
    }
}
