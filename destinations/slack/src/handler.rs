/*!
One SNS event in, one Slack post per record out.

Each record's `Message` must be a contract message. A record that is not, or
whose payload Slack does not take, is logged at `error` and counted; the
other records are still posted. When any record failed the invocation
returns an error, so SNS retries the event and in the end sends it to the
dead-letter queue rather than dropping it silently.
*/

use activity_aware::Message;
use activity_aware::message::MessageError;
use aws_lambda_events::event::sns::SnsEvent;
use tokio::time::Instant;
use tracing::{debug, error, info};

use crate::error::Error;
use crate::render::render;
use crate::webhook::PostPayload;

/// Renders and posts every record of `event`, finishing by `deadline`.
pub async fn handle(
    webhook: &impl PostPayload,
    event: SnsEvent,
    deadline: Instant,
) -> Result<(), Error> {
    let total = event.records.len();
    let mut invalid = 0;
    let mut undelivered = 0;
    let mut last_failure = None;

    for record in event.records {
        let record_id = record.sns.message_id;

        let message = match Message::from_json(&record.sns.message) {
            Ok(message) => message,
            Err(reason) => {
                let reason = describe_invalid(&reason);
                error!(record_id = %record_id, error = %reason, "record not a message");
                invalid += 1;
                last_failure = Some(format!("record `{record_id}` is not a message: {reason}"));
                continue;
            }
        };

        let payload = render(&message);
        match webhook.post(&payload, deadline).await {
            Ok(delivery) => debug!(
                record_id = %record_id,
                message_id = %message.id,
                attempts = delivery.attempts,
                "message delivered"
            ),
            Err(failure) => {
                error!(
                    record_id = %record_id,
                    message_id = %message.id,
                    error_code = failure.code(),
                    error = %failure,
                    "message not delivered"
                );
                undelivered += 1;
                last_failure = Some(format!("record `{record_id}` was not delivered: {failure}"));
            }
        }
    }

    let failed = invalid + undelivered;
    info!(total, invalid, undelivered, "sns event handled");
    if failed == 0 {
        return Ok(());
    }

    Err(Error::RecordsFailed {
        failed,
        total,
        reasons: format!(
            "{invalid} not a message, {undelivered} not delivered; last: {}",
            last_failure.unwrap_or_default()
        ),
    })
}

