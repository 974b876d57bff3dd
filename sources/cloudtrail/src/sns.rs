/*!
Publishing messages to the SNS topic.

Each message is published with `MessageStructure=json`: the `default` part is
the contract JSON, which Lambda, SQS and HTTPS subscribers receive; the
`email` part is a plain-text body for email subscribers, who also get a
subject line. Message attributes let every subscription choose what it
receives with a filter policy:

| attribute | type | value |
|---|---|---|
| `source` | String | the source, `cloudtrail` |
| `severity` | String | `info`, `low`, `medium`, `high` or `critical` |
| `outcome` | String | `success`, `denied` or `failure` |
| `account` | String | the account the event was recorded in, when known |
| `region` | String | the region the event was recorded in, when known |
| `eventName` | String | the API name, when known |
| `errorCode` | String | the error code, only when the call failed |
| `identityType` | String | the caller's identity type (`IAMUser`, `AssumedRole`, `Root`, ...) |
| `rule` | String.Array | the ids of the rules that matched, only when any did |

An attribute whose value would be empty is left out; values are cut to 256
characters and control characters become spaces.

Messages go out with `PublishBatch`, at most ten and at most 256 KiB per
request. A message whose published form (both parts, the subject and the
attributes) would exceed SNS's 256 KiB limit is trimmed with visible cut
markers until it fits ([`activity_aware::fit`]), so size never loses an
alert. Entries that SNS lists as failed are sent again, a bounded number of
times with a short backoff, unless SNS says the fault is the sender's; an
entry that succeeded is never sent again. What still fails, and any failed
request, fails the publish with the SNS error codes.
*/

use std::collections::{BTreeMap, HashSet};
use std::ops::Range;
use std::time::Duration;

use aws_sdk_sns::error::ProvideErrorMetadata;
use aws_sdk_sns::types::{MessageAttributeValue, PublishBatchRequestEntry};
use serde_json::json;
use tracing::{error, info, warn};

use activity_aware::Message;
use activity_aware::fit::{FitError, fit};
use activity_aware::message::Outcome;
use activity_aware::standardize::cut;

use crate::email;
use crate::publish::{Publish, PublishError};

/// The largest message SNS takes, message and attributes together, in bytes.
pub const MESSAGE_MAX_BYTES: usize = 262_144;

/// The most entries one `PublishBatch` request may carry.
pub const BATCH_MAX_ENTRIES: usize = 10;

/// The largest `PublishBatch` request, all entries together, in bytes.
pub const BATCH_MAX_BYTES: usize = 262_144;

/// The longest attribute value, in characters.
const ATTRIBUTE_MAX_CHARS: usize = 256;

/// One message attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    pub name: &'static str,
    /// `String` or `String.Array`.
    pub data_type: &'static str,
    pub value: String,
}

impl Attribute {
    /// The bytes SNS counts for the attribute.
    fn size(&self) -> usize {
        self.name.len() + self.data_type.len() + self.value.len()
    }
}

/// The message attributes of a message; see the module documentation.
pub fn attributes(message: &Message) -> Vec<Attribute> {
    let mut attributes = Vec::new();
    let mut text = |name: &'static str, value: Option<&str>| {
        if let Some(value) = value.and_then(attribute_text) {
            attributes.push(Attribute {
                name,
                data_type: "String",
                value,
            });
        }
    };

    let outcome = match message.action.outcome {
        Outcome::Success => "success",
        Outcome::Denied => "denied",
        Outcome::Failure => "failure",
    };
    text("source", Some(&message.source));
    text("severity", Some(message.severity.as_str()));
    text("outcome", Some(outcome));
    text("account", message.account.as_deref());
    text("region", message.region.as_deref());
    text("eventName", message.action.name.as_deref());
    text("errorCode", message.action.error_code.as_deref());
    text("identityType", Some(&message.actor.identity_type));

    let mut seen = HashSet::new();
    let rules: Vec<String> = message
        .findings
        .iter()
        .filter_map(|finding| attribute_text(&finding.rule_id))
        .filter(|rule| seen.insert(rule.clone()))
        .collect();
    if !rules.is_empty() {
        attributes.push(Attribute {
            name: "rule",
            data_type: "String.Array",
            value: json!(rules).to_string(),
        });
    }

    attributes
}

