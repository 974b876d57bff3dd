/*!
Decoding of CloudWatch Logs subscription events.

Lambda receives `{"awslogs": {"data": "<base64 of gzip of JSON>"}}`. The JSON
inside is a batch of log events ([`LogData`]) whose messages, for a CloudTrail
log group, are CloudTrail events. Every step names what was wrong when the
payload is broken: the outer shape, the base64, the gzip, the inner JSON.
*/

use std::io::Read;

use aws_lambda_events::event::cloudwatch_logs::LogData;
use base64::Engine;
use serde_json::Value;

use activity_aware::cloudtrail::kind;

/// CloudWatch Logs delivers at most 1 MB per batch; its decompressed size is
/// bounded here so that a crafted payload cannot exhaust memory.
pub const MAX_DECOMPRESSED_BYTES: u64 = 64 * 1024 * 1024;

/// The only message type that carries log events.
pub const DATA_MESSAGE: &str = "DATA_MESSAGE";

/// The message type CloudWatch Logs sends to check a new subscription.
pub const CONTROL_MESSAGE: &str = "CONTROL_MESSAGE";

/// Why a subscription payload could not be read.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("subscription event must be a JSON object with `awslogs`, found {found}")]
    NotAnObject { found: &'static str },

    #[error("subscription event has no `awslogs.data` string")]
    MissingData,

    #[error("`awslogs.data` is not valid padded base64: {reason}")]
    Base64 { reason: String },

    #[error("`awslogs.data` is not gzip-compressed: {reason}")]
    Gzip { reason: String },

    #[error("`awslogs.data` decompresses to more than {MAX_DECOMPRESSED_BYTES} bytes")]
    TooLarge,

    #[error("`awslogs.data` does not hold a CloudWatch Logs batch: {reason}")]
    Batch { reason: String },
}

/// Decodes a subscription event as Lambda delivers it.
pub fn decode_subscription(payload: &Value) -> Result<LogData, DecodeError> {
    let Value::Object(fields) = payload else {
        return Err(DecodeError::NotAnObject {
            found: kind(payload),
        });
    };

    let data = fields
        .get("awslogs")
        .and_then(|logs| logs.get("data"))
        .and_then(Value::as_str)
        .ok_or(DecodeError::MissingData)?;

    decode_data(data)
}

/// Decodes the `awslogs.data` string.
pub fn decode_data(data: &str) -> Result<LogData, DecodeError> {
    let compressed = base64::engine::general_purpose::STANDARD
        .decode(data.trim())
        .map_err(|error| DecodeError::Base64 {
            reason: error.to_string(),
        })?;

    let json = gunzip(&compressed)?;

    serde_json::from_slice(&json).map_err(|error| DecodeError::Batch {
        reason: error.to_string(),
    })
}

/// Decompresses gzip data, refusing anything that is not gzip or that grows
/// past [`MAX_DECOMPRESSED_BYTES`].
pub fn gunzip(compressed: &[u8]) -> Result<Vec<u8>, DecodeError> {
    if !compressed.starts_with(&[0x1f, 0x8b]) {
        return Err(DecodeError::Gzip {
            reason: "no gzip header".to_owned(),
        });
    }

    let mut out = Vec::with_capacity(compressed.len() * 8);
    flate2::read::MultiGzDecoder::new(compressed)
        .take(MAX_DECOMPRESSED_BYTES + 1)
        .read_to_end(&mut out)
        .map_err(|error| DecodeError::Gzip {
            reason: error.to_string(),
        })?;

    if out.len() as u64 > MAX_DECOMPRESSED_BYTES {
        return Err(DecodeError::TooLarge);
    }

    Ok(out)
}

/// Whether a batch carries log events; CloudWatch Logs also sends
/// `CONTROL_MESSAGE` batches to check that a destination is reachable.
pub fn is_data(batch: &LogData) -> bool {
    batch.message_type == DATA_MESSAGE
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::{Compression, write::GzEncoder};
    use serde_json::json;
    use std::io::Write;

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    fn encode(json: &Value) -> String {
        base64::engine::general_purpose::STANDARD.encode(gzip(json.to_string().as_bytes()))
    }

    fn batch(message_type: &str) -> Value {
        json!({
            "messageType": message_type, "owner": "111122223333",
            "logGroup": "CloudTrail/DefaultLogGroup", "logStream": "s",
            "subscriptionFilters": ["activity-aware"],
            "logEvents": [{"id": "1", "timestamp": 1, "message": "{}"}]
        })
    }

    #[test]
    fn decodes_a_data_message() {
        let payload = json!({"awslogs": {"data": encode(&batch("DATA_MESSAGE"))}});
        let decoded = decode_subscription(&payload).unwrap();
        assert!(is_data(&decoded));
        assert_eq!(decoded.log_events.len(), 1);
        assert_eq!(decoded.log_group, "CloudTrail/DefaultLogGroup");
    }

    #[test]
    fn tells_a_control_message_apart() {
        let payload = json!({"awslogs": {"data": encode(&batch("CONTROL_MESSAGE"))}});
        assert!(!is_data(&decode_subscription(&payload).unwrap()));
    }

    #[test]
    fn names_each_broken_layer() {
        let cases = [
            (
                json!([]),
                "must be a JSON object with `awslogs`, found an array",
            ),
            (json!({}), "no `awslogs.data` string"),
            (json!({"awslogs": {}}), "no `awslogs.data` string"),
            (
                json!({"awslogs": {"data": "%%%"}}),
                "not valid padded base64",
            ),
            (
                json!({"awslogs": {"data": base64::engine::general_purpose::STANDARD.encode("{}")}}),
                "not gzip-compressed: no gzip header",
            ),
            (
                json!({"awslogs": {"data": base64::engine::general_purpose::STANDARD
                    .encode(gzip(b"[1,2]"))}}),
                "does not hold a CloudWatch Logs batch",
            ),
        ];

        for (payload, expected) in cases {
            let error = decode_subscription(&payload).unwrap_err().to_string();
            assert!(error.contains(expected), "{payload}: {error}");
        }
    }

    #[test]
    fn refuses_unpadded_base64() {
        let padded = encode(&batch("DATA_MESSAGE"));
        let unpadded = padded.trim_end_matches('=');
        assert_ne!(padded.len(), unpadded.len(), "test data must need padding");
        let error = decode_data(unpadded).unwrap_err();
        assert!(matches!(error, DecodeError::Base64 { .. }), "{error}");
    }

    #[test]
    fn refuses_truncated_gzip() {
        let compressed = gzip(batch("DATA_MESSAGE").to_string().as_bytes());
        let cut = &compressed[..compressed.len() / 2];
        let data = base64::engine::general_purpose::STANDARD.encode(cut);
        let error = decode_data(&data).unwrap_err();
        assert!(matches!(error, DecodeError::Gzip { .. }), "{error}");
    }

    #[test]
    fn refuses_a_decompression_bomb() {
        let zeros = vec![b' '; (MAX_DECOMPRESSED_BYTES + 10) as usize];
        let data = base64::engine::general_purpose::STANDARD.encode(gzip(&zeros));
        assert!(matches!(decode_data(&data), Err(DecodeError::TooLarge)));
    }
}
