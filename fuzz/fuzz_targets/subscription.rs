//! Untrusted bytes through every layer of the source: the `awslogs.data`
//! decoder, the CloudWatch Logs batch, the CloudTrail event model, the rules,
//! grouping and standardizing. Nothing may panic; every message made must
//! serialize and read back as a contract message.

#![no_main]

use std::sync::OnceLock;

use activity_aware::Message;
use activity_aware_source_cloudtrail::decode::{decode_data, decode_subscription};
use activity_aware_source_cloudtrail::detect::Rules;
use activity_aware_source_cloudtrail::handler::{Report, Source};
use activity_aware_source_cloudtrail::publish::Collect;
use aws_lambda_events::event::cloudwatch_logs::{LogData, LogEntry};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fn source() -> &'static Source<Rules, Collect> {
    static SOURCE: OnceLock<Source<Rules, Collect>> = OnceLock::new();
    SOURCE.get_or_init(|| Source {
        detector: Rules::load(None, None).unwrap_or_else(|error| panic!("rules: {error}")),
        publisher: Collect::default(),
        report: Report::All,
    })
}

fn check(batch: &LogData) {
    let (messages, summary) = source().messages(batch);
    assert!(summary.skipped <= summary.log_events);
    for message in messages {
        let json = message.to_json();
        let back = Message::from_json(&json).unwrap_or_else(|error| panic!("{error}: {json}"));
        assert_eq!(back, message);
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);

    // The outer layers: base64, gzip, the batch.
    if let Ok(batch) = decode_data(&text) {
        check(&batch);
    }

    // The payload as Lambda would hand it over.
    if let Ok(payload) = serde_json::from_slice::<Value>(data) {
        if let Ok(batch) = decode_subscription(&payload) {
            check(&batch);
        }
        // The same bytes as a decompressed batch, and as one log event.
        if let Ok(batch) = serde_json::from_value::<LogData>(payload.clone()) {
            check(&batch);
        }
    }

    let mut batch = LogData::default();
    batch.message_type = "DATA_MESSAGE".to_owned();
    let mut entry = LogEntry::default();
    entry.message = text.into_owned();
    batch.log_events = vec![entry];
    check(&batch);
});
