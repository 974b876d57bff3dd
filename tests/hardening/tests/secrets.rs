//! No secret leaves the pipeline: full runs of the source (publishing to
//! the emulator's SNS) and the destination (its webhook decrypted from the
//! emulator's KMS, posting to a Slack stand-in), every log event of every
//! crate captured at `trace` as the JSON lines Lambda writes, fed events that
//! carry a session token, a secret access key and passwords. None of them,
//! nor the webhook URL's secret path, appears in the logs, the published
//! messages or the Slack payloads.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use activity_aware_aws_tests::{add_queue, create_topic, drain, sdk_config, shared_moto};
use activity_aware_hardening_tests::{
    HOOK_PATH, WEBHOOK_CONTEXT, kms_ciphertext, payload_of, publisher, rules, slack_ok,
    slack_stand_in, sns_event,
};
use activity_aware_source_cloudtrail::handler::{Report, Source};
use activity_aware_source_cloudtrail::lambda;
use destination_slack::handler::handle;
use destination_slack::kms::{Kms, Schemes, decrypt_webhook};
use destination_slack::webhook::SlackWebhook;
use serde_json::{Value, json};

/// Log output, shared with the subscriber.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

const SESSION_TOKEN: &str = "IQoJb3JpZ2luX2VjSESSIONTOKENxyzzy0123456789";
const SECRET_ACCESS_KEY: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY1";
const PASSWORD: &str = "Tr0ub4dor&3-horse-PASSWORD";
const ENV_PASSWORD: &str = "db-PASSWORD-in-task-environment-77";

