/*!
The cases, grouped by the part under stress. Each pushes one row per case;
the checks on the outcomes are in `tests/failures.rs`.
*/

use std::time::Duration;

use activity_aware_aws_tests::{add_queue, create_topic};
use aws_config::SdkConfig;
use serde_json::{Value, json};
use wiremock::ResponseTemplate;

use crate::*;

/// The topic the SNS stand-in is asked to publish to.
const STAND_IN_TOPIC: &str = "arn:aws:sns:us-east-1:123456789012:activity";

/// Hostile subscription payloads and log events, published nowhere.
pub async fn source_input(rows: &mut Vec<Row>, scale: Scale) {
    let good = denial(1, "alice").to_string();
    let mut push = |case: &'static str, outcome: Outcome| rows.push(Row { case, outcome });

    push(
        "payload is a JSON array, not an object",
        run_source(&json!([1, 2]), Collect::default()).await,
    );
    push(
        "payload without `awslogs.data`",
        run_source(&json!({"awslogs": {}}), Collect::default()).await,
    );
    push(
        "`awslogs.data` is not base64",
        run_source(
            &json!({"awslogs": {"data": "%%% not base64"}}),
            Collect::default(),
        )
        .await,
    );
    push(
        "`awslogs.data` is base64 of plain text, not gzip",
        run_source(&wrap_bytes(b"{\"logEvents\": []}"), Collect::default()).await,
    );
    let compressed = gzip(batch_of(std::slice::from_ref(&good)).to_string().as_bytes());
    push(
        "gzip cut in half (truncated payload)",
        run_source(
            &wrap_bytes(&compressed[..compressed.len() / 2]),
            Collect::default(),
        )
        .await,
    );
    let mut corrupt = compressed.clone();
    let middle = corrupt.len() / 2;
    corrupt[middle] ^= 0xff;
    push(
        "gzip with one byte flipped (corrupt payload)",
        run_source(&wrap_bytes(&corrupt), Collect::default()).await,
    );
    push(
        "gzip of JSON that is not a CloudWatch Logs batch",
        run_source(&wrap_bytes(&gzip(b"{\"Records\": []}")), Collect::default()).await,
    );
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    push(
        "batch nested 100,000 arrays deep",
        run_source(&wrap_bytes(&gzip(deep.as_bytes())), Collect::default()).await,
    );
    if scale == Scale::Full {
        // `decode.rs` refuses a bomb in its own tests; here only for the table,
        // since compressing one takes seconds in a debug build.
        let bomb = vec![b' '; 65 * 1024 * 1024];
        push(
            "decompression bomb: 65 MiB of spaces in 64 KiB of gzip",
            run_source(&wrap_bytes(&gzip(&bomb)), Collect::default()).await,
        );
    }
    let mut control = batch_of(std::slice::from_ref(&good));
    control["messageType"] = json!("CONTROL_MESSAGE");
    push(
        "CONTROL_MESSAGE batch",
        run_source(
            &wrap_bytes(&gzip(control.to_string().as_bytes())),
            Collect::default(),
        )
        .await,
    );

    let bad_events = vec![
        "not json".to_owned(),
        "[1, 2, 3]".to_owned(),
        json!({"eventTime": "2026-03-01T10:00:00Z"}).to_string(),
        json!({"eventID": 7, "eventTime": "2026-03-01T10:00:00Z"}).to_string(),
        format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)),
    ];
    let mut mixed = bad_events.clone();
    mixed.push(good.clone());
    let outcome = match run_source(&payload_of(&mixed), Collect::default()).await {
        Outcome::Delivered(text) => {
            Outcome::Delivered(format!("{text}; skipped: {}", skip_reasons(&bad_events)))
        }
        other => other,
    };
    push(
        "batch of 5 unreadable log events (not JSON, an array, no `eventID`, numeric \
         `eventID`, nested 10,000 deep) and 1 denial",
        outcome,
    );

    let hostile = json!({
        "eventID": "e\u{0}<!channel>\u{202e}", "eventTime": "\u{10FFFF}",
        "eventSource": "s3.amazonaws.com", "eventName": "<https://evil.example|click>",
        "errorCode": "AccessDenied", "errorMessage": "x".repeat(300_000),
        "awsRegion": "<!here>", "recipientAccountId": ["not", "a", "string"],
        "userIdentity": {"type": 5, "userName": {"nested": true}, "arn": null},
        "requestParameters": nested_object(120),
        "resources": "not a list"
    });
    push(
        "denial with wrong types, markup, a 300 KB error message, controls and every plane",
        run_source(&payload_of(&[hostile.to_string()]), Collect::default()).await,
    );
}