/// An attribute value SNS takes: no control characters or non-characters,
/// not empty, not too long.
fn attribute_text(text: &str) -> Option<String> {
    let clean: String = text
        .chars()
        .filter(|c| !matches!(c, '\u{fffe}' | '\u{ffff}'))
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let clean = clean.trim();
    (!clean.is_empty()).then(|| cut(clean, ATTRIBUTE_MAX_CHARS))
}

/// A message in the form it is published.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The contract message id.
    pub message_id: String,
    /// The `MessageStructure=json` document: `default` and `email`.
    pub body: String,
    pub subject: String,
    pub attributes: Vec<Attribute>,
    /// What SNS counts against its limit, in bytes.
    pub size: usize,
    /// Whether the message was trimmed to fit.
    pub trimmed: bool,
}

impl Entry {
    /// The message as published, trimmed when it would be too large.
    pub fn new(message: &Message) -> Result<Entry, FitError> {
        let fitted = fit(message, MESSAGE_MAX_BYTES, |candidate| {
            Entry::render(candidate).size
        })?;
        let mut entry = Entry::render(&fitted.message);
        entry.trimmed = fitted.trimmed;
        Ok(entry)
    }

    fn render(message: &Message) -> Entry {
        let body = json!({
            "default": message.to_json(),
            "email": email::body(message),
        })
        .to_string();
        let subject = email::subject(message);
        let attributes = attributes(message);
        let size =
            body.len() + subject.len() + attributes.iter().map(Attribute::size).sum::<usize>();

        Entry {
            message_id: message.id.clone(),
            body,
            subject,
            attributes,
            size,
            trimmed: false,
        }
    }

    fn request_entry(&self, id: String) -> Result<PublishBatchRequestEntry, String> {
        let mut builder = PublishBatchRequestEntry::builder()
            .id(id)
            .message(&self.body)
            .message_structure("json")
            .subject(&self.subject);
        for attribute in &self.attributes {
            let value = MessageAttributeValue::builder()
                .data_type(attribute.data_type)
                .string_value(&attribute.value)
                .build()
                .map_err(|error| error.to_string())?;
            builder = builder.message_attributes(attribute.name, value);
        }
        builder.build().map_err(|error| error.to_string())
    }
}

/// Splits entries of the given sizes, in order, into requests of at most
/// [`BATCH_MAX_ENTRIES`] entries and [`BATCH_MAX_BYTES`] bytes.
pub fn batches(sizes: &[usize]) -> Vec<Range<usize>> {
    let mut batches = Vec::new();
    let mut start = 0;
    let mut bytes = 0;

    for (index, size) in sizes.iter().enumerate() {
        let full = index - start == BATCH_MAX_ENTRIES || bytes + size > BATCH_MAX_BYTES;
        if index > start && full {
            batches.push(start..index);
            start = index;
            bytes = 0;
        }
        bytes += size;
    }
    if start < sizes.len() {
        batches.push(start..sizes.len());
    }
    batches
}

/// How often and how soon failed entries are sent again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SnsRetry {
    /// Attempts per entry, the first included.
    pub max_attempts: u32,
    /// The wait before the second attempt; it doubles after each.
    pub initial_backoff: Duration,
}

impl Default for SnsRetry {
    fn default() -> SnsRetry {
        SnsRetry {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(100),
        }
    }
}

/// What one publish took.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PublishStats {
    /// Messages published.
    pub published: usize,
    /// `PublishBatch` requests sent.
    pub requests: usize,
    /// Messages trimmed to fit.
    pub trimmed: usize,
    /// Entries sent again after SNS listed them as failed.
    pub retried: usize,
}

/// Publishes messages to one SNS topic.
#[derive(Debug, Clone)]
pub struct SnsPublisher {
    client: aws_sdk_sns::Client,
    topic_arn: String,
    retry: SnsRetry,
}

/// Failures of one publish, by SNS error code.
#[derive(Default)]
struct Failures {
    by_code: BTreeMap<String, (usize, String)>,
    count: usize,
}

