/*!
The built `destination-slack` binary, run as a person runs it: contract
messages as JSON lines on stdin.
*/

mod common;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use destination_slack::limits::violations;
use destination_slack::render::render;
use serde_json::Value;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use common::{SECRET_PATH, hook_url, hostile, typical};

/// Runs the binary with `input` on stdin and `webhook` as its webhook.
fn run(args: &[&str], input: &str, webhook: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_destination-slack"));
    command
        .args(args)
        .env_remove("SLACK_WEBHOOK_URL")
        .env_remove("SLACK_WEBHOOK_CIPHERTEXT")
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .env_remove("LOG_LEVEL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(url) = webhook {
        command.env("SLACK_WEBHOOK_URL", url);
    }

    let mut child = command.spawn().expect("the binary starts");
    let mut stdin = child.stdin.take().expect("stdin is piped");
    stdin
        .write_all(input.as_bytes())
        .expect("stdin takes the input");
    drop(stdin);
    child.wait_with_output().expect("the binary finishes")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn prints_one_compact_payload_per_message() {
    let input = format!("{}\n\n{}\n", typical().to_json(), hostile().to_json());

    let output = run(&[], &input, None);

    assert!(output.status.success(), "{}", text(&output.stderr));
    let lines: Vec<Value> = text(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("each line is JSON"))
        .collect();
    assert_eq!(lines, vec![render(&typical()), render(&hostile())]);
    assert_eq!(violations(&lines[1]), Vec::<String>::new());
}

#[test]
fn previews_what_the_team_would_see() {
    let output = run(&["--format", "text"], &typical().to_json(), None);

    assert!(output.status.success(), "{}", text(&output.stderr));
    let preview = text(&output.stdout);
    assert!(
        preview.starts_with(
            "🟠 MEDIUM: alice was denied sts:AssumeRole in 111122223333 / us-east-1\n====="
        ),
        "{preview}"
    );
    assert!(
        preview.contains("\nWho: `alice` (`IAMUser`)\n"),
        "{preview}"
    );
    assert!(preview.contains("\nDenied action: `sts:AssumeRole` (named in the error)\n"));
    assert!(preview.contains(
        "Event in the CloudTrail console (https://us-east-1.console.aws.amazon.com/\
         cloudtrailv2/home?region=us-east-1#/events/a7cddc2b)"
    ));
}

#[test]
fn reports_a_bad_line_and_goes_on() {
    let input = format!(
        "{}\nnot a message\n{{\"version\": 9}}\n",
        typical().to_json()
    );

    let output = run(&[], &input, None);

    assert_eq!(output.status.code(), Some(1));
    assert_eq!(text(&output.stdout).lines().count(), 1);
    assert_eq!(
        text(&output.stderr),
        "line 2: not a message: not valid JSON at line 1 column 2\n\
         line 3: not a message: message has contract `version` 9, this build reads version 1\n\
         destination-slack: 2 of 3 input lines failed\n"
    );
}

#[test]
fn refuses_an_insecure_webhook_without_echoing_it() {
    let output = run(
        &[],
        "",
        Some("http://hooks.example.com/services/T/B/SECRET"),
    );

    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert_eq!(
        stderr,
        "destination-slack: `SLACK_WEBHOOK_URL` must be an https URL (plain http only for a \
         loopback host), not `http`\n"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn posts_to_the_webhook_when_one_is_set() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(SECRET_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
        .mount(&server)
        .await;
    let url = hook_url(&server);

    let output = tokio::task::spawn_blocking(move || run(&[], &typical().to_json(), Some(&url)))
        .await
        .unwrap();

    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(text(&output.stdout), "");
    assert_eq!(
        text(&output.stderr),
        "line 1: message \"0f1e2d3c\" delivered (1 attempts)\n"
    );
    let requests = server.received_requests().await.unwrap_or_default();
    let payloads: Vec<Value> = requests
        .iter()
        .map(|request| serde_json::from_slice(&request.body).unwrap())
        .collect();
    assert_eq!(payloads, vec![render(&typical())]);
}
