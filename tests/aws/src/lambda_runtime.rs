/*!
A stand-in for the Lambda runtime API, for tests that run a built function
binary: the function asks `invocation/next` for events and reports each
result or error back, all to a local wiremock server.
*/

use std::process::Child;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The path a function polls for its next event.
const NEXT: &str = "/2018-06-01/runtime/invocation/next";

/// A running function, killed when the test ends, however it ends.
pub struct Function(pub Child);

impl Drop for Function {
    fn drop(&mut self) {
        // The process may have exited already; either way it is gone.
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A runtime that hands the function `function_name` each of `invocations`
/// (request id, event) once, in order, then no more, and takes every
/// result and error it reports.
pub async fn runtime_serving(function_name: &str, invocations: &[(&str, &Value)]) -> MockServer {
    let runtime = MockServer::start().await;
    for (request_id, event) in invocations {
        Mock::given(method("GET"))
            .and(path(NEXT))
            .respond_with(invocation(request_id, function_name, event))
            .up_to_n_times(1)
            .mount(&runtime)
            .await;
    }
    // Then no more invocations: the next one never comes.
    Mock::given(method("GET"))
        .and(path(NEXT))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(120)))
        .mount(&runtime)
        .await;
    Mock::given(method("POST"))
        .and(path_regex(
            "^/2018-06-01/runtime/invocation/[^/]+/(response|error)$",
        ))
        .respond_with(ResponseTemplate::new(202))
        .mount(&runtime)
        .await;
    runtime
}

/// The runtime's answer to `invocation/next`: `event` as invocation
/// `request_id` of the function `function_name`, due within a minute.
fn invocation(request_id: &str, function_name: &str, event: &Value) -> ResponseTemplate {
    let deadline = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        + Duration::from_secs(60);
    ResponseTemplate::new(200)
        .insert_header("content-type", "application/json")
        .insert_header("lambda-runtime-aws-request-id", request_id)
        .insert_header(
            "lambda-runtime-deadline-ms",
            deadline.as_millis().to_string().as_str(),
        )
        .insert_header(
            "lambda-runtime-invoked-function-arn",
            format!("arn:aws:lambda:us-east-1:123456789012:function:{function_name}").as_str(),
        )
        .set_body_json(event)
}

/// Waits up to 30 s until `server` has seen a request to a path ending in
/// `suffix`, and returns its JSON body.
pub async fn wait_for(server: &MockServer, suffix: &str) -> Value {
    for _ in 0..300 {
        let requests = server.received_requests().await.unwrap_or_default();
        if let Some(request) = requests.iter().find(|r| r.url.path().ends_with(suffix)) {
            return serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the function never called `{suffix}`");
}
