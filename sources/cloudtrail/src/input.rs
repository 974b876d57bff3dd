/*!
Inputs of the source's local mode.

A file holds one of three shapes: a CloudWatch Logs subscription event as
Lambda receives it (or the batch inside it, decoded), a single CloudTrail
event, or a CloudTrail log file (`{"Records": [...]}`, plain or
gzip-compressed, as CloudTrail writes it to S3). A JSON array holds several inputs of these shapes. Raw events have not
been through CloudWatch Logs, so the subscription filter pattern is applied
to them here, as CloudWatch Logs would, before they join the one code path
as a batch.
*/

use std::path::Path;

use aws_lambda_events::event::cloudwatch_logs::{LogData, LogEntry};
use serde_json::Value;

use crate::decode::{self, DATA_MESSAGE, DecodeError};
use crate::filter_pattern::FilterPattern;

/// The log group name local batches carry.
pub const LOCAL_LOG_GROUP: &str = "local";

/// One input of a file.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// A subscription event, already filtered by CloudWatch Logs.
    Subscription(Value),
    /// A decoded subscription batch (`{"messageType": ..., "logEvents": [...]}`),
    /// already filtered by CloudWatch Logs.
    Batch(LogData),
    /// Raw CloudTrail events, not yet filtered.
    Events(Vec<Value>),
}

/// Why a local input could not be read.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("cannot read `{path}`: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },

    #[error("`{path}` looks gzip-compressed but is not readable gzip: {reason}")]
    Gzip { path: String, reason: String },

    #[error("`{path}` is not JSON: {reason}")]
    Json { path: String, reason: String },

    #[error("`{path}` looks like a decoded subscription batch but is not one: {reason}")]
    Batch { path: String, reason: String },

    #[error("`{path}`: `Records` must be an array, found {found}")]
    Records { path: String, found: &'static str },
}

/// Reads a file into its inputs.
pub fn read_file(path: &Path) -> Result<Vec<Input>, InputError> {
    let shown = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| InputError::Read {
        path: shown.clone(),
        source,
    })?;

    let bytes = if bytes.starts_with(&[0x1f, 0x8b]) {
        decode::gunzip(&bytes).map_err(|error| InputError::Gzip {
            path: shown.clone(),
            // Said of the file, not of `awslogs.data` as the decoder puts it.
            reason: match error {
                DecodeError::Gzip { reason } => reason,
                DecodeError::TooLarge => format!(
                    "it decompresses to more than {} bytes",
                    decode::MAX_DECOMPRESSED_BYTES
                ),
                other => other.to_string(),
            },
        })?
    } else {
        bytes
    };

    let text = std::str::from_utf8(&bytes).map_err(|error| InputError::Json {
        path: shown.clone(),
        reason: format!("not UTF-8 text: {error}"),
    })?;
    let value = activity_aware::cloudtrail::parse_json(text).map_err(|error| InputError::Json {
        path: shown.clone(),
        reason: error.to_string(),
    })?;

    classify(value, &shown)
}

/// Sorts a parsed document into inputs.
pub fn classify(value: Value, path: &str) -> Result<Vec<Input>, InputError> {
    match value {
        Value::Array(items) => {
            let mut inputs = Vec::new();
            for item in items {
                inputs.push(classify_one(item, path)?);
            }
            Ok(inputs)
        }
        other => classify_one(other, path).map(|input| vec![input]),
    }
}

fn classify_one(value: Value, path: &str) -> Result<Input, InputError> {
    let Value::Object(mut fields) = value else {
        // Not an object: let it fail as an event, with the reason reported.
        return Ok(Input::Events(vec![value]));
    };

    if fields.contains_key("awslogs") {
        return Ok(Input::Subscription(Value::Object(fields)));
    }

    if fields.contains_key("logEvents") && fields.contains_key("messageType") {
        return serde_json::from_value(Value::Object(fields))
            .map(Input::Batch)
            .map_err(|error| InputError::Batch {
                path: path.to_owned(),
                reason: error.to_string(),
            });
    }

    match fields.remove("Records") {
        Some(Value::Array(records)) => Ok(Input::Events(records)),
        Some(other) => Err(InputError::Records {
            path: path.to_owned(),
            found: activity_aware::cloudtrail::kind(&other),
        }),
        None => Ok(Input::Events(vec![Value::Object(fields)])),
    }
}

