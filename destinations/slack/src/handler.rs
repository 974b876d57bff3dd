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
use tracing::{error, info};

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
            Ok(delivery) => info!(
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