/// Why a record is not a message, without repeating any of its content:
/// serde's messages can quote values from the input.
pub fn describe_invalid(error: &MessageError) -> String {
    match error {
        MessageError::UnsupportedVersion { .. } => error.to_string(),
        MessageError::Json { source } => {
            let text = source.to_string();
            let names_a_field =
                text.starts_with("missing field") || text.starts_with("duplicate field");
            let what = if names_a_field {
                text.split(" at line").next().unwrap_or_default().to_owned()
            } else {
                match source.classify() {
                    serde_json::error::Category::Io => "unreadable input".to_owned(),
                    serde_json::error::Category::Syntax => "not valid JSON".to_owned(),
                    serde_json::error::Category::Data => "wrong shape for the contract".to_owned(),
                    serde_json::error::Category::Eof => "JSON ends early".to_owned(),
                }
            };
            format!(
                "{what} at line {} column {}",
                source.line(),
                source.column()
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::time::Duration;

    use serde_json::{Value, json};

    use super::*;
    use crate::webhook::Delivery;

    /// Records payloads; refuses those whose title mentions `refuse`.
    #[derive(Default)]
    struct FakeWebhook {
        posted: Mutex<Vec<Value>>,
    }

    impl PostPayload for FakeWebhook {
        async fn post(&self, payload: &Value, _deadline: Instant) -> Result<Delivery, Error> {
            if payload["text"].as_str().unwrap_or("").contains("refuse") {
                return Err(Error::Rejected {
                    status: 404,
                    code: "channel_not_found".to_owned(),
                });
            }
            self.posted.lock().unwrap().push(payload.clone());
            Ok(Delivery { attempts: 1 })
        }
    }

    fn message_json(title: &str) -> String {
        json!({
            "version": 1, "id": "m", "source": "cloudtrail", "title": title,
            "severity": "low", "time": "2026-01-01T00:00:00Z",
            "event": {"id": "e"},
            "actor": {"identityType": "IAMUser", "name": "alice"},
            "action": {"outcome": "success"}
        })
        .to_string()
    }

    fn sns_event(messages: &[&str]) -> SnsEvent {
        let records: Vec<Value> = messages
            .iter()
            .enumerate()
            .map(|(n, message)| {
                json!({
                    "EventSource": "aws:sns",
                    "EventVersion": "1.0",
                    "EventSubscriptionArn": "arn:aws:sns:us-east-1:111122223333:t:s",
                    "Sns": {
                        "Type": "Notification",
                        "MessageId": format!("record-{n}"),
                        "TopicArn": "arn:aws:sns:us-east-1:111122223333:t",
                        "Subject": null,
                        "Message": message,
                        "Timestamp": "2026-01-01T00:00:00.000Z",
                        "SignatureVersion": "1",
                        "Signature": "x",
                        "SigningCertUrl": "https://sns.example/cert.pem",
                        "UnsubscribeUrl": "https://sns.example/unsubscribe",
                        "MessageAttributes": {}
                    }
                })
            })
            .collect();
        serde_json::from_value(json!({ "Records": records })).unwrap()
    }

    fn deadline() -> Instant {
        Instant::now() + Duration::from_secs(5)
    }

    #[tokio::test]
    async fn posts_every_valid_record() {
        let webhook = FakeWebhook::default();
        let event = sns_event(&[&message_json("one"), &message_json("two")]);

        handle(&webhook, event, deadline()).await.unwrap();

        let posted = webhook.posted.lock().unwrap();
        let headers: Vec<&str> = posted
            .iter()
            .map(|payload| payload["blocks"][0]["text"]["text"].as_str().unwrap())
            .collect();
        assert_eq!(headers, vec!["🟡 LOW: one", "🟡 LOW: two"]);
    }

    #[tokio::test]
    async fn posts_the_good_records_and_fails_for_a_bad_one() {
        let webhook = FakeWebhook::default();
        let secret_content = r#"{"version": 1, "title": "do-not-log-me"}"#;
        let event = sns_event(&[secret_content, &message_json("good")]);

        let error = handle(&webhook, event, deadline()).await.unwrap_err();

        assert_eq!(webhook.posted.lock().unwrap().len(), 1);
        assert_eq!(
            error.to_string(),
            "1 of 2 records failed: 1 not a message, 0 not delivered; last: record `record-0` is \
             not a message: missing field `id` at line 1 column 40"
        );
        assert!(!error.to_string().contains("do-not-log-me"));
    }

    #[tokio::test]
    async fn fails_when_slack_refuses_a_record() {
        let webhook = FakeWebhook::default();
        let event = sns_event(&[&message_json("please refuse"), &message_json("fine")]);

        let error = handle(&webhook, event, deadline()).await.unwrap_err();

        assert_eq!(webhook.posted.lock().unwrap().len(), 1);
        assert_eq!(
            error.to_string(),
            "1 of 2 records failed: 0 not a message, 1 not delivered; last: record `record-0` was \
             not delivered: Slack refused the message: HTTP 404 `channel_not_found`"
        );
    }

    #[test]
    fn describes_invalid_messages_without_quoting_them() {
        let cases = [
            ("not json at all", "not valid JSON at line 1 column 2"),
            (
                r#"{"version": 1, "severity": "secret-value"}"#,
                "wrong shape for the contract at line 1 column 41",
            ),
            (r#"{"version": 1"#, "JSON ends early at line 1 column 13"),
            (
                r#"{"version": 7}"#,
                "message has contract `version` 7, this build reads version 1",
            ),
        ];

        for (input, expected) in cases {
            let error = Message::from_json(input).unwrap_err();
            assert_eq!(describe_invalid(&error), expected, "{input}");
        }
    }
}