/// Events that carry credential material where CloudTrail puts it.
fn events() -> Vec<Value> {
    let base = |id: &str, source: &str, name: &str| {
        json!({
            "eventVersion": "1.08", "eventID": id, "eventTime": "2026-03-01T10:00:00Z",
            "eventSource": source, "eventName": name, "awsRegion": "us-east-1",
            "recipientAccountId": "111122223333", "sourceIPAddress": "203.0.113.9",
            "userAgent": "aws-cli/2.17", "eventType": "AwsApiCall",
            "userIdentity": {"type": "IAMUser", "userName": "mallory",
                "arn": "arn:aws:iam::111122223333:user/mallory",
                "accessKeyId": "AKIAMALLORY000000001"}
        })
    };

    let mut assume = base(
        "00000000-0000-4000-8000-000000000001",
        "sts.amazonaws.com",
        "AssumeRole",
    );
    assume["requestParameters"] = json!({"roleArn": "arn:aws:iam::111122223333:role/admin",
        "roleSessionName": "s", "x-amz-security-token": SESSION_TOKEN});
    assume["responseElements"] = json!({"credentials": {"accessKeyId": "ASIAEXAMPLE",
        "secretAccessKey": SECRET_ACCESS_KEY, "sessionToken": SESSION_TOKEN,
        "expiration": "Mar 1, 2026, 11:00:00 AM"}});

    let mut login = base(
        "00000000-0000-4000-8000-000000000002",
        "iam.amazonaws.com",
        "CreateLoginProfile",
    );
    login["requestParameters"] =
        json!({"userName": "bob", "password": PASSWORD, "passwordResetRequired": false});
    login["errorCode"] = json!("AccessDenied");
    login["errorMessage"] = json!(
        "User: arn:aws:iam::111122223333:user/mallory is not \
        authorized to perform: iam:CreateLoginProfile"
    );

    let mut keys = base(
        "00000000-0000-4000-8000-000000000003",
        "iam.amazonaws.com",
        "CreateAccessKey",
    );
    keys["requestParameters"] = json!({"userName": "bob"});
    keys["responseElements"] = json!({"accessKey": {"accessKeyId": "AKIABOB",
        "secretAccessKey": SECRET_ACCESS_KEY, "status": "Active"}});

    let mut task = base(
        "00000000-0000-4000-8000-000000000004",
        "ecs.amazonaws.com",
        "RegisterTaskDefinition",
    );
    task["requestParameters"] = json!({"family": "api", "containerDefinitions": [{
        "name": "api", "image": "api:1",
        "environment": [{"name": "DB_PASSWORD", "value": ENV_PASSWORD},
                        {"name": "AWS_SESSION_TOKEN", "value": SESSION_TOKEN}]}]});

    vec![assume, login, keys, task]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_reaches_logs_messages_or_slack() {
    let captured = Captured::default();
    let writer = captured.clone();
    tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .without_time()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .init();

    // The source: every event reported, published to the emulator's SNS.
    let config = sdk_config(&shared_moto().endpoint()).await;
    let topic_arn = create_topic(&config).await;
    let (queue_url, _) = add_queue(&config, &topic_arn, None).await;
    let source = Source {
        detector: rules(),
        publisher: publisher(&config, &topic_arn),
        report: Report::All,
    };
    let texts: Vec<String> = events().iter().map(Value::to_string).collect();
    let answer = lambda::handle(&source, &payload_of(&texts))
        .await
        .unwrap_or_else(|error| panic!("the source failed: {error}"));
    assert_eq!(answer["published"], json!(4), "{answer}");

    let envelopes = drain(&config, &queue_url).await;
    let published: Vec<String> = envelopes
        .iter()
        .map(|envelope| envelope["Message"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(published.len(), 4);

    // The destination: the webhook decrypted from KMS, posting to a stand-in.
    let slack = slack_stand_in(vec![slack_ok()]).await;
    let url = format!("{}{HOOK_PATH}", slack.uri());
    let ciphertext = kms_ciphertext(&config, &url, WEBHOOK_CONTEXT).await;
    let kms = Kms::new(aws_sdk_kms::Client::new(&config));
    let webhook_url = decrypt_webhook(&kms, &ciphertext, Schemes::HttpsOrLoopbackHttp)
        .await
        .unwrap_or_else(|error| panic!("decrypt: {error}"));
    let webhook = SlackWebhook::new(webhook_url, Default::default())
        .unwrap_or_else(|error| panic!("webhook: {error}"));
    handle(
        &webhook,
        sns_event(&published),
        tokio::time::Instant::now() + Duration::from_secs(20),
    )
    .await
    .unwrap_or_else(|error| panic!("the destination failed: {error}"));
    let posts: Vec<String> = slack
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .map(|request| String::from_utf8_lossy(&request.body).into_owned())
        .collect();
    assert_eq!(posts.len(), 4);

    let logs =
        String::from_utf8_lossy(&captured.0.lock().unwrap_or_else(|p| p.into_inner())).into_owned();
    // The capture really holds both functions' events and the SDKs' and the
    // HTTP client's trace events.
    for expected in [
        "\"message\":\"batch handled\"",
        "\"message\":\"sns event handled\"",
        "\"level\":\"TRACE\"",
        "aws_smithy_runtime",
    ] {
        assert!(logs.contains(expected), "no `{expected}` in the logs");
    }
    let lines = logs.lines().count();
    assert!(lines > 100, "only {lines} log lines");
    for line in logs.lines() {
        assert!(
            serde_json::from_str::<Value>(line).is_ok(),
            "not JSON: {line}"
        );
    }

    let secrets = [
        ("session token", SESSION_TOKEN),
        ("secret access key", SECRET_ACCESS_KEY),
        ("password", PASSWORD),
        ("password in a task's environment", ENV_PASSWORD),
        ("webhook path", HOOK_PATH),
        ("webhook token", "hardeningSECRETtoken"),
    ];
    let places = [
        ("the logs", vec![logs.clone()]),
        ("the published messages", published.clone()),
        ("the Slack payloads", posts.clone()),
    ];
    let mut leaks = Vec::new();
    for (place, texts) in &places {
        for (what, secret) in secrets {
            // JSON escapes `/` and `&` nowhere, but a logger might.
            let escaped = secret.replace('&', "\\u0026");
            if texts
                .iter()
                .any(|text| text.contains(secret) || text.contains(&escaped))
            {
                leaks.push(format!("{what} in {place}"));
            }
        }
    }
    assert_eq!(leaks, Vec::<String>::new());

    // The redacted parameters are there, so the check above looked at them.
    assert!(published.iter().any(|text| text.contains("[redacted]")));
}
