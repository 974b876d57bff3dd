/*!
Everything that can go wrong in the Slack destination.

Messages never contain the webhook URL: errors from the HTTP client are
stripped of it before they are kept.
*/

use lambda_runtime::Diagnostic;

/// An error of the Slack destination.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("`{name}` is set but empty; unset it to print payloads instead")]
    WebhookUrlEmpty { name: &'static str },

    #[error("`{name}` is not a valid URL: {reason}")]
    WebhookUrlInvalid {
        name: &'static str,
        reason: url::ParseError,
    },

    #[error("`{name}` must be an https URL (plain http only for a loopback host), not `{scheme}`")]
    WebhookUrlInsecure { name: &'static str, scheme: String },

    #[error("`{name}` is not valid base64 KMS ciphertext: {reason}")]
    CiphertextInvalid { name: &'static str, reason: String },

    #[error("KMS could not decrypt `{name}` (`{code}`): {detail}")]
    DecryptFailed {
        name: &'static str,
        code: String,
        detail: String,
    },

    #[error("the plaintext of `{name}` is not UTF-8 text")]
    DecryptedNotText { name: &'static str },

    #[error("the URL decrypted from `{name}` must be https, not `{scheme}`")]
    DecryptedUrlNotHttps { name: &'static str, scheme: String },

    #[error(
        "no webhook configured: the Lambda function needs `SLACK_WEBHOOK_CIPHERTEXT` \
         (or `SLACK_WEBHOOK_URL`)"
    )]
    WebhookMissing,

    #[error("the HTTP client could not be built: {reason}")]
    HttpClient { reason: String },

    #[error("Slack refused the message: HTTP {status} `{code}`")]
    Rejected { status: u16, code: String },

    #[error(
        "Slack did not take the message within the deadline after {attempts} attempts; \
         last outcome: {last}"
    )]
    DeadlineExceeded { attempts: u32, last: String },

    #[error("{failed} of {total} records failed: {reasons}")]
    RecordsFailed {
        failed: usize,
        total: usize,
        reasons: String,
    },

    #[error("reading messages from stdin failed: {source}")]
    Stdin { source: std::io::Error },

    #[error("writing payloads to stdout failed: {source}")]
    Stdout { source: std::io::Error },

    #[error("{failed} of {total} input lines failed")]
    LinesFailed { failed: usize, total: usize },

    #[error("the Lambda runtime stopped: {reason}")]
    Runtime { reason: String },
}

impl Error {
    /// A stable name for logs and for the Lambda error type.
    pub fn code(&self) -> &'static str {
        match self {
            Error::WebhookUrlEmpty { .. }
            | Error::WebhookUrlInvalid { .. }
            | Error::WebhookUrlInsecure { .. }
            | Error::CiphertextInvalid { .. }
            | Error::DecryptedNotText { .. }
            | Error::DecryptedUrlNotHttps { .. }
            | Error::WebhookMissing => "ConfigInvalid",
            Error::DecryptFailed { .. } => "DecryptFailed",
            Error::HttpClient { .. } => "HttpClientFailed",
            Error::Rejected { .. } => "SlackRejected",
            Error::DeadlineExceeded { .. } => "SlackDeadlineExceeded",
            Error::RecordsFailed { .. } => "RecordsFailed",
            Error::Stdin { .. } | Error::Stdout { .. } => "IoFailed",
            Error::LinesFailed { .. } => "LinesFailed",
            Error::Runtime { .. } => "RuntimeFailed",
        }
    }
}

impl From<Error> for Diagnostic {
    fn from(error: Error) -> Diagnostic {
        Diagnostic {
            error_type: error.code().to_owned(),
            error_message: error.to_string(),
        }
    }
}
