/*!
The built binary as its Lambda function: a stand-in for the Lambda runtime
API hands it subscription events, and it publishes to a topic in the local
AWS API emulator, reporting each invocation's totals or error back.
*/

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use activity_aware_aws_tests::lambda_runtime::{Function, runtime_serving, wait_for};
use activity_aware_aws_tests::{
    drain, records, sdk_config, shared_moto, subscription_event, topic_with_queue, trail_logs,
};
use serde_json::{Value, json};
use wiremock::MockServer;

fn function(runtime: &MockServer, endpoint: &str) -> Command {
    let address = runtime.address();
    let mut command = Command::new(env!("CARGO_BIN_EXE_source-cloudtrail"));
    command
        .env(
            "AWS_LAMBDA_RUNTIME_API",
            format!("{}:{}", address.ip(), address.port()),
        )
        .env("AWS_LAMBDA_FUNCTION_NAME", "source-cloudtrail")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("REPORT", "all")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("FILTER_PATTERN")
        .env_remove("RULES_DIR")
        .env_remove("SUPPRESSIONS_FILE")
        .env_remove("LOG_LEVEL")
        .stdin(Stdio::null())
        .stdout(Stdio::null());
    command
}

#[tokio::test(flavor = "multi_thread")]
async fn publishes_each_invocation_to_the_topic_and_reports_errors() {
    let moto = shared_moto();
    let config = sdk_config(&moto.endpoint()).await;
    let subscribed = topic_with_queue(&config, None).await;

    let log = records(&trail_logs()[0]);
    let good = subscription_event("CloudTrail/DefaultLogGroup", &log);
    let broken = json!({"awslogs": {"data": "%%%"}});
    let runtime = runtime_serving(
        "source-cloudtrail",
        &[("req-good", &good), ("req-broken", &broken)],
    )
    .await;

    let child = function(&runtime, &moto.endpoint())
        .env("TOPIC_ARN", &subscribed.topic_arn)
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let _function = Function(child);

    let answer = wait_for(&runtime, "/req-good/response").await;
    let error = wait_for(&runtime, "/req-broken/error").await;

    let published = answer["published"].as_u64().unwrap();
    assert_eq!(answer["logEvents"], log.len());
    assert!(published > 10, "{answer}");
    assert_eq!(error["errorType"], "SubscriptionEventInvalid", "{error}");
    assert_eq!(
        drain(&config, &subscribed.queue_url).await.len() as u64,
        published
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn refuses_to_start_without_a_topic() {
    let runtime = MockServer::start().await;
    let mut child = function(&runtime, "http://127.0.0.1:9")
        .env_remove("TOPIC_ARN")
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");

    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "still running");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();

    assert!(!status.success());
    let line: Value = serde_json::from_str(stderr.lines().last().unwrap_or_default())
        .unwrap_or_else(|error| panic!("not a JSON log line ({error}): {stderr}"));
    assert_eq!(line["message"], "source stopped");
    assert_eq!(line["error_code"], "ConfigInvalid");
    assert_eq!(
        line["error"],
        "`TOPIC_ARN` must name the topic to publish to; it is unset or empty"
    );
}
