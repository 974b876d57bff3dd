/*!
Names of the environment variables the functions read.

The CDK app (`cdk/lib/env.ts`) uses the same names; change both together.
*/

/// The topic the source publishes to. Unset in local runs: messages go to stdout.
pub const TOPIC_ARN: &str = "TOPIC_ARN";

/// The CloudWatch Logs filter pattern the source applies to raw events in
/// local runs. Unset means the default pattern; empty means every event.
pub const FILTER_PATTERN: &str = "FILTER_PATTERN";

/// Which events the source reports: `findings` (the default: events that
/// matched a rule) or `all` (every event the subscription delivers).
pub const REPORT: &str = "REPORT";

/// A directory of extra Sigma rules for the source.
pub const RULES_DIR: &str = "RULES_DIR";

/// A YAML file of suppressions for the source.
pub const SUPPRESSIONS_FILE: &str = "SUPPRESSIONS_FILE";

/// The Slack incoming-webhook URL in plain text, for local runs.
pub const SLACK_WEBHOOK_URL: &str = "SLACK_WEBHOOK_URL";

/// The Slack incoming-webhook URL as base64 KMS ciphertext, for AWS.
pub const SLACK_WEBHOOK_CIPHERTEXT: &str = "SLACK_WEBHOOK_CIPHERTEXT";

/// The encryption context the webhook ciphertext is bound to: this key with
/// [`WEBHOOK_ENCRYPTION_CONTEXT_VALUE`] as its value.
pub const WEBHOOK_ENCRYPTION_CONTEXT_KEY: &str = "activity-aware:purpose";
pub const WEBHOOK_ENCRYPTION_CONTEXT_VALUE: &str = "slack-webhook";

/// The log filter (`tracing_subscriber` syntax), `info` by default.
pub const LOG_LEVEL: &str = "LOG_LEVEL";

/// Reads an environment variable, telling unset apart from empty.
pub fn var(name: &str) -> Option<String> {
    std::env::var(name).ok()
}