impl Failures {
    fn add(&mut self, code: &str, text: &str) {
        let kept = self
            .by_code
            .entry(code.to_owned())
            .or_insert_with(|| (0, cut(text, 200)));
        kept.0 += 1;
        self.count += 1;
    }

    fn describe(&self) -> String {
        self.by_code
            .iter()
            .map(|(code, (count, text))| format!("`{code}` for {count} ({text})"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// What became of one batch.
struct BatchOutcome {
    published: usize,
    /// Set when a request failed as a whole; the batch's unsent entries are
    /// not counted in the failures.
    stopped: Option<String>,
}

impl SnsPublisher {
    /// A publisher to `topic_arn` through `client`, which is built once per
    /// process and shared.
    pub fn new(client: aws_sdk_sns::Client, topic_arn: impl Into<String>) -> SnsPublisher {
        SnsPublisher {
            client,
            topic_arn: topic_arn.into(),
            retry: SnsRetry::default(),
        }
    }

    /// The same publisher with other retry settings.
    pub fn with_retry(self, retry: SnsRetry) -> SnsPublisher {
        SnsPublisher { retry, ..self }
    }

    pub fn topic_arn(&self) -> &str {
        &self.topic_arn
    }

    /// Publishes every message, telling what it took, or fails saying how
    /// many messages could not be published and why.
    pub async fn publish_all(&self, messages: &[Message]) -> Result<PublishStats, PublishError> {
        let total = messages.len();
        let mut stats = PublishStats::default();
        let mut failures = Failures::default();

        let mut entries = Vec::with_capacity(total);
        for message in messages {
            match Entry::new(message) {
                Ok(entry) => {
                    if entry.trimmed {
                        stats.trimmed += 1;
                        warn!(message_id = %entry.message_id, size_bytes = entry.size, "message trimmed to fit");
                    }
                    entries.push(entry);
                }
                Err(too_large) => {
                    error!(message_id = %message.id, error = %too_large, "message too large to publish");
                    failures.add("MessageTooLarge", &too_large.to_string());
                }
            }
        }

        let sizes: Vec<usize> = entries.iter().map(|entry| entry.size).collect();
        for range in batches(&sizes) {
            let outcome = self
                .send_batch(range.start, &entries[range], &mut stats, &mut failures)
                .await;
            stats.published += outcome.published;

            if let Some(reason) = outcome.stopped {
                return Err(self.not_published(stats.published, total, reason));
            }
        }

        if failures.count > 0 {
            let reason = format!("SNS refused them: {}", failures.describe());
            return Err(self.not_published(stats.published, total, reason));
        }

        info!(
            topic_arn = %self.topic_arn,
            published = stats.published,
            requests = stats.requests,
            trimmed = stats.trimmed,
            retried = stats.retried,
            "messages published"
        );
        Ok(stats)
    }

    /// Logs and returns the error for a publish that lost messages: every
    /// message not published fails the invocation, so that it is retried.
    fn not_published(&self, published: usize, total: usize, reason: String) -> PublishError {
        error!(
            topic_arn = %self.topic_arn,
            published,
            failed = total - published,
            total,
            error = %reason,
            "messages not published"
        );
        PublishError::Sns {
            failed: total - published,
            total,
            reason,
        }
    }

    /// Sends one batch, again for the entries SNS lists as failed for a
    /// reason that is not the sender's, until each succeeded or ran out of
    /// attempts.
    /// Entries are numbered from `first`, their place among all the
    /// messages of the publish.
    async fn send_batch(
        &self,
        first: usize,
        batch: &[Entry],
        stats: &mut PublishStats,
        failures: &mut Failures,
    ) -> BatchOutcome {
        let mut outcome = BatchOutcome {
            published: 0,
            stopped: None,
        };
        let mut pending: Vec<usize> = (0..batch.len()).collect();
        let mut last_failure: BTreeMap<usize, (String, String)> = BTreeMap::new();
        let mut backoff = self.retry.initial_backoff;

        for attempt in 1..=self.retry.max_attempts.max(1) {
            if attempt > 1 {
                tokio::time::sleep(backoff).await;
                backoff = backoff.saturating_mul(2);
                stats.retried += pending.len();
            }

            let request_entries: Result<Vec<_>, String> = pending
                .iter()
                .map(|&index| batch[index].request_entry(entry_id(first + index)))
                .collect();
            let request_entries = match request_entries {
                Ok(request_entries) => request_entries,
                Err(reason) => {
                    outcome.stopped = Some(format!("a PublishBatch entry is invalid: {reason}"));
                    return outcome;
                }
            };

            stats.requests += 1;
            // Boxed: the SDK's future is deep enough to overflow the compiler's
            // layout limit when nested in the Lambda runtime's.
            let response = Box::pin(
                self.client
                    .publish_batch()
                    .topic_arn(&self.topic_arn)
                    .set_publish_batch_request_entries(Some(request_entries))
                    .send(),
            )
            .await;
            let response = match response {
                Ok(response) => response,
                Err(error) => {
                    let reason = match error.as_service_error() {
                        Some(service) => format!(
                            "`{}`: {}",
                            service.code().unwrap_or("unknown error"),
                            service.message().unwrap_or_default()
                        ),
                        None => activity_aware::telemetry::error_chain(&error),
                    };
                    outcome.stopped = Some(format!("the PublishBatch request failed: {reason}"));
                    return outcome;
                }
            };

            let succeeded: HashSet<&str> = response
                .successful()
                .iter()
                .filter_map(|entry| entry.id())
                .collect();
            let mut again = Vec::new();
            for index in pending {
                let id = entry_id(first + index);
                if succeeded.contains(id.as_str()) {
                    outcome.published += 1;
                    continue;
                }

                match response.failed().iter().find(|failed| failed.id() == id) {
                    Some(failed) if failed.sender_fault() => {
                        failures.add(failed.code(), failed.message().unwrap_or_default());
                    }
                    Some(failed) => {
                        warn!(
                            message_id = %batch[index].message_id,
                            error_code = failed.code(),
                            attempt,
                            "message not published, will retry"
                        );
                        last_failure.insert(
                            index,
                            (
                                failed.code().to_owned(),
                                failed.message().unwrap_or_default().to_owned(),
                            ),
                        );
                        again.push(index);
                    }
                    None => {
                        last_failure.insert(
                            index,
                            (
                                "NotAcknowledged".to_owned(),
                                "SNS listed the entry neither as successful nor as failed"
                                    .to_owned(),
                            ),
                        );
                        again.push(index);
                    }
                }
            }

            pending = again;
            if pending.is_empty() {
                break;
            }
        }

        for index in pending {
            if let Some((code, text)) = last_failure.get(&index) {
                failures.add(code, text);
            }
        }
        outcome
    }
}

/// The id of an entry within its request: its place among the messages.
fn entry_id(index: usize) -> String {
    format!("m{index}")
}

impl Publish for SnsPublisher {
    async fn publish(&self, messages: &[Message]) -> Result<(), PublishError> {
        self.publish_all(messages).await.map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use activity_aware::cloudtrail::Event;
    use activity_aware::message::{Finding, Severity};
    use activity_aware::standardize::{CUT_MARKER, standardize};

    use super::*;

    fn message(extra: serde_json::Value, findings: Vec<Finding>) -> Message {
        let mut value = json!({
            "eventID": "0b7c2f4e-1111-4c1a-9d55-2c1d7a5e9f00",
            "eventTime": "2024-03-01T10:00:00Z",
            "eventSource": "sts.amazonaws.com",
            "eventName": "AssumeRole",
            "awsRegion": "us-east-1",
            "recipientAccountId": "111122223333",
            "errorCode": "AccessDenied",
            "userIdentity": {"type": "IAMUser", "userName": "alice"}
        });
        if let (Some(fields), serde_json::Value::Object(extra)) = (value.as_object_mut(), extra) {
            fields.extend(extra);
        }
        standardize(&Event::from_value(value).unwrap(), findings)
    }

    fn finding(rule_id: &str) -> Finding {
        Finding {
            rule_id: rule_id.to_owned(),
            title: "t".to_owned(),
            severity: Severity::High,
            description: None,
            references: vec![],
        }
    }

    fn pairs(attributes: &[Attribute]) -> Vec<(&str, &str, &str)> {
        attributes
            .iter()
            .map(|a| (a.name, a.data_type, a.value.as_str()))
            .collect()
    }

    #[test]
    fn attributes_name_the_fields_subscribers_filter_on() {
        let message = message(
            json!({}),
            vec![
                finding("access-denied"),
                finding("root-user-activity"),
                finding("access-denied"),
            ],
        );

        assert_eq!(
            pairs(&attributes(&message)),
            vec![
                ("source", "String", "cloudtrail"),
                ("severity", "String", "high"),
                ("outcome", "String", "denied"),
                ("account", "String", "111122223333"),
                ("region", "String", "us-east-1"),
                ("eventName", "String", "AssumeRole"),
                ("errorCode", "String", "AccessDenied"),
                ("identityType", "String", "IAMUser"),
                (
                    "rule",
                    "String.Array",
                    r#"["access-denied","root-user-activity"]"#
                ),
            ]
        );
    }

    #[test]
    fn attributes_leave_out_what_is_empty_or_unusable() {
        let mut message = message(json!({"errorCode": null}), vec![]);
        message.region = Some(" \u{0}\t ".to_owned());
        message.action.name = Some(format!("Get\u{1}{}", "x".repeat(1_000)));

        let attributes = attributes(&message);

        let names: Vec<&str> = attributes.iter().map(|a| a.name).collect();
        assert_eq!(
            names,
            [
                "source",
                "severity",
                "outcome",
                "account",
                "eventName",
                "identityType"
            ]
        );
        let event_name = &attributes[4].value;
        assert!(event_name.starts_with("Get xxx"), "{event_name:.10}");
        assert!(event_name.ends_with(CUT_MARKER));
        assert_eq!(event_name.chars().count(), ATTRIBUTE_MAX_CHARS);
    }

    #[test]
    fn entry_carries_the_contract_message_and_an_email_body() {
        let message = message(json!({}), vec![]);

        let entry = Entry::new(&message).unwrap();

        let body: serde_json::Value = serde_json::from_str(&entry.body).unwrap();
        assert_eq!(body["default"].as_str().unwrap(), message.to_json());
        assert_eq!(body["email"].as_str().unwrap(), email::body(&message));
        assert_eq!(entry.subject, email::subject(&message));
        assert!(!entry.trimmed);
        let attribute_bytes: usize = entry.attributes.iter().map(Attribute::size).sum();
        assert_eq!(
            entry.size,
            entry.body.len() + entry.subject.len() + attribute_bytes
        );
    }

    #[test]
    fn entry_of_a_250_kb_event_is_trimmed_under_the_limit() {
        let resources: Vec<serde_json::Value> = (0..1_500)
            .map(|index| {
                json!({"ARN": format!("arn:aws:s3:::bucket/{index:05}/{}", "k".repeat(120)),
                    "type": "AWS::S3::Object"})
            })
            .collect();
        let message = message(
            json!({"resources": resources}),
            vec![finding("access-denied")],
        );
        assert!(message.to_json().len() > 250_000);

        let entry = Entry::new(&message).unwrap();

        assert!(entry.trimmed);
        assert!(entry.size <= MESSAGE_MAX_BYTES, "{}", entry.size);
        let body: serde_json::Value = serde_json::from_str(&entry.body).unwrap();
        let published = Message::from_json(body["default"].as_str().unwrap()).unwrap();
        assert_eq!(published.id, message.id);
        assert!(published.resources.len() < 1_500);
        let note = published.details.last().unwrap();
        assert_eq!(
            note.value,
            format!(
                "{} resources left out{CUT_MARKER}",
                1_500 - published.resources.len()
            )
        );
        assert!(
            body["email"]
                .as_str()
                .unwrap()
                .contains("resources left out")
        );
    }

    #[test]
    fn batches_hold_at_most_ten_entries() {
        let sizes = vec![100; 23];
        assert_eq!(batches(&sizes), vec![0..10, 10..20, 20..23]);
        assert_eq!(batches(&[]), Vec::<Range<usize>>::new());
    }

    #[test]
    fn batches_hold_at_most_256_kib() {
        let sizes = [100_000, 100_000, 62_144, 1, MESSAGE_MAX_BYTES, 5];
        assert_eq!(batches(&sizes), vec![0..3, 3..4, 4..5, 5..6]);
    }
}