/// The batch CloudWatch Logs would deliver for raw events under a filter
/// pattern: each matching event as one log event holding its compact JSON.
pub fn filtered_batch(events: &[Value], pattern: &FilterPattern, source_name: &str) -> LogData {
    let log_events = events
        .iter()
        .enumerate()
        .filter_map(|(index, event)| {
            let text = event.to_string();
            let json = event.is_object().then_some(event);
            pattern.matches(&text, json).then(|| {
                let mut entry = LogEntry::default();
                entry.id = format!("{source_name}#{index}");
                entry.message = text;
                entry
            })
        })
        .collect();

    let mut batch = LogData::default();
    batch.message_type = DATA_MESSAGE.to_owned();
    batch.log_group = LOCAL_LOG_GROUP.to_owned();
    batch.log_stream = source_name.to_owned();
    batch.log_events = log_events;
    batch
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn recognises_the_three_shapes() {
        let subscription = json!({"awslogs": {"data": "x"}});
        let log_file = json!({"Records": [{"eventID": "a"}, {"eventID": "b"}]});
        let single = json!({"eventID": "c"});

        assert_eq!(
            classify(subscription.clone(), "f").unwrap(),
            vec![Input::Subscription(subscription)]
        );
        assert_eq!(
            classify(log_file, "f").unwrap(),
            vec![Input::Events(vec![
                json!({"eventID": "a"}),
                json!({"eventID": "b"})
            ])]
        );
        assert_eq!(
            classify(single.clone(), "f").unwrap(),
            vec![Input::Events(vec![single])]
        );
    }

    #[test]
    fn reads_a_decoded_subscription_batch() {
        let batch = json!({"messageType": "DATA_MESSAGE", "owner": "111122223333",
            "logGroup": "g", "logStream": "s", "subscriptionFilters": [],
            "logEvents": [{"id": "1", "timestamp": 1, "message": "{}"}]});
        match classify(batch, "f").unwrap().as_slice() {
            [Input::Batch(batch)] => assert_eq!(batch.log_events.len(), 1),
            other => panic!("expected one batch, got {other:?}"),
        }

        let error = classify(json!({"messageType": "DATA_MESSAGE", "logEvents": 3}), "f");
        assert!(matches!(error, Err(InputError::Batch { .. })), "{error:?}");
    }

    #[test]
    fn reads_an_array_of_inputs() {
        let inputs = classify(json!([{"awslogs": {}}, {}, 3]), "f").unwrap();
        assert_eq!(inputs.len(), 3);
        assert_eq!(inputs[2], Input::Events(vec![json!(3)]));
    }

    #[test]
    fn refuses_records_that_are_not_a_list() {
        let error = classify(json!({"Records": {"eventID": "a"}}), "trail.json").unwrap_err();
        assert_eq!(
            error.to_string(),
            "`trail.json`: `Records` must be an array, found an object"
        );
    }

    #[test]
    fn applies_the_filter_pattern_to_raw_events() {
        let pattern = FilterPattern::parse(r#"{ $.errorCode = "AccessDenied*" }"#).unwrap();
        let events = [
            json!({"eventID": "a", "errorCode": "AccessDenied"}),
            json!({"eventID": "b"}),
            json!("not an object"),
        ];

        let batch = filtered_batch(&events, &pattern, "sample.json");
        assert_eq!(batch.log_events.len(), 1);
        assert_eq!(batch.log_events[0].id, "sample.json#0");

        let everything = FilterPattern::parse("").unwrap();
        assert_eq!(
            filtered_batch(&events, &everything, "s").log_events.len(),
            3
        );
    }
}
