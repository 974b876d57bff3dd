/*!
A stand-in for the Lambda runtime API, for tests that run a built function
binary: the function asks `invocation/next` for events and reports each
result or error back, all to a local wiremock server.
*/

use std::process::Child;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;
use wiremock::{MockServer, ResponseTemplate};

/// The path a function polls for its next event.
pub const NEXT: &str = "/2018-06-01/runtime/invocation/next";

/// A running function, killed when the test ends, however it ends.
pub struct Function(pub Child);

impl Drop for Function {
    fn drop(&mut self) {
        // The process may have exited already; either way it is gone.
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The runtime's answer to `invocation/next`: `event` as invocation
/// `request_id` of the function `function_name`, due within a minute.
pub fn invocation(request_id: &str, function_name: &str, event: &Value) -> ResponseTemplate {
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
