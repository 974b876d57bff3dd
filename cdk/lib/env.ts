/**
 * Names of the environment variables the functions read.
 *
 * The Rust side defines the same names in `shared/src/config.rs`; a test keeps the two equal.
 */

/** The topic the source publishes messages to. */
export const TOPIC_ARN = 'TOPIC_ARN';

/** The filter pattern the source applies itself in local runs. */
export const FILTER_PATTERN = 'FILTER_PATTERN';

/** A directory of extra Sigma rules for the source. */
export const RULES_DIR = 'RULES_DIR';

/** A YAML file of suppressions for the source. */
export const SUPPRESSIONS_FILE = 'SUPPRESSIONS_FILE';

/** The Slack webhook URL in plain text, for local runs only; never set by this app. */
export const SLACK_WEBHOOK_URL = 'SLACK_WEBHOOK_URL';

/** The Slack webhook URL as base64 KMS ciphertext. */
export const SLACK_WEBHOOK_CIPHERTEXT = 'SLACK_WEBHOOK_CIPHERTEXT';

/** The key of the encryption context the webhook ciphertext is bound to. */
export const WEBHOOK_ENCRYPTION_CONTEXT_KEY = 'activity-aware:purpose';

/** The value of the encryption context the webhook ciphertext is bound to. */
export const WEBHOOK_ENCRYPTION_CONTEXT_VALUE = 'slack-webhook';

/** The log filter of both functions. */
export const LOG_LEVEL = 'LOG_LEVEL';