fn nested_object(depth: usize) -> Value {
    (0..depth).fold(
        json!("\u{1F600}\u{E0001}\u{FFFD}"),
        |inner, level| json!({ format!("k{level}"): inner }),
    )
}

/// The source publishing to moto's SNS, to an SNS that fails entries or
/// whole requests, and to no SNS at all.
pub async fn source_sns(rows: &mut Vec<Row>, config: &SdkConfig, scale: Scale) {
    // 10,000 denials by 10,000 users: nothing groups, 10,000 messages.
    let events: Vec<String> = (0..10_000)
        .map(|index| denial(index, &format!("user{index}")).to_string())
        .collect();
    let payload = payload_of(&events);

    let (fake, server) = fake_sns(SnsFault::None).await;
    let sns_config = activity_aware_aws_tests::sdk_config(&server.uri()).await;
    let outcome = match run_source(&payload, publisher(&sns_config, STAND_IN_TOPIC)).await {
        Outcome::Delivered(text) => {
            let mut accepted = fake.accepted();
            accepted.sort_unstable();
            accepted.dedup();
            Outcome::Delivered(format!(
                "{text}; the SNS stand-in accepted {} distinct messages in {} requests",
                accepted.len(),
                fake.requests()
            ))
        }
        other => other,
    };
    rows.push(Row {
        case: "batch of 10,000 denials to SNS (stand-in counting entries)",
        outcome,
    });

    if scale == Scale::Full {
        // moto fans out to SQS slowly, so this topic has no subscriber; the
        // publisher succeeds only when SNS listed every entry as successful.
        let topic_arn = create_topic(config).await;
        let started = std::time::Instant::now();
        let outcome = match run_source(&payload, publisher(config, &topic_arn)).await {
            Outcome::Delivered(text) => Outcome::Delivered(format!(
                "{text}; moto listed every entry as successful ({} s)",
                started.elapsed().as_secs()
            )),
            other => other,
        };
        rows.push(Row {
            case: "batch of 10,000 denials to SNS (moto)",
            outcome,
        });
    }

    let mut big = denial(1, "alice");
    big["requestParameters"] = json!({"policyDocument": "p".repeat(250 * 1024)});
    let topic_arn = create_topic(config).await;
    let (queue_url, _) = add_queue(config, &topic_arn, None).await;
    let outcome = match run_source(
        &payload_of(&[big.to_string()]),
        publisher(config, &topic_arn),
    )
    .await
    {
        Outcome::Delivered(text) => Outcome::Delivered(format!(
            "{text}; {} in the subscribed queue, trimmed under 256 KiB",
            queue_depth(config, &queue_url).await
        )),
        other => other,
    };
    rows.push(Row {
        case: "single denial of 250 KB to SNS (moto)",
        outcome,
    });

    let twelve: Vec<String> = (0..12)
        .map(|index| denial(index, &format!("user{index}")).to_string())
        .collect();
    let payload = payload_of(&twelve);
    for (case, fault) in [
        (
            "SNS lists every other entry as failed once",
            SnsFault::EveryOtherOnce,
        ),
        (
            "SNS lists one entry of each request as failed every time",
            SnsFault::FirstAlways,
        ),
        ("SNS answers HTTP 500 to every request", SnsFault::Http500),
        ("SNS throttles every request", SnsFault::Throttled),
    ] {
        let (fake, server) = fake_sns(fault).await;
        let sns_config = activity_aware_aws_tests::sdk_config(&server.uri()).await;
        let outcome = run_source(&payload, publisher(&sns_config, STAND_IN_TOPIC)).await;
        let outcome = match outcome {
            Outcome::Delivered(text) => Outcome::Delivered(format!(
                "{text}; SNS accepted {} entries in {} requests",
                fake.accepted().len(),
                fake.requests()
            )),
            Outcome::Failed(text) => Outcome::Failed(format!(
                "{text} (SNS accepted {} of 12 entries in {} requests)",
                fake.accepted().len(),
                fake.requests()
            )),
            other => other,
        };
        rows.push(Row { case, outcome });
    }

    let sns_config = activity_aware_aws_tests::sdk_config(&closed_endpoint()).await;
    rows.push(Row {
        case: "SNS unreachable (connection refused)",
        outcome: run_source(&payload, publisher(&sns_config, STAND_IN_TOPIC)).await,
    });
}

