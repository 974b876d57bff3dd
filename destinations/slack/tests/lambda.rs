/*!
The built binary under a stand-in for the Lambda runtime API: it takes SNS
events from `invocation/next`, posts to a stand-in for Slack, and reports
each invocation's result or error back to the runtime.
*/

mod common;

use std::process::{Command, Stdio};

use activity_aware_aws_tests::lambda_runtime::{Function, runtime_serving, wait_for};
use destination_slack::render::render;
use serde_json::Value;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use common::{SECRET_PATH, hook_url, sns_event, typical};

#[tokio::test(flavor = "multi_thread")]
async fn serves_sns_events_and_reports_failed_records() {
    let slack = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(SECRET_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
        .mount(&slack)
        .await;

    let good = sns_event(&[typical().to_json()]);
    let bad = sns_event(&["{\"version\": 1, \"secret\": \"content\"}".to_owned()]);
    let runtime = runtime_serving(
        "destination-slack",
        &[("req-good", &good), ("req-bad", &bad)],
    )
    .await;

    let address = runtime.address();
    let child = Command::new(env!("CARGO_BIN_EXE_destination-slack"))
        .env(
            "AWS_LAMBDA_RUNTIME_API",
            format!("{}:{}", address.ip(), address.port()),
        )
        .env("AWS_LAMBDA_FUNCTION_NAME", "destination-slack")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("SLACK_WEBHOOK_URL", hook_url(&slack))
        .env_remove("SLACK_WEBHOOK_CIPHERTEXT")
        .env_remove("LOG_LEVEL")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let _function = Function(child);

    wait_for(&runtime, "/req-good/response").await;
    let error = wait_for(&runtime, "/req-bad/error").await;

    assert_eq!(error["errorType"], "RecordsFailed");
    let message = error["errorMessage"].as_str().unwrap_or("");
    assert!(
        message.starts_with("1 of 1 records failed: 1 not a message, 0 not delivered; last: record `record-0` is not a message: missing field `id`"),
        "{message}"
    );
    assert!(!message.contains("content"), "{message}");

    let delivered: Vec<Value> = slack
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .map(|request| serde_json::from_slice(&request.body).unwrap())
        .collect();
    assert_eq!(delivered, vec![render(&typical())]);
}
