//! Every bad input and injected failure of the table ends as it must:
//! delivered, or a failed invocation whose error names the fault (so that
//! AWS retries and in the end dead-letters the input), or skipped with a
//! reason. Never a silent drop, never a success after a partial delivery.
//!
//! Cases the crates already test on their own are listed in
//! `docs/hardening.md`; these run them together with the gaps.

use activity_aware_aws_tests::shared_moto;
use activity_aware_hardening_tests::{Outcome, Scale, markdown, run_all};

/// What each case must come to: its kind and pieces of its text.
const EXPECTED: &[(&str, &str, &[&str])] = &[
    (
        "payload is a JSON array, not an object",
        "failed",
        &["`SubscriptionEventInvalid`", "found an array"],
    ),
    (
        "payload without `awslogs.data`",
        "failed",
        &["`SubscriptionEventInvalid`", "no `awslogs.data` string"],
    ),
    (
        "`awslogs.data` is not base64",
        "failed",
        &["`SubscriptionEventInvalid`", "not valid padded base64"],
    ),
    (
        "`awslogs.data` is base64 of plain text, not gzip",
        "failed",
        &["not gzip-compressed: no gzip header"],
    ),
    (
        "gzip cut in half (truncated payload)",
        "failed",
        &["`SubscriptionEventInvalid`", "not gzip-compressed"],
    ),
    (
        "gzip with one byte flipped (corrupt payload)",
        "failed",
        &[
            "`SubscriptionEventInvalid`",
            "`awslogs.data` is not gzip-compressed",
        ],
    ),
    (
        "gzip of JSON that is not a CloudWatch Logs batch",
        "failed",
        &["does not hold a CloudWatch Logs batch: missing field"],
    ),
    (
        "batch nested 100,000 arrays deep",
        "failed",
        &[
            "`SubscriptionEventInvalid`",
            "does not hold a CloudWatch Logs batch",
        ],
    ),
    (
        "CONTROL_MESSAGE batch",
        "skipped",
        &["0 log events, 0 messages published"],
    ),
    (
        "batch of 5 unreadable log events (not JSON, an array, no `eventID`, numeric `eventID`, \
         nested 10,000 deep) and 1 denial",
        "delivered",
        &[
            "6 log events, 1 messages published, 0 without findings, 5 skipped",
            "not valid JSON: expected ident",
            "expected a JSON object, found an array",
            "missing required field `eventID`",
            "field `eventID` must be a non-empty string, found a number",
            "recursion limit exceeded",
        ],
    ),
    (
        "denial with wrong types, markup, a 300 KB error message, controls and every plane",
        "delivered",
        &["1 log events, 1 messages published"],
    ),
    (
        "batch of 10,000 denials to SNS (stand-in counting entries)",
        "delivered",
        &[
            "10000 log events, 10000 messages published, 0 without findings, 0 skipped",
            "accepted 10000 distinct messages in 1000 requests",
        ],
    ),
    (
        "single denial of 250 KB to SNS (moto)",
        "delivered",
        &[
            "1 log events, 1 messages published",
            "1 in the subscribed queue",
        ],
    ),
    (
        "SNS lists every other entry as failed once",
        "delivered",
        &[
            "12 messages published",
            "SNS accepted 12 entries in 3 requests",
        ],
    ),
    (
        "SNS lists one entry of each request as failed every time",
        "failed",
        &[
            "`PublishFailed`",
            "2 of 12 messages could not be published to SNS",
            "`InternalError`",
        ],
    ),
    (
        "SNS answers HTTP 500 to every request",
        "failed",
        &[
            "`PublishFailed`",
            "could not be published to SNS",
            "InternalFailure",
        ],
    ),
    (
        "SNS throttles every request",
        "failed",
        &[
            "`PublishFailed`",
            "could not be published to SNS",
            "Throttling",
        ],
    ),
    (
        "SNS unreachable (connection refused)",
        "failed",
        &[
            "`PublishFailed`",
            "12 of 12 messages could not be published to SNS",
            "dispatch failure",
        ],
    ),
    (
        "Slack answers 200 `ok`",
        "delivered",
        &["1 of 1 records posted, 1 requests"],
    ),
    (
        "Slack answers 429 with `Retry-After: 1`, then `ok`",
        "delivered",
        &["1 of 1 records posted, 2 requests"],
    ),
    (
        "Slack answers 429 to every request",
        "failed",
        &[
            "`RecordsFailed`",
            "did not take the message within the deadline",
            "HTTP 429",
        ],
    ),
    (
        "Slack answers 503, then `ok`",
        "delivered",
        &["1 of 1 records posted, 2 requests"],
    ),
    (
        "Slack answers 500 to every request",
        "failed",
        &["`RecordsFailed`", "within the deadline", "after"],
    ),
    (
        "Slack answers 503 to every request",
        "failed",
        &["`RecordsFailed`", "within the deadline"],
    ),
    (
        "Slack answers `ok` only after 2 s, past the deadline",
        "failed",
        &["`RecordsFailed`", "within the deadline"],
    ),
    (
        "Slack answers 404 `channel_not_found`",
        "failed",
        &[
            "`RecordsFailed`",
            "HTTP 404 `channel_not_found`",
            "(1 requests",
        ],
    ),
    (
        "Slack answers 200 with a body other than `ok`",
        "failed",
        &["`RecordsFailed`", "HTTP 200"],
    ),
    (
        "SNS event of 3 records, the middle one not a message",
        "failed",
        &[
            "1 of 3 records failed: 1 not a message, 0 not delivered",
            "missing field `id`",
            "(2 requests",
        ],
    ),
    (
        "SNS event of 3 records, Slack refuses the second post",
        "failed",
        &["1 of 3 records failed", "`invalid_blocks`", "(3 requests"],
    ),
    (
        "Slack refuses connections",
        "failed",
        &["`RecordsFailed`", "within the deadline"],
    ),
    (
        "KMS decrypts the webhook ciphertext",
        "delivered",
        &["webhook decrypted"],
    ),
    (
        "KMS refuses: ciphertext made under another encryption context",
        "failed",
        &["`DecryptFailed`", "InvalidCiphertextException"],
    ),
    (
        "KMS refuses: ciphertext with one bit flipped",
        "failed",
        &["`DecryptFailed`"],
    ),
    (
        "webhook ciphertext is not base64",
        "failed",
        &["`ConfigInvalid`", "not valid base64 KMS ciphertext"],
    ),
    (
        "KMS unreachable (connection refused)",
        "failed",
        &["`DecryptFailed`", "RequestFailed"],
    ),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_case_is_delivered_or_fails_loudly() {
    let rows = run_all(shared_moto(), Scale::Quick).await;
    let table = markdown(&rows);

    let cases: Vec<&str> = rows.iter().map(|row| row.case).collect();
    let expected: Vec<&str> = EXPECTED.iter().map(|(case, _, _)| *case).collect();
    assert_eq!(cases, expected, "\n{table}");

    let mut wrong = Vec::new();
    for (row, (_, kind, pieces)) in rows.iter().zip(EXPECTED) {
        if row.outcome.kind() != *kind {
            wrong.push(format!(
                "{}: {} instead of {kind}",
                row.case,
                row.outcome.kind()
            ));
        }
        for piece in *pieces {
            if !row.outcome.text().contains(piece) {
                wrong.push(format!(
                    "{}: no `{piece}` in {:?}",
                    row.case,
                    row.outcome.text()
                ));
            }
        }
        // The webhook's secret path is in no outcome.
        if row.outcome.text().contains("SECRET") {
            wrong.push(format!("{}: the webhook path is in the error", row.case));
        }
    }
    assert_eq!(wrong, Vec::<String>::new(), "\n{table}");

    // Every failure carries the error Lambda reports, with its type.
    for row in &rows {
        if let Outcome::Failed(text) = &row.outcome {
            assert!(text.contains('`'), "{}: no error type in {text}", row.case);
        }
    }
}