/// The destination against a Slack stand-in answering in each way.
pub async fn destination(rows: &mut Vec<Row>) {
    let one = vec![message_text(1)];
    let budget = Duration::from_millis(1500);
    let limited = || ResponseTemplate::new(429).insert_header("retry-after", "1");

    let cases: Vec<(&'static str, Vec<ResponseTemplate>, Vec<String>)> = vec![
        ("Slack answers 200 `ok`", vec![slack_ok()], one.clone()),
        (
            "Slack answers 429 with `Retry-After: 1`, then `ok`",
            vec![limited(), slack_ok()],
            one.clone(),
        ),
        (
            "Slack answers 429 to every request",
            vec![limited()],
            one.clone(),
        ),
        (
            "Slack answers 503, then `ok`",
            vec![ResponseTemplate::new(503), slack_ok()],
            one.clone(),
        ),
        (
            "Slack answers 500 to every request",
            vec![ResponseTemplate::new(500).set_body_string("internal_error")],
            one.clone(),
        ),
        (
            "Slack answers 503 to every request",
            vec![ResponseTemplate::new(503)],
            one.clone(),
        ),
        (
            "Slack answers `ok` only after 2 s, past the deadline",
            vec![slack_ok().set_delay(Duration::from_secs(2))],
            one.clone(),
        ),
        (
            "Slack answers 404 `channel_not_found`",
            vec![ResponseTemplate::new(404).set_body_string("channel_not_found")],
            one.clone(),
        ),
        (
            "Slack answers 200 with a body other than `ok`",
            vec![ResponseTemplate::new(200).set_body_string("maybe")],
            one.clone(),
        ),
        (
            "SNS event of 3 records, the middle one not a message",
            vec![slack_ok()],
            vec![
                message_text(1),
                "{\"version\": 1, \"title\": \"no id\"}".to_owned(),
                message_text(3),
            ],
        ),
        (
            "SNS event of 3 records, Slack refuses the second post",
            vec![
                slack_ok(),
                ResponseTemplate::new(400).set_body_string("invalid_blocks"),
                slack_ok(),
            ],
            vec![message_text(1), message_text(2), message_text(3)],
        ),
    ];

    for (case, responses, messages) in cases {
        let slack = slack_stand_in(responses).await;
        rows.push(Row {
            case,
            outcome: run_destination(&slack, &messages, budget).await,
        });
    }

    rows.push(Row {
        case: "Slack refuses connections",
        outcome: {
            let webhook = destination_slack::webhook::SlackWebhook::new(
                hook_url(&closed_endpoint()),
                quick_retry(),
            )
            .unwrap_or_else(|error| panic!("the webhook client: {error}"));
            let started = std::time::Instant::now();
            match destination_slack::handler::handle(
                &webhook,
                sns_event(&one),
                tokio::time::Instant::now() + budget,
            )
            .await
            {
                Ok(()) => Outcome::Delivered("posted to a closed port".to_owned()),
                Err(error) => Outcome::Failed(format!(
                    "`{}`: {error} ({} ms)",
                    error.code(),
                    started.elapsed().as_millis()
                )),
            }
        },
    });
}

/// The destination's start: the webhook ciphertext through moto's KMS.
pub async fn kms(rows: &mut Vec<Row>, config: &SdkConfig) {
    let url = format!("http://127.0.0.1:9{HOOK_PATH}");
    let good = kms_ciphertext(config, &url, WEBHOOK_CONTEXT).await;
    rows.push(Row {
        case: "KMS decrypts the webhook ciphertext",
        outcome: start_destination(config, &good).await,
    });

    let other_context = kms_ciphertext(config, &url, ("purpose", "something-else")).await;
    rows.push(Row {
        case: "KMS refuses: ciphertext made under another encryption context",
        outcome: start_destination(config, &other_context).await,
    });

    let mut tampered = base64::engine::general_purpose::STANDARD
        .decode(&good)
        .unwrap_or_else(|error| panic!("the ciphertext is not base64: {error}"));
    let last = tampered.len() - 1;
    tampered[last] ^= 0x01;
    let tampered = base64::engine::general_purpose::STANDARD.encode(tampered);
    rows.push(Row {
        case: "KMS refuses: ciphertext with one bit flipped",
        outcome: start_destination(config, &tampered).await,
    });

    rows.push(Row {
        case: "webhook ciphertext is not base64",
        outcome: start_destination(config, "not base64 %%%").await,
    });

    let unreachable = activity_aware_aws_tests::sdk_config(&closed_endpoint()).await;
    rows.push(Row {
        case: "KMS unreachable (connection refused)",
        outcome: start_destination(&unreachable, &good).await,
    });
}
